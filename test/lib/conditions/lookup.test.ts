/**
 * The bulk counterpart lookups against both simulators, through the real clients: which contacts of a
 * batch exist in the other app by link, back link and email, and how many requests that costs.
 */
import { classifyRecord, type ContactRecord } from '../../../lib/conditions/record';
import { findCounterpart } from '../../../lib/conditions/counterparts';
import { completeDynamicsRecords, dynamicsDirectory, dynamicsPropertiesRead, googleDirectory, lookUpCounterparts } from '../../../lib/conditions/lookup';
import { inFilterChunks } from '../../../lib/dynamics/odata';
import { GoogleContactsClient, type Person } from '../../../lib/google/client';
import { createOAuth2Client } from '../../../lib/google/connection';
import { LINK_KEYS } from '../../../lib/mapping';
import { startDynamicsSimulator, type DynamicsSimulator } from '../../simulators/dynamics';
import { startGoogleSimulator, type GoogleSimulator } from '../../simulators/google';
import { simulatorClient } from '../dynamics/simulator-client';
import { CONTACT_FIELDS } from './fixtures';

function record(json: unknown): ContactRecord {
	const result = classifyRecord(json);
	if ('error' in result) throw new Error(result.error);
	return result;
}

function dynamicsRow(index: number, columns: Record<string, unknown>): ContactRecord {
	return record({ contactid: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`, emailaddress1: null, ...columns });
}

test('a value found in any of several columns: one parenthesised group per value, chunked within the budget', () => {
	const columns = ['emailaddress1', 'emailaddress2'];
	expect(inFilterChunks(columns, ["o'brien@example.ie", 'a@example.com', "o'brien@example.ie"])).toEqual([
		"(emailaddress1 eq 'o''brien@example.ie' or emailaddress2 eq 'o''brien@example.ie') or (emailaddress1 eq 'a@example.com' or emailaddress2 eq 'a@example.com')",
	]);
	const emails = Array.from({ length: 90 }, (_, index) => `person.${index}@example.com`);
	const chunks = inFilterChunks(['emailaddress1', 'emailaddress2', 'emailaddress3'], emails, { maxEncodedLength: 2000 });
	expect(chunks.length).toBeGreaterThan(1);
	for (const chunk of chunks) expect(encodeURIComponent(chunk).length).toBeLessThanOrEqual(2000);
	expect(chunks.join(' or ').match(/emailaddress3 eq/g)).toHaveLength(90);
	expect(() => inFilterChunks([], ['x'])).toThrow('at least one column');
});

describe('Google Contacts as the other app', () => {
	let sim: GoogleSimulator;
	let client: GoogleContactsClient;
	let linked: Person[];

	beforeAll(async () => {
		sim = await startGoogleSimulator();
		const auth = createOAuth2Client({ clientId: sim.clientId, clientSecret: sim.clientSecret, refreshToken: sim.refreshToken, tokenUrl: sim.tokenUrl });
		client = new GoogleContactsClient({ auth, rootUrl: sim.rootUrl });
		linked = Array.from({ length: 250 }, (_, index) => sim.state.createContact({ names: [{ givenName: `Linked ${index}` }], emailAddresses: [{ value: `linked.${index}@example.com` }] }));
		sim.state.createContact({ names: [{ givenName: 'Mixed' }], emailAddresses: [{ value: 'Mixed.Case@Example.COM' }] });
		sim.state.createContact({ names: [{ givenName: 'Second' }], emailAddresses: [{ value: 'primary@example.org' }, { value: 'second.address@example.org' }] });
	});
	afterAll(() => sim.close());
	beforeEach(() => sim.counters.reset());

	test('links by batchGet (200 a call), then only the emails no link resolved', async () => {
		const deleted = linked[249].resourceName as string;
		sim.state.deleteContact(deleted);
		const batch = [
			// Linked through the link column; 249 exist, the last was deleted (its email then decides).
			...linked.map((person, index) => dynamicsRow(index, { new_googleresourcename: person.resourceName, emailaddress1: `linked.${index}@example.com` })),
			dynamicsRow(300, { emailaddress1: ' mixed.case@example.com ' }),
			dynamicsRow(301, { emailaddress1: 'nobody@example.com', emailaddress3: 'SECOND.address@example.org' }),
			dynamicsRow(302, { emailaddress1: 'nobody.else@example.com', new_googleresourcename: 'not a resource name' }),
			dynamicsRow(303, { new_googleresourcename: 'people/c1' }),
		];
		const options = { dynamicsLinkColumn: 'new_googleresourcename' };
		const index = await lookUpCounterparts(batch, options, googleDirectory(client));

		expect(batch.slice(0, 249).every((contact) => findCounterpart(contact, index)?.by === 'link')).toBe(true);
		expect(findCounterpart(batch[249], index)).toBeUndefined();
		expect(findCounterpart(batch[250], index)).toEqual({ by: 'email', email: 'mixed.case@example.com' });
		expect(findCounterpart(batch[251], index)).toEqual({ by: 'email', email: 'second.address@example.org' });
		expect(findCounterpart(batch[252], index)).toBeUndefined();
		expect(findCounterpart(batch[253], index)).toBeUndefined();
		// 251 well-formed links: two batchGets. 5 emails left: a probe of the contact count, then the cheaper of
		// searching (a warm-up and one search each: 6) and listing the 252 contacts (1 page).
		const { token, ...requests } = sim.counters.snapshot();
		expect(requests).toEqual({ 'people.getBatchGet': 2, 'people.connections.list': 2 });
		expect(token).toBeLessThanOrEqual(1);
	});

	test('"list" reads the account instead of searching, so contacts created since the last search are found', async () => {
		const justCreated = sim.state.createContact({ emailAddresses: [{ value: 'just.created@example.com' }] });
		const index = await lookUpCounterparts([dynamicsRow(1, { emailaddress1: 'Just.Created@example.com' })], {}, googleDirectory(client, { strategy: 'list' }));
		expect(index.emails.has('just.created@example.com')).toBe(true);
		expect(sim.counters.snapshot()).toEqual({ 'people.connections.list': 1 });
		sim.state.deleteContact(justCreated.resourceName as string);
	});

	test('a batch without links or emails costs nothing', async () => {
		const index = await lookUpCounterparts([dynamicsRow(1, {})], {}, googleDirectory(client));
		expect(index.links.size + index.emails.size).toBe(0);
		expect(sim.counters.total()).toBe(0);
	});
});

describe('Dynamics 365 as the other app', () => {
	let sim: DynamicsSimulator;
	const contactIds: string[] = [];

	beforeAll(async () => {
		sim = await startDynamicsSimulator();
		contactIds.push(
			sim.state.createContact({ lastname: 'Linked', emailaddress1: 'linked@example.com' }).id,
			sim.state.createContact({ lastname: "O'Brien", emailaddress2: "Siobhan.O'Brien@Example.ie" }).id,
			sim.state.createContact({ lastname: 'Back', new_googleresourcename: 'people/c777' }).id,
			sim.state.createContact({ lastname: 'Underscore', emailaddress3: 'first_last@example.com' }).id,
		);
	});
	afterAll(() => sim.close());

	function person(resourceName: string, columns: { link?: string; emails?: string[] }): ContactRecord {
		return record({
			resourceName,
			emailAddresses: (columns.emails ?? []).map((value) => ({ value })),
			clientData: columns.link ? [{ key: LINK_KEYS.googleDynamicsContactId, value: columns.link }] : undefined,
		});
	}

	test('contactids from clientData, resource names in the link column, then emails in any of the three columns', async () => {
		const batch = [
			person('people/c1', { link: contactIds[0].toUpperCase(), emails: ['changed@example.com'] }),
			person('people/c2', { link: '11111111-2222-4333-8444-555555555555', emails: ["siobhan.o'brien@example.ie"] }),
			person('people/c777', { emails: ['unknown@example.com'] }),
			person('people/c4', { emails: ['FIRST_LAST@example.com'] }),
			// "_" is a LIKE wildcard in Dataverse; an eq filter must not turn it into one.
			person('people/c5', { emails: ['firstxlast@example.com'] }),
			person('people/c6', {}),
		];
		sim.counters.reset();
		const options = { dynamicsLinkColumn: 'new_googleresourcename' };
		const index = await lookUpCounterparts(batch, options, dynamicsDirectory(simulatorClient(sim), { linkColumn: options.dynamicsLinkColumn }));

		expect(batch.map((contact) => findCounterpart(contact, index))).toEqual([
			{ by: 'link', link: contactIds[0] },
			{ by: 'email', email: "siobhan.o'brien@example.ie" },
			{ by: 'link', link: 'people/c777' },
			{ by: 'email', email: 'first_last@example.com' },
			undefined,
			undefined,
		]);
		const requests = sim.counters.snapshot();
		// One contactid filter, one link column filter, one email filter (plus the token).
		expect(requests['contacts.list']).toBe(3);
	});

	test('260 Google contacts linked by contactid: one filtered list request per chunk of ids, never one GET per contact', async () => {
		const existing = Array.from({ length: 250 }, (_, index) => sim.state.createContact({ lastname: `Bulk ${index}` }).id);
		const dangling = Array.from({ length: 10 }, (_, index) => `22222222-3333-4444-8555-${String(index).padStart(12, '0')}`);
		const batch = [...existing, ...dangling].map((link, index) => person(`people/bulk${index}`, { link }));
		sim.counters.reset();
		const index = await lookUpCounterparts(batch, {}, dynamicsDirectory(simulatorClient(sim)));

		expect(batch.map((contact) => findCounterpart(contact, index)?.by)).toEqual([...existing.map(() => 'link'), ...dangling.map(() => undefined)]);
		const requests = Object.entries(sim.counters.snapshot()).filter(([route]) => !route.startsWith('entra.'));
		// Each contactid filter stays within the 6,000-character URL budget: 98 ids, 98, then the last 64.
		expect(Object.fromEntries(requests)).toEqual({ 'contacts.list': 3 });
	});

	test('the properties a rule reads (lookups as _<name>_value), and contacts that lack some completed in one request', async () => {
		const rules = [
			{ combine: 'all' as const, conditions: [{ kind: 'active' as const }, { kind: 'ownership' as const, match: 'connectionUser' as const }] },
			{ combine: 'any' as const, conditions: [{ kind: 'field' as const, field: 'parentcustomerid', operator: 'isNotEmpty' as const }, { kind: 'existsInOtherApp' as const }] },
		];
		expect(dynamicsPropertiesRead(rules, CONTACT_FIELDS, { dynamicsLinkColumn: 'new_googleresourcename' })).toEqual([
			'statecode', '_ownerid_value', '_parentcustomerid_value', 'emailaddress1', 'emailaddress2', 'emailaddress3', 'new_googleresourcename',
		]);

		const complete = record({ contactid: contactIds[0], statecode: 1, _ownerid_value: null, emailaddress1: 'kept@example.com' });
		const slim = record({ contactid: contactIds[1].toUpperCase(), emailaddress1: 'as.the.item.says@example.com' });
		const deleted = record({ event: 'deleted', contactId: contactIds[2] });
		const gone = record({ contactid: '11111111-2222-4333-8444-555555555555' });
		sim.counters.reset();
		const [first, second, third, fourth] = await completeDynamicsRecords(simulatorClient(sim), [complete, slim, deleted, gone], ['statecode', '_ownerid_value', 'emailaddress1']);
		expect(first).toBe(complete);
		expect(second.app === 'dynamics' && second.contact).toMatchObject({
			contactid: contactIds[1].toUpperCase(),
			statecode: 0,
			_ownerid_value: sim.state.userId('Megan Bowen'),
			'_ownerid_value@OData.Community.Display.V1.FormattedValue': 'Megan Bowen',
			emailaddress1: 'as.the.item.says@example.com',
		});
		expect(third).toBe(deleted);
		expect(fourth).toBe(gone);
		expect(sim.counters.snapshot()['contacts.list']).toBe(1);
	});

	test('without a link column, resource names are not looked up', async () => {
		sim.counters.reset();
		const index = await lookUpCounterparts([person('people/c777', {})], {}, dynamicsDirectory(simulatorClient(sim)));
		expect(index.links.size).toBe(0);
		expect(sim.counters.snapshot()['contacts.list']).toBeUndefined();
	});
});
