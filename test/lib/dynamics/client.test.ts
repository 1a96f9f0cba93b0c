/**
 * DynamicsClient against the Dynamics simulator (HTTPS, MSAL tokens from its Entra endpoints):
 * paging, retries under injected faults, ETag concurrency, token refresh, writes, change tracking.
 */
import { ChangeTrackingExpiredError, ConcurrencyConflictError, DynamicsApiError } from '../../../lib/dynamics/errors';
import { DynamicsClient } from '../../../lib/dynamics/client';
import { clearTokenCache } from '../../../lib/dynamics/auth';
import type { RetryEvent } from '../../../lib/http/retry';
import { HttpRequest, NetworkError } from '../../../lib/http/transport';
import { startDynamicsSimulator, type DynamicsSimulator } from '../../simulators/dynamics';
import { simulatorClient } from './simulator-client';

const SEEDED = 12_000;

let sim: DynamicsSimulator;

beforeAll(async () => {
	sim = await startDynamicsSimulator({ contacts: SEEDED });
}, 120_000);
afterAll(() => sim.close());
beforeEach(() => {
	sim.faults.clear();
	sim.counters.reset();
});

interface ContactRow {
	contactid: string;
	'@odata.etag': string;
	jobtitle?: string | null;
	emailaddress1?: string | null;
}

/** A client whose retry waits are recorded instead of slept, and whose requests are recorded. */
function instrumentedClient() {
	const waits: number[] = [];
	const retries: RetryEvent[] = [];
	const requests: HttpRequest[] = [];
	const client = simulatorClient(sim, {
		client: {
			retry: {
				baseDelayMs: 5,
				sleep: async (ms) => {
					waits.push(ms);
				},
				onRetry: (event) => retries.push(event),
			},
		},
		observe: (request) => requests.push(request),
	});
	return { client, waits, retries, requests };
}

async function failure<T extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
	const error = await promise.then(
		() => undefined,
		(caught) => caught,
	);
	expect(error).toBeInstanceOf(type);
	return error as T;
}

describe('paging', () => {
	it(`lists all ${SEEDED} contacts across pages, following each nextLink unchanged`, async () => {
		const { client, requests } = instrumentedClient();
		const pages: Array<{ rows: number; nextLink?: string }> = [];
		const ids = new Set<string>();
		for await (const page of client.pages<ContactRow>('contacts?$select=contactid,fullname', { maxPageSize: 5000 })) {
			pages.push({ rows: page.value.length, nextLink: page.nextLink });
			for (const row of page.value) ids.add(row.contactid);
		}
		expect(pages.map((page) => page.rows)).toEqual([5000, 5000, 2000]);
		expect(ids.size).toBe(SEEDED);
		const listRequests = requests.filter((request) => request.url.includes('/contacts'));
		expect(listRequests.map((request) => request.url).slice(1)).toEqual(pages.slice(0, -1).map((page) => page.nextLink));
		for (const request of listRequests) expect(request.headers.Prefer).toBe('odata.maxpagesize=5000');
		expect(sim.counters.snapshot()['contacts.list']).toBe(3);
	});

	it('collects every row with getAll at the default page size', async () => {
		const rows = await simulatorClient(sim).getAll<ContactRow>('contacts?$select=contactid');
		expect(new Set(rows.map((row) => row.contactid)).size).toBe(sim.state.count('contact'));
	});

	it('refuses to follow a link to another host (the token would go with it)', async () => {
		const client = simulatorClient(sim);
		await expect(client.getJson('https://evil.example.com/api/data/v9.2/contacts')).rejects.toThrow(
			`refusing to send a request for https://evil.example.com/api/data/v9.2/contacts: it is not on the Dynamics 365 environment ${sim.url}`,
		);
	});
});

