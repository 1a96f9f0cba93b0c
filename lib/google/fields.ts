/**
 * The Google Contacts (People API Person) fields the sync can read, filter on and write, as
 * canonical FieldDescriptors, and typed accessors that read and write them by name.
 *
 * Field names are paths into a Person:
 * - `names.givenName`: a property of a singleton field (names, birthdays, biographies) or of the
 *   first organization;
 * - `emailAddresses`, `phoneNumbers`: the whole list of values, primary first;
 * - `emailAddresses[1]`: one value by position (primary first, then in the API's order);
 * - `phoneNumbers:mobile`, `addresses:work.city`: the first item of that type, or one property of it;
 * - `userDefined:<key>`: a custom field users see in Google Contacts; `clientData:<key>` is the
 *   hidden per-app data the sync keeps its link in (readable and writable, never offered to users);
 * - `memberships`: contact group resource names (labels);
 * - `birthdays[0].date`: a date-only value, "YYYY-MM-DD" (or "--MM-DD" without a year).
 */
import type { CanonicalType, FieldDescriptor } from '../model/fields';
import { formatDateOnly, parseDateOnly, type CalendarDate } from '../mapping/dates';
import { normalizeEmail, normalizePhone } from '../mapping/normalize';

/** The slice of a People API Person the sync touches (field shapes as in the API's discovery document). */
export interface GooglePerson {
	resourceName?: string;
	etag?: string;
	metadata?: { deleted?: boolean; sources?: Array<Record<string, unknown>>; [key: string]: unknown };
	names?: GoogleItem[];
	emailAddresses?: GoogleItem[];
	phoneNumbers?: GoogleItem[];
	addresses?: GoogleItem[];
	organizations?: GoogleItem[];
	birthdays?: GoogleItem[];
	biographies?: GoogleItem[];
	nicknames?: GoogleItem[];
	urls?: GoogleItem[];
	memberships?: Array<{ contactGroupMembership?: { contactGroupResourceName?: string; contactGroupId?: string } }>;
	userDefined?: Array<{ key?: string; value?: string }>;
	clientData?: Array<{ key?: string; value?: string }>;
	[field: string]: unknown;
}

/** One item of a Person list field (a name, email, phone, address, organization...). */
export interface GoogleItem {
	metadata?: { primary?: boolean; [key: string]: unknown };
	type?: string;
	[property: string]: unknown;
}

type ListField = 'emailAddresses' | 'phoneNumbers';
type ItemField = 'names' | 'emailAddresses' | 'phoneNumbers' | 'addresses' | 'organizations' | 'birthdays' | 'biographies' | 'nicknames' | 'urls';
type KeyedField = 'userDefined' | 'clientData';

/** Where a field name points inside a Person. */
type GooglePath =
	| { kind: 'list'; field: ListField }
	| ({ kind: 'item'; field: ItemField; position: number; type?: undefined; property: string } & ItemWrite)
	| ({ kind: 'item'; field: ItemField; position?: undefined; type: string; property: string } & ItemWrite)
	| { kind: 'keyed'; field: KeyedField; key: string }
	| { kind: 'memberships' }
	| { kind: 'resourceName' }
	| { kind: 'deleted' };

/** What a write of an item property needs beyond where it is, worked out once per field name. */
interface ItemWrite {
	/** The output-only properties a write of this property removes from an existing item. */
	derived: string[];
}

function field(name: string, label: string, type: CanonicalType, extra: Partial<FieldDescriptor> = {}): FieldDescriptor {
	return { app: 'google', name, label, type, writable: true, ...extra };
}

const EMAIL_TYPES: Array<[string, string]> = [['work', 'Work'], ['home', 'Home'], ['other', 'Other']];
const PHONE_TYPES: Array<[string, string]> = [
	['work', 'Work'],
	['home', 'Home'],
	['mobile', 'Mobile'],
	['workFax', 'Work fax'],
	['homeFax', 'Home fax'],
	['otherFax', 'Other fax'],
	['workMobile', 'Work mobile'],
	['pager', 'Pager'],
	['workPager', 'Work pager'],
	['main', 'Main'],
	['googleVoice', 'Google Voice'],
	['other', 'Other'],
];
const ADDRESS_TYPES: Array<[string, string]> = [['work', 'Work'], ['home', 'Home'], ['other', 'Other']];
const ADDRESS_PROPERTIES: Array<[string, string]> = [
	['streetAddress', 'street'],
	['extendedAddress', 'street line 2'],
	['poBox', 'PO box'],
	['city', 'city'],
	['region', 'region'],
	['postalCode', 'postal code'],
	['country', 'country'],
	['countryCode', 'country code'],
];
const ORDINALS = ['First', 'Second', 'Third'];

