/**
 * The per-process contact index against the People API simulator: one full listing (asking for a
 * sync token), then incremental listings of what changed; expired and unknown tokens fall back to a
 * full listing; a full listing may be abandoned after its first page. Requests counted by route.
 */
import { GoogleContactsClient, type Person } from '../../../lib/google/client';
import { createOAuth2Client } from '../../../lib/google/connection';
import { ContactIndex, contactIndexFor } from '../../../lib/google/contact-index';
import { LINK_KEYS } from '../../../lib/mapping';
import { startGoogleSimulator, type GoogleSimulator } from '../../simulators/google';

let sim: GoogleSimulator;

beforeAll(async () => {
	sim = await startGoogleSimulator();
});
afterAll(() => sim.close());
beforeEach(() => {
	sim.reset();
	sim.faults.clear();
	sim.counters.reset();
});

function client(mutationQueueKey?: string): GoogleContactsClient {
	const auth = createOAuth2Client({ clientId: sim.clientId, clientSecret: sim.clientSecret, refreshToken: sim.refreshToken, tokenUrl: sim.tokenUrl });
	return new GoogleContactsClient({ auth, rootUrl: sim.rootUrl, retry: { baseDelayMs: 5, maxDelayMs: 50 }, mutationQueueKey });
}

const contact = (name: string, emails: string[], link?: string): Person => ({
	names: [{ givenName: name }],
	emailAddresses: emails.map((value) => ({ value })),
	...(link ? { clientData: [{ key: LINK_KEYS.googleDynamicsContactId, value: link }] } : {}),
});

/** Creates contacts as another app would (straight into the simulator), returning their resource names. */
const create = (...people: Person[]) => sim.state.createContacts(people).map((person) => person.resourceName as string);

const listings = () => sim.counters.snapshot()['people.connections.list'] ?? 0;