describe('retries', () => {
	it('retries injected 429s, waiting what Retry-After asks, and the listing still completes', async () => {
		const { client, waits, retries } = instrumentedClient();
		sim.faults.add({ route: 'contacts.list', status: 429, retryAfterSeconds: 7, count: 2 });
		const rows = await client.getAll<ContactRow>('contacts?$select=contactid', { maxPageSize: 5000 });
		expect(new Set(rows.map((row) => row.contactid)).size).toBe(sim.state.count('contact'));
		expect(sim.counters.snapshot()['contacts.list']).toBe(3 + 2);
		expect(retries.map((retry) => retry.reason)).toEqual(['429', '429']);
		expect(waits).toEqual([7000, 7000]);
	});

	it('retries 503s scattered over a 12-page listing with growing back-off, and the listing still completes', async () => {
		const { client, waits, retries } = instrumentedClient();
		sim.faults.add({ route: 'contacts.list', status: 503, probability: 0.4 });
		const rows = await client.getAll<ContactRow>('contacts?$select=contactid', { maxPageSize: 1000 });
		expect(new Set(rows.map((row) => row.contactid)).size).toBe(sim.state.count('contact'));
		const pages = Math.ceil(sim.state.count('contact') / 1000);
		expect(retries.length).toBeGreaterThan(0);
		expect(retries.every((retry) => retry.reason === '503')).toBe(true);
		expect(sim.counters.snapshot()['contacts.list']).toBe(pages + retries.length);
		// Back-off window of attempt n (base 5 ms): between half of 5·2^(n-1) and all of it.
		expect(retries.some((retry) => retry.attempt >= 2)).toBe(true);
		retries.forEach((retry, index) => {
			const ceiling = 5 * 2 ** (retry.attempt - 1);
			expect(waits[index]).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
			expect(waits[index]).toBeLessThanOrEqual(ceiling);
		});
	});

	it('retries a read whose connection was reset', async () => {
		const { client, retries } = instrumentedClient();
		sim.faults.add({ route: 'whoami', reset: true, count: 1 });
		expect((await client.whoAmI()).UserId).toBe(sim.applicationUserId);
		expect(retries.map((retry) => retry.reason)).toEqual(['ECONNRESET']);
	});

	it('retries a throttled create, but never repeats a create whose connection dropped after sending', async () => {
		const { client } = instrumentedClient();
		sim.faults.add({ route: 'contacts.create', status: 429, retryAfterSeconds: 1, count: 1 });
		const created = await client.create('contacts', { firstname: 'Retry', lastname: 'Throttled' });
		expect(sim.state.getContact(created.id!)).toBeDefined();
		expect(sim.counters.snapshot()['contacts.create']).toBe(2);

		sim.counters.reset();
		sim.faults.add({ route: 'contacts.create', reset: true, count: 1 });
		const error = await failure(client.create('contacts', { firstname: 'Maybe', lastname: 'Landed' }), NetworkError);
		expect(error).toMatchObject({ code: 'ECONNRESET', sent: true });
		expect(sim.counters.snapshot()['contacts.create']).toBe(1);
	});

	it('gives up with a clear error when throttling outlasts the budget', async () => {
		const client = simulatorClient(sim, { client: { retry: { budgetMs: 10_000, sleep: async () => undefined } } });
		sim.faults.add({ route: 'whoami', status: 429, retryAfterSeconds: 60, count: 1 });
		const error = await failure(client.whoAmI(), DynamicsApiError);
		expect(error).toMatchObject({ status: 429, code: '0x80072322', retryAfterSeconds: 60 });
		expect(error.message).toContain('It asked to wait 60 s.');
		expect(sim.counters.snapshot().whoami).toBe(1);
	});
});

