import { compileMapping, mapContact, LINK_KEYS, type MappingContext, type MappingSpec, type TargetRecord } from '../../../lib/mapping';
import type { FieldDescriptor } from '../../../lib/model/fields';
import { readGoogleField, type GooglePerson } from '../../../lib/google/fields';
import { PLAIN_FIELDS } from '../../../lib/plain/fields';
import { seedPeople } from '../../simulators/common/seed';
import { DynamicsTestOrg, googleContacts } from './records';

const seed = seedPeople(30);
const [jan, , , , , , caseUpper] = seed;
/** The seed people as the Dataverse simulator stores and reads them, in seed order. */
const org = new DynamicsTestOrg();
const contacts = org.seed(seed.length);
const seededContact = (index: number) => structuredClone(contacts[index]);
const idOf = (index: number) => contacts[index].contactid as string;
/** The org's columns from its metadata: the standard ones and custom ones (new_customernumber, new_interests...). */
let catalogs: { dynamics: FieldDescriptor[] };
beforeAll(async () => {
	catalogs = { dynamics: await org.fields() };
});

function record(result: ReturnType<typeof mapContact>): TargetRecord {
	if (!result.ok) throw new Error(`${result.error.field}: ${result.error.message}`);
	return result.record;
}

function values(source: unknown, spec: MappingSpec, context?: MappingContext): Record<string, unknown> {
	return record(mapContact(source, spec, context)).values;
}

const janInDynamics = () => seededContact(0);
const janInGoogle = () => googleContacts([jan])[0];

describe('target-ready records', () => {
	it('Dynamics → Google: a partial Person with the link in clientData, match keys and the source id', () => {
		const result = record(mapContact(janInDynamics(), { direction: 'dynamicsToGoogle' }));
		expect(result).toEqual({
			target: 'google',
			sourceApp: 'dynamics',
			sourceId: idOf(0),
			matchKeys: { linkId: undefined, emails: ['jan.vanderberg@example.nl'] },
			values: {
				names: [{ givenName: 'Jan', familyName: 'van der Berg' }],
				emailAddresses: [{ value: 'jan.vanderberg@example.nl', type: 'work' }],
				phoneNumbers: [{ type: 'work', value: '+31 20 123 4567' }],
				addresses: [{ type: 'work', streetAddress: 'Keizersgracht 123', city: 'Amsterdam', region: 'Noord-Holland', postalCode: '1015 CJ', country: 'Netherlands' }],
				organizations: [{ name: 'Berg & Zonen', title: 'Directeur' }],
				birthdays: [{ date: { year: 1975, month: 4, day: 30 } }],
				clientData: [{ key: LINK_KEYS.googleDynamicsContactId, value: idOf(0) }],
			},
		});
	});

	it('Google → Dynamics: attribute names, the link read from clientData', () => {
		const contact = { ...janInGoogle(), clientData: [{ key: LINK_KEYS.googleDynamicsContactId, value: idOf(0) }] };
		const result = record(mapContact(contact, { direction: 'googleToDynamics' }));
		expect(result.matchKeys).toEqual({ linkId: idOf(0), emails: ['jan.vanderberg@example.nl'] });
		expect(result.sourceId).toBe(contact.resourceName);
		expect(result.values).toEqual({
			firstname: 'Jan',
			lastname: 'van der Berg',
			emailaddress1: 'jan.vanderberg@example.nl',
			emailaddress2: null,
			emailaddress3: null,
			telephone1: '+31 20 123 4567',
			address1_line1: 'Keizersgracht 123',
			address1_line2: null,
			address1_line3: null,
			address1_city: 'Amsterdam',
			address1_stateorprovince: 'Noord-Holland',
			address1_postalcode: '1015 CJ',
			address1_country: 'Netherlands',
			jobtitle: 'Directeur',
			birthdate: '1975-04-30',
		});
	});

	it('Dynamics → plain: every plain key, null when empty, and the link', () => {
		const result = values(seededContact(4), { direction: 'dynamicsToPlain' });
		expect(Object.keys(result).sort()).toEqual([...PLAIN_FIELDS.map((field) => field.name), LINK_KEYS.plainDynamicsContactId].sort());
		expect(result).toMatchObject({ firstName: null, lastName: 'Cher', fullName: 'Cher', email: 'cher@example.com', birthday: null, company: null, dynamicsContactId: idOf(4) });
	});

	it('plain → Dynamics: the link and emails as match keys; the source id from the record or the context', () => {
		const plain = { id: 17, firstName: 'Siobhán', lastName: "O'Brien", email: ' Siobhan.OBrien@Example.IE ', dynamicsContactId: idOf(2) };
		const result = record(mapContact(plain, { direction: 'plainToDynamics' }));
		expect(result.matchKeys).toEqual({ linkId: idOf(2), emails: ['siobhan.obrien@example.ie'] });
		expect(result.sourceId).toBe('17');
		expect(record(mapContact(plain, { direction: 'plainToDynamics' }, { sourceId: 'row-3' })).sourceId).toBe('row-3');
		expect(result.values).toMatchObject({ firstname: 'Siobhán', lastname: "O'Brien", emailaddress1: 'Siobhan.OBrien@Example.IE' });
	});

	it('takes a mapping compiled once for many records', () => {
		const compiled = compileMapping({ direction: 'dynamicsToGoogle' });
		if (!compiled.ok) throw new Error('spec rejected');
		const mapped = contacts.map((dynamics) => record(mapContact(dynamics, compiled.mapping)));
		expect(mapped.map((entry) => entry.sourceId)).toEqual(contacts.map((dynamics) => dynamics.contactid));
	});

	it('gives every email of the source, trimmed and lower-case, as match keys (whatever the maps say)', () => {
		const spec: MappingSpec = { direction: 'dynamicsToGoogle', disabledDefaults: ['emails'] };
		expect(record(mapContact(seededContact(1), spec)).matchKeys.emails).toEqual(['mj.garcia@example.es', 'mariajose@example.com']);
		expect(record(mapContact(seededContact(6), spec)).matchKeys.emails).toEqual(['case.sensitive@example.com']);
		expect(record(mapContact(seededContact(5), spec)).matchKeys.emails).toEqual([]);
	});
});

