/**
 * Recognising and reading the items the Contact Filter receives: Dynamics 365 contacts as the Web API
 * returns them (annotations included) and Google People API persons, bare or wrapped in the items the
 * triggers emit (`{ event, contactId, modifiedOn, contact }` and `{ event, resourceName, person }`).
 */

import { dynamicsFormattedValue } from '../dynamics/contact-fields';
import { readGoogleField, type GooglePerson } from '../google/fields';
import type { FieldDescriptor } from '../model/fields';

export type ChangeEvent = 'created' | 'updated' | 'deleted';

/** A contact row as the Dataverse Web API returns it: columns, `_x_value` lookups and `@…` annotations. */
export type DynamicsContact = Record<string, unknown>;

export interface DynamicsRecord {
	app: 'dynamics';
	contact: DynamicsContact;
	/** Set when the item came from the trigger. */
	event?: ChangeEvent;
}

export interface GoogleRecord {
	app: 'google';
	person: GooglePerson;
	event?: ChangeEvent;
}

export type ContactRecord = DynamicsRecord | GoogleRecord;

export type ClassifiedRecord = ContactRecord | { error: string };

const GUID = /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i;
/** The form Dataverse returns, which needs no cleaning: the common case, checked first. */
const CANONICAL_GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const EVENTS: readonly ChangeEvent[] = ['created', 'updated', 'deleted'];
const ITEM_SOURCES = 'The Contact Filter takes items from the Dynamics 365 and Google Contacts triggers and nodes.';

