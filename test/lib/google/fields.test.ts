import { GOOGLE_FIELDS, describeGoogleField, googlePersonField, readGoogleField, writeGoogleField, type GooglePerson } from '../../../lib/google/fields';
import { seedPeople } from '../../simulators/common/seed';
import { googleContacts } from '../mapping/records';

const primary = { primary: true };

function sample(): GooglePerson {
	return {
		resourceName: 'people/c1',
		etag: '%Eg',
		names: [{ givenName: 'Jan', familyName: 'van der Berg', displayName: 'Jan van der Berg', unstructuredName: 'Jan van der Berg', metadata: primary }],
		emailAddresses: [
			{ value: 'jan@home.example', type: 'home' },
			{ value: 'jan@work.example', type: 'work', metadata: primary },
			{ value: 'jan@other.example', type: 'other' },
		],
		phoneNumbers: [
			{ value: '+31 20 123 4567', type: 'work', canonicalForm: '+31201234567' },
			{ value: '06 1234 5678', type: 'mobile' },
		],
		addresses: [
			{ type: 'home', city: 'Utrecht', formattedValue: 'Utrecht' },
			{ type: 'work', streetAddress: 'Keizersgracht 123', city: 'Amsterdam', formattedValue: 'Keizersgracht 123\nAmsterdam' },
		],
		organizations: [{ name: 'Berg & Zonen', title: 'Directeur' }],
		birthdays: [{ date: { year: 1975, month: 4, day: 30 }, text: '30 April 1975' }],
		biographies: [{ value: 'Line one\nLine two', contentType: 'TEXT_PLAIN' }],
		memberships: [{ contactGroupMembership: { contactGroupResourceName: 'contactGroups/myContacts', contactGroupId: 'myContacts' } }],
		userDefined: [{ key: 'Source', value: 'Fair 2024' }],
		clientData: [{ key: 'dynamics365.contactid', value: 'c0ffee00-0000-4000-8000-000000000001' }],
		metadata: { sources: [{ type: 'CONTACT', id: '1' }] },
	};
}

describe('GOOGLE_FIELDS', () => {
	it('names each field once, and every name is readable and described', () => {
		const names = GOOGLE_FIELDS.map((field) => field.name);
		expect(new Set(names).size).toBe(names.length);
		for (const field of GOOGLE_FIELDS) {
			expect(field.app).toBe('google');
			expect(describeGoogleField(field.name)).toBe(field);
			expect(() => readGoogleField({}, field.name)).not.toThrow();
		}
	});

	it('marks output-only fields read-only and list fields as lists', () => {
		const readOnly = GOOGLE_FIELDS.filter((field) => !field.writable).map((field) => field.name);
		expect(readOnly.sort()).toEqual(['metadata.deleted', 'names.displayName', 'resourceName']);
		expect(GOOGLE_FIELDS.filter((field) => field.multiple).map((field) => field.name)).toEqual(['emailAddresses', 'phoneNumbers']);
		expect(describeGoogleField('birthdays[0].date')?.type).toBe('date');
		expect(describeGoogleField('biographies[0].value')?.type).toBe('multilineText');
	});

	it('describes custom fields by key, and hides clientData', () => {
		expect(describeGoogleField('userDefined:Customer since')).toMatchObject({ name: 'userDefined:Customer since', type: 'text', writable: true, custom: true });
		expect(describeGoogleField('clientData:dynamics365.contactid')).toBeUndefined();
		expect(describeGoogleField('userDefined:')).toBeUndefined();
		expect(describeGoogleField('names.nickname')).toBeUndefined();
	});
});