/** The standard Google Contacts fields users can filter on and map (custom fields come from `userDefined:<key>`). */
export const GOOGLE_FIELDS: FieldDescriptor[] = [
	field('resourceName', 'Resource name (contact id)', 'text', { writable: false }),
	field('metadata.deleted', 'Deleted', 'boolean', { writable: false }),
	field('names.displayName', 'Display name', 'text', { writable: false }),
	field('names.givenName', 'First name', 'text'),
	field('names.middleName', 'Middle name', 'text'),
	field('names.familyName', 'Last name', 'text'),
	field('names.honorificPrefix', 'Name prefix', 'text'),
	field('names.honorificSuffix', 'Name suffix', 'text'),
	field('nicknames[0].value', 'Nickname', 'text'),
	field('emailAddresses', 'Emails (all)', 'email', { multiple: true }),
	...ORDINALS.map((ordinal, index) => field(`emailAddresses[${index}]`, `${ordinal} email`, 'email')),
	...EMAIL_TYPES.map(([type, label]) => field(`emailAddresses:${type}`, `${label} email`, 'email')),
	field('phoneNumbers', 'Phones (all)', 'phone', { multiple: true }),
	field('phoneNumbers[0]', 'First phone', 'phone'),
	...PHONE_TYPES.map(([type, label]) => field(`phoneNumbers:${type}`, `${label} phone`, 'phone')),
	...ADDRESS_TYPES.flatMap(([type, label]) =>
		ADDRESS_PROPERTIES.map(([property, propertyLabel]) => field(`addresses:${type}.${property}`, `${label} address: ${propertyLabel}`, 'text')),
	),
	field('organizations[0].name', 'Company', 'text'),
	field('organizations[0].title', 'Job title', 'text'),
	field('organizations[0].department', 'Department', 'text'),
	field('organizations[0].jobDescription', 'Job description', 'multilineText'),
	field('birthdays[0].date', 'Birthday', 'date'),
	field('biographies[0].value', 'Notes', 'multilineText'),
	field('urls[0].value', 'Website', 'text'),
	field('memberships', 'Labels (contact groups)', 'multiChoice'),
];

const CATALOG = new Map(GOOGLE_FIELDS.map((descriptor) => [descriptor.name, descriptor]));
const USER_DEFINED_PREFIX = 'userDefined:';
const CLIENT_DATA_PREFIX = 'clientData:';

/** The descriptor of a Google field name, custom `userDefined:<key>` fields included; undefined if unknown. */
export function describeGoogleField(name: string): FieldDescriptor | undefined {
	if (name.startsWith(USER_DEFINED_PREFIX) && name.length > USER_DEFINED_PREFIX.length) {
		const key = name.slice(USER_DEFINED_PREFIX.length);
		return field(name, `Custom field "${key}"`, 'text', { custom: true });
	}
	return CATALOG.get(name);
}

/** Output-only or derived properties that would contradict a changed value if kept. */
const DERIVED_PROPERTIES: Partial<Record<ItemField, string[]>> = {
	names: ['displayName', 'displayNameLastFirst', 'unstructuredName'],
	phoneNumbers: ['canonicalForm'],
	addresses: ['formattedValue'],
	birthdays: ['text'],
};

const PATH = /^(\w+)(?:\[(\d+)\]|:(\w+))?(?:\.(\w+))?$/;

/** Field names come from a handful of mappings but are read for every contact: parse each once (paths are only read). */
const PARSED_PATHS = new Map<string, GooglePath>();

function parseGooglePath(name: string): GooglePath {
	let path = PARSED_PATHS.get(name);
	if (path === undefined) {
		path = parsePath(name);
		PARSED_PATHS.set(name, path);
	}
	return path;
}

