import { writeGoogleField, type GooglePerson } from '../../../lib/google/fields';
import { LINK_KEYS, mapContact } from '../../../lib/mapping';
import {
	LONG_VALUE,
	SNAPSHOT_CLIENT_DATA_FIELD,
	SNAPSHOT_FIELDS,
	changedFields,
	decodeSnapshot,
	encodeSnapshot,
	googleSnapshot,
	isOwnEcho,
	storedSnapshot,
} from '../../../lib/sync/snapshot';
import { seedPeople } from '../../simulators/common/seed';
import { GoogleState } from '../../simulators/google/state';
import { googleContacts } from '../mapping/records';

/** A contact as Google returns it: output-only values filled, items with metadata, in a mixed order. */
function storedContact(): GooglePerson {
	return {
		resourceName: 'people/c1',
		etag: '%EgUBAgMELg==',
		metadata: { sources: [{ type: 'CONTACT', id: '1', etag: '#abc' }] },
		names: [{ givenName: ' Jan ', familyName: 'van der Berg', displayName: 'Jan van der Berg', unstructuredName: 'Jan van der Berg', metadata: { primary: true } }],
		emailAddresses: [
			{ value: 'jan@home.example', type: 'home', formattedType: 'Home' },
			{ value: 'Jan.Berg@Work.Example ', type: 'work', metadata: { primary: true } },
		],
		phoneNumbers: [
			{ value: '+31 20 123 4567', type: 'work', canonicalForm: '+31201234567' },
			{ value: '06 1234 5678', type: 'mobile' },
			{ value: '030 555 0000', type: 'home' },
		],
		addresses: [
			{ type: 'home', city: 'Utrecht', formattedValue: 'Utrecht' },
			{ type: 'work', streetAddress: 'Keizersgracht 123', extendedAddress: 'Tweede verdieping', city: 'Amsterdam', postalCode: '1015 CJ', country: 'Netherlands', formattedValue: 'Keizersgracht 123…' },
		],
		organizations: [{ name: 'Berg & Zonen', title: 'Directeur', department: 'Directie' }],
		birthdays: [{ date: { year: 1975, month: 4, day: 30 }, text: '30 April 1975' }],
		biographies: [{ value: 'Line one\r\nLine two', contentType: 'TEXT_PLAIN' }],
		nicknames: [{ value: 'Jantje' }],
		memberships: [{ contactGroupMembership: { contactGroupResourceName: 'contactGroups/myContacts', contactGroupId: 'myContacts' } }],
		userDefined: [{ key: 'Source', value: 'Fair 2024' }],
		clientData: [{ key: LINK_KEYS.googleDynamicsContactId, value: 'c0ffee00-0000-4000-8000-000000000001' }],
	};
}

/** The contact carrying a snapshot of its own current values, as a sync leaves it. */
function synced(person: GooglePerson, extraFields: string[] = []): GooglePerson {
	const copy = structuredClone(person);
	writeGoogleField(copy, SNAPSHOT_CLIENT_DATA_FIELD, encodeSnapshot(googleSnapshot(copy, extraFields)));
	return copy;
}

function edited(person: GooglePerson, field: string, value: unknown): GooglePerson {
	const copy = structuredClone(person);
	writeGoogleField(copy, field, value);
	return copy;
}

describe('SNAPSHOT_FIELDS', () => {
	it('are the writable Google fields of the default mapping, display name and clientData excluded', () => {
		expect(SNAPSHOT_FIELDS).toEqual([
			'names.givenName',
			'names.familyName',
			'names.middleName',
			'emailAddresses',
			'phoneNumbers:work',
			'phoneNumbers:home',
			'phoneNumbers:mobile',
			'phoneNumbers:workFax',
			'addresses:work.streetAddress',
			'addresses:work.extendedAddress',
			'addresses:work.city',
			'addresses:work.region',
			'addresses:work.postalCode',
			'addresses:work.country',
			'addresses:work.poBox',
			'organizations[0].name',
			'organizations[0].title',
			'organizations[0].department',
			'birthdays[0].date',
			'biographies[0].value',
		]);
	});
});

