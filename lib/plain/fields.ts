/**
 * The plain contact shape: a flat JSON record any other n8n node can take or give (a CRM, a
 * spreadsheet, a mailing tool). Keys are fixed, so workflows can rely on them; values are text,
 * except `birthday` ("YYYY-MM-DD", a date only) and `notes` and `street` (may hold several lines).
 * Custom mappings may add any other key; such a key takes the type of the Dynamics column it is
 * mapped with (see describePlainField).
 */
import type { CanonicalType, FieldDescriptor } from '../model/fields';

export type PlainRecord = Record<string, unknown>;

function field(name: string, label: string, type: CanonicalType): FieldDescriptor {
	return { app: 'plain', name, label, type, writable: true };
}

export const PLAIN_FIELDS: FieldDescriptor[] = [
	field('firstName', 'First name', 'text'),
	field('middleName', 'Middle name', 'text'),
	field('lastName', 'Last name', 'text'),
	field('fullName', 'Full name', 'text'),
	field('email', 'Email', 'email'),
	field('email2', 'Email 2', 'email'),
	field('email3', 'Email 3', 'email'),
	field('businessPhone', 'Business phone', 'phone'),
	field('homePhone', 'Home phone', 'phone'),
	field('mobilePhone', 'Mobile phone', 'phone'),
	field('fax', 'Fax', 'phone'),
	field('street', 'Street (one line per line)', 'multilineText'),
	field('city', 'City', 'text'),
	field('region', 'State / region', 'text'),
	field('postalCode', 'Postal code', 'text'),
	field('country', 'Country', 'text'),
	field('company', 'Company', 'text'),
	field('jobTitle', 'Job title', 'text'),
	field('department', 'Department', 'text'),
	field('birthday', 'Birthday (YYYY-MM-DD)', 'date'),
	field('notes', 'Notes', 'multilineText'),
];

const CATALOG = new Map(PLAIN_FIELDS.map((descriptor) => [descriptor.name, descriptor]));

/** Types a plain JSON value carries as text: an option's label, a linked record's name. */
const CARRIED_AS_TEXT = new Set<CanonicalType>(['choice', 'multiChoice', 'lookup', 'owner']);

/**
 * The descriptor of a plain key: a standard one from PLAIN_FIELDS, or a custom key, which holds
 * whatever the Dynamics column it is mapped with holds (JSON carries numbers, booleans and dates
 * as they are; choices and lookups as their label or name). Undefined for a blank or padded key.
 */
export function describePlainField(name: string, mappedWith?: FieldDescriptor): FieldDescriptor | undefined {
	const standard = CATALOG.get(name);
	if (standard) return standard;
	if (name === '' || name.trim() !== name) return undefined;
	const type = mappedWith && !CARRIED_AS_TEXT.has(mappedWith.type) ? mappedWith.type : 'text';
	return { ...field(name, name, type), custom: true };
}
