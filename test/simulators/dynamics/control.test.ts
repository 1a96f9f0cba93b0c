/** The control API under /_sim/, fault injection per route, request counters, and the plain-HTTP port. */
import { type DynamicsSimulator, startDynamicsSimulator } from './index';
import { type RawClient, rawClient } from './raw-client';

let sim: DynamicsSimulator;
let api: RawClient;

beforeAll(async () => {
	sim = await startDynamicsSimulator();
	api = await rawClient(sim);
});
afterAll(() => sim.close());
beforeEach(() => {
	sim.faults.clear();
	sim.counters.reset();
});

async function control(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
	const response = await fetch(`${sim.url}/_sim/${path}`, { method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
	const text = await response.text();
	return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

describe('control API', () => {
	it('resets, seeds, and reads contacts as the Web API shows them', async () => {
		expect((await control('POST', 'reset')).json).toEqual({ contacts: 0 });
		expect((await control('POST', 'seed', { count: 30, seed: 7 })).json).toEqual({ created: 30, contacts: 30 });
		const listed = await control('GET', 'contacts');
		expect(listed.json.value).toHaveLength(30);
		const first = listed.json.value[0];
		expect(first).toMatchObject({ '@odata.etag': expect.any(String), contactid: expect.any(String), _ownerid_value: expect.any(String) });
		expect((await control('GET', `contacts/${first.contactid}`)).json.contactid).toBe(first.contactid);
		expect((await control('POST', 'seed', { count: -1 })).status).toBe(400);
		// Seeding is deterministic: the same seed gives the same people and ids.
		await control('POST', 'reset');
		await control('POST', 'seed', { count: 30, seed: 7 });
		expect((await control('GET', 'contacts')).json.value.map((row: { contactid: string; fullname: string }) => [row.contactid, row.fullname])).toEqual(
			listed.json.value.map((row: { contactid: string; fullname: string }) => [row.contactid, row.fullname]),
		);
	});

	it('creates, edits and deletes contacts as a named user, visible to the API and to change tracking', async () => {
		const tracked = await api.get('contacts?$select=lastname', { Prefer: 'odata.track-changes' });
		const created = await control('POST', 'contacts', { as: 'Megan Bowen', values: { firstname: 'Made', lastname: 'In The UI' } });
		expect(created.status).toBe(201);
		const id = created.json.contactid;
		const edited = await control('PATCH', `contacts/${id}`, { as: 'isaiah.langer@simorg.onmicrosoft.com', values: { jobtitle: 'Edited' } });
		expect(edited.json._modifiedby_value).toBe(sim.state.userId('Isaiah Langer'));
		const badUser = await control('PATCH', `contacts/${id}`, { as: 'Nobody Here', values: { jobtitle: 'x' } });
		expect([badUser.status, badUser.json.error]).toEqual([400, expect.stringContaining("no systemuser 'Nobody Here'")]);
		const invalid = await control('PATCH', `contacts/${id}`, { values: { firstname: 'x'.repeat(60) } });
		expect([invalid.status, invalid.json.error.code]).toEqual([400, '0x80044331']);
		const delta = await api.get(tracked.json['@odata.deltaLink']);
		expect(delta.json.value).toEqual([expect.objectContaining({ contactid: id, lastname: 'In The UI' })]);
		expect((await control('DELETE', `contacts/${id}`)).status).toBe(204);
		expect((await control('GET', `contacts/${id}`)).status).toBe(404);
		const users = await control('GET', 'users');
		expect(users.json.value).toEqual(expect.arrayContaining([expect.objectContaining({ systemuserid: sim.applicationUserId, applicationid: sim.clientId })]));
	});

	it('expires access tokens and delta links, and moves the clock', async () => {
		const tracked = await api.get('contacts?$select=lastname', { Prefer: 'odata.track-changes' });
		await control('POST', 'change-tracking/expire');
		expect((await api.get(tracked.json['@odata.deltaLink'])).json.error.code).toBe('0x80044352');
		await control('POST', 'tokens/expire');
		expect((await api.get('WhoAmI')).status).toBe(401);
		api = await rawClient(sim);
		const before = sim.state.now().getTime();
		expect((await control('POST', 'clock/advance', { seconds: 3600 })).status).toBe(200);
		expect(sim.state.now().getTime() - before).toBeGreaterThanOrEqual(3600 * 1000);
		expect((await api.get('WhoAmI')).status).toBe(401);
		api = await rawClient(sim);
	});

	it('tells a tool how to connect', async () => {
		const info = await control('GET', 'info');
		expect(info.json).toMatchObject({ url: sim.url, httpUrl: sim.httpUrl, tenantId: sim.tenantId, clientId: sim.clientId, applicationUserId: sim.applicationUserId, caCertPath: sim.caCertPath });
		expect((await control('PUT', 'latency', { ms: 0 })).json).toEqual({ ms: 0 });
		expect((await control('GET', 'nonsense')).status).toBe(404);
		expect((await control('PUT', 'reset')).status).toBe(405);
	});
});

describe('faults and counters', () => {
	it('throttles a route with 429, Retry-After and the service-protection body, for the next N requests', async () => {
		expect((await control('POST', 'faults', { route: 'contacts.list', status: 429, retryAfterSeconds: 7, count: 2 })).status).toBe(201);
		for (let attempt = 0; attempt < 2; attempt++) {
			const throttled = await api.get('contacts?$select=fullname');
			expect([throttled.status, throttled.headers.get('retry-after'), throttled.json]).toEqual([
				429,
				'7',
				{ error: { code: '0x80072322', message: 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.' } },
			]);
		}
		expect((await api.get('contacts?$select=fullname')).status).toBe(200);
		expect((await api.get('WhoAmI')).status).toBe(200);
		expect((await control('GET', 'faults')).json.value).toEqual([]);
		expect((await control('GET', 'counters')).json).toMatchObject({ 'contacts.list': 3, whoami: 1 });
	});

	it('answers 503 in Dataverse shape and resets connections; Entra routes fail in AAD shape', async () => {
		sim.faults.add({ route: 'contacts.*', status: 503, count: 1 });
		const unavailable = await api.get('contacts');
		expect([unavailable.status, unavailable.json.error.code]).toEqual([503, '0x80040216']);
		sim.faults.add({ route: 'whoami', reset: true, count: 1 });
		await expect(api.get('WhoAmI')).rejects.toThrow();
		expect((await api.get('WhoAmI')).status).toBe(200);
		sim.faults.add({ route: 'entra.token', status: 503, count: 1 });
		const token = await fetch(`${sim.authorityHost}/${sim.tenantId}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials' }) });
		expect([token.status, ((await token.json()) as { error: string }).error]).toEqual([503, 'temporarily_unavailable']);
	});

	it('counts requests by route name and resets the counters', async () => {
		await api.get('contacts?$select=fullname');
		await api.request('POST', 'contacts', { body: { lastname: 'Counted' } });
		await api.get("EntityDefinitions(LogicalName='contact')/Attributes");
		expect(sim.counters.snapshot()).toEqual({ 'contacts.create': 1, 'contacts.list': 1, 'metadata.attributes': 1 });
		expect((await control('DELETE', 'counters')).status).toBe(204);
		// The reset request itself was counted before it cleared the counters.
		expect(sim.counters.snapshot()).toEqual({});
	});

	it('serves the same API over plain HTTP on its own port', async () => {
		const plain = await rawClient(sim, `${sim.httpUrl}/api/data/v9.2`);
		const response = await plain.get('WhoAmI');
		expect(response.json.UserId).toBe(sim.applicationUserId);
		expect(response.json['@odata.context']).toBe(`${sim.httpUrl}/api/data/v9.2/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`);
	});
});