describe('against the current target record (updates)', () => {
	it('keeps the target\'s phone format when the digits are the same, and writes a changed number as the source has it', () => {
		const current = { ...janInGoogle(), phoneNumbers: [{ value: '+31201234567', type: 'work' }, { value: '+31 6 1234 5678', type: 'mobile' }] };
		const dynamics = { ...janInDynamics(), mobilephone: '0031 6 1234 5678', fax: '+31 (0)20 123 4568' };
		const person = values(dynamics, { direction: 'dynamicsToGoogle' }, { current }) as GooglePerson;
		expect(person.phoneNumbers).toEqual([
			{ value: '+31201234567', type: 'work' },
			{ value: '+31 6 1234 5678', type: 'mobile' },
			{ type: 'workFax', value: '+31 (0)20 123 4568' },
		]);
		const back = values({ ...current, phoneNumbers: [{ value: '(020) 123-4567', type: 'work' }] }, { direction: 'googleToDynamics' }, { current: { ...janInDynamics(), telephone1: '020 123 4567' } });
		expect(back.telephone1).toBe('020 123 4567');
	});

	it('compares emails trimmed and case-blind, keeping the target\'s spelling', () => {
		const current = { ...seededContact(6), emailaddress1: 'case.sensitive@example.com' };
		const contact = { ...googleContacts([caseUpper])[0] };
		expect(readGoogleField(contact, 'emailAddresses')).toEqual(['Case.Sensitive@Example.com']);
		expect(values(contact, { direction: 'googleToDynamics' }, { current }).emailaddress1).toBe('case.sensitive@example.com');
		expect(values(contact, { direction: 'googleToDynamics' }).emailaddress1).toBe('Case.Sensitive@Example.com');
	});

	it('keeps the Google entries the map does not carry: a home address, emails past the third, other phones, labels', () => {
		const current: GooglePerson = {
			...janInGoogle(),
			emailAddresses: ['a@x.example', 'b@x.example', 'c@x.example', 'd@x.example'].map((value) => ({ value, type: 'other' })),
			phoneNumbers: [{ value: '+31 20 123 4567', type: 'work' }, { value: '+31 6 0000 0000', type: 'main' }],
			addresses: [{ type: 'home', city: 'Utrecht' }, { type: 'work', city: 'Amsterdam', streetAddress: 'Keizersgracht 123' }],
		};
		const dynamics = { ...janInDynamics(), emailaddress1: 'A@X.example', emailaddress2: 'new@x.example', address1_city: 'Haarlem' };
		const person = values(dynamics, { direction: 'dynamicsToGoogle' }, { current }) as GooglePerson;
		expect(readGoogleField(person, 'emailAddresses')).toEqual(['a@x.example', 'new@x.example', 'd@x.example']);
		expect(person.emailAddresses?.[0].type).toBe('other');
		expect(readGoogleField(person, 'phoneNumbers:main')).toBe('+31 6 0000 0000');
		expect(person.addresses).toEqual([{ type: 'home', city: 'Utrecht' }, { type: 'work', city: 'Haarlem', streetAddress: 'Keizersgracht 123', region: 'Noord-Holland', postalCode: '1015 CJ', country: 'Netherlands' }]);
		expect(person.memberships).toBeUndefined();
	});

	it('splits a plain full name around the current Dynamics names, changing only the part that changed', () => {
		const current = seededContact(1);
		const spec: MappingSpec = { direction: 'plainToDynamics' };
		expect(values({ fullName: 'Ana María García Pérez' }, spec, { current })).toMatchObject({ firstname: 'Ana María', lastname: 'García Pérez' });
		expect(values({ fullName: 'María José Fernández' }, spec, { current })).toMatchObject({ firstname: 'María José', lastname: 'Fernández' });
		expect(values({ fullName: 'María José García Pérez' }, spec)).toMatchObject({ firstname: 'María José', lastname: 'García Pérez' });
		expect(values({ fullName: '李小明' }, spec, { current: seededContact(3) })).toMatchObject({ firstname: '小明', lastname: '李' });
		// Separate parts win over a full name.
		expect(values({ firstName: 'Jan', lastName: 'Berg', fullName: 'Someone Else' }, spec)).toMatchObject({ firstname: 'Jan', lastname: 'Berg' });
	});

	it('splits a Google name that has only a display name around the current Dynamics names', () => {
		const contact = { ...janInGoogle(), names: [{ displayName: 'Johannes van der Berg', unstructuredName: 'Johannes van der Berg' }] };
		expect(values(contact, { direction: 'googleToDynamics' }, { current: janInDynamics() })).toMatchObject({ firstname: 'Johannes', lastname: 'van der Berg' });
	});

	it('writes names as a unit: a Google mononym clears the old Dynamics first name', () => {
		const contact = { ...janInGoogle(), names: [{ givenName: 'Cher' }] };
		expect(values(contact, { direction: 'googleToDynamics' }, { current: janInDynamics() })).toMatchObject({ firstname: 'Cher', lastname: null });
	});
});

