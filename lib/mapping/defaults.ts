/**
 * The default field maps between Dynamics 365 contacts and the other app (Google Contacts or the
 * plain shape). Each entry has a stable id users can switch off; a switched-off entry frees its
 * fields for custom mappings (PieSync's rule: a field is mapped once).
 *
 * Decisions:
 * - emails: Dynamics' three email columns ↔ Google's email list, in order (the primary email is
 *   emailaddress1); Google emails past the third stay in Google. The plain shape has three too.
 * - phones by type: business ↔ work, home ↔ home, mobile ↔ mobile, fax ↔ work fax.
 * - address: Dynamics address 1 ↔ Google's work address. Street lines 1-3 ↔ Google's street
 *   (line 1) and street line 2 (`extendedAddress`: lines 2 and 3, one per line); a street
 *   written with line breaks in Google fills lines 1-3 in order. In the plain shape, `street`
 *   holds the lines joined by line breaks.
 * - company: the contact's parent account or contact name, one-way out of Dynamics (a lookup is
 *   read-only in mappings: the name can be shown, but not turned back into a record link).
 * - birthday: date only, never shifted by a time zone. notes: description ↔ Google's biography.
 */

export type DefaultMappingId = 'names' | 'emails' | 'phones' | 'address' | 'company' | 'jobTitle' | 'department' | 'birthday' | 'notes';

export const DEFAULT_MAPPING_IDS: DefaultMappingId[] = ['names', 'emails', 'phones', 'address', 'company', 'jobTitle', 'department', 'birthday', 'notes'];

/** Which way a link may carry values, seen from Dynamics. */
export type LinkFlow = 'both' | 'dynamicsToOther' | 'otherToDynamics';

/** Name parts on one side; `full` is a joined full name (written out, or split when no parts arrive). */
export interface NameFieldNames {
	first: string;
	last: string;
	middle?: string;
	full?: string;
}

/** A link between Dynamics fields and the other app's fields. Field names are each app's own. */
export type FieldLink =
	/** One field to one field, converted between their types. */
	| { kind: 'field'; dynamics: string; other: string; flow: LinkFlow }
	/** Numbered Dynamics columns ↔ a list field, in order. */
	| { kind: 'list'; dynamics: string[]; other: string; flow: LinkFlow }
	/** Address lines spread over fields on both sides; carried as one list of lines. */
	| { kind: 'lines'; dynamics: string[]; other: string[]; flow: LinkFlow }
	/** First, middle and last name as one unit, joined or split where one side holds a full name. */
	| { kind: 'names'; dynamics: NameFieldNames; other: NameFieldNames; flow: LinkFlow };

export interface DefaultMapping {
	id: DefaultMappingId;
	label: string;
	links: FieldLink[];
}

export type OtherApp = 'google' | 'plain';

const DYNAMICS_NAMES: NameFieldNames = { first: 'firstname', middle: 'middlename', last: 'lastname' };
/** Dynamics' email columns, primary first. */
export const DYNAMICS_EMAIL_COLUMNS = ['emailaddress1', 'emailaddress2', 'emailaddress3'];
const DYNAMICS_STREET = ['address1_line1', 'address1_line2', 'address1_line3'];

const both = (dynamics: string, other: string): FieldLink => ({ kind: 'field', dynamics, other, flow: 'both' });

/** The Dynamics column of each link `pairs` lists, with the other app's field names. */
function fieldLinks(pairs: Array<[string, string]>): FieldLink[] {
	return pairs.map(([dynamics, other]) => both(dynamics, other));
}