describe('googleSnapshot', () => {
	it('keeps the canonical value of each synced field and leaves out empty and unsynced ones', () => {
		expect(googleSnapshot(storedContact())).toEqual({
			fields: {
				'names.givenName': 'Jan',
				'names.familyName': 'van der Berg',
				emailAddresses: ['jan.berg@work.example', 'jan@home.example'],
				'phoneNumbers:work': '+31201234567',
				'phoneNumbers:home': '0305550000',
				'phoneNumbers:mobile': '0612345678',
				'addresses:work.streetAddress': 'Keizersgracht 123',
				'addresses:work.extendedAddress': 'Tweede verdieping',
				'addresses:work.city': 'Amsterdam',
				'addresses:work.postalCode': '1015 CJ',
				'addresses:work.country': 'Netherlands',
				'organizations[0].name': 'Berg & Zonen',
				'organizations[0].title': 'Directeur',
				'organizations[0].department': 'Directie',
				'birthdays[0].date': '1975-04-30',
				'biographies[0].value': 'Line one\nLine two',
			},
			extraFields: [],
		});
	});

	it('ignores formatting noise: letter case of emails, phone punctuation, line-break style, surrounding space', () => {
		const reformatted = storedContact();
		reformatted.emailAddresses = [
			{ value: 'JAN.BERG@WORK.EXAMPLE', type: 'work', metadata: { primary: true } },
			{ value: ' jan@Home.example', type: 'home' },
		];
		reformatted.phoneNumbers = [
			{ value: '0031 (0)20 1234567', type: 'work' },
			{ value: '06-12345678', type: 'mobile' },
			{ value: '(030) 555-0000', type: 'home' },
		];
		reformatted.biographies = [{ value: '  Line one\nLine two\n' }];

		expect(encodeSnapshot(googleSnapshot(reformatted))).toBe(encodeSnapshot(googleSnapshot(storedContact())));
	});

	it('keeps the order of emails (primary first): a new primary email is a change', () => {
		const swapped = storedContact();
		swapped.emailAddresses = [
			{ value: 'jan@home.example', type: 'home', metadata: { primary: true } },
			{ value: 'jan.berg@work.example', type: 'work' },
		];

		expect(changedFields(googleSnapshot(storedContact()), googleSnapshot(swapped))).toEqual(['emailAddresses']);
	});

	it('stores long values as a digest that still tells a change apart', () => {
		const notes = 'A long note. '.repeat(20).trim();
		const withNotes = edited(storedContact(), 'biographies[0].value', notes);
		const snapshot = googleSnapshot(withNotes);

		expect(snapshot.fields['biographies[0].value']).toEqual({ sha256: expect.stringMatching(/^[\w-]{22}$/) });
		expect(encodeSnapshot(snapshot)).not.toContain('A long note');
		expect(googleSnapshot(edited(withNotes, 'biographies[0].value', `${notes}\r\n`)).fields['biographies[0].value']).toEqual(snapshot.fields['biographies[0].value']);
		expect(changedFields(snapshot, googleSnapshot(edited(withNotes, 'biographies[0].value', `${notes}!`)))).toEqual(['biographies[0].value']);
		const atLimit = 'x'.repeat(LONG_VALUE);
		expect(googleSnapshot(edited(storedContact(), 'biographies[0].value', atLimit)).fields['biographies[0].value']).toBe(atLimit);
	});

	it('tracks extra fields for custom mappings, and refuses names it does not know', () => {
		const snapshot = googleSnapshot(storedContact(), ['userDefined:Source', 'nicknames[0].value', 'names.givenName']);

		expect(snapshot.extraFields).toEqual(['userDefined:Source', 'nicknames[0].value']);
		expect(snapshot.fields).toMatchObject({ 'userDefined:Source': 'Fair 2024', 'nicknames[0].value': 'Jantje' });
		expect(() => googleSnapshot(storedContact(), ['nickname'])).toThrow('Cannot track Google Contacts field "nickname" in the sync snapshot');
		expect(() => googleSnapshot(storedContact(), [SNAPSHOT_CLIENT_DATA_FIELD])).toThrow('Cannot track');
	});
});

describe('encodeSnapshot / decodeSnapshot', () => {
	it('round-trip every seed contact, compact and stable', () => {
		for (const person of googleContacts(seedPeople(60))) {
			const snapshot = googleSnapshot(person);
			const encoded = encodeSnapshot(snapshot);

			expect(decodeSnapshot(encoded)).toEqual(snapshot);
			expect(encodeSnapshot(decodeSnapshot(encoded)!)).toBe(encoded);
			expect(Buffer.byteLength(encoded)).toBeLessThan(700);
		}
	});

	it('writes fields in a fixed order whatever order they were collected in', () => {
		const snapshot = googleSnapshot(storedContact(), ['userDefined:Source']);
		const shuffled = { fields: Object.fromEntries(Object.entries(snapshot.fields).reverse()), extraFields: snapshot.extraFields };

		expect(encodeSnapshot(shuffled)).toBe(encodeSnapshot(snapshot));
		expect(encodeSnapshot(snapshot)).toMatch(/^\{"v":1,"f":\{"names.givenName":"Jan","names.familyName":"van der Berg",.*\},"x":\["userDefined:Source"\]\}$/);
	});

	it('leaves out untracked fields and writes extras in the order they are first named, whatever the fields\' order', () => {
		const encode = (fields: Record<string, string>, extraFields: string[]) => encodeSnapshot({ fields, extraFields });
		const expected = (extraFields: string[]) => JSON.stringify({ v: 1, f: { 'names.givenName': 'Jan', 'userDefined:A': 'a', 'userDefined:B': 'b' }, x: extraFields });
		const named = ['userDefined:A', 'userDefined:B', 'userDefined:A'];

		expect(encode({ 'names.givenName': 'Jan', 'userDefined:A': 'a', 'userDefined:B': 'b' }, named)).toBe(expected(named));
		expect(encode({ 'names.givenName': 'Jan', 'userDefined:B': 'b', 'userDefined:A': 'a' }, named)).toBe(expected(named));
		expect(encode({ 'userDefined:B': 'b', 'names.givenName': 'Jan', untracked: 'x', 'userDefined:A': 'a' }, named)).toBe(expected(named));
		// A snapshot field named among the extras still goes first.
		const withSnapshotField = ['userDefined:A', 'names.givenName', 'userDefined:B'];
		expect(encode({ 'userDefined:A': 'a', 'names.givenName': 'Jan', 'userDefined:B': 'b' }, withSnapshotField)).toBe(expected(withSnapshotField));
	});

	it('reads nothing from a missing, foreign or damaged value', () => {
		for (const value of [undefined, '', 'c0ffee', '{"v":2,"f":{}}', '{"v":1}', '{"v":1,"f":[]}', '[1]', 'null', 42]) {
			expect(decodeSnapshot(value)).toBeUndefined();
		}
	});

	it('drops unknown fields and values of the wrong shape', () => {
		const decoded = decodeSnapshot(
			JSON.stringify({ v: 1, f: { 'names.givenName': 'Jan', 'names.nickname': 'J', 'names.familyName': 7, emailAddresses: ['a@b.example', 3], 'userDefined:Source': 'x' }, x: ['userDefined:Source', 'bogus', 5] }),
		);

		expect(decoded).toEqual({ fields: { 'names.givenName': 'Jan', 'userDefined:Source': 'x' }, extraFields: ['userDefined:Source'] });
	});
});

