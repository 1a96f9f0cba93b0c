/**
 * The shared seed people as Google contacts: the request-shaped Person a client would send to
 * createContact, so seeded contacts go through the same path (and normalisation) as created ones.
 */
import type { people_v1 } from '@googleapis/people';
import { seedPeople, type SeedPerson, type SeedPhoneType } from '../common/seed';
import type { GoogleState } from './state';

const PHONE_TYPES: Record<SeedPhoneType, string> = { business: 'work', home: 'home', mobile: 'mobile', fax: 'workFax' };
/** The first email is the work address, a second one private, any further ones "other". */
const EMAIL_TYPES = ['work', 'home'];

function birthday(date: string): people_v1.Schema$Birthday {
	const [year, month, day] = date.split('-').map(Number);
	return { date: { year, month, day } };
}

export function personFromSeed(person: SeedPerson): people_v1.Schema$Person {
	const name: people_v1.Schema$Name = {};
	if (person.firstName) name.givenName = person.firstName;
	if (person.middleName) name.middleName = person.middleName;
	if (person.lastName) name.familyName = person.lastName;
	const contact: people_v1.Schema$Person = {
		names: [name],
		emailAddresses: person.emails.map((value, index) => ({ value, type: EMAIL_TYPES[index] ?? 'other' })),
		phoneNumbers: person.phones.map((phone) => ({ value: phone.value, type: PHONE_TYPES[phone.type] })),
		memberships: [{ contactGroupMembership: { contactGroupResourceName: 'contactGroups/myContacts' } }],
	};
	if (person.address) {
		const { street, city, region, postalCode, country } = person.address;
		contact.addresses = [{ type: 'work', streetAddress: street, city, region, postalCode, country }];
	}
	if (person.company || person.jobTitle || person.department) {
		contact.organizations = [{ type: 'work', name: person.company, title: person.jobTitle, department: person.department }];
	}
	if (person.birthday) contact.birthdays = [birthday(person.birthday)];
	if (person.notes) contact.biographies = [{ value: person.notes, contentType: 'TEXT_PLAIN' }];
	return JSON.parse(JSON.stringify(contact)) as people_v1.Schema$Person; // drops the undefined properties
}

/** Adds `count` seed people as contacts; `offset` continues an earlier seed with new people. */
export function seedContacts(state: GoogleState, count: number, options: { seed?: number; offset?: number } = {}): people_v1.Schema$Person[] {
	return seedPeople(count, options).map((person) => state.createContact(personFromSeed(person)));
}
