/**
 * GoogleContactsClient against the People API simulator: paging, retries, batching, write
 * serialisation, contact groups, conflicts, expired sync tokens, auth failures and bulk email lookup,
 * all counted with the simulator's request counters.
 */
import { startGoogleSimulator, type GoogleSimulator } from '../../simulators/google';
import { personFromSeed } from '../../simulators/google/seed';
import { seedPeople } from '../../simulators/common/seed';
import { GoogleContactsClient, type GoogleContactsClientOptions, type Person } from '../../../lib/google/client';
import { createOAuth2Client } from '../../../lib/google/connection';
import { ContactConflictError, ExpiredSyncTokenError, GoogleAuthorizationError, GooglePeopleError } from '../../../lib/google/errors';
import { authenticatedTransport } from '../../../lib/http/bearer';
import { nodeHttpTransport, type HttpTransport } from '../../../lib/http/transport';

const sleepsFast = { baseDelayMs: 5, maxDelayMs: 50 };

function clientFor(sim: GoogleSimulator, options: Partial<GoogleContactsClientOptions> = {}): GoogleContactsClient {
	const auth = createOAuth2Client({ clientId: sim.clientId, clientSecret: sim.clientSecret, refreshToken: sim.refreshToken, tokenUrl: sim.tokenUrl });
	return new GoogleContactsClient({ auth, rootUrl: sim.rootUrl, retry: sleepsFast, ...options });
}

function newContacts(count: number, offset: number): Person[] {
	return seedPeople(count, { offset, hardCases: false }).map((person) => personFromSeed(person));
}

async function collect(client: GoogleContactsClient, request: Parameters<GoogleContactsClient['listConnections']>[0]) {
	const pages = [];
	for await (const page of client.listConnections(request)) pages.push(page);
	return { pages, people: pages.flatMap((page) => page.people) };
}