/** A GUID in the form Dataverse returns (lower case, no braces), or undefined when the value is not one. */
export function guidOf(value: unknown): string | undefined {
	if (typeof value !== 'string') return undefined;
	if (CANONICAL_GUID.test(value)) return value;
	return GUID.test(value.trim()) ? value.trim().replace(/^\{|\}$/g, '').toLowerCase() : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeKind(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'an array';
	return `a ${typeof value}`;
}

function readEvent(item: Record<string, unknown>): ChangeEvent | { error: string } | undefined {
	if (item.event === undefined) return undefined;
	if (EVENTS.includes(item.event as ChangeEvent)) return item.event as ChangeEvent;
	return { error: `has an unknown event ${JSON.stringify(item.event)}; a trigger item's event is created, updated or deleted` };
}

/** `contactId`: the contact's id as guidOf reads it, when the caller has read it already. */
function classifyDynamics(contact: Record<string, unknown>, event?: ChangeEvent, contactId = guidOf(contact.contactid)): ClassifiedRecord {
	if (!contactId) {
		return { error: `has a contactid that is not a GUID (${JSON.stringify(contact.contactid)}); a Dynamics 365 contact's contactid looks like 49b0be2e-d01c-ed11-b83e-000d3a572421` };
	}
	return event ? { app: 'dynamics', contact, event } : { app: 'dynamics', contact };
}

function classifyGoogle(person: Record<string, unknown>, event?: ChangeEvent): ClassifiedRecord {
	const resourceName = person.resourceName;
	if (typeof resourceName !== 'string' || !resourceName.startsWith('people/')) {
		if (typeof resourceName === 'string' && resourceName.startsWith('contactGroups/')) {
			return { error: `is a Google contact group (${resourceName}), not a contact` };
		}
		return { error: `has a resourceName that is not a Google contact (${JSON.stringify(resourceName)}); contacts are named people/…` };
	}
	return event ? { app: 'google', person, event } : { app: 'google', person };
}

/** A trigger item for Dynamics: `{ event, contactId, modifiedOn, contact }`; a deletion may carry no contact. */
function classifyDynamicsTriggerItem(item: Record<string, unknown>, event?: ChangeEvent): ClassifiedRecord {
	const contact = 'contact' in item ? item.contact : event === 'deleted' ? { contactid: item.contactId } : undefined;
	if (contact === undefined) return { error: 'has no contact; only a deletion comes without one' };
	if (!isObject(contact)) return { error: `has a contact that is ${describeKind(contact)}, not a Dynamics 365 contact object` };
	const contactId = guidOf(contact.contactid);
	// The trigger writes the same text in both: then they cannot disagree, and one reading is enough.
	const itemId = item.contactId === contact.contactid ? contactId : guidOf(item.contactId);
	if (itemId && contactId && itemId !== contactId) {
		return { error: `has contactId ${item.contactId} but its contact is ${contact.contactid}` };
	}
	return classifyDynamics(contact, event, contactId);
}

/**
 * A trigger item for Google: `{ event, resourceName, person }`. A deletion may carry only the resource
 * name; either way its person is marked deleted, as the People API marks a tombstone.
 */
function classifyGoogleTriggerItem(item: Record<string, unknown>, event?: ChangeEvent): ClassifiedRecord {
	const person = 'person' in item ? item.person : event === 'deleted' ? { resourceName: item.resourceName } : undefined;
	if (person === undefined) return { error: 'has no person; only a deletion comes without one' };
	if (!isObject(person)) return { error: `has a person that is ${describeKind(person)}, not a Google contact object` };
	if (event !== 'deleted') return classifyGoogle(person, event);
	return classifyGoogle({ ...person, metadata: { ...(isObject(person.metadata) ? person.metadata : {}), deleted: true } }, event);
}

/** The primary key of another Dataverse table (`accountid`, `leadid`), to say what an item is instead. */
function otherTableKey(item: Record<string, unknown>): string | undefined {
	return Object.keys(item).find((key) => /^[a-z][a-z0-9_]*id$/.test(key) && guidOf(item[key]) !== undefined);
}

/** Tells a Dynamics contact from a Google contact, or says why an item is neither. */
export function classifyRecord(json: unknown): ClassifiedRecord {
	if (!isObject(json)) return { error: `is ${describeKind(json)}, not a contact object. ${ITEM_SOURCES}` };
	const event = readEvent(json);
	if (typeof event === 'object') return event;
	if ('contact' in json || ('contactId' in json && event)) return classifyDynamicsTriggerItem(json, event);
	if ('person' in json || ('resourceName' in json && event)) return classifyGoogleTriggerItem(json, event);
	if ('contactid' in json) return classifyDynamics(json);
	if ('resourceName' in json) return classifyGoogle(json);
	const otherKey = otherTableKey(json);
	if (otherKey) {
		return { error: `looks like a Dynamics 365 ${otherKey.slice(0, -2)} row (${otherKey}), not a contact. ${ITEM_SOURCES}` };
	}
	const keys = Object.keys(json);
	const shownKeys = keys.length ? `its keys are ${keys.slice(0, 6).join(', ')}${keys.length > 6 ? ', …' : ''}` : 'it is empty';
	return {
		error: `is neither a Dynamics 365 contact (no contactid) nor a Google contact (no resourceName people/…); ${shownKeys}. ${ITEM_SOURCES}`,
	};
}

/** A column's value in one record: absent (not in the row's $select), or present with its raw value. */
export interface FieldReading {
	present: boolean;
	value: unknown;
	/** Dynamics' formatted value annotation: a choice's label, a lookup's name. */
	formatted?: string;
}

function readDynamicsField(contact: DynamicsContact, field: FieldDescriptor): FieldReading {
	// Lookups and owners come as _<name>_value (a GUID), with the linked record's name as the formatted value.
	const key = field.type === 'lookup' || field.type === 'owner' ? `_${field.name}_value` : field.name;
	const formatted = dynamicsFormattedValue(contact, field);
	const value = contact[key];
	// A value read means the key is there: `in` (another lookup) only tells absent from undefined.
	const reading: FieldReading = { present: value !== undefined || key in contact, value };
	if (formatted !== undefined) reading.formatted = formatted;
	return reading;
}

export function readField(record: ContactRecord, field: FieldDescriptor): FieldReading {
	if (record.app === 'dynamics') return readDynamicsField(record.contact, field);
	// The People API leaves empty fields out of a Person, so absent and empty are one case there.
	const value = readGoogleField(record.person, field.name);
	return { present: value !== undefined, value };
}