describe('readGoogleField', () => {
	const person = sample();

	it.each([
		['resourceName', 'people/c1'],
		['metadata.deleted', false],
		['names.givenName', 'Jan'],
		['names.familyName', 'van der Berg'],
		['names.displayName', 'Jan van der Berg'],
		['names.middleName', undefined],
		['emailAddresses', ['jan@work.example', 'jan@home.example', 'jan@other.example']],
		['emailAddresses[0]', 'jan@work.example'],
		['emailAddresses[1]', 'jan@home.example'],
		['emailAddresses[2]', 'jan@other.example'],
		['emailAddresses:home', 'jan@home.example'],
		['phoneNumbers', ['+31 20 123 4567', '06 1234 5678']],
		['phoneNumbers:mobile', '06 1234 5678'],
		['phoneNumbers:workFax', undefined],
		['addresses:work.city', 'Amsterdam'],
		['addresses:home.city', 'Utrecht'],
		['addresses:work.streetAddress', 'Keizersgracht 123'],
		['addresses:other.city', undefined],
		['organizations[0].name', 'Berg & Zonen'],
		['organizations[0].department', undefined],
		['birthdays[0].date', '1975-04-30'],
		['biographies[0].value', 'Line one\nLine two'],
		['memberships', ['contactGroups/myContacts']],
		['userDefined:Source', 'Fair 2024'],
		['userDefined:Missing', undefined],
		['clientData:dynamics365.contactid', 'c0ffee00-0000-4000-8000-000000000001'],
	])('%s', (name, expected) => {
		expect(readGoogleField(person, name)).toEqual(expected);
	});

	it('reads a birthday without a year as --MM-DD, and an impossible one as nothing', () => {
		expect(readGoogleField({ birthdays: [{ date: { year: 0, month: 2, day: 29 } }] }, 'birthdays[0].date')).toBe('--02-29');
		expect(readGoogleField({ birthdays: [{ date: { month: 12, day: 24 } }] }, 'birthdays[0].date')).toBe('--12-24');
		expect(readGoogleField({ birthdays: [{ date: { year: 2001, month: 2, day: 29 } }] }, 'birthdays[0].date')).toBeUndefined();
		expect(readGoogleField({ birthdays: [{ text: 'sometime in May' }] }, 'birthdays[0].date')).toBeUndefined();
	});

	it('reads a deleted contact from the sync tombstone', () => {
		expect(readGoogleField({ resourceName: 'people/c9', metadata: { deleted: true } }, 'metadata.deleted')).toBe(true);
	});

	it('refuses an unknown name, naming the field and the forms it takes', () => {
		expect(() => readGoogleField(person, 'emails')).toThrow(/Unknown Google Contacts field "emails".*names\.givenName.*userDefined:<key>/);
		expect(() => readGoogleField(person, 'phoneNumbers:cell')).toThrow(/Unknown Google Contacts field "phoneNumbers:cell"/);
	});

	it('reads the simulator\'s seeded contacts as the seed people say', () => {
		const people = seedPeople(20);
		googleContacts(people).forEach((contact, index) => {
			const seed = people[index];
			expect(readGoogleField(contact, 'names.givenName') ?? '').toBe(seed.firstName);
			expect(readGoogleField(contact, 'names.familyName') ?? '').toBe(seed.lastName);
			expect(readGoogleField(contact, 'emailAddresses')).toEqual(seed.emails);
			expect(readGoogleField(contact, 'birthdays[0].date')).toBe(seed.birthday);
			expect(readGoogleField(contact, 'addresses:work.city')).toBe(seed.address?.city);
			expect(readGoogleField(contact, 'memberships')).toEqual(['contactGroups/myContacts']);
		});
	});
});