describe('empty values', () => {
	const currentGoogle = (): GooglePerson => ({ ...janInGoogle(), organizations: [{ name: 'Berg & Zonen', title: 'CTO' }] });
	const dynamics = () => ({ ...janInDynamics(), jobtitle: null, telephone1: null });

	it('leave the target alone by default', () => {
		const person = values(dynamics(), { direction: 'dynamicsToGoogle' }, { current: currentGoogle() }) as GooglePerson;
		expect(readGoogleField(person, 'organizations[0].title')).toBe('CTO');
		expect(person.phoneNumbers).toBeUndefined();
		const back = values({ ...janInGoogle(), phoneNumbers: [] }, { direction: 'googleToDynamics' }, { current: janInDynamics() });
		expect('telephone1' in back).toBe(false);
	});

	it('clear it when the spec says so', () => {
		const person = values(dynamics(), { direction: 'dynamicsToGoogle', emptyValues: 'clear' }, { current: currentGoogle() }) as GooglePerson;
		expect(person.organizations).toEqual([{ name: 'Berg & Zonen' }]);
		expect(readGoogleField(person, 'phoneNumbers:work')).toBeUndefined();
		const back = values({ ...janInGoogle(), phoneNumbers: [] }, { direction: 'googleToDynamics', emptyValues: 'clear' }, { current: janInDynamics() });
		expect(back.telephone1).toBeNull();
	});

	it('keep a Dynamics birthday when Google knows no year', () => {
		const contact = { ...janInGoogle(), birthdays: [{ date: { year: 0, month: 4, day: 30 } }] };
		expect('birthdate' in values(contact, { direction: 'googleToDynamics', emptyValues: 'clear' })).toBe(false);
		expect(values({ ...contact }, { direction: 'googleToDynamics' }).birthdate).toBeUndefined();
	});
});