describe('writes and ETags', () => {
	it('creates, reads, updates with the current ETag, and deletes', async () => {
		const client = simulatorClient(sim);
		const created = await client.create('contacts', { firstname: 'Siobhán', lastname: "O'Brien", emailaddress1: "siobhan.o'brien+crm@example.ie" });
		expect(created.status).toBe(204);
		const read = await client.find<ContactRow>('contacts', created.id!, { select: ['emailaddress1'] });
		expect(read!.emailaddress1).toBe("siobhan.o'brien+crm@example.ie");
		const updated = await client.update<ContactRow>('contacts', created.id!, { jobtitle: 'CTO' }, { ifMatch: read!['@odata.etag'], returnRepresentation: true, select: ['jobtitle'] });
		expect(updated.record!.jobtitle).toBe('CTO');
		expect(updated.etag).not.toBe(read!['@odata.etag']);
		await client.delete('contacts', created.id!);
		expect(await client.find('contacts', created.id!)).toBeUndefined();
		await expect(client.find('contactz', created.id!)).rejects.toMatchObject({ status: 404, code: '0x80060888' });
	});

	it('surfaces a stale ETag as ConcurrencyConflictError and leaves the record as the other writer left it', async () => {
		const client = simulatorClient(sim);
		const id = sim.state.listContacts()[0].id;
		const read = (await client.find<ContactRow>('contacts', id, { select: ['jobtitle'] }))!;
		sim.state.updateContact(id, { jobtitle: 'Changed by someone else' });
		const error = await failure(client.update('contacts', id, { jobtitle: 'Our change' }, { ifMatch: read['@odata.etag'] }), ConcurrencyConflictError);
		expect(error.status).toBe(412);
		expect(error.message).toContain(`was changed in Dynamics 365 after it was read (the ETag ${read['@odata.etag']} sent in If-Match is no longer current)`);
		expect(sim.state.getContact(id)!.values.jobtitle).toBe('Changed by someone else');
	});

	it('updates only existing records by default (If-Match: *)', async () => {
		const error = await failure(simulatorClient(sim).update('contacts', '00000000-0000-0000-0000-00000000abcd', { jobtitle: 'x' }), DynamicsApiError);
		expect(error.status).toBe(404);
		expect(sim.state.getContact('00000000-0000-0000-0000-00000000abcd')).toBeUndefined();
	});

	it('upserts by id and by alternate key, telling creates from updates', async () => {
		const client = simulatorClient(sim);
		const key = { new_googleresourcename: 'people/c42+x' };
		const created = await client.upsert('contacts', key, { lastname: 'Upserted' }, { returnRepresentation: true, select: ['contactid'] });
		expect(created.created).toBe(true);
		const updated = await client.upsert('contacts', key, { firstname: 'Again' }, { returnRepresentation: true, select: ['contactid'] });
		expect(updated.created).toBe(false);
		const id = (updated.record as unknown as ContactRow).contactid;
		expect(sim.state.getContact(id)!.values).toMatchObject({ firstname: 'Again', lastname: 'Upserted', new_googleresourcename: 'people/c42+x' });
		const byId = await client.upsert('contacts', id, { jobtitle: 'By id' });
		expect(byId.id).toBe(id);
		const createOnly = await failure(client.upsert('contacts', id, { jobtitle: 'x' }, { createOnly: true }), DynamicsApiError);
		expect(createOnly.status).toBe(412);
		expect(createOnly).not.toBeInstanceOf(ConcurrencyConflictError);
	});
});

describe('tokens', () => {
	it('gets one fresh token after an expired one and retries once', async () => {
		clearTokenCache();
		const client = simulatorClient(sim);
		await client.whoAmI();
		sim.counters.reset();
		sim.state.expireAccessTokens();
		expect((await client.whoAmI()).UserId).toBe(sim.applicationUserId);
		expect(sim.counters.snapshot()).toMatchObject({ whoami: 2, 'entra.token': 1 });
	});

	it('stops after the one retry when the fresh token is refused too', async () => {
		const client = simulatorClient(sim);
		sim.faults.add({ route: 'whoami', status: 401 });
		const error = await failure(client.whoAmI(), DynamicsApiError);
		expect(error.status).toBe(401);
		expect(error.message).toContain('Dynamics 365 did not accept the access token');
		expect(sim.counters.snapshot()).toMatchObject({ whoami: 2, 'entra.token': 1 });
	});
});

