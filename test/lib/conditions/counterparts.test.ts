import {
	buildCounterpartIndex,
	counterpartKeys,
	emailsToLookUp,
	findCounterpart,
	linksToLookUp,
	type CounterpartOptions,
} from '../../../lib/conditions/counterparts';
import { classifyRecord, type ContactRecord } from '../../../lib/conditions/record';
import { seedPeople } from '../../simulators/common/seed';
import { CHER, CHER_DELETED, JAN, LEAP, SIOBHAN, ZOE } from './fixtures';

function record(json: unknown): ContactRecord {
	const result = classifyRecord(json);
	if ('error' in result) throw new Error(result.error);
	return result;
}

const TO_GOOGLE: CounterpartOptions = { dynamicsLinkColumn: 'new_googleresourcename' };
const TO_DYNAMICS: CounterpartOptions = {};

/** Dynamics rows for the seed people, as the trigger would emit them: some sharing an email in another case. */
function seededContacts(count: number): ContactRecord[] {
	return seedPeople(count).map((person, index) =>
		record({
			contactid: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
			firstname: person.firstName,
			lastname: person.lastName,
			emailaddress1: person.emails[0] ?? null,
			emailaddress2: person.emails[1] ?? null,
			emailaddress3: null,
			new_googleresourcename: index % 3 === 0 ? `people/c${1000 + index}` : null,
		}),
	);
}

describe('counterpartKeys', () => {
	it('reads a Dynamics contact: the configured link column and every email, normalised', () => {
		expect(counterpartKeys(record(JAN), TO_GOOGLE)).toEqual({
			link: 'people/c5187881666262445018',
			emails: ['jan.vanderberg@example.nl', 'jan@berg-zonen.nl'],
		});
		expect(counterpartKeys(record(JAN), {})).toEqual({ link: undefined, emails: ['jan.vanderberg@example.nl', 'jan@berg-zonen.nl'] });
		expect(counterpartKeys(record(LEAP), TO_GOOGLE)).toEqual({ link: undefined, emails: ['leap.day@example.com'] });
	});

	it('reads a Google contact: the clientData link the mapping writes (a contactid, lower-cased), or a configured key, and every email', () => {
		expect(counterpartKeys(record(ZOE), TO_DYNAMICS)).toEqual({
			link: JAN.contactid,
			emails: ['zoe.mueller@example.de', 'zoe@privat.example.de'],
		});
		expect(counterpartKeys(record(CHER_DELETED), TO_DYNAMICS)).toEqual({ link: undefined, emails: [] });
		const ownKey = { ...ZOE, clientData: [{ key: 'crm.id', value: SIOBHAN.contactid }] };
		expect(counterpartKeys(record(ownKey), { googleLinkKey: 'crm.id' }).link).toBe(SIOBHAN.contactid);
		expect(counterpartKeys(record(ownKey), TO_DYNAMICS).link).toBeUndefined();
	});

	it('skips values that are not emails', () => {
		expect(counterpartKeys(record({ ...JAN, emailaddress1: 'n/a', emailaddress2: '   ' }), TO_GOOGLE).emails).toEqual([]);
	});
});

describe('keys to look up for a batch', () => {
	it('are distinct: a batch costs lookups per distinct link and email, not per item', () => {
		const batch = [...seededContacts(40), ...seededContacts(40)];
		const links = linksToLookUp(batch, TO_GOOGLE);
		const emails = emailsToLookUp(batch, TO_GOOGLE);
		expect(batch).toHaveLength(80);
		expect(links).toHaveLength(14);
		expect(new Set(links).size).toBe(links.length);
		// The seed's "Case.Sensitive@Example.com" and "case.sensitive@example.com" are one email; "Noemail Person" has none.
		const distinctSeedEmails = new Set(seedPeople(40).flatMap((person) => person.emails.map((email) => email.toLowerCase())));
		expect(emails).toHaveLength(distinctSeedEmails.size);
		expect(emails).toContain('case.sensitive@example.com');
		expect(emails).not.toContain('Case.Sensitive@Example.com');
	});

	it('leave out the emails of records whose link was found', () => {
		const batch = [record(JAN), record(SIOBHAN), record(LEAP)];
		expect(linksToLookUp(batch, TO_GOOGLE)).toEqual(['people/c5187881666262445018']);
		expect(emailsToLookUp(batch, TO_GOOGLE)).toEqual([
			'jan.vanderberg@example.nl',
			'jan@berg-zonen.nl',
			"siobhan.o'brien@example.ie",
			'leap.day@example.com',
		]);
		expect(emailsToLookUp(batch, TO_GOOGLE, ['people/c5187881666262445018'])).toEqual(["siobhan.o'brien@example.ie", 'leap.day@example.com']);
	});

	it('match found links in any GUID spelling', () => {
		const batch = [record(ZOE), record(CHER)];
		expect(linksToLookUp(batch, TO_DYNAMICS)).toEqual([JAN.contactid]);
		expect(emailsToLookUp(batch, TO_DYNAMICS, [`{${JAN.contactid.toUpperCase()}}`])).toEqual(['cher@example.com']);
	});
});

describe('findCounterpart', () => {
	it('matches by link first', () => {
		const index = buildCounterpartIndex({ links: ['people/c5187881666262445018'], emails: ['jan@berg-zonen.nl'] }, TO_GOOGLE);
		expect(findCounterpart(record(JAN), index)).toEqual({ by: 'link', link: 'people/c5187881666262445018' });
	});

	it('falls back to email, trimmed and case-insensitive, when the link is absent or gone', () => {
		const index = buildCounterpartIndex({ links: [], emails: [' JAN@Berg-Zonen.NL '] }, TO_GOOGLE);
		expect(findCounterpart(record(JAN), index)).toEqual({ by: 'email', email: 'jan@berg-zonen.nl' });
		expect(findCounterpart(record({ ...LEAP, emailaddress1: 'Jan@berg-zonen.nl' }), index)).toEqual({ by: 'email', email: 'jan@berg-zonen.nl' });
	});

	it('finds nothing without a matching link or email', () => {
		const index = buildCounterpartIndex({ links: ['people/c1'], emails: ['someone@example.com'] }, TO_GOOGLE);
		expect(findCounterpart(record(SIOBHAN), index)).toBeUndefined();
		expect(findCounterpart(record(CHER_DELETED), buildCounterpartIndex({}, TO_DYNAMICS))).toBeUndefined();
	});

	it('matches a Google contact to Dynamics by its clientData contactid', () => {
		const index = buildCounterpartIndex({ links: [JAN.contactid.toUpperCase()] }, TO_DYNAMICS);
		expect(findCounterpart(record(ZOE), index)).toEqual({ by: 'link', link: JAN.contactid });
		expect(findCounterpart(record(CHER), index)).toBeUndefined();
	});
});