describe('the contact index', () => {
	test('one full listing finds contacts by email (trimmed, case-blind) and by their Dynamics link', async () => {
		const [ana, bo] = create(contact('Ana', [' Ana@Example.com ', 'ana@work.example']), contact('Bo', ['bo@example.com'], 'dyn-1'));
		const index = new ContactIndex();
		expect(index.current).toBe(false);
		expect(await index.refresh(client())).toBe('listed');
		expect(index.current).toBe(true);
		expect(index.withEmail('ana@example.com')).toEqual([ana]);
		expect(index.withEmail('ana@work.example')).toEqual([ana]);
		expect(index.linkedTo('dyn-1')).toEqual([bo]);
		expect(index.linkedTo('dyn-2')).toEqual([]);
		expect(index.linkedCount).toBe(1);
		expect(listings()).toBe(1);
	});

	test('then each refresh reads only what changed: new, edited and deleted contacts; nothing changed costs one request', async () => {
		const [ana, bo] = create(contact('Ana', ['ana@example.com']), contact('Bo', ['bo@example.com']));
		const index = new ContactIndex();
		const google = client();
		await index.refresh(google);
		sim.counters.reset();
		expect(await index.refresh(google)).toBe('changes');
		expect(listings()).toBe(1);

		const [cy] = create(contact('Cy', ['cy@example.com'], 'dyn-3'));
		sim.state.editAsUser(ana, { emailAddresses: [{ value: 'ana@new.example' }] });
		sim.state.deleteContact(bo);
		sim.counters.reset();
		await index.refresh(google);
		expect(listings()).toBe(1);
		expect(index.withEmail('cy@example.com')).toEqual([cy]);
		expect(index.linkedTo('dyn-3')).toEqual([cy]);
		expect(index.withEmail('ana@example.com')).toEqual([]);
		expect(index.withEmail('ana@new.example')).toEqual([ana]);
		expect(index.withEmail('bo@example.com')).toEqual([]);
	});

	test('contacts sharing an email or a link are all named; when one leaves, the others stay', async () => {
		const twins = create(contact('Ana', ['ana@example.com'], 'dyn-1'), contact('Ana B', ['ANA@example.com'], 'dyn-1'), contact('Ana C', ['ana@example.com']));
		const index = new ContactIndex();
		const google = client();
		await index.refresh(google);
		expect(index.withEmail('ana@example.com').sort()).toEqual([...twins].sort());
		expect(index.linkedTo('dyn-1').sort()).toEqual(twins.slice(0, 2).sort());
		expect(index.linkedCount).toBe(2);
		sim.state.deleteContact(twins[0]);
		sim.state.editAsUser(twins[2], { emailAddresses: [{ value: 'cee@example.com' }] });
		await index.refresh(google);
		expect(index.withEmail('ana@example.com')).toEqual([twins[1]]);
		expect(index.linkedTo('dyn-1')).toEqual([twins[1]]);
		expect(index.linkedCount).toBe(1);
		sim.state.deleteContact(twins[1]);
		await index.refresh(google);
		expect(index.withEmail('ana@example.com')).toEqual([]);
		expect(index.linkedCount).toBe(0);
	});

	test('contacts the caller wrote are known at once (put), and a change read later replaces them', async () => {
		const index = new ContactIndex();
		const google = client();
		await index.refresh(google);
		const [written] = (await google.createContacts([contact('Di', ['di@example.com'], 'dyn-4')], ['metadata'])).map((result) => (result.ok ? result.person.resourceName : undefined));
		index.put({ ...contact('Di', ['di@example.com'], 'dyn-4'), resourceName: written });
		expect(index.linkedTo('dyn-4')).toEqual([written]);
		sim.state.editAsUser(written as string, { emailAddresses: [{ value: 'di@other.example' }] });
		await index.refresh(google);
		expect(index.withEmail('di@example.com')).toEqual([]);
		expect(index.withEmail('di@other.example')).toEqual([written]);
		expect(index.linkedTo('dyn-4')).toEqual([written]);
	});

	test('an expired sync token, or one Google does not know (another account, a reset), means a full listing again', async () => {
		const [ana] = create(contact('Ana', ['ana@example.com']));
		const index = new ContactIndex();
		const google = client();
		await index.refresh(google);
		sim.state.expireSyncTokens();
		sim.counters.reset();
		expect(await index.refresh(google)).toBe('listed');
		// The refused incremental listing, then the full one.
		expect(listings()).toBe(2);
		expect(index.withEmail('ana@example.com')).toEqual([ana]);

		sim.reset();
		const [bo] = create(contact('Bo', ['bo@example.com']));
		sim.counters.reset();
		await index.refresh(google);
		expect(listings()).toBe(2);
		expect(index.withEmail('ana@example.com')).toEqual([]);
		expect(index.withEmail('bo@example.com')).toEqual([bo]);
	});

	test('an outage is an error, and the index stays as it was (the next refresh reads the same changes again)', async () => {
		const index = new ContactIndex();
		const google = client();
		await index.refresh(google);
		const [ana] = create(contact('Ana', ['ana@example.com']));
		sim.faults.add({ route: 'people.connections.list', status: 500, count: 20 });
		await expect(index.refresh(google)).rejects.toThrow(/HTTP 500/);
		sim.faults.clear();
		expect(index.current).toBe(true);
		await index.refresh(google);
		expect(index.withEmail('ana@example.com')).toEqual([ana]);
	});

	test('a full listing can be abandoned after its first page (the account\'s size known), leaving the index unbuilt', async () => {
		create(...Array.from({ length: 1500 }, (_, position) => contact(`P${position}`, [`p${position}@example.com`])));
		const index = new ContactIndex();
		const sizes: number[] = [];
		expect(await index.refresh(client(), { abandonFullListing: (total) => sizes.push(total) > 0 })).toBe('abandoned');
		expect(sizes).toEqual([1500]);
		expect(index.current).toBe(false);
		expect(listings()).toBe(1);
		// A small account is listed in one page: nothing to abandon.
		sim.reset();
		create(contact('Ana', ['ana@example.com']));
		expect(await index.refresh(client(), { abandonFullListing: () => true })).toBe('listed');
		expect(index.current).toBe(true);
	});

	test('clients of one credential and API root share an index in the process; without a key each gets its own', () => {
		const [first, second] = [client('credential-1'), client('credential-1')];
		expect(first.accountKey).toBe(`${sim.rootUrl}|credential-1`);
		expect(contactIndexFor(first.accountKey)).toBe(contactIndexFor(second.accountKey));
		expect(contactIndexFor(client('credential-2').accountKey)).not.toBe(contactIndexFor(first.accountKey));
		expect(client().accountKey).toBeUndefined();
		expect(contactIndexFor(undefined)).not.toBe(contactIndexFor(undefined));
	});
});