function parsePath(name: string): GooglePath {
	if (name.startsWith(USER_DEFINED_PREFIX) && name.length > USER_DEFINED_PREFIX.length) {
		return { kind: 'keyed', field: 'userDefined', key: name.slice(USER_DEFINED_PREFIX.length) };
	}
	if (name.startsWith(CLIENT_DATA_PREFIX) && name.length > CLIENT_DATA_PREFIX.length) {
		return { kind: 'keyed', field: 'clientData', key: name.slice(CLIENT_DATA_PREFIX.length) };
	}
	if (!CATALOG.has(name)) {
		throw new Error(
			`Unknown Google Contacts field "${name}". Use a standard field such as names.givenName, emailAddresses[0], ` +
				'phoneNumbers:mobile or addresses:work.city, or a custom field as userDefined:<key>.',
		);
	}
	if (name === 'resourceName') return { kind: 'resourceName' };
	if (name === 'metadata.deleted') return { kind: 'deleted' };
	if (name === 'memberships') return { kind: 'memberships' };
	if (name === 'emailAddresses' || name === 'phoneNumbers') return { kind: 'list', field: name };
	const [, collection, position, type, property] = PATH.exec(name) ?? [];
	const itemField = collection as ItemField;
	const itemProperty = property ?? 'value';
	const derived = (DERIVED_PROPERTIES[itemField] ?? []).filter((derivedProperty) => derivedProperty !== itemProperty);
	if (type !== undefined) return { kind: 'item', field: itemField, type, property: itemProperty, derived };
	return { kind: 'item', field: itemField, position: Number(position ?? 0), property: itemProperty, derived };
}

/** The entries of a Person list field that are objects: a list from another node may hold nulls. */
function entriesOf<T>(items: T[] | null | undefined): T[] {
	return Array.isArray(items) ? items.filter((item) => typeof item === 'object' && item !== null) : [];
}

/** Items primary first, then in the API's order (which the API does not guarantee otherwise); a new array, in one pass (it runs for every field of every contact). */
function primaryFirst(items: GoogleItem[] | undefined): GoogleItem[] {
	const ordered: GoogleItem[] = [];
	if (!Array.isArray(items)) return ordered;
	let others: GoogleItem[] | undefined;
	for (const item of items) {
		if (typeof item !== 'object' || item === null) continue;
		if (item.metadata?.primary === true) ordered.push(item);
		else (others ??= []).push(item);
	}
	if (others) for (const item of others) ordered.push(item);
	return ordered;
}

/**
 * A list built by push, stored at its length: an array grown by push keeps 16 spare slots, which
 * every mapped contact would carry (and the garbage collector copy) for as long as it is held.
 */
function trimmed<T>(items: T[]): T[] {
	return items.slice();
}

function sameType(item: GoogleItem, type: string): boolean {
	return typeof item.type === 'string' && (item.type === type || item.type.toLowerCase() === type.toLowerCase());
}

const PRIMARY_PASSES = [true, false];

/**
 * The item a path names, in primaryFirst's order (primary items, then the others, each in the API's
 * order), found without building that list: snapshots read a dozen such fields of every contact.
 */
function findItem(person: GooglePerson, path: Extract<GooglePath, { kind: 'item' }>): GoogleItem | undefined {
	const items = person[path.field] as GoogleItem[] | undefined;
	if (!Array.isArray(items)) return undefined;
	let position = path.position ?? 0;
	for (const primaries of PRIMARY_PASSES) {
		for (const item of items) {
			if (typeof item !== 'object' || item === null || (item.metadata?.primary === true) !== primaries) continue;
			if (path.type === undefined ? position-- === 0 : sameType(item, path.type)) return item;
		}
	}
	return undefined;
}

function isEmpty(value: unknown): boolean {
	return value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
}

function readProperty(item: GoogleItem, property: string): unknown {
	if (property === 'date') {
		const date = item.date as CalendarDate | undefined;
		return date ? formatDateOnly(date) : undefined;
	}
	return item[property];
}