describe('company', () => {
	it('goes one way out of Dynamics: the parent account\'s name', () => {
		expect(readGoogleField(values(janInDynamics(), { direction: 'dynamicsToGoogle' }) as GooglePerson, 'organizations[0].name')).toBe('Berg & Zonen');
		expect(values(janInDynamics(), { direction: 'dynamicsToPlain' }).company).toBe('Berg & Zonen');
		expect(Object.keys(values(janInGoogle(), { direction: 'googleToDynamics' })).filter((key) => key.includes('parentcustomer'))).toEqual([]);
		expect(Object.keys(values({ company: 'Other BV' }, { direction: 'plainToDynamics' }))).not.toContain('parentcustomerid');
	});
});

describe('MaxLength of Dynamics columns', () => {
	const longName = seed[10].firstName.padEnd(51, 'a'); // one over firstname's MaxLength
	const contact = () => ({ ...janInGoogle(), names: [{ givenName: longName, familyName: 'Lengthlimit' }] });

	it('makes over-long text an item error naming the field, its limit, the length and the fix', () => {
		const result = mapContact(contact(), { direction: 'googleToDynamics' });
		expect(result).toEqual({
			ok: false,
			error: {
				field: 'firstname',
				message: '"First Name" (firstname) holds at most 50 characters; this value has 51',
				fix: 'Shorten the value, or choose "truncate" for over-long text.',
			},
		});
	});

	it('cuts it to fit when the user chose truncate, never inside a surrogate pair', () => {
		expect(values(contact(), { direction: 'googleToDynamics', overLengthText: 'truncate' }).firstname).toBe(longName.slice(0, 50));
		const emoji = { ...janInGoogle(), names: [{ givenName: `${'a'.repeat(49)}🎉`, familyName: 'X' }] };
		expect(values(emoji, { direction: 'googleToDynamics', overLengthText: 'truncate' }).firstname).toBe('a'.repeat(49));
	});

	it('lets text at the limit through (the seed\'s long first name, 100-character job title)', () => {
		const long = seed[10];
		const mapped = values(googleContacts([long])[0], { direction: 'googleToDynamics' });
		expect(mapped.firstname).toBe(long.firstName);
		expect(mapped.jobtitle).toBe(long.jobTitle);
	});

	it('uses the MaxLength of the org\'s metadata, which Dataverse enforces too', () => {
		const spec: MappingSpec = { direction: 'googleToDynamics', catalogs, customMappings: [{ dynamicsField: 'new_customernumber', otherField: 'userDefined:Customer number' }] };
		const tooLong = { ...janInGoogle(), userDefined: [{ key: 'Customer number', value: 'CUST-2024-000000000042' }] };
		expect(mapContact(tooLong, spec)).toMatchObject({ ok: false, error: { field: 'new_customernumber', message: '"Customer Number" (new_customernumber) holds at most 20 characters; this value has 22' } });
		const cut = values(tooLong, { ...spec, overLengthText: 'truncate' });
		expect(org.create(cut).new_customernumber).toBe('CUST-2024-0000000000');
		expect(() => org.create({ lastname: 'Berg', new_customernumber: 'CUST-2024-000000000042' })).toThrow(/exceeded the maximum allowed length of '20'/);
	});
});

