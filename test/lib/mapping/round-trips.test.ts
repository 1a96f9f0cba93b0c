/**
 * Round trips over the seed people (the simulators' hard cases first): a contact mapped to the
 * other app, stored there, and mapped back onto itself comes back equal on every field the
 * default maps carry both ways. Google contacts are stored by the Google simulator's own
 * createContact (which adds primary flags, display names, canonical phone forms...).
 */
import { mapContact, type MappingSpec } from '../../../lib/mapping';
import { readGoogleField, type GooglePerson } from '../../../lib/google/fields';
import { joinName } from '../../../lib/mapping/names';
import { GoogleState } from '../../simulators/google/state';
import { HARD_CASES, seedPeople } from '../../simulators/common/seed';
import { dynamicsContact, googleContacts, testGuid } from './records';

const people = seedPeople(150);
const toGoogle: MappingSpec = { direction: 'dynamicsToGoogle' };
const toDynamics: MappingSpec = { direction: 'googleToDynamics' };

/** Dynamics columns the default maps carry both ways (company goes one way, out of Dynamics). */
const TWO_WAY_DYNAMICS_COLUMNS = [
	'firstname', 'middlename', 'lastname',
	'emailaddress1', 'emailaddress2', 'emailaddress3',
	'telephone1', 'telephone2', 'mobilephone', 'fax',
	'address1_line1', 'address1_line2', 'address1_line3', 'address1_city', 'address1_stateorprovince', 'address1_postalcode', 'address1_country', 'address1_postofficebox',
	'jobtitle', 'department', 'birthdate', 'description',
];

/** Google fields the default maps carry both ways. */
const TWO_WAY_GOOGLE_FIELDS = [
	'names.givenName', 'names.middleName', 'names.familyName',
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

/** What Dataverse stores for a create or update: the written columns over the current ones, fullname recomputed. */
function storeInDynamics(values: Record<string, unknown>, current: Record<string, unknown> = {}, id = testGuid(999)): Record<string, unknown> {
	const stored: Record<string, unknown> = { contactid: id, ...current, ...values };
	stored.fullname = joinName(stored.firstname as string, stored.lastname as string);
	return stored;
}

/** What an updateContact does: the listed Person fields replaced whole. */
function updatePerson(current: GooglePerson, values: Record<string, unknown>): GooglePerson {
	return { ...current, ...values };
}

const empty = (value: unknown) => (value === null || value === undefined || value === '' ? null : value);

it('the seed covers the hard cases', () => {
	expect(people.slice(0, HARD_CASES.length)).toEqual(HARD_CASES);
});

describe('Dynamics → Google → Dynamics', () => {
	const state = new GoogleState();

	it.each(people.map((person, index) => [joinName(person.firstName, person.lastName) || '(no name)', index]))('%s comes back equal on every mapped field', (_name, index) => {
		const original = dynamicsContact(people[index], index);
		const created = state.createContact(mapped(original, toGoogle)) as unknown as GooglePerson;
		expect(readGoogleField(created, `clientData:dynamics365.contactid`)).toBe(original.contactid);
		expect(readGoogleField(created, 'organizations[0].name')).toBe(people[index].company);
		const back = storeInDynamics(mapped(created, toDynamics, original), original);
		for (const column of TWO_WAY_DYNAMICS_COLUMNS) expect([column, empty(back[column])]).toEqual([column, empty(original[column])]);
		expect(back.fullname).toBe(original.fullname);
	});
});

describe('Google → Dynamics → Google', () => {
	const contacts = googleContacts(people);

	it.each(people.map((person, index) => [joinName(person.firstName, person.lastName) || '(no name)', index]))('%s comes back equal on every mapped field', (_name, index) => {
		const original = contacts[index];
		const stored = storeInDynamics(mapped(original, toDynamics), {}, testGuid(index));
		const backValues = mapped(stored, toGoogle, original as Record<string, unknown>);
		const back = updatePerson(original, backValues);
		for (const field of TWO_WAY_GOOGLE_FIELDS) expect([field, readGoogleField(back, field)]).toEqual([field, readGoogleField(original, field)]);
		// The fields the map does not carry survive the update untouched.
		expect(back.memberships).toEqual(original.memberships);
		expect(readGoogleField(back, 'organizations[0].name')).toBe(readGoogleField(original, 'organizations[0].name'));
		expect(readGoogleField(back, 'clientData:dynamics365.contactid')).toBe(stored.contactid);
	});
});

describe('Dynamics → plain → Dynamics and plain → Dynamics → plain', () => {
	it.each(people.map((person, index) => [joinName(person.firstName, person.lastName) || '(no name)', index]))('%s', (_name, index) => {
		const original = dynamicsContact(people[index], index);
		const plain = mapped(original, { direction: 'dynamicsToPlain' });
		expect(plain.fullName).toBe(original.fullname);
		expect(plain.dynamicsContactId).toBe(original.contactid);
		const back = storeInDynamics(mapped(plain, { direction: 'plainToDynamics' }, original), original);
		for (const column of TWO_WAY_DYNAMICS_COLUMNS) expect([column, empty(back[column])]).toEqual([column, empty(original[column])]);

		// From the plain side with only a full name, the current names anchor the split.
		const fullNameOnly = { ...plain, firstName: undefined, lastName: undefined };
		const anchored = storeInDynamics(mapped(fullNameOnly, { direction: 'plainToDynamics' }, original), original);
		expect([anchored.firstname ?? null, anchored.lastname ?? null]).toEqual([original.firstname, original.lastname]);

		const plainAgain = mapped(back, { direction: 'dynamicsToPlain' }, plain);
		expect(plainAgain).toEqual(plain);
	});
});