/**
 * Reads a field by name in its canonical form: text as a string, lists as string arrays, dates as
 * "YYYY-MM-DD", Deleted as a boolean. Undefined when the Person does not hold the field.
 * Throws for a name that is neither in GOOGLE_FIELDS nor `userDefined:`/`clientData:<key>`.
 */
export function readGoogleField(person: GooglePerson, name: string): unknown {
	const path = parseGooglePath(name);
	switch (path.kind) {
		case 'resourceName':
			return person.resourceName;
		case 'deleted':
			return person.metadata?.deleted === true;
		case 'memberships': {
			const groups = entriesOf(person.memberships).map((membership) => membership.contactGroupMembership?.contactGroupResourceName);
			return groups.filter((group): group is string => typeof group === 'string');
		}
		case 'keyed':
			return entriesOf(person[path.field]).find((entry) => entry.key === path.key)?.value;
		case 'list': {
			const values = primaryFirst(person[path.field]).map((item) => item.value);
			return values.filter((value): value is string => typeof value === 'string' && value !== '');
		}
		case 'item': {
			const item = findItem(person, path);
			return item ? readProperty(item, path.property) : undefined;
		}
	}
}

/** Properties that describe an item rather than hold its content. */
const ITEM_LABEL_PROPERTIES = new Set(['metadata', 'type', 'formattedType', 'contentType']);

function hasContent(item: GoogleItem): boolean {
	for (const key in item) {
		if (!ITEM_LABEL_PROPERTIES.has(key) && !isEmpty(item[key as keyof GoogleItem])) return true;
	}
	return false;
}

function textValue(name: string, value: unknown): string {
	if (typeof value === 'string') return value;
	if (typeof value === 'number' || typeof value === 'boolean') return String(value);
	throw new Error(`Google Contacts field "${name}" takes text; got ${JSON.stringify(value)}.`);
}

function writeProperty(name: string, item: GoogleItem, property: string, value: unknown): void {
	if (property !== 'date') {
		item[property] = textValue(name, value);
		return;
	}
	const date = parseDateOnly(textValue(name, value));
	if (!date) throw new Error(`Google Contacts field "${name}" takes a date as YYYY-MM-DD (or --MM-DD without a year); got ${JSON.stringify(value)}.`);
	item.date = { year: date.year ?? 0, month: date.month, day: date.day };
}

/** Whether a list is as primaryFirst would order it: objects only, the primary items first. */
function inPrimaryOrder(items: unknown): items is GoogleItem[] {
	if (!Array.isArray(items)) return false;
	let othersSeen = false;
	for (const item of items) {
		if (typeof item !== 'object' || item === null) return false;
		if ((item as GoogleItem).metadata?.primary !== true) othersSeen = true;
		else if (othersSeen) return false;
	}
	return true;
}

/** Stands for a Person without the list: searched, never stored nor edited. */
const NO_ITEMS: GoogleItem[] = [];

/** The items and one more, in a new list at its length. */
function withItem(items: GoogleItem[], item: GoogleItem): GoogleItem[] {
	if (items.length === 0) return [item];
	const list = items.slice();
	list.push(item);
	return trimmed(list);
}

function indexOfItem(items: GoogleItem[], path: Extract<GooglePath, { kind: 'item' }>): number {
	if (path.type === undefined) return path.position < items.length ? path.position : -1;
	for (let index = 0; index < items.length; index++) if (sameType(items[index], path.type)) return index;
	return -1;
}

/**
 * Writes one property of the item a path names. A list already in primaryFirst's order (the one a
 * write leaves) is kept and its item edited in place: a new list, at its length, only when an item
 * comes or goes (a mapping writes a dozen properties into the same few items of every contact).
 */
