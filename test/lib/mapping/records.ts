/**
 * Test records built from the shared seed people: Dynamics contacts in the Web API's JSON shape
 * (formatted-value annotations included, empty columns null, as the Web API returns them), and
 * Google contacts as the Google simulator stores them (created through its own createContact).
 */
import { GoogleState } from '../../simulators/google/state';
import { personFromSeed } from '../../simulators/google/seed';
import type { SeedPerson } from '../../simulators/common/seed';
import { FORMATTED_VALUE_ANNOTATION } from '../../../lib/dynamics/contact-fields';
import { joinName } from '../../../lib/mapping/names';
import type { GooglePerson } from '../../../lib/google/fields';

/** A stable GUID per index, so failures name the same record every run. */
export function testGuid(index: number, prefix = '00000000'): string {
	return `${prefix}-0000-4000-8000-${String(index).padStart(12, '0')}`;
}

const PHONE_COLUMNS = { business: 'telephone1', home: 'telephone2', mobile: 'mobilephone', fax: 'fax' } as const;

export function dynamicsContact(person: SeedPerson, index: number): Record<string, unknown> {
	const lines = person.address?.street.split('\n') ?? [];
	const contact: Record<string, unknown> = {
		'@odata.etag': `W/"${1000 + index}"`,
		contactid: testGuid(index),
		firstname: person.firstName || null,
		middlename: person.middleName ?? null,
		lastname: person.lastName || null,
		fullname: joinName(person.firstName, person.lastName),
		emailaddress1: person.emails[0] ?? null,
		emailaddress2: person.emails[1] ?? null,
		emailaddress3: person.emails[2] ?? null,
		telephone1: null,
		telephone2: null,
		mobilephone: null,
		fax: null,
		address1_line1: lines[0] ?? null,
		address1_line2: lines[1] ?? null,
		address1_line3: lines[2] ?? null,
		address1_city: person.address?.city ?? null,
		address1_stateorprovince: person.address?.region ?? null,
		address1_postalcode: person.address?.postalCode ?? null,
		address1_country: person.address?.country ?? null,
		address1_postofficebox: null,
		jobtitle: person.jobTitle ?? null,
		department: person.department ?? null,
		birthdate: person.birthday ?? null,
		description: person.notes ?? null,
		donotemail: person.doNotEmail ?? false,
		[`donotemail${FORMATTED_VALUE_ANNOTATION}`]: person.doNotEmail ? 'Do Not Allow' : 'Allow',
		donotbulkemail: person.doNotBulkEmail ?? false,
		_parentcustomerid_value: person.company ? testGuid(index, 'aaaaaaaa') : null,
	};
	if (person.company) {
		contact[`_parentcustomerid_value${FORMATTED_VALUE_ANNOTATION}`] = person.company;
		contact['_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname'] = 'account';
	}
	for (const phone of person.phones) contact[PHONE_COLUMNS[phone.type]] = phone.value;
	return contact;
}

/** Seed people as the Google simulator stores them (resourceName, etag, metadata, primary flags). */
export function googleContacts(people: SeedPerson[]): GooglePerson[] {
	const state = new GoogleState();
	return people.map((person) => state.createContact(personFromSeed(person)) as unknown as GooglePerson);
}
