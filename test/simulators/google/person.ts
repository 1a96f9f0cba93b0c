/**
 * What the People API does to a Person it stores: validates the request shape, fills the output-only
 * values (displayName, formattedType, canonicalForm, formattedValue, item and source metadata) and
 * derives the terms searchContacts matches against.
 */
import type { people_v1 } from '@googleapis/people';
import { copyJson } from '../common/json';
import { invalidArgument } from './wire';

type Person = people_v1.Schema$Person;
type Item = Record<string, unknown> & { metadata?: people_v1.Schema$FieldMetadata; type?: string | null };

/** Fields `personFields` / `readMask` may name (people.connections.list, people.get). */
export const READABLE_PERSON_FIELDS = new Set([
	'addresses', 'ageRanges', 'biographies', 'birthdays', 'calendarUrls', 'clientData', 'coverPhotos', 'emailAddresses',
	'events', 'externalIds', 'genders', 'imClients', 'interests', 'locales', 'locations', 'memberships', 'metadata',
	'miscKeywords', 'names', 'nicknames', 'occupations', 'organizations', 'phoneNumbers', 'photos', 'relations',
	'sipAddresses', 'skills', 'urls', 'userDefined',
]);

/** Fields `updatePersonFields` / `updateMask` may name; a contact source can only write these. */
export const UPDATABLE_PERSON_FIELDS = new Set([
	'addresses', 'biographies', 'birthdays', 'calendarUrls', 'clientData', 'emailAddresses', 'events', 'externalIds',
	'genders', 'imClients', 'interests', 'locales', 'locations', 'memberships', 'miscKeywords', 'names', 'nicknames',
	'occupations', 'organizations', 'phoneNumbers', 'relations', 'sipAddresses', 'urls', 'userDefined',
]);

/** A contact may carry at most one of each of these. */
const SINGLETON_FIELDS = new Set(['names', 'biographies', 'birthdays', 'genders']);

/** Every property the Person message has; anything else is rejected as the proto JSON parser does. */
const PERSON_PROPERTIES = new Set([
	...READABLE_PERSON_FIELDS, 'resourceName', 'etag', 'ageRange', 'braggingRights', 'fileAses', 'relationshipInterests',
	'relationshipStatuses', 'residences', 'taglines',
]);

/** The standard `type` values per field; `formattedType` spells them out, custom types pass through. */
const STANDARD_TYPES: Record<string, string[]> = {
	emailAddresses: ['home', 'work', 'other'],
	phoneNumbers: ['home', 'work', 'mobile', 'homeFax', 'workFax', 'otherFax', 'pager', 'workMobile', 'workPager', 'main', 'googleVoice', 'other'],
	addresses: ['home', 'work', 'other'],
	organizations: ['work', 'school'],
	urls: ['home', 'work', 'blog', 'profile', 'homePage', 'ftp', 'reservations', 'appInstallPage', 'other'],
	events: ['anniversary', 'other'],
	relations: ['spouse', 'child', 'mother', 'father', 'parent', 'brother', 'sister', 'friend', 'relative', 'domesticPartner', 'manager', 'assistant', 'referredBy', 'partner'],
	externalIds: ['account', 'customer', 'loginId', 'network', 'organization'],
	imClients: ['home', 'work', 'other'],
	sipAddresses: ['home', 'work', 'mobile', 'other'],
};

/** Values the server computes; a client that sends them back (after a read) has them replaced. */
const OUTPUT_ONLY_ITEM_PROPERTIES = new Set(['formattedType', 'canonicalForm', 'displayName', 'displayNameLastFirst', 'contactGroupId', 'formattedProtocol']);
/** Item properties that are not strings in the People API's schema (dates, flags, a number, nested messages); every other one is. */
const NON_STRING_ITEM_PROPERTIES = new Set(['metadata', 'date', 'startDate', 'endDate', 'current', 'fullTimeEquivalentMillipercent', 'contactGroupMembership', 'domainMembership']);

const CJK = /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/;