describe('listing', () => {
	let sim: GoogleSimulator;
	beforeAll(async () => {
		sim = await startGoogleSimulator({ contacts: 12_000 });
	});
	afterAll(() => sim.close());
	beforeEach(() => {
		sim.counters.reset();
		sim.faults.clear();
	});

	test('12,000 contacts come in 12 pages of 1000, with the sync token on the last', async () => {
		const { pages, people } = await collect(clientFor(sim), { personFields: ['names', 'emailAddresses'], requestSyncToken: true });
		expect(pages).toHaveLength(12);
		expect(new Set(people.map((person) => person.resourceName)).size).toBe(12_000);
		expect(pages.map((page) => Boolean(page.nextSyncToken))).toEqual([...Array(11).fill(false), true]);
		expect(sim.counters.snapshot()['people.connections.list']).toBe(12);
	});

	test('the next page is on the wire while the caller works on this one; a caller that stops early leaves one read unused', async () => {
		const listed = () => sim.counters.snapshot()['people.connections.list'] ?? 0;
		const requestedWhileHeld: number[] = [];
		for await (const page of clientFor(sim).listConnections({ personFields: ['names'] })) {
			// Held until the read ahead reaches the simulator (bounded: a listing without read-ahead never gets there).
			for (let waited = 0; listed() <= requestedWhileHeld.length + 1 && page.nextPageToken && waited < 5000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
			requestedWhileHeld.push(listed());
		}
		// 12 pages of 1,000: each held while the next was asked for; the last alone.
		expect(requestedWhileHeld).toEqual([...Array.from({ length: 11 }, (_, page) => page + 2), 12]);

		const inner = nodeHttpTransport();
		let reads = 0;
		// The read ahead is refused; the caller has gone by then: nobody hears of it.
		const refused = { status: 400, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: { code: 400, message: 'Request contains an invalid argument.', status: 'INVALID_ARGUMENT' } }) };
		const transport: HttpTransport = async (request) => (++reads === 2 ? refused : inner(request));
		const unhandled: unknown[] = [];
		const onUnhandled = (reason: unknown) => unhandled.push(reason);
		process.on('unhandledRejection', onUnhandled);
		try {
			for await (const page of clientFor(sim, { transport }).listConnections({ personFields: ['names'] })) {
				expect(page.people).toHaveLength(1000);
				break;
			}
			await new Promise((resolve) => setTimeout(resolve, 200));
		} finally {
			process.off('unhandledRejection', onUnhandled);
		}
		expect(reads).toBe(2);
		expect(unhandled).toEqual([]);
	});

	test('injected 429s and 503s are retried (Retry-After honoured) and the listing still completes', async () => {
		// Counted rules on one route play in order: two 429s (Retry-After: 2), two 503s, one dropped connection.
		sim.faults.add({ route: 'people.connections.list', status: 429, retryAfterSeconds: 2, count: 2 });
		sim.faults.add({ route: 'people.connections.list', status: 503, count: 2 });
		sim.faults.add({ route: 'people.connections.list', reset: true, count: 1 });
		const waits: number[] = [];
		const client = clientFor(sim, { retry: { ...sleepsFast, sleep: async (ms) => void waits.push(ms) } });
		const { people } = await collect(client, { personFields: ['names'] });
		expect(people).toHaveLength(12_000);
		expect(sim.counters.snapshot()['people.connections.list']).toBe(12 + 5);
		expect(waits.filter((ms) => ms === 2000)).toHaveLength(2);
		expect(waits).toHaveLength(5);
	});

	test('a 429 that outlasts the retry budget surfaces as a GooglePeopleError naming the quota', async () => {
		sim.faults.add({ route: 'people.connections.list', status: 429, retryAfterSeconds: 30, count: 5 });
		const error = await clientFor(sim, { retry: { ...sleepsFast, budgetMs: 1000 } }).listConnectionsPage({ personFields: ['names'] }).catch((caught) => caught);
		expect(error).toBeInstanceOf(GooglePeopleError);
		expect(error).toMatchObject({ httpStatus: 429, status: 'RESOURCE_EXHAUSTED', operation: 'people.connections.list' });
		expect(error.message).toMatch(/quota stayed exhausted/);
	});

	test('an expired sync token becomes ExpiredSyncTokenError', async () => {
		const client = clientFor(sim);
		const full = await client.listConnectionsPage({ personFields: ['metadata'], pageSize: 1000, requestSyncToken: true, syncToken: undefined });
		expect(full.nextPageToken).toBeDefined();
		const { pages } = await collect(client, { personFields: ['metadata'], requestSyncToken: true });
		const token = pages[pages.length - 1].nextSyncToken!;
		await expect(client.listConnectionsPage({ personFields: ['metadata'], syncToken: token })).resolves.toMatchObject({ people: [] });
		sim.state.expireSyncTokens();
		const error = await client.listConnectionsPage({ personFields: ['metadata'], syncToken: token }).catch((caught) => caught);
		expect(error).toBeInstanceOf(ExpiredSyncTokenError);
		expect(error.message).toMatch(/run a full sync without a sync token/);
	});
});