describe('values that do not fit', () => {
	it('an invalid email bound for Dynamics is an item error', () => {
		const contact = { ...janInGoogle(), emailAddresses: [{ value: 'jan at example.nl', type: 'work' }] };
		const result = mapContact(contact, { direction: 'googleToDynamics' });
		expect(result).toMatchObject({ ok: false, error: { field: 'emailaddress1', message: '"jan at example.nl" is not an email address, so it cannot go into "Email" (emailaddress1)' } });
	});

	it.each([
		['a zero-width space', 'jan\u200B@example.nl'],
		['a right-to-left override', 'jan@\u202Eln.elpmaxe'],
	])('an email bound for Google with %s is an item error (it would make a look-alike, unmatched contact)', (_name, email) => {
		const contact = { ...janInDynamics(), emailaddress2: email };
		const result = mapContact(contact, { direction: 'dynamicsToGoogle' });
		expect(result).toMatchObject({ ok: false, error: { field: 'emailAddresses', message: `${JSON.stringify(email)} is not an email address, so it cannot go into "Emails (all)" (emailAddresses)` } });
	});

	it('an IDN email bound for Google is an email address', () => {
		const contact = { ...janInDynamics(), emailaddress2: 'jån@bücher.example' };
		expect(record(mapContact(contact, { direction: 'dynamicsToGoogle' })).values.emailAddresses).toContainEqual(expect.objectContaining({ value: 'jån@bücher.example' }));
	});

	it('untyped plain values are checked against the Dynamics column type', () => {
		const spec: MappingSpec = { direction: 'plainToDynamics', catalogs, customMappings: [{ dynamicsField: 'creditlimit', otherField: 'creditLimit' }, { dynamicsField: 'new_loyaltypoints', otherField: 'points' }] };
		const mapped = values({ lastName: 'Berg', creditLimit: '52000.50', points: 2 }, spec);
		expect(mapped).toMatchObject({ creditlimit: 52000.5, new_loyaltypoints: 2 });
		expect(org.create(mapped)).toMatchObject({ creditlimit: 52000.5, new_loyaltypoints: 2 });
		expect(mapContact({ lastName: 'Berg', creditLimit: 'a lot' }, spec)).toMatchObject({ ok: false, error: { field: 'creditlimit', message: '"creditLimit" (creditLimit) holds "a lot", which is not a number' } });
		expect(mapContact({ lastName: 'Berg', points: 2.5 }, spec)).toMatchObject({ ok: false, error: { field: 'new_loyaltypoints', fix: 'Use a whole number.' } });
		expect(mapContact({ lastName: 'Berg', birthday: '30/04/1975' }, { direction: 'plainToDynamics' })).toMatchObject({ ok: false, error: { field: 'birthdate', fix: 'Write the date as YYYY-MM-DD (e.g. 1975-04-30).' } });
	});

	it('a record that is not a contact, or has no id, fails naming what is missing', () => {
		expect(mapContact('Jan', { direction: 'dynamicsToGoogle' })).toMatchObject({ ok: false, error: { field: 'record', message: 'The item is not a contact record (got string)' } });
		expect(mapContact([janInDynamics()], { direction: 'dynamicsToGoogle' })).toMatchObject({ ok: false, error: { field: 'record' } });
		expect(mapContact({ firstname: 'Jan' }, { direction: 'dynamicsToGoogle' })).toMatchObject({ ok: false, error: { field: 'contactid', message: 'The Dynamics 365 contact has no contactid' } });
		expect(mapContact({ names: [] }, { direction: 'googleToDynamics' })).toMatchObject({ ok: false, error: { field: 'resourceName' } });
	});

	it('an invalid spec fails with its first problem', () => {
		expect(mapContact(janInDynamics(), { direction: 'dynamicsToGoogle', disabledDefaults: ['nicknames'] })).toMatchObject({ ok: false, error: { field: 'disabledDefaults[0]' } });
	});
});

