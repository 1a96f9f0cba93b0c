/**
 * The Google Contacts Trigger polled by n8n-core's own PollTriggerExecutor and PollContext (the
 * harness), against the People API simulator: n8n's request helpers and OAuth2 refresh with the
 * "Google Contacts (Sync)" credential pointed at the simulator by its custom endpoint, static data as
 * n8n keeps it. Contacts are changed through the simulator's control API as the user would in
 * Google Contacts, and through the People API as the sync's writers will (link and snapshot).
 */
import { dirname } from 'path';
import { NodeApiError, NodeOperationError, type ICredentialDataDecryptedObject, type IDataObject, type INodeExecutionData, type INodeParameters } from 'n8n-workflow';
import { Container } from '../../harness/runtime';
import { N8nHarness, type WorkflowJson } from '../../harness/n8n';
import { GoogleContactsClient, type Person } from '../../../lib/google/client';
import { createOAuth2Client } from '../../../lib/google/connection';
import { writeGoogleField, type GooglePerson } from '../../../lib/google/fields';
import { LINK_KEYS } from '../../../lib/mapping';
import { SNAPSHOT_CLIENT_DATA_FIELD, encodeSnapshot, googleSnapshot } from '../../../lib/sync/snapshot';
import { seedPeople } from '../../simulators/common/seed';
import { startGoogleSimulator, type GoogleSimulator } from '../../simulators/google';
import { personFromSeed } from '../../simulators/google/seed';
import { n8nCredentialFor } from '../../simulators/google/testing';

const TYPE = 'n8n-nodes-dynamics365-sync.googleContactsTrigger';
const NODE_NAME = 'Google Contacts Trigger';
const CREDENTIAL = 'googleContactsSyncOAuth2Api';
const LIST = 'people.connections.list';

const { Logger } = require(require.resolve('@n8n/backend-common', { paths: [dirname(require.resolve('n8n-core'))] })) as typeof import('@n8n/backend-common');

let sim: GoogleSimulator;
let n8n: N8nHarness;

/** The credential connected to the simulator (custom endpoint on), its stored access token long expired. */
async function credentialValues(overrides: ICredentialDataDecryptedObject = {}): Promise<ICredentialDataDecryptedObject> {
	return await n8nCredentialFor(sim, { oauthTokenData: { access_token: 'ya29.expired-long-ago', refresh_token: sim.refreshToken, token_type: 'Bearer' }, ...overrides });
}

beforeAll(async () => {
	sim = await startGoogleSimulator();
	n8n = await N8nHarness.create({
		packages: [
			{
				packageName: 'n8n-nodes-dynamics365-sync',
				nodes: ['nodes/GoogleContactsTrigger/GoogleContactsTrigger.node.ts'],
				credentials: ['credentials/GoogleContactsSyncOAuth2Api.credentials.ts'],
			},
		],
	});
});

afterAll(() => sim.close());

beforeEach(async () => {
	sim.reset();
	sim.faults.clear();
	await n8n.credentials.save(CREDENTIAL, await credentialValues());
	sim.counters.reset();
});

function triggerWorkflow(parameters: INodeParameters = {}): WorkflowJson {
	return {
		name: 'Google contacts',
		nodes: [{ id: 'trigger', name: NODE_NAME, type: TYPE, typeVersion: 1, position: [0, 0], parameters, credentials: { [CREDENTIAL]: { id: 'elsewhere', name: 'Google' } } }],
		connections: {},
	};
}