describe('writes', () => {
	let sim: GoogleSimulator;
	beforeEach(async () => {
		sim = await startGoogleSimulator({ contacts: 20 });
	});
	afterEach(() => sim.close());

	test('creating 450 contacts takes 3 batch calls, results in input order', async () => {
		const contacts = newContacts(450, 100);
		const results = await clientFor(sim).createContacts(contacts, ['names', 'emailAddresses']);
		expect(sim.counters.snapshot()['people.batchCreateContacts']).toBe(3);
		expect(results.every((result) => result.ok)).toBe(true);
		expect(results.map((result) => (result.ok ? result.person.emailAddresses?.[0].value : undefined))).toEqual(contacts.map((contact) => contact.emailAddresses?.[0].value));
		expect(sim.state.contactCount).toBe(470);
	});

	test('an invalid contact is isolated by splitting its batch; the others are created', async () => {
		const contacts = newContacts(10, 200);
		contacts[6] = { ...contacts[6], names: [{ givenName: 'Two' }, { givenName: 'Names' }] };
		const results = await clientFor(sim).createContacts(contacts, ['names']);
		expect(results.filter((result) => result.ok)).toHaveLength(9);
		expect(results[6]).toMatchObject({ ok: false, index: 6, error: { httpStatus: 400, status: 'INVALID_ARGUMENT' } });
		expect(sim.state.contactCount).toBe(29);
	});

	test('a write is not repeated after a 500 (it may have landed), and later batches are not sent', async () => {
		sim.faults.add({ route: 'people.batchCreateContacts', status: 500, count: 1 });
		const results = await clientFor(sim).createContacts(newContacts(300, 300), ['names']);
		expect(sim.counters.snapshot()['people.batchCreateContacts']).toBe(1);
		expect(results.every((result) => !result.ok && result.error.httpStatus === 500)).toBe(true);
	});

	test('a write refused with 503 is retried', async () => {
		sim.faults.add({ route: 'people.batchCreateContacts', status: 503, count: 2 });
		const results = await clientFor(sim).createContacts(newContacts(5, 400), ['names']);
		expect(results.every((result) => result.ok)).toBe(true);
		expect(sim.counters.snapshot()['people.batchCreateContacts']).toBe(3);
	});

	test('writes never overlap, even from several clients sharing a queue and many concurrent calls', async () => {
		sim.state.settings.rejectConcurrentMutations = true;
		sim.state.settings.mutationDurationMs = 20;
		const [one, two] = [clientFor(sim, { mutationQueueKey: 'credential-1' }), clientFor(sim, { mutationQueueKey: 'credential-1' })];
		const existing = await one.getContacts(sim.state.listAll().map((person) => person.resourceName!), ['names']);
		const updates = [...existing.values()].slice(0, 5).map((person) => ({ resourceName: person.resourceName!, person: { etag: person.etag, nicknames: [{ value: 'nick' }] } }));
		const outcomes = await Promise.all([
			one.createContacts(newContacts(250, 500), ['names']),
			two.createContacts(newContacts(30, 800), ['names']),
			one.updateContacts(updates, ['nicknames'], ['nicknames']),
			two.ensureContactGroup('Dynamics 365 Trash').then((group) => two.modifyGroupMembers(group.resourceName!, { add: updates.map((update) => update.resourceName) })),
			one.deleteContacts([...existing.keys()].slice(10, 12)),
		]);
		expect(sim.state.mutations).toMatchObject({ maxConcurrent: 1, rejectedAsConcurrent: 0 });
		expect(outcomes[0].every((result) => result.ok) && outcomes[1].every((result) => result.ok) && outcomes[2].every((result) => result.ok)).toBe(true);
		expect(sim.state.contactCount).toBe(20 + 280 - 2);
	});

	test('(control) clients with separate queues do overlap, and the simulator refuses the overlap', async () => {
		sim.state.settings.rejectConcurrentMutations = true;
		sim.state.settings.mutationDurationMs = 200;
		const clients = [clientFor(sim), clientFor(sim)];
		// Tokens first, so both creates leave at the same moment.
		await Promise.all(clients.map((client) => client.listConnectionsPage({ personFields: ['names'], pageSize: 1 })));
		const results = await Promise.all(clients.map((client, index) => client.createContacts(newContacts(1, 900 + index), ['names'])));
		expect(sim.state.mutations.rejectedAsConcurrent).toBe(1);
		expect(results.flat().filter((result) => !result.ok)).toHaveLength(1);
	});

	test('while a create call is on the wire the next one\'s body is built and the previous answer parsed, yet no two calls are ever in flight', async () => {
		sim.state.settings.rejectConcurrentMutations = true;
		const events: string[] = [];
		let parsedAnswers = 0;
		const parse = JSON.parse;
		jest.spyOn(JSON, 'parse').mockImplementation((text: string, reviver) => {
			if (text.includes('"createdPeople"')) events.push(`parse ${parsedAnswers++}`);
			return parse(text, reviver);
		});
		const grant = await fetch(sim.tokenUrl, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: sim.refreshToken, client_id: sim.clientId, client_secret: sim.clientSecret }) });
		const authorization = `Bearer ${((await grant.json()) as { access_token: string }).access_token}`;
		const inner = nodeHttpTransport();
		let inFlight = 0;
		let calls = 0;
		// Authenticates by itself, as n8n's does (with an OAuth2 client, google-auth-library's logging reads each answer at once).
		const transport: HttpTransport = async (request) => {
			const call = calls++;
			inFlight++;
			events.push(`send ${call}${inFlight > 1 ? ' while another is in flight' : ''}`);
			try {
				return await inner({ ...request, headers: { ...request.headers, authorization } });
			} finally {
				inFlight--;
				events.push(`answer ${call}`);
			}
		};
		const contacts = newContacts(450, 1000).map((person, index) => {
			if (index % 200) return person;
			// JSON.stringify asks the first contact of each call for its JSON: the moment that call's body is built.
			return Object.assign(person, { toJSON: () => (events.push(`build ${index / 200}`), { ...person, toJSON: undefined }) });
		});
		const results = await new GoogleContactsClient({ transport, rootUrl: sim.rootUrl }).createContacts(contacts, ['names', 'emailAddresses']);
		jest.restoreAllMocks();
		expect(events).toEqual(['build 0', 'send 0', 'build 1', 'answer 0', 'send 1', 'parse 0', 'build 2', 'answer 1', 'send 2', 'parse 1', 'answer 2', 'parse 2']);
		expect(sim.state.mutations).toMatchObject({ maxConcurrent: 1, rejectedAsConcurrent: 0 });
		expect(results.map((result) => (result.ok ? result.person.emailAddresses?.[0].value : result.error))).toEqual(contacts.map((contact) => contact.emailAddresses?.[0].value));
	});

	test('contacts corrected by `recover` are sent corrected, also in the call whose body was built before', async () => {
		const client = clientFor(sim);
		const [gone, alive] = await Promise.all([client.createContactGroup('Gone'), client.createContactGroup('Alive')]);
		sim.state.deleteGroup(gone.resourceName!, false);
		const inGroup = (group: string) => [{ contactGroupMembership: { contactGroupResourceName: group } }];
		const contacts = newContacts(250, 1500).map((person) => ({ ...person, memberships: inGroup(gone.resourceName!) }));
		const recover = async () => {
			for (const contact of contacts) contact.memberships = inGroup(alive.resourceName!);
			return true;
		};
		const results = await client.createContacts(contacts, ['names', 'memberships'], recover);
		expect(results.every((result) => result.ok && result.person.memberships?.[0].contactGroupMembership?.contactGroupResourceName === alive.resourceName)).toBe(true);
		// The first call refused, sent again corrected, then the second call (built while the first was on the wire) corrected too.
		expect(sim.counters.snapshot()['people.batchCreateContacts']).toBe(3);
	});

	test('a contact group is created once, even when asked for twice at once, and by another client later', async () => {
		const client = clientFor(sim);
		const [first, second] = await Promise.all([client.ensureContactGroup('Dynamics 365 Unsubscribes'), client.ensureContactGroup(' Dynamics 365 Unsubscribes ')]);
		const third = await clientFor(sim).ensureContactGroup('Dynamics 365 Unsubscribes');
		expect(first.resourceName).toMatch(/^contactGroups\//);
		expect([second.resourceName, third.resourceName]).toEqual([first.resourceName, first.resourceName]);
		expect(sim.counters.snapshot()['contactGroups.create']).toBe(1);
	});

	test('two clients racing to create a group end with the same one group', async () => {
		const clients = [clientFor(sim), clientFor(sim)];
		await Promise.all(clients.map((client) => client.listConnectionsPage({ personFields: ['names'], pageSize: 1 })));
		// Both look the group up (slowly), so both may find it missing (whether they do depends on timing).
		sim.faults.add({ route: 'contactGroups.list', latencyMs: 150, count: 2 });
		const [a, b] = await Promise.all(clients.map((client) => client.ensureContactGroup('Race')));
		expect(a.resourceName).toBe(b.resourceName);
		const groups = await clients[0].listContactGroups();
		expect(groups.filter((group) => group.name === 'Race')).toHaveLength(1);
	});

	test('a create that finds the group already made (409) reads the winner\'s group', async () => {
		const [first, second] = [clientFor(sim), clientFor(sim)];
		const created = await first.createContactGroup('Race');
		const found = await second.createContactGroup('Race');
		expect(found.resourceName).toBe(created.resourceName);
		expect(sim.counters.snapshot()['contactGroups.create']).toBe(2);
	});

	test('group membership changes go 1000 names a call and report contacts that do not exist', async () => {
		const client = clientFor(sim);
		const group = await client.ensureContactGroup('Big');
		const names = [...sim.state.listAll().map((person) => person.resourceName!), ...[...Array(1500)].map((_, index) => `people/c${index + 1}`)];
		const result = await client.modifyGroupMembers(group.resourceName!, { add: names });
		expect(sim.counters.snapshot()['contactGroups.members.modify']).toBe(2);
		expect(result.notFound).toHaveLength(1500);
		expect((await client.findContactGroup('Big'))?.memberCount).toBe(20);
	});

	test('a stale etag becomes ContactConflictError; in a batch only that contact fails', async () => {
		const client = clientFor(sim);
		const people = [...(await client.getContacts(sim.state.listAll().map((person) => person.resourceName!), ['names'])).values()];
		sim.state.editAsUser(people[1].resourceName!, { nicknames: [{ value: 'edited in Google Contacts' }] });

		const single = await client.updateContact(people[1].resourceName!, { etag: people[1].etag, nicknames: [{ value: 'sync' }] }, ['nicknames']).catch((caught) => caught);
		expect(single).toBeInstanceOf(ContactConflictError);
		expect(single.resourceName).toBe(people[1].resourceName);

		sim.state.deleteContact(people[3].resourceName!);
		const updates = people.slice(0, 5).map((person) => ({ resourceName: person.resourceName!, person: { etag: person.etag, nicknames: [{ value: 'sync' }] } }));
		const results = await client.updateContacts(updates, ['nicknames'], ['nicknames']);
		expect(results.map((result) => result.ok)).toEqual([true, false, true, false, true]);
		expect(results[1]).toMatchObject({ error: expect.any(ContactConflictError) });
		expect(results[3].ok ? undefined : results[3].error.message).toMatch(/deleted/);
		expect(sim.state.getFull(people[0].resourceName!)?.nicknames?.[0].value).toBe('sync');
		expect(sim.state.getFull(people[1].resourceName!)?.nicknames?.[0].value).toBe('edited in Google Contacts');
	});
});

