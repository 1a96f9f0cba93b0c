/**
 * Round trips over the seed people (the simulators' hard cases first): a contact mapped to the
 * other app, stored there by that app's simulator, and mapped back onto itself (an update, so the
 * current record is known) comes back equal on every field the default maps carry both ways.
 * Every write goes through the simulators' own validation (Dataverse types, MaxLength, options;
 * People API shapes), with the standard column catalogue and with the org's metadata.
 */
import { mapContact, type MappingSpec } from '../../../lib/mapping';
import { DYNAMICS_CONTACT_FIELDS } from '../../../lib/dynamics/contact-fields';
import { readGoogleField, type GooglePerson } from '../../../lib/google/fields';
import { joinName } from '../../../lib/mapping/names';
import type { FieldDescriptor } from '../../../lib/model/fields';
import { GoogleState } from '../../simulators/google/state';
import { HARD_CASES, seedPeople } from '../../simulators/common/seed';
import { DynamicsTestOrg, googleContacts, updateGoogleContact } from './records';

const COUNT = 150;
const people = seedPeople(COUNT);
const org = new DynamicsTestOrg();
const seededContacts = org.seed(COUNT);
let orgFields: FieldDescriptor[] = [];
const catalogs: Array<[string, () => FieldDescriptor[]]> = [
	['the standard catalogue', () => DYNAMICS_CONTACT_FIELDS],
	["the org's metadata", () => orgFields],
];

beforeAll(async () => {
	orgFields = await org.fields();
});

/** Dynamics columns the default maps carry both ways (company goes one way, out of Dynamics). */
const TWO_WAY_DYNAMICS_COLUMNS = [
	'firstname', 'middlename', 'lastname', 'fullname',
	'emailaddress1', 'emailaddress2', 'emailaddress3',
	'telephone1', 'telephone2', 'mobilephone', 'fax',
	'address1_line1', 'address1_line2', 'address1_line3', 'address1_city', 'address1_stateorprovince', 'address1_postalcode', 'address1_country', 'address1_postofficebox',
	'jobtitle', 'department', 'birthdate', 'description',
];

/** Google fields the default maps carry both ways. */
const TWO_WAY_GOOGLE_FIELDS = [
	'names.givenName', 'names.middleName', 'names.familyName', 'names.displayName',
	'emailAddresses',
	'phoneNumbers:work', 'phoneNumbers:home', 'phoneNumbers:mobile', 'phoneNumbers:workFax',
	'addresses:work.streetAddress', 'addresses:work.extendedAddress', 'addresses:work.city', 'addresses:work.region', 'addresses:work.postalCode', 'addresses:work.country', 'addresses:work.poBox',
	'organizations[0].title', 'organizations[0].department', 'birthdays[0].date', 'biographies[0].value',
];

function mapped(record: unknown, spec: MappingSpec, current?: Record<string, unknown>): Record<string, unknown> {
	const result = mapContact(record, spec, { current });
	if (!result.ok) throw new Error(`${result.error.field}: ${result.error.message} (${result.error.fix})`);
	return result.record.values;
}

const cases = people.map((person, index) => [joinName(person.firstName, person.lastName) || '(no name)', index] as [string, number]);

it('the seed covers the hard cases, on both simulators', () => {
	expect(people.slice(0, HARD_CASES.length)).toEqual(HARD_CASES);
	expect(seededContacts.slice(0, HARD_CASES.length).map((contact) => contact.fullname)).toEqual(HARD_CASES.map((person) => joinName(person.firstName, person.lastName)));
});

describe.each(catalogs)('with %s', (_catalog, dynamicsFields) => {
	describe('Dynamics → Google → Dynamics', () => {
		const google = new GoogleState();

		it.each(cases)('%s comes back equal on every mapped field', (_name, index) => {
			const original = seededContacts[index];
			const spec = (direction: MappingSpec['direction']): MappingSpec => ({ direction, catalogs: { dynamics: dynamicsFields() } });
			const created = google.createContact(mapped(original, spec('dynamicsToGoogle'))) as unknown as GooglePerson;
			expect(readGoogleField(created, 'clientData:dynamics365.contactid')).toBe(original.contactid);
			expect(readGoogleField(created, 'organizations[0].name')).toBe(people[index].company);
			const back = org.update(original.contactid as string, mapped(created, spec('googleToDynamics'), original));
			for (const column of TWO_WAY_DYNAMICS_COLUMNS) expect([column, back[column]]).toEqual([column, original[column]]);
		});
	});

	describe('Google → Dynamics → Google', () => {
		const google = new GoogleState();
		const contacts = googleContacts(people, google);

		it.each(cases)('%s comes back equal on every mapped field', (_name, index) => {
			const original = contacts[index];
			const spec = (direction: MappingSpec['direction']): MappingSpec => ({ direction, catalogs: { dynamics: dynamicsFields() } });
			const stored = org.create(mapped(original, spec('googleToDynamics')));
			const back = updateGoogleContact(google, original, mapped(stored, spec('dynamicsToGoogle'), original as Record<string, unknown>));
			for (const field of TWO_WAY_GOOGLE_FIELDS) expect([field, readGoogleField(back, field)]).toEqual([field, readGoogleField(original, field)]);
			// What the map does not carry survives the update untouched; the link is added.
			expect(back.memberships).toEqual(original.memberships);
			expect(readGoogleField(back, 'organizations[0].name')).toBe(readGoogleField(original, 'organizations[0].name'));
			expect(readGoogleField(back, 'clientData:dynamics365.contactid')).toBe(stored.contactid);
		});
	});
});

describe('Dynamics → plain → Dynamics, and plain → Dynamics → plain', () => {
	it.each(cases)('%s', (_name, index) => {
		const original = seededContacts[index];
		const plain = mapped(original, { direction: 'dynamicsToPlain' });
		expect(plain.fullName).toBe(original.fullname);
		expect(plain.dynamicsContactId).toBe(original.contactid);
		const back = org.update(original.contactid as string, mapped(plain, { direction: 'plainToDynamics' }, original));
		for (const column of TWO_WAY_DYNAMICS_COLUMNS) expect([column, back[column]]).toEqual([column, original[column]]);

		// From a plain app that holds only a full name, the current names anchor the split.
		const fullNameOnly = { ...plain, firstName: undefined, lastName: undefined };
		const anchored = org.update(original.contactid as string, mapped(fullNameOnly, { direction: 'plainToDynamics' }, original));
		expect([anchored.firstname, anchored.lastname]).toEqual([original.firstname, original.lastname]);

		expect(mapped(back, { direction: 'dynamicsToPlain' }, plain)).toEqual(plain);
	});
});