describe('custom mappings', () => {
	it('carry a choice by label one way, without a value map', () => {
		const spec: MappingSpec = { direction: 'dynamicsToGoogle', customMappings: [{ dynamicsField: 'preferredcontactmethodcode', otherField: 'userDefined:Contact by' }] };
		const person = values({ ...janInDynamics(), preferredcontactmethodcode: 3 }, spec) as GooglePerson;
		expect(readGoogleField(person, 'userDefined:Contact by')).toBe('Phone');
	});

	it('carry a choice both ways through a value map, matching text case-blind', () => {
		const mapping = { dynamicsField: 'preferredcontactmethodcode', otherField: 'userDefined:Contact by', valueMap: { '2': 'Email', '3': 'Phone' } };
		const person = values({ ...janInDynamics(), preferredcontactmethodcode: 2 }, { direction: 'dynamicsToGoogle', customMappings: [mapping] }) as GooglePerson;
		expect(person.userDefined).toEqual([{ key: 'Contact by', value: 'Email' }]);
		const contact = { ...janInGoogle(), userDefined: [{ key: 'Contact by', value: ' phone ' }] };
		expect(values(contact, { direction: 'googleToDynamics', customMappings: [mapping] }).preferredcontactmethodcode).toBe(3);
	});

	it('fail on a value the map does not know, naming the field and the fix', () => {
		const mapping = { dynamicsField: 'preferredcontactmethodcode', otherField: 'userDefined:Contact by', valueMap: { '2': 'Email', '3': 'Phone' } };
		expect(mapContact({ ...janInGoogle(), userDefined: [{ key: 'Contact by', value: 'Carrier pigeon' }] }, { direction: 'googleToDynamics', customMappings: [mapping] })).toEqual({
			ok: false,
			error: {
				field: 'preferredcontactmethodcode',
				message: 'value "Carrier pigeon" of "Custom field "Contact by"" (userDefined:Contact by) has no entry in the value map for "Preferred Method of Contact" (preferredcontactmethodcode)',
				fix: 'Add it to the value map, or correct the value.',
			},
		});
		expect(mapContact({ ...janInDynamics(), preferredcontactmethodcode: 4 }, { direction: 'dynamicsToGoogle', customMappings: [mapping] })).toMatchObject({
			ok: false,
			error: { field: 'userDefined:Contact by', message: expect.stringContaining('option 4 (Fax) of "Preferred Method of Contact"') },
		});
	});

	it('carry a multi-select choice to Google labels and back, keeping the entries the map does not speak about', () => {
		const mapping = { dynamicsField: 'new_interests', otherField: 'memberships', valueMap: { '100000000': 'contactGroups/newsletter', '100000001': 'contactGroups/events' } };
		const current = { ...janInGoogle(), memberships: ['contactGroups/myContacts', 'contactGroups/newsletter', 'contactGroups/vip'].map((name) => ({ contactGroupMembership: { contactGroupResourceName: name } })) };
		const events = org.update(idOf(0), { new_interests: '100000001' });
		const person = values(events, { direction: 'dynamicsToGoogle', catalogs, customMappings: [mapping] }, { current }) as GooglePerson;
		expect(readGoogleField(person, 'memberships')).toEqual(['contactGroups/myContacts', 'contactGroups/vip', 'contactGroups/events']);
		const productUpdates = org.update(idOf(0), { new_interests: '100000002' });
		const back = values(current, { direction: 'googleToDynamics', catalogs, customMappings: [mapping] }, { current: productUpdates });
		expect(back.new_interests).toBe('100000002,100000000');
		expect(org.update(idOf(0), back).new_interests).toBe('100000000,100000002');
	});

	it('show a multi-select choice and a yes/no as text', () => {
		const spec: MappingSpec = {
			direction: 'dynamicsToGoogle',
			catalogs,
			customMappings: [
				{ dynamicsField: 'new_interests', otherField: 'userDefined:Interests' },
				{ dynamicsField: 'donotemail', otherField: 'userDefined:Email' },
				{ dynamicsField: 'creditlimit', otherField: 'userDefined:Credit limit' },
			],
		};
		const dynamics = org.update(idOf(0), { new_interests: '100000000,100000002', donotemail: true, creditlimit: 52000.5 });
		const person = values(dynamics, spec) as GooglePerson;
		expect(person.userDefined).toEqual([
			{ key: 'Interests', value: 'Newsletter, Product Updates' },
			{ key: 'Email', value: 'Do Not Allow' },
			{ key: 'Credit limit', value: '52000.5' },
		]);
	});

	it('map a plain key to a custom column with the column\'s type', () => {
		const spec: MappingSpec = { direction: 'dynamicsToPlain', catalogs, customMappings: [{ dynamicsField: 'new_loyaltypoints', otherField: 'points' }, { dynamicsField: 'new_preferredchannel', otherField: 'channel' }, { dynamicsField: 'new_vip', otherField: 'vip' }] };
		const dynamics = org.update(idOf(0), { new_loyaltypoints: 3, new_preferredchannel: 100000002, new_vip: true });
		expect(values(dynamics, spec)).toMatchObject({ points: 3, channel: 'Text Message', vip: true });
	});
});