describe('changedFields', () => {
	it('names each field that was changed, filled or cleared', () => {
		const base = googleSnapshot(storedContact());
		let person = edited(storedContact(), 'organizations[0].title', 'CEO');
		person = edited(person, 'phoneNumbers:mobile', '');
		person = edited(person, 'addresses:work.region', 'Noord-Holland');

		expect(changedFields(base, googleSnapshot(person))).toEqual(['phoneNumbers:mobile', 'addresses:work.region', 'organizations[0].title']);
		expect(changedFields(base, base)).toEqual([]);
	});
});

describe('isOwnEcho', () => {
	it('is true for a contact whose synced values equal the snapshot it carries', () => {
		const person = synced(storedContact());

		expect(storedSnapshot(person)).toEqual(googleSnapshot(storedContact()));
		expect(isOwnEcho(person)).toBe(true);
	});

	it('is false once the user changed a synced field', () => {
		const person = synced(storedContact());

		for (const [field, value] of [
			['names.givenName', 'Johannes'],
			['emailAddresses', ['jan.berg@work.example']],
			['phoneNumbers:workFax', '+31 20 123 4568'],
			['addresses:work.city', 'Haarlem'],
			['birthdays[0].date', '1975-05-30'],
			['biographies[0].value', ''],
		] as Array<[string, unknown]>) {
			expect({ field, echo: isOwnEcho(edited(person, field, value)) }).toEqual({ field, echo: false });
		}
	});

	it('stays true when only fields the sync does not carry changed (labels, nickname, home address, other clientData)', () => {
		let person = synced(storedContact());
		person = edited(person, 'memberships', ['contactGroups/myContacts', 'contactGroups/starred']);
		person = edited(person, 'nicknames[0].value', 'Jan-Willem');
		person = edited(person, 'addresses:home.city', 'Leiden');
		person = edited(person, 'userDefined:Source', 'Website');
		person = edited(person, 'clientData:other.app', 'x');

		expect(isOwnEcho(person)).toBe(true);
	});

	it('watches the extra fields the snapshot tracks', () => {
		const person = synced(storedContact(), ['userDefined:Source']);

		expect(isOwnEcho(person)).toBe(true);
		expect(isOwnEcho(edited(person, 'userDefined:Source', 'Website'))).toBe(false);
	});

	it('is false without a snapshot or with one that cannot be read', () => {
		expect(isOwnEcho(storedContact())).toBe(false);
		expect(isOwnEcho(edited(storedContact(), SNAPSHOT_CLIENT_DATA_FIELD, 'not json'))).toBe(false);
		expect(isOwnEcho({ resourceName: 'people/c2' })).toBe(false);
	});

	it('recognises a mapped Dynamics contact once Google has stored it (output-only values filled in)', () => {
		const state = new GoogleState();
		googleContacts(seedPeople(40)).forEach((contact, index) => {
			// A Dynamics contact with the seed person's values, as the mapping reads them from the Web API's JSON.
			const fromGoogle = mapContact(contact, { direction: 'googleToDynamics' });
			if (!fromGoogle.ok) throw new Error(fromGoogle.error.message);
			const dynamics = { ...fromGoogle.record.values, contactid: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}` };
			const mapped = mapContact(dynamics, { direction: 'dynamicsToGoogle' });
			if (!mapped.ok) throw new Error(mapped.error.message);
			const person = mapped.record.values as GooglePerson;
			writeGoogleField(person, SNAPSHOT_CLIENT_DATA_FIELD, encodeSnapshot(googleSnapshot(person)));

			const stored = state.createContact(person) as GooglePerson;

			expect({ index, echo: isOwnEcho(stored) }).toEqual({ index, echo: true });
			expect({ index, echo: isOwnEcho(edited(stored, 'names.familyName', 'Changed')) }).toEqual({ index, echo: false });
		});
	});
});