describe('auth and transports', () => {
	let sim: GoogleSimulator;
	beforeEach(async () => {
		sim = await startGoogleSimulator({ contacts: 3 });
	});
	afterEach(() => sim.close());

	test('the standalone OAuth2 client refreshes when the server expires its token early', async () => {
		const client = clientFor(sim);
		await client.listConnectionsPage({ personFields: ['names'] });
		sim.state.expireAccessTokens();
		await expect(client.listConnectionsPage({ personFields: ['names'] })).resolves.toMatchObject({ people: expect.any(Array) });
		expect(sim.counters.snapshot().token).toBe(2);
	});

	test('a revoked grant becomes GoogleAuthorizationError, with no secret in it', async () => {
		const client = clientFor(sim);
		await client.listConnectionsPage({ personFields: ['names'] });
		sim.state.revokeRefreshTokens();
		const error = await client.listConnectionsPage({ personFields: ['names'] }).catch((caught) => caught);
		expect(error).toBeInstanceOf(GoogleAuthorizationError);
		expect(error.message).toBe('Google refused the credential (invalid_grant: Token has been expired or revoked.). Reconnect the Google Contacts credential.');
		const everything = `${error.message} ${JSON.stringify(error)} ${error.stack}`;
		for (const secret of [sim.refreshToken, sim.clientSecret, 'ya29.']) expect(everything).not.toContain(secret);
	});

	test('a transport that authenticates by itself (as n8n\'s does) needs no auth client', async () => {
		let tokenRequests = 0;
		const tokens = {
			async getToken() {
				tokenRequests++;
				const response = await fetch(sim.tokenUrl, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: sim.refreshToken, client_id: sim.clientId, client_secret: sim.clientSecret }) });
				return ((await response.json()) as { access_token: string }).access_token;
			},
		};
		const client = new GoogleContactsClient({ transport: authenticatedTransport(nodeHttpTransport(), tokens), rootUrl: sim.rootUrl, retry: sleepsFast });
		expect((await client.listConnectionsPage({ personFields: ['names'] })).people).toHaveLength(3);
		const [created] = await client.createContacts(newContacts(1, 50), ['names']);
		expect(created.ok).toBe(true);
		expect(tokenRequests).toBe(2);
	});

	test('without auth or transport the client refuses to start, saying what it needs', () => {
		expect(() => new GoogleContactsClient({ rootUrl: sim.rootUrl })).toThrow(/needs `auth`.*or a `transport`/);
	});
});