describe('THEN actions: fixed values and labels', () => {
	it('set fixed Dynamics values, choices by label', () => {
		const spec: MappingSpec = {
			direction: 'googleToDynamics',
			catalogs,
			fixedValues: [
				{ field: 'new_customernumber', value: 'FROM-GOOGLE' },
				{ field: 'new_preferredchannel', value: 'Text Message' },
				{ field: 'preferredcontactmethodcode', value: 'email' },
				{ field: 'donotbulkemail', value: true },
			],
		};
		const mapped = values(janInGoogle(), spec);
		expect(mapped).toMatchObject({ new_customernumber: 'FROM-GOOGLE', new_preferredchannel: 100000002, preferredcontactmethodcode: 2, donotbulkemail: true });
		expect(org.create(mapped)).toMatchObject({ new_customernumber: 'FROM-GOOGLE', 'new_preferredchannel@OData.Community.Display.V1.FormattedValue': 'Text Message' });
	});

	it('add the contact to Google labels: a new contact stays in My Contacts, an existing one keeps its labels', () => {
		const spec: MappingSpec = { direction: 'dynamicsToGoogle', addToLabels: ['contactGroups/d365'], fixedValues: [{ field: 'userDefined:Source', value: 'Dynamics 365' }] };
		const created = values(janInDynamics(), spec) as GooglePerson;
		expect(readGoogleField(created, 'memberships')).toEqual(['contactGroups/myContacts', 'contactGroups/d365']);
		expect(readGoogleField(created, 'userDefined:Source')).toBe('Dynamics 365');
		const current = { ...janInGoogle(), memberships: ['contactGroups/starred'].map((name) => ({ contactGroupMembership: { contactGroupResourceName: name } })) };
		expect(readGoogleField(values(janInDynamics(), spec, { current }) as GooglePerson, 'memberships')).toEqual(['contactGroups/starred', 'contactGroups/d365']);
	});
});

describe('the link column', () => {
	it('keeps the Google resource name in a Dynamics column, and reads it as the link the other way', () => {
		const contact = janInGoogle();
		const spec = { catalogs, linkField: 'new_googleresourcename' };
		expect(values(contact, { direction: 'googleToDynamics', ...spec }).new_googleresourcename).toBe(contact.resourceName);
		const dynamics = org.update(idOf(0), { new_googleresourcename: contact.resourceName });
		expect(record(mapContact(dynamics, { direction: 'dynamicsToGoogle', ...spec })).matchKeys.linkId).toBe(contact.resourceName);
		expect(record(mapContact(janInDynamics(), { direction: 'dynamicsToGoogle' }, { current: contact as Record<string, unknown> })).matchKeys.linkId).toBe(contact.resourceName);
	});
});

it('keeps the order and content of a Dynamics-side hard case with every field (Zoë)', () => {
	const person = values(seededContact(8), { direction: 'dynamicsToGoogle' }) as GooglePerson;
	expect(person.names).toEqual([{ givenName: 'Zoë', middleName: 'Ann', familyName: 'Müller-Lüdenscheidt' }]);
	expect(readGoogleField(person, 'phoneNumbers:workFax')).toBe('+49 (0)30 1234568');
	expect(readGoogleField(person, 'organizations[0].department')).toBe('Einkauf');
	expect(readGoogleField(person, 'birthdays[0].date')).toBe('2000-02-29');
});