describe('writeGoogleField', () => {
	it('creates the items a new Person needs', () => {
		const person: GooglePerson = {};
		writeGoogleField(person, 'names.givenName', 'María José');
		writeGoogleField(person, 'names.familyName', 'García Pérez');
		writeGoogleField(person, 'phoneNumbers:mobile', '+34 612 34 56 78');
		writeGoogleField(person, 'addresses:work.city', 'Madrid');
		writeGoogleField(person, 'organizations[0].title', 'Ingeniera');
		writeGoogleField(person, 'birthdays[0].date', '1988-12-31');
		writeGoogleField(person, 'biographies[0].value', 'Prefiere español.');
		writeGoogleField(person, 'emailAddresses', ['mj@example.es', 'mj@example.com', 'mj@example.org']);
		writeGoogleField(person, 'userDefined:Source', 'Dynamics 365');
		writeGoogleField(person, 'memberships', ['contactGroups/myContacts', 'contactGroups/abc']);
		expect(person).toEqual({
			names: [{ givenName: 'María José', familyName: 'García Pérez' }],
			phoneNumbers: [{ type: 'mobile', value: '+34 612 34 56 78' }],
			addresses: [{ type: 'work', city: 'Madrid' }],
			organizations: [{ title: 'Ingeniera' }],
			birthdays: [{ date: { year: 1988, month: 12, day: 31 } }],
			biographies: [{ value: 'Prefiere español.', contentType: 'TEXT_PLAIN' }],
			emailAddresses: [
				{ value: 'mj@example.es', type: 'work' },
				{ value: 'mj@example.com', type: 'home' },
				{ value: 'mj@example.org', type: 'other' },
			],
			userDefined: [{ key: 'Source', value: 'Dynamics 365' }],
			memberships: [
				{ contactGroupMembership: { contactGroupResourceName: 'contactGroups/myContacts' } },
				{ contactGroupMembership: { contactGroupResourceName: 'contactGroups/abc' } },
			],
		});
	});

	it('changes one property and drops what the server derives from the old value', () => {
		const person = sample();
		writeGoogleField(person, 'names.givenName', 'Johannes');
		expect(person.names).toEqual([{ givenName: 'Johannes', familyName: 'van der Berg', metadata: primary }]);
		writeGoogleField(person, 'addresses:work.city', 'Rotterdam');
		expect(person.addresses?.find((address) => address.type === 'work')).toEqual({ type: 'work', streetAddress: 'Keizersgracht 123', city: 'Rotterdam' });
		expect(person.addresses?.find((address) => address.type === 'home')).toEqual({ type: 'home', city: 'Utrecht', formattedValue: 'Utrecht' });
		writeGoogleField(person, 'birthdays[0].date', '--02-29');
		expect(person.birthdays).toEqual([{ date: { year: 0, month: 2, day: 29 } }]);
		writeGoogleField(person, 'phoneNumbers:work', '+31 20 765 4321');
		expect(person.phoneNumbers?.[0]).toEqual({ value: '+31 20 765 4321', type: 'work' });
	});

	it('removes a value, and an item left without content', () => {
		const person = sample();
		writeGoogleField(person, 'phoneNumbers:mobile', '');
		expect(readGoogleField(person, 'phoneNumbers')).toEqual(['+31 20 123 4567']);
		writeGoogleField(person, 'addresses:home.city', undefined);
		expect(person.addresses?.map((address) => address.type)).toEqual(['work']);
		writeGoogleField(person, 'organizations[0].title', null);
		expect(person.organizations).toEqual([{ name: 'Berg & Zonen' }]);
		writeGoogleField(person, 'birthdays[0].date', '');
		expect(person.birthdays).toEqual([]);
		writeGoogleField(person, 'biographies[0].value', '');
		expect(person.biographies).toEqual([]);
		writeGoogleField(person, 'userDefined:Source', '');
		expect(person.userDefined).toEqual([]);
		writeGoogleField(person, 'emailAddresses[1]', '');
		expect(readGoogleField(person, 'emailAddresses')).toEqual(['jan@work.example', 'jan@other.example']);
	});

	it('replaces a whole list, keeping the type and flags of entries that stay (matched case-blind)', () => {
		const person = sample();
		writeGoogleField(person, 'emailAddresses', ['JAN@WORK.EXAMPLE', 'jan@new.example']);
		expect(person.emailAddresses).toEqual([
			{ value: 'JAN@WORK.EXAMPLE', type: 'work', metadata: primary },
			{ value: 'jan@new.example', type: 'home' },
		]);
		writeGoogleField(person, 'phoneNumbers', ['+31201234567']);
		expect(person.phoneNumbers).toEqual([{ value: '+31201234567', type: 'work' }]);
	});

	it('keeps other clientData and userDefined keys when one changes', () => {
		const person = sample();
		writeGoogleField(person, 'clientData:dynamics365.fingerprint', 'abc');
		writeGoogleField(person, 'clientData:dynamics365.contactid', 'c0ffee00-0000-4000-8000-000000000002');
		expect(person.clientData).toEqual([
			{ key: 'dynamics365.fingerprint', value: 'abc' },
			{ key: 'dynamics365.contactid', value: 'c0ffee00-0000-4000-8000-000000000002' },
		]);
	});

	it('refuses read-only fields, unknown fields and values of the wrong shape', () => {
		const person = sample();
		expect(() => writeGoogleField(person, 'names.displayName', 'X')).toThrow(/read-only.*names\.givenName/);
		expect(() => writeGoogleField(person, 'resourceName', 'people/c2')).toThrow(/read-only/);
		expect(() => writeGoogleField(person, 'metadata.deleted', true)).toThrow(/read-only/);
		expect(() => writeGoogleField(person, 'nickname', 'J')).toThrow(/Unknown Google Contacts field "nickname"/);
		expect(() => writeGoogleField(person, 'birthdays[0].date', '30/04/1975')).toThrow(/takes a date as YYYY-MM-DD/);
		expect(() => writeGoogleField(person, 'birthdays[0].date', '1900-02-29')).toThrow(/takes a date/);
		expect(() => writeGoogleField(person, 'names.givenName', { first: 'J' })).toThrow(/takes text/);
	});
});

describe('googlePersonField', () => {
	it.each([
		['names.givenName', 'names'],
		['emailAddresses[2]', 'emailAddresses'],
		['phoneNumbers:workFax', 'phoneNumbers'],
		['addresses:work.postalCode', 'addresses'],
		['birthdays[0].date', 'birthdays'],
		['userDefined:Source', 'userDefined'],
		['clientData:dynamics365.contactid', 'clientData'],
		['memberships', 'memberships'],
	])('%s lives in %s', (name, field) => {
		expect(googlePersonField(name)).toBe(field);
	});
});