function spelledOut(type: string): string {
	const words = type.replace(/([a-z])([A-Z])/g, '$1 $2');
	return words.charAt(0).toUpperCase() + words.slice(1);
}

const formattedStandardTypes = new Map(Object.values(STANDARD_TYPES).flat().map((type) => [type, spelledOut(type)]));

function formattedType(field: string, type: string | null | undefined): string | undefined {
	if (!type) return undefined;
	return STANDARD_TYPES[field]?.includes(type) ? formattedStandardTypes.get(type) : type;
}

/**
 * E.164 as Google computes it for a user in the US: "+" numbers and "00" numbers are international,
 * ten national digits are North American; other national numbers have no canonical form.
 */
function canonicalPhone(value: string): string | undefined {
	const withoutExtension = value.replace(/\s*(ext\.?|x|#)\s*\d+\s*$/i, '').replace(/\(0\)/g, '');
	const digits = withoutExtension.replace(/\D/g, '');
	if (withoutExtension.trim().startsWith('+')) return digits.length >= 7 ? `+${digits}` : undefined;
	if (digits.startsWith('00')) return digits.length >= 9 ? `+${digits.slice(2)}` : undefined;
	if (digits.length === 10 && !digits.startsWith('0')) return `+1${digits}`;
	if (digits.length === 11 && digits.startsWith('1')) return `+${digits}`;
	return undefined;
}

/** The non-empty parts, separated by spaces (no filtered copy of the list). */
function joinWords(parts: string[]): string {
	let text: string | undefined;
	for (const part of parts) if (part) text = text === undefined ? `${part}` : `${text} ${part}`;
	return text ?? '';
}

function fillName(name: Item): void {
	let given = (name.givenName as string | undefined) ?? '';
	let family = (name.familyName as string | undefined) ?? '';
	const unstructured = ((name.unstructuredName as string | undefined) ?? '').trim();
	if (!given && !family && !name.middleName && unstructured) {
		// Google parses a free-form name when no structured part is given: the last word is the family name.
		const words = unstructured.split(/\s+/);
		family = words.length > 1 ? words.pop() ?? '' : '';
		given = words.join(' ');
		if (given) name.givenName = given;
		if (family) name.familyName = family;
	}
	const middle = (name.middleName as string | undefined) ?? '';
	const prefix = (name.honorificPrefix as string | undefined) ?? '';
	const suffix = (name.honorificSuffix as string | undefined) ?? '';
	const eastAsian = CJK.test(given + family) && !/[A-Za-z]/.test(given + family);
	const displayName = eastAsian ? `${family}${middle}${given}` : joinWords([prefix, given, middle, family, suffix]);
	const beforeFamily = joinWords([prefix, given, middle]);
	const displayNameLastFirst = eastAsian ? displayName : family ? `${family}${beforeFamily ? `, ${beforeFamily}` : ''}${suffix ? `, ${suffix}` : ''}` : displayName;
	if (displayName) {
		name.displayName = displayName;
		name.displayNameLastFirst = displayNameLastFirst;
		if (!unstructured) name.unstructuredName = displayName;
	}
}

function fillAddress(address: Item): void {
	if (address.formattedValue) return;
	const cityLine = [address.city, [address.region, address.postalCode].filter(Boolean).join(' ')].filter(Boolean).join(', ');
	const lines = [address.streetAddress, address.extendedAddress, address.poBox ? `PO Box ${address.poBox}` : '', cityLine, address.country];
	const formatted = lines.filter((line) => typeof line === 'string' && line.trim() !== '').join('\n');
	if (formatted) address.formattedValue = formatted;
}

/** Where an item sits in the request, for error messages only (built when one is thrown, not for every item). */
function itemPath(path: string, field: string, index: number): string {
	return `${path}.${field}[${index}]`;
}

function validateDate(date: unknown, path: string, field: string, index: number, property: string): void {
	if (date === undefined || date === null) return;
	const { year = 0, month = 0, day = 0 } = date as people_v1.Schema$Date;
	const valid = [year, month, day].every((part) => Number.isInteger(part)) && year! >= 0 && year! <= 9999 && month! >= 0 && month! <= 12 && day! >= 0 && day! <= 31;
	if (!valid) throw invalidArgument(`Invalid value at '${itemPath(path, field, index)}.${property}': a date needs year 0..9999, month 0..12 and day 0..31.`);
}

/** The metadata Google gives a contact's items; one object of each kind serves all items of a person, as a stored person is never edited in place. */
interface ItemMetadata {
	primary: people_v1.Schema$FieldMetadata;
	other: people_v1.Schema$FieldMetadata;
}

function itemMetadata(sourceId: string): ItemMetadata {
	const source = { type: 'CONTACT', id: sourceId };
	return { primary: { primary: true, sourcePrimary: true, source }, other: { source } };
}

/** `item` normalised: in place when `inPlace` (the simulator's own object, parsed from a request body), else a copy. */
function normalizeItem(field: string, item: Item, inPlace: boolean, metadata: people_v1.Schema$FieldMetadata, path: string, index: number): Item {
	const normalized: Item = inPlace ? item : copyJson(item);
	// Only what is there is deleted: a delete costs a runtime call even when the property is absent, as it mostly is.
	for (const key of Object.keys(normalized)) {
		if (OUTPUT_ONLY_ITEM_PROPERTIES.has(key)) delete normalized[key];
		else if (!NON_STRING_ITEM_PROPERTIES.has(key)) {
			// As the API's JSON parser: a string field takes a string or null (or nothing: undefined, which JSON leaves out), never a number, flag, list or object.
			const value = normalized[key];
			if (value !== null && value !== undefined && typeof value !== 'string') throw invalidArgument(`Invalid value at '${itemPath(path, field, index)}.${key}' (TYPE_STRING), ${JSON.stringify(value)}`);
		}
	}
	normalized.metadata = metadata;
	const type = formattedType(field, normalized.type);
	if (type) normalized.formattedType = type;
	if (field === 'names') fillName(normalized);
	if (field === 'phoneNumbers' && typeof normalized.value === 'string') {
		const canonical = canonicalPhone(normalized.value);
		if (canonical) normalized.canonicalForm = canonical;
	}
	if (field === 'addresses') fillAddress(normalized);
	if (field === 'biographies' && !normalized.contentType) normalized.contentType = 'TEXT_PLAIN';
	if (field === 'birthdays' || field === 'events') validateDate(normalized.date, path, field, index, 'date');
	if (field === 'organizations') {
		validateDate(normalized.startDate, path, field, index, 'startDate');
		validateDate(normalized.endDate, path, field, index, 'endDate');
	}
	if ((field === 'userDefined' || field === 'clientData') && (typeof normalized.key !== 'string' || normalized.key === '')) {
		throw invalidArgument(`Invalid value at '${itemPath(path, field, index)}': ${field} entries need a non-empty key.`);
	}
	if (field === 'memberships') {
		const resourceName = (normalized.contactGroupMembership as people_v1.Schema$ContactGroupMembership | undefined)?.contactGroupResourceName;
		if (!resourceName) throw invalidArgument(`Invalid value at '${itemPath(path, field, index)}': only contactGroupMembership.contactGroupResourceName can be used to modify memberships.`);
		normalized.contactGroupMembership = { contactGroupId: resourceName.replace(/^contactGroups\//, ''), contactGroupResourceName: resourceName };
		delete normalized.domainMembership;
	}
	return normalized;
}

/** Rejects what the API rejects before anything is stored: unknown properties, non-lists, repeated singletons. */
export function validatePersonShape(person: unknown, path: string): asserts person is Person {
	if (!person || typeof person !== 'object' || Array.isArray(person)) throw invalidArgument(`Invalid value at '${path}': expected a Person object.`);
	for (const key of Object.keys(person)) {
		const value = (person as Record<string, unknown>)[key];
		if (!PERSON_PROPERTIES.has(key)) throw invalidArgument(`Invalid JSON payload received. Unknown name "${key}" at '${path}': Cannot find field.`);
		if (!UPDATABLE_PERSON_FIELDS.has(key) || value === undefined || value === null) continue;
		if (!Array.isArray(value)) throw invalidArgument(`Invalid value at '${path}.${key}': expected a list.`);
		if (SINGLETON_FIELDS.has(key) && value.length > 1) {
			throw invalidArgument(`Invalid value at '${path}.${key}': a contact may have only one item in ${key}, got ${value.length}.`);
		}
	}
}

export interface NormalizeOptions {
	/** Items for the fields `person` has none in (never edited: they are copied). */
	fallback?: Person;
	/** `person` is the simulator's own (parsed from a request body): its lists and items are normalised in place, not copied. */
	inPlace?: boolean;
}

/**
 * The stored form of the given writable fields of `person`, with output-only values filled in. A field
 * without items takes those of `fallback`, if any; else it is left out: nothing is stored for it (an update clears it).
 */
export function normalizeFields(person: Person, fields: Iterable<string>, sourceId: string, path: string, options: NormalizeOptions = {}): Person {
	const stored: Record<string, Item[]> = {};
	let metadata: ItemMetadata | undefined;
	for (const field of fields) {
		let items = (person as Record<string, unknown>)[field] as Array<Item | null> | null | undefined;
		let inPlace = options.inPlace === true;
		if (!items?.length && options.fallback) {
			items = (options.fallback as Record<string, unknown>)[field] as Item[] | undefined;
			inPlace = false;
		}
		if (!items?.length) continue;
		metadata ??= itemMetadata(sourceId);
		let primaryIndex = 0;
		for (let index = 0; index < items.length; index++) {
			if (items[index]?.metadata?.primary === true) {
				primaryIndex = index;
				break;
			}
		}
		const normalized: Item[] = inPlace ? (items as Item[]) : [];
		for (let index = 0; index < items.length; index++) {
			normalized[index] = normalizeItem(field, items[index] ?? {}, inPlace, index === primaryIndex ? metadata.primary : metadata.other, path, index);
		}
		stored[field] = normalized;
	}
	return stored as Person;
}

function foldCase(text: string): string {
	return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** The values searchContacts matches, folded for case and accents. */
export function searchTerms(person: Person): string[] {
	const terms: string[] = [];
	const add = (value: unknown) => {
		if (typeof value === 'string' && value.trim()) terms.push(foldCase(value.trim()));
	};
	for (const name of person.names ?? []) {
		for (const part of [name.displayName, name.givenName, name.middleName, name.familyName, name.unstructuredName]) add(part);
	}
	for (const nickname of person.nicknames ?? []) add(nickname.value);
	for (const email of person.emailAddresses ?? []) add(email.value);
	for (const phone of person.phoneNumbers ?? []) {
		add(phone.value);
		add(phone.canonicalForm);
		add(phone.value?.replace(/\D/g, ''));
	}
	for (const organization of person.organizations ?? []) {
		add(organization.name);
		add(organization.title);
		add(organization.department);
	}
	return terms;
}

/**
 * Prefix-phrase matching as documented: the query must start at the beginning of a word of a value
 * ("foo name" matches "f", "foo n" and "nam", never "oo n"). Each CJK character starts a word.
 */
export function matchesQuery(terms: readonly string[], query: string): boolean {
	const folded = foldCase(query.trim());
	if (!folded) return false;
	const digitsOnly = /^[\d\s()+.-]+$/.test(folded) ? folded.replace(/\D/g, '') : undefined;
	return terms.some((term) => {
		for (let index = 0; index < term.length; index++) {
			const previous = index === 0 ? '' : term[index - 1];
			const startsWord = index === 0 || !/[\p{L}\p{N}]/u.test(previous) || CJK.test(term[index]);
			if (!startsWord) continue;
			if (term.startsWith(folded, index)) return true;
			if (digitsOnly && term.startsWith(digitsOnly, index)) return true;
		}
		return false;
	});
}