describe('finding contacts by email', () => {
	let sim: GoogleSimulator;
	beforeAll(async () => {
		sim = await startGoogleSimulator({ contacts: 5000 });
	});
	afterAll(() => sim.close());
	beforeEach(() => sim.counters.reset());

	test('a few emails: one probe, a search warm-up and one search each (fewer requests than listing 5000)', async () => {
		const found = await clientFor(sim).findContactsByEmail(['  CASE.sensitive@example.com', 'jan.vanderberg@example.nl', 'nobody@example.com'], ['names']);
		expect([...found.keys()].sort()).toEqual(['case.sensitive@example.com', 'jan.vanderberg@example.nl']);
		expect(found.get('case.sensitive@example.com')?.map((person) => person.names?.[0].familyName).sort()).toEqual(['Lower', 'Upper']);
		expect(sim.counters.snapshot()).toMatchObject({ 'people.connections.list': 1, 'people.searchContacts': 4 });
	});

	test('many emails: a listing is cheaper than searching each', async () => {
		const emails = sim.state.listAll().slice(0, 10).flatMap((person) => person.emailAddresses?.map((email) => email.value!) ?? []);
		const found = await clientFor(sim).findContactsByEmail(emails, ['names']);
		expect(found.size).toBe(new Set(emails.map((email) => email.toLowerCase())).size);
		expect(sim.counters.snapshot()).toEqual({ 'people.connections.list': 1 + 5, token: 1 });
	});

	test('"list" never relies on the search index, which misses contacts created since the last warm-up', async () => {
		const client = clientFor(sim);
		await client.findContactsByEmail(['warm@example.com'], ['names'], { strategy: 'search' });
		const [created] = await client.createContacts([{ names: [{ givenName: 'Just' }], emailAddresses: [{ value: 'just.created@example.com' }] }], ['names']);
		expect(created.ok).toBe(true);
		expect((await client.findContactsByEmail(['just.created@example.com'], ['names'], { strategy: 'list' })).size).toBe(1);
	});
});