function writeItem(person: GooglePerson, name: string, path: Extract<GooglePath, { kind: 'item' }>, value: unknown): void {
	const stored = person[path.field];
	const items = inPrimaryOrder(stored) ? stored : Array.isArray(stored) ? trimmed(primaryFirst(stored)) : NO_ITEMS;
	const index = indexOfItem(items, path);
	const empty = isEmpty(value);
	if (empty && index < 0) return;
	let list = items;
	let item: GoogleItem;
	if (index < 0) {
		item = path.type === undefined ? {} : { type: path.type };
		list = withItem(items, item);
	} else {
		item = items[index];
		for (const derived of path.derived) {
			// `in` first: a delete is a runtime call even when there is nothing to delete.
			if (derived in item) delete item[derived];
		}
	}
	if (empty) delete item[path.property];
	else writeProperty(name, item, path.property, value);
	if (path.field === 'biographies') item.contentType = 'TEXT_PLAIN';
	// A written value is content; only a cleared one can leave an item without any.
	if (empty && (path.property === 'value' || !hasContent(item))) list = items.slice(0, index).concat(items.slice(index + 1));
	person[path.field] = list;
}

/** New list items get these types by position, as Dynamics' email 1/2/3 are usually work, personal, other. */
const NEW_ITEM_TYPES: Record<ListField, string[]> = { emailAddresses: ['work', 'home', 'other'], phoneNumbers: ['other'] };
const LIST_NORMALIZERS: Record<ListField, (value: string) => string> = { emailAddresses: normalizeEmail, phoneNumbers: normalizePhone };

/** Replaces a whole list, keeping each existing item (type, metadata) whose value normalises alike. */
function writeList(person: GooglePerson, name: string, field: ListField, value: unknown): void {
	const values = isEmpty(value) ? [] : Array.isArray(value) ? value.map((entry) => textValue(name, entry)) : [textValue(name, value)];
	const normalize = LIST_NORMALIZERS[field];
	const existing = primaryFirst(person[field]);
	const newTypes = NEW_ITEM_TYPES[field];
	person[field] = values
		.filter((entry) => entry.trim() !== '')
		.map((entry, index) => {
			const kept = existing.find((item) => typeof item.value === 'string' && normalize(item.value) === normalize(entry));
			if (kept) existing.splice(existing.indexOf(kept), 1);
			const item: GoogleItem = kept ? { ...kept, value: entry } : { value: entry, type: newTypes[Math.min(index, newTypes.length - 1)] };
			if ('canonicalForm' in item) delete item.canonicalForm;
			return item;
		});
}

function writeKeyed(person: GooglePerson, name: string, field: KeyedField, key: string, value: unknown): void {
	const stored = person[field];
	const entries = stored === undefined || stored === null ? [] : stored.filter((entry) => entry.key !== key);
	if (!isEmpty(value)) {
		const entry = { key, value: textValue(name, value) };
		// The usual case (the link of a new contact): the list literal is at its length already.
		if (entries.length === 0) {
			person[field] = [entry];
			return;
		}
		entries.push(entry);
	}
	person[field] = trimmed(entries);
}

function writeMemberships(person: GooglePerson, name: string, value: unknown): void {
	const groups = isEmpty(value) ? [] : Array.isArray(value) ? value : [value];
	person.memberships = groups.map((group) => ({ contactGroupMembership: { contactGroupResourceName: textValue(name, group) } }));
}

/**
 * Writes a field by name into a Person (a whole one or a partial one bound for an update), taking
 * the canonical form readGoogleField returns. An empty value (undefined, null, "", []) removes it.
 * Throws for unknown and read-only fields and for values of the wrong shape.
 */
export function writeGoogleField(person: GooglePerson, name: string, value: unknown): void {
	const path = parseGooglePath(name);
	switch (path.kind) {
		case 'resourceName':
		case 'deleted':
			throw new Error(`Google Contacts field "${name}" is read-only; nothing can be written to it.`);
		case 'memberships':
			return writeMemberships(person, name, value);
		case 'keyed':
			return writeKeyed(person, name, path.field, path.key, value);
		case 'list':
			return writeList(person, name, path.field, value);
		case 'item':
			if (name === 'names.displayName') throw new Error('Google Contacts field "names.displayName" is read-only; write names.givenName and names.familyName.');
			return writeItem(person, name, path, value);
	}
}

/** The top-level Person field a field name lives in (what an update's updatePersonFields lists). */
export function googlePersonField(name: string): string {
	const path = parseGooglePath(name);
	if (path.kind === 'resourceName') return 'resourceName';
	if (path.kind === 'deleted') return 'metadata';
	if (path.kind === 'memberships') return 'memberships';
	return path.field;
}