const GOOGLE_DEFAULTS: DefaultMapping[] = [
	{
		id: 'names',
		label: 'Names',
		links: [{ kind: 'names', dynamics: DYNAMICS_NAMES, other: { first: 'names.givenName', middle: 'names.middleName', last: 'names.familyName', full: 'names.displayName' }, flow: 'both' }],
	},
	{ id: 'emails', label: 'Emails (all three)', links: [{ kind: 'list', dynamics: DYNAMICS_EMAIL_COLUMNS, other: 'emailAddresses', flow: 'both' }] },
	{
		id: 'phones',
		label: 'Phones (business, home, mobile, fax)',
		links: fieldLinks([
			['telephone1', 'phoneNumbers:work'],
			['telephone2', 'phoneNumbers:home'],
			['mobilephone', 'phoneNumbers:mobile'],
			['fax', 'phoneNumbers:workFax'],
		]),
	},
	{
		id: 'address',
		label: 'Address (Dynamics address 1 ↔ Google work address)',
		links: [
			{ kind: 'lines', dynamics: DYNAMICS_STREET, other: ['addresses:work.streetAddress', 'addresses:work.extendedAddress'], flow: 'both' },
			...fieldLinks([
				['address1_city', 'addresses:work.city'],
				['address1_stateorprovince', 'addresses:work.region'],
				['address1_postalcode', 'addresses:work.postalCode'],
				['address1_country', 'addresses:work.country'],
				['address1_postofficebox', 'addresses:work.poBox'],
			]),
		],
	},
	{ id: 'company', label: 'Company (one-way from Dynamics)', links: [{ kind: 'field', dynamics: 'parentcustomerid', other: 'organizations[0].name', flow: 'dynamicsToOther' }] },
	{ id: 'jobTitle', label: 'Job title', links: [both('jobtitle', 'organizations[0].title')] },
	{ id: 'department', label: 'Department', links: [both('department', 'organizations[0].department')] },
	{ id: 'birthday', label: 'Birthday', links: [both('birthdate', 'birthdays[0].date')] },
	{ id: 'notes', label: 'Notes (description)', links: [both('description', 'biographies[0].value')] },
];

const PLAIN_DEFAULTS: DefaultMapping[] = [
	{
		id: 'names',
		label: 'Names',
		links: [{ kind: 'names', dynamics: DYNAMICS_NAMES, other: { first: 'firstName', middle: 'middleName', last: 'lastName', full: 'fullName' }, flow: 'both' }],
	},
	{ id: 'emails', label: 'Emails (all three)', links: fieldLinks(DYNAMICS_EMAIL_COLUMNS.map((column, index) => [column, index === 0 ? 'email' : `email${index + 1}`])) },
	{
		id: 'phones',
		label: 'Phones (business, home, mobile, fax)',
		links: fieldLinks([
			['telephone1', 'businessPhone'],
			['telephone2', 'homePhone'],
			['mobilephone', 'mobilePhone'],
			['fax', 'fax'],
		]),
	},
	{
		id: 'address',
		label: 'Address (Dynamics address 1)',
		links: [
			{ kind: 'lines', dynamics: DYNAMICS_STREET, other: ['street'], flow: 'both' },
			...fieldLinks([
				['address1_city', 'city'],
				['address1_stateorprovince', 'region'],
				['address1_postalcode', 'postalCode'],
				['address1_country', 'country'],
			]),
		],
	},
	{ id: 'company', label: 'Company (one-way from Dynamics)', links: [{ kind: 'field', dynamics: 'parentcustomerid', other: 'company', flow: 'dynamicsToOther' }] },
	{ id: 'jobTitle', label: 'Job title', links: [both('jobtitle', 'jobTitle')] },
	{ id: 'department', label: 'Department', links: [both('department', 'department')] },
	{ id: 'birthday', label: 'Birthday', links: [both('birthdate', 'birthday')] },
	{ id: 'notes', label: 'Notes (description)', links: [both('description', 'notes')] },
];

/** The default maps between Dynamics and `other`, every entry on. */
export function defaultMappings(other: OtherApp): DefaultMapping[] {
	return other === 'google' ? GOOGLE_DEFAULTS : PLAIN_DEFAULTS;
}

/** Every field name a link touches on each side (to keep custom mappings off default-mapped fields). */
export function linkFieldNames(link: FieldLink): { dynamics: string[]; other: string[] } {
	switch (link.kind) {
		case 'field':
			return { dynamics: [link.dynamics], other: [link.other] };
		case 'list':
			return { dynamics: link.dynamics, other: [link.other] };
		case 'lines':
			return { dynamics: link.dynamics, other: link.other };
		case 'names': {
			const names = (parts: NameFieldNames) => [parts.first, parts.last, parts.middle, parts.full].filter((name): name is string => name !== undefined);
			return { dynamics: names(link.dynamics), other: names(link.other) };
		}
	}
}