describe('change tracking', () => {
	it('starts tracking, then follows the delta link to creates, updates and deletions, then a fresh link', async () => {
		const client = simulatorClient(sim);
		const pages = [];
		for await (const page of client.trackChanges<ContactRow>('contacts', { select: ['fullname', 'jobtitle'], maxPageSize: 5000 })) pages.push(page);
		expect(pages.slice(0, -1).every((page) => page.nextLink && !page.deltaLink)).toBe(true);
		const start = pages[pages.length - 1];
		expect(start.deltaLink).toContain('$deltatoken=');
		expect(pages.reduce((sum, page) => sum + page.upserted.length, 0)).toBe(sim.state.count('contact'));

		const [first, second, third] = sim.state.listContacts();
		sim.state.updateContact(first.id, { jobtitle: 'Changed 1' });
		sim.state.updateContact(second.id, { jobtitle: 'Changed 2' });
		sim.state.deleteContact(third.id);
		const created = await client.create('contacts', { lastname: 'New since' });

		const changes = await client.collectChanges<ContactRow>({ link: start.deltaLink! });
		expect(changes.upserted.map((row) => row.contactid).sort()).toEqual([first.id, second.id, created.id].sort());
		expect(changes.upserted.find((row) => row.contactid === first.id)!.jobtitle).toBe('Changed 1');
		expect(changes.deleted).toEqual([{ id: third.id, reason: 'deleted' }]);
		expect(changes.deltaLink).not.toBe(start.deltaLink);

		const nothing = await client.collectChanges({ link: changes.deltaLink });
		expect(nothing.upserted).toEqual([]);
		expect(nothing.deleted).toEqual([]);
	});

	it('returns the selected columns with formatted values on tracked pages, and gets the delta link where Dataverse leaves it off an annotated last page', async () => {
		const client = simulatorClient(sim);
		const annotated = { includeAnnotations: 'OData.Community.Display.V1.FormattedValue', maxPageSize: 5000 };
		const { upserted, deltaLink } = await client.collectChanges<Record<string, unknown>>({ entitySet: 'contacts', select: ['fullname', 'statecode'] }, annotated);
		expect(upserted[0]).toMatchObject({ fullname: expect.any(String), 'statecode@OData.Community.Display.V1.FormattedValue': 'Active' });
		sim.counters.reset();
		// Reported of Dataverse (MicrosoftDocs/powerapps-docs#439): no deltaLink on the last page with formatted values.
		sim.state.dropsDeltaLinkWithFormattedValues = true;
		try {
			sim.state.updateContact(sim.state.listContacts()[0].id, { jobtitle: 'Seen with its label' });
			const changes = await client.collectChanges<Record<string, unknown>>({ link: deltaLink }, annotated);
			expect(changes.upserted).toEqual([expect.objectContaining({ 'statecode@OData.Community.Display.V1.FormattedValue': 'Active' })]);
			expect(changes.deltaLink).toContain('$deltatoken=');
			// The annotated page, then the same page without annotations for its delta link.
			expect(sim.counters.snapshot()).toEqual({ 'contacts.delta': 2 });
		} finally {
			sim.state.dropsDeltaLinkWithFormattedValues = false;
		}
	});

	it('reports an expired delta link as ChangeTrackingExpiredError', async () => {
		const client = simulatorClient(sim);
		const { deltaLink } = await client.collectChanges({ entitySet: 'contacts', select: ['fullname'] });
		sim.state.expireChangeTracking();
		const error = await failure(client.collectChanges({ link: deltaLink }), ChangeTrackingExpiredError);
		expect(error.code).toBe('0x80044352');
		expect(error.message).toContain('Start change tracking again with a full read');
	});
});

describe('secrets', () => {
	it('never puts the client secret or a token into an error', async () => {
		const tokens = new Set<string>();
		const observe = (request: HttpRequest) => {
			const bearer = /^Bearer (.+)$/.exec(request.headers.Authorization ?? '');
			if (bearer) tokens.add(bearer[1]);
		};
		const client = simulatorClient(sim, { observe });
		const errors: unknown[] = [];
		const collect = (promise: Promise<unknown>) => promise.catch((error) => errors.push(error));
		clearTokenCache();
		const id = sim.state.listContacts()[5].id;
		const etag = (await client.find<ContactRow>('contacts', id))!['@odata.etag'];
		sim.state.updateContact(id, { jobtitle: 'moved on' });
		await collect(client.update('contacts', id, { jobtitle: 'x' }, { ifMatch: etag }));
		await collect(client.getJson("contacts?$select=nosuchcolumn&$filter=emailaddress1 eq 'a'"));
		await collect(client.find('contacts', 'not-a-guid'));
		const { deltaLink } = await client.collectChanges({ entitySet: 'contacts', select: ['fullname'] });
		sim.state.expireChangeTracking();
		await collect(client.collectChanges({ link: deltaLink }));
		sim.faults.add({ route: 'whoami', status: 401 });
		await collect(client.whoAmI());
		sim.faults.clear();
		await collect(simulatorClient(sim, { observe, credential: { clientSecret: `${sim.clientSecret}x` } }).whoAmI());
		expect(errors).toHaveLength(6);
		expect(tokens.size).toBeGreaterThanOrEqual(2);
		for (const error of errors) {
			const text = `${(error as Error).message}\n${JSON.stringify(error)}\n${(error as Error).stack}`;
			expect(text).not.toContain(sim.clientSecret);
			for (const token of tokens) expect(text).not.toContain(token);
		}
	});
});

describe('client construction', () => {
	it('normalises the API base and resolves relative paths under it', () => {
		const client = new DynamicsClient({ transport: async () => ({ status: 200, headers: {}, body: '{}' }), apiBaseUrl: 'https://contoso.crm.dynamics.com/api/data/v9.2' });
		expect(client.resolve('/contacts')).toBe('https://contoso.crm.dynamics.com/api/data/v9.2/contacts');
		expect(client.resolve('https://contoso.crm.dynamics.com/api/data/v9.2/contacts?$skiptoken=%3Ccookie%3E')).toBe('https://contoso.crm.dynamics.com/api/data/v9.2/contacts?$skiptoken=%3Ccookie%3E');
	});
});