/** The simulator's control API over HTTP, as the user editing contacts in Google Contacts. */
async function control<T>(method: string, path: string, body?: unknown): Promise<T> {
	const response = await fetch(`${sim.rootUrl}_sim/${path}`, { method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
	if (!response.ok) throw new Error(`control ${method} ${path}: ${response.status} ${await response.text()}`);
	return (await response.json()) as T;
}

function newPerson(offset: number): Person {
	return personFromSeed(seedPeople(1, { offset, hardCases: false })[0]);
}

/** A contact as the sync writes it: values, the link to its Dynamics contact, and the snapshot of those values. */
function asSynced(person: Person, contactId: string): Person {
	const synced = structuredClone(person) as GooglePerson;
	writeGoogleField(synced, `clientData:${LINK_KEYS.googleDynamicsContactId}`, contactId);
	writeGoogleField(synced, SNAPSHOT_CLIENT_DATA_FIELD, encodeSnapshot(googleSnapshot(synced)));
	return synced as Person;
}

/** The People API as the sync's writers use it (outside n8n), with the same account. */
function writer(): GoogleContactsClient {
	const auth = createOAuth2Client({ clientId: sim.clientId, clientSecret: sim.clientSecret, refreshToken: sim.refreshToken, tokenUrl: sim.tokenUrl });
	return new GoogleContactsClient({ auth, rootUrl: sim.rootUrl });
}

const json = (items: INodeExecutionData[][] | null) => (items?.[0] ?? []).map((item) => item.json as IDataObject);
const events = (items: INodeExecutionData[][] | null) => json(items).map((item) => `${item.event as string} ${item.resourceName as string}`).sort();

describe('Google Contacts Trigger in n8n', () => {
	it('emits exactly the contacts created, updated and deleted through the control API, each once', async () => {
		sim.seed(20);
		const [edited, removed, untouched] = sim.state.listAll();
		const linked = sim.state.createContact(asSynced(newPerson(500), 'c0ffee00-0000-4000-8000-000000000001'));
		const { workflow, activationPolls } = await n8n.activateWorkflow(triggerWorkflow());
		expect(activationPolls[NODE_NAME].items).toBeNull();

		const created = await control<Person>('POST', 'contacts', newPerson(501));
		await control('PATCH', `contacts/${linked.resourceName}`, { organizations: [{ name: 'Contoso Ltd', title: 'Buyer' }] });
		await control('PATCH', `contacts/${edited.resourceName}`, { biographies: [{ value: 'Met at the fair' }] });
		await control('DELETE', `contacts/${removed.resourceName}`);
		sim.counters.reset();
		const tick = await workflow.poll();

		expect(events(tick.items)).toEqual(
			[`created ${created.resourceName}`, `updated ${linked.resourceName}`, `created ${edited.resourceName}`, `deleted ${removed.resourceName}`].sort(),
		);
		const byName = new Map(json(tick.items).map((item) => [item.resourceName, item]));
		expect(byName.get(linked.resourceName)).toMatchObject({ event: 'updated', person: { resourceName: linked.resourceName, organizations: [{ name: 'Contoso Ltd', title: 'Buyer' }] } });
		expect(byName.get(edited.resourceName)).toMatchObject({ event: 'created', person: { biographies: [{ value: 'Met at the fair' }] } });
		expect(byName.get(removed.resourceName)).toEqual({ event: 'deleted', resourceName: removed.resourceName, person: { resourceName: removed.resourceName, metadata: { deleted: true } } });
		expect(byName.has(untouched.resourceName)).toBe(false);
		expect(tick.execution?.executionOrder).toEqual([NODE_NAME]);
		expect(sim.counters.snapshot()).toEqual({ [LIST]: 1 });

		expect((await workflow.poll()).items).toBeNull();
	});

	it('initial sync of 10,000 contacts at 1,000 per poll: every contact exactly once, resumable from stored static data of a few hundred bytes', async () => {
		sim.seed(10_000);
		const parameters = { startWith: 'allContacts', maxContacts: 1000 };
		const polls: IDataObject[][] = [];
		const requestsPerPoll: number[] = [];
		const staticDataSizes: number[] = [];
		// Each poll starts from what n8n stored, as after a restart: nothing is kept in memory between them.
		let stored: IDataObject = {};
		for (;;) {
			sim.counters.reset();
			const { items, staticData } = await n8n.pollNode(TYPE, { parameters, staticData: stored });
			if (!items) break;
			polls.push(json(items));
			requestsPerPoll.push(sim.counters.total());
			staticDataSizes.push(JSON.stringify(staticData).length);
			stored = staticData;
		}

		expect(polls).toHaveLength(10);
		expect(polls.every((items) => items.length === 1000)).toBe(true);
		const names = polls.flat().map((item) => item.resourceName);
		expect(new Set(names).size).toBe(10_000);
		expect(polls.flat().every((item) => item.event === 'created')).toBe(true);
		expect(stored.cursor).toEqual({ syncToken: expect.any(String) });
		expect(Math.max(...staticDataSizes)).toBeLessThan(1024);
		// One page per poll; the first one also met the expired access token: 401, token refresh, the page again.
		expect(requestsPerPoll).toEqual([3, ...Array(9).fill(1)]);
		console.log(`Google initial sync, 10,000 contacts: ${polls.length} polls, requests per poll ${requestsPerPoll.join('/')}, static data ${Math.min(...staticDataSizes)}-${Math.max(...staticDataSizes)} bytes`);
	});

	it('"from now" on a large account: the first polls list it for a sync token and emit nothing, then changes made meanwhile follow', async () => {
		sim.seed(2_500);
		const { workflow, activationPolls } = await n8n.activateWorkflow(triggerWorkflow({ maxContacts: 1000 }));
		const during = await control<Person>('POST', 'contacts', newPerson(3000));
		// 2,500 contacts: pages of 1,000 ids, one per poll.
		const quiet = [activationPolls[NODE_NAME].items, (await workflow.poll()).items, (await workflow.poll()).items];

		const tick = await workflow.poll();

		expect(quiet).toEqual([null, null, null]);
		expect(events(tick.items)).toEqual([`created ${during.resourceName}`]);
		expect(workflow.inMemoryNodeStaticData().cursor).toEqual({ syncToken: expect.any(String) });
	});

	it('recovers from an expired sync token with a full pass marked resync, logged, nothing created or updated lost', async () => {
		sim.seed(5);
		const { workflow } = await n8n.activateWorkflow(triggerWorkflow());
		const [edited] = sim.state.listAll();
		await control('PATCH', `contacts/${edited.resourceName}`, { organizations: [{ title: 'Changed while expired' }] });
		const added = await control<Person>('POST', 'contacts', newPerson(600));
		await control('POST', 'sync-tokens/expire');
		const warn = jest.spyOn(Container.get(Logger), 'warn');
		let tick;
		try {
			tick = await workflow.poll();
			expect(warn).toHaveBeenCalledWith(expect.stringContaining('sync token has expired'), expect.objectContaining({ node: NODE_NAME }));
		} finally {
			warn.mockRestore();
		}

		expect(json(tick.items)).toHaveLength(6);
		expect(json(tick.items).every((item) => item.resync === true)).toBe(true);
		expect(json(tick.items).find((item) => item.resourceName === edited.resourceName)).toMatchObject({ person: { organizations: [{ title: 'Changed while expired' }] } });
		expect(json(tick.items).map((item) => item.resourceName)).toContain(added.resourceName);

		await control('DELETE', `contacts/${added.resourceName}`);
		expect(events((await workflow.poll()).items)).toEqual([`deleted ${added.resourceName}`]);
	});

	it("leaves out the sync's own writes coming back (values equal to their fingerprint), not a user's edit after them", async () => {
		sim.seed(3);
		const existing = sim.state.createContact(asSynced(newPerson(700), 'c0ffee00-0000-4000-8000-000000000007'));
		const { workflow } = await n8n.activateWorkflow(triggerWorkflow());

		// The sync creates one linked contact and updates another, each with the snapshot of what it wrote.
		const sync = writer();
		const [created] = await sync.createContacts([asSynced(newPerson(701), 'c0ffee00-0000-4000-8000-000000000008')], ['names', 'clientData']);
		// The snapshot is of the whole contact after the write, so the writer reads every synced field first.
		const current = (await sync.getContact(existing.resourceName!, ['names', 'emailAddresses', 'phoneNumbers', 'addresses', 'organizations', 'birthdays', 'biographies', 'clientData']))!;
		const update = asSynced({ ...current, organizations: [{ name: 'Fabrikam Inc', title: 'CTO' }] }, 'c0ffee00-0000-4000-8000-000000000007');
		await sync.updateContact(existing.resourceName!, update, ['organizations', 'clientData']);
		expect(created.ok).toBe(true);

		expect((await workflow.poll()).items).toBeNull();

		await control('PATCH', `contacts/${existing.resourceName}`, { organizations: [{ name: 'Fabrikam Inc', title: 'Chief Technology Officer' }] });
		expect(events((await workflow.poll()).items)).toEqual([`updated ${existing.resourceName}`]);
	});

	it('with "Ignore Our Own Sync Writes" off, emits the sync\'s own writes too', async () => {
		const { workflow } = await n8n.activateWorkflow(triggerWorkflow({ ignoreOwnWrites: false }));
		const [created] = await writer().createContacts([asSynced(newPerson(800), 'c0ffee00-0000-4000-8000-000000000009')], ['names']);

		expect(events((await workflow.poll()).items)).toEqual([`updated ${created.ok && created.person.resourceName}`]);
	});

	it('emits only the selected events with the selected person fields', async () => {
		sim.seed(3);
		const [edited, removed] = sim.state.listAll();
		const { workflow } = await n8n.activateWorkflow(triggerWorkflow({ events: ['deleted'], personFields: ['names'] }));
		await control('PATCH', `contacts/${edited.resourceName}`, { names: [{ givenName: 'Renamed' }] });
		await control('DELETE', `contacts/${removed.resourceName}`);

		const tick = await workflow.poll();

		expect(events(tick.items)).toEqual([`deleted ${removed.resourceName}`]);
		const fieldsOnly = await n8n.activateWorkflow(triggerWorkflow({ startWith: 'allContacts', personFields: ['names'] }));
		const [first] = json(fieldsOnly.activationPolls[NODE_NAME].items);
		expect(Object.keys(first.person as IDataObject).sort()).toEqual(['etag', 'names', 'resourceName']);
	});

	it('"fetch test event" returns recent contacts and leaves the stored cursor where it was', async () => {
		sim.seed(8);
		const { workflow } = await n8n.activateWorkflow(triggerWorkflow());
		const stored = workflow.inMemoryNodeStaticData();
		expect(stored.cursor).toEqual({ syncToken: expect.any(String) });
		const [, recent] = sim.state.listAll();
		await control('PATCH', `contacts/${recent.resourceName}`, { organizations: [{ title: 'Most recent' }] });

		const test = await n8n.pollNode(TYPE, { mode: 'manual', staticData: stored });

		expect(json(test.items)).toHaveLength(5);
		expect(json(test.items)[0]).toMatchObject({ event: 'created', resourceName: recent.resourceName, person: { organizations: [{ title: 'Most recent' }] } });
		expect(test.staticData).toEqual(stored);
		expect(test.inMemoryStaticData).toEqual(stored);
		// The change the sample showed is still ahead of the cursor.
		expect(events((await n8n.pollNode(TYPE, { staticData: stored })).items)).toEqual([`created ${recent.resourceName}`]);
	});

	it('"fetch test event" says what to do when there is nothing to show', async () => {
		const empty = await n8n.pollNode(TYPE, { mode: 'manual' }).catch((error: unknown) => error);
		sim.seed(2);
		const deletedOnly = await n8n.pollNode(TYPE, { mode: 'manual', parameters: { events: ['deleted'] } }).catch((error: unknown) => error);

		expect(empty).toBeInstanceOf(NodeOperationError);
		expect((empty as NodeOperationError).message).toBe('No matching contacts found in Google Contacts');
		expect((empty as NodeOperationError).description).toMatch(/Create or change a contact in Google Contacts, then fetch again/);
		expect((deletedOnly as NodeOperationError).message).toBe('Deleted contacts cannot be fetched as a test event');
	});

	it('refreshes the access token through the credential and stores it; a failed poll keeps the cursor and the next one catches up', async () => {
		sim.seed(3);
		const { workflow } = await n8n.activateWorkflow(triggerWorkflow());
		const { oauthTokenData } = await n8n.credentials.read(CREDENTIAL);
		expect(oauthTokenData).toMatchObject({ access_token: expect.stringMatching(/^(?!ya29\.expired-long-ago$)/), refresh_token: sim.refreshToken });
		expect(sim.counters.snapshot()).toEqual({ token: 1, [LIST]: 2 });
		const cursor = workflow.inMemoryNodeStaticData().cursor;

		const added = await control<Person>('POST', 'contacts', newPerson(900));
		sim.faults.add({ route: LIST, status: 500, count: 1 });
		const failure = await workflow.poll().catch((error: unknown) => error);

		expect(failure).toBeInstanceOf(NodeApiError);
		expect((failure as NodeApiError).httpCode).toBe('500');
		expect(workflow.inMemoryNodeStaticData().cursor).toEqual(cursor);
		expect(events((await workflow.poll()).items)).toEqual([`created ${added.resourceName}`]);
	});

	it('refuses an API Root URL with a path, naming the credential field and the fix', async () => {
		await n8n.credentials.save(CREDENTIAL, await credentialValues({ apiRootUrl: `${sim.rootUrl}people-api/` }));
		sim.counters.reset();

		const failure = await n8n.pollNode(TYPE, {}).catch((error: unknown) => error);

		expect(failure).toBeInstanceOf(NodeOperationError);
		expect((failure as Error).message).toMatch(/^The Google Contacts credential is not usable: its API Root URL must be a bare origin such as http:\/\/127\.0\.0\.1:\d+\//);
		expect(sim.counters.total()).toBe(0);
	});
});
