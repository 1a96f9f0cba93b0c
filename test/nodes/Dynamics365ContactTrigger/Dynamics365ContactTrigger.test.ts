/**
 * The Dynamics 365 Contact Trigger polled by n8n-core's own PollTriggerExecutor and PollContext (the
 * harness), against the Dynamics simulator over HTTPS: n8n's request helpers, the credential's MSAL
 * token, static data as n8n keeps it. Contacts are changed through the simulator's control API as
 * people of the org, and through the Web API as the credential's own application user.
 */
import { dirname } from 'path';
import { NodeApiError, NodeOperationError, type IDataObject, type INodeExecutionData, type INodeParameters } from 'n8n-workflow';
import { Container } from '../../harness/runtime';
import { N8nHarness, type ActivePollingWorkflow, type WorkflowJson } from '../../harness/n8n';
import { startDynamicsSimulator, type DynamicsSimulator } from '../../simulators/dynamics';
import { CONTACT } from '../../simulators/dynamics/schema';
import { simulatorClient, simulatorCredential } from '../../lib/dynamics/simulator-client';

const TYPE = 'n8n-nodes-dynamics365-sync.dynamics365ContactTrigger';
const NODE_NAME = 'Dynamics 365 Contact Trigger';
const FORMATTED = '@OData.Community.Display.V1.FormattedValue';

const { Logger } = require(require.resolve('@n8n/backend-common', { paths: [dirname(require.resolve('n8n-core'))] })) as typeof import('@n8n/backend-common');

let sim: DynamicsSimulator;
let n8n: N8nHarness;

beforeAll(async () => {
	sim = await startDynamicsSimulator();
	n8n = await N8nHarness.create({
		packages: [
			{
				packageName: 'n8n-nodes-dynamics365-sync',
				nodes: ['nodes/Dynamics365ContactTrigger/Dynamics365ContactTrigger.node.ts'],
				credentials: ['credentials/MicrosoftDynamics365Api.credentials.ts'],
			},
		],
		credentials: { microsoftDynamics365Api: { ...simulatorCredential(sim) } },
	});
});

afterAll(() => sim.close());

beforeEach(() => {
	sim.state.reset();
	sim.faults.clear();
	sim.counters.reset();
});

function triggerWorkflow(parameters: INodeParameters = {}): WorkflowJson {
	return {
		name: 'Dynamics contacts',
		nodes: [{ id: 'trigger', name: NODE_NAME, type: TYPE, typeVersion: 1, position: [0, 0], parameters, credentials: { microsoftDynamics365Api: { id: 'elsewhere', name: 'Dynamics' } } }],
		connections: {},
	};
}

/** The simulator's control API over plain HTTP, as a tool in another process would use it. */
async function control<T>(method: string, path: string, body?: unknown): Promise<T> {
	const response = await fetch(`${sim.httpUrl}/_sim/${path}`, { method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
	if (!response.ok) throw new Error(`control ${method} ${path}: ${response.status} ${await response.text()}`);
	return (response.status === 204 ? undefined : await response.json()) as T;
}

/** Contacts a person of the org wrote an hour ago (before any cursor). */
function seedPeople(count: number): string[] {
	const at = new Date(Date.now() - 3_600_000);
	return Array.from({ length: count }, (_, index) => sim.state.createContact({ firstname: `Person${index}`, lastname: 'Seed' }, { at }).id);
}

const json = (items: INodeExecutionData[][] | null) => (items?.[0] ?? []).map((item) => item.json as IDataObject);
const events = (items: INodeExecutionData[][] | null) => json(items).map((item) => `${item.event as string} ${item.contactId as string}`).sort();

/** Scheduled polls until one emits nothing; the items of each emitting poll. */
async function pollUntilQuiet(workflow: ActivePollingWorkflow, maxPolls = 50): Promise<IDataObject[][]> {
	const polls: IDataObject[][] = [];
	for (let poll = 0; poll < maxPolls; poll++) {
		const { items } = await workflow.poll();
		if (!items) return polls;
		polls.push(json(items));
	}
	throw new Error(`still emitting after ${maxPolls} polls`);
}

describe('Dynamics 365 Contact Trigger in n8n', () => {
	it('emits exactly the contacts created, updated and deleted through the control API, each once', async () => {
		const [changed, removed, untouched] = seedPeople(3);
		const { workflow, activationPolls } = await n8n.activateWorkflow(triggerWorkflow());
		expect(activationPolls[NODE_NAME].items).toBeNull();

		const created = await control<{ contactid: string }>('POST', 'contacts', { as: 'Alex Wilber', values: { firstname: 'Ada', lastname: 'Lovelace', emailaddress1: 'ada@example.com' } });
		await control('PATCH', `contacts/${changed}`, { as: 'Diego Siciliani', values: { jobtitle: 'Engineer', donotbulkemail: true } });
		await control('DELETE', `contacts/${removed}`);
		const tick = await workflow.poll();

		expect(events(tick.items)).toEqual([`created ${created.contactid}`, `deleted ${removed}`, `updated ${changed}`].sort());
		const update = json(tick.items).find((item) => item.event === 'updated') as IDataObject;
		expect(update).toMatchObject({ contactId: changed, modifiedOn: expect.any(String), contact: { jobtitle: 'Engineer', donotbulkemail: true, [`donotbulkemail${FORMATTED}`]: 'Do Not Allow' } });
		expect(json(tick.items).find((item) => item.event === 'deleted')).toMatchObject({ contactId: removed, contact: { contactid: removed } });
		expect(json(tick.items).some((item) => item.contactId === untouched)).toBe(false);
		expect(tick.execution?.executionOrder).toEqual([NODE_NAME]);

		expect((await workflow.poll()).items).toBeNull();
	});

	it('initial sync of 10,000 contacts at 1,000 per poll: every contact exactly once, static data of a few hundred bytes', async () => {
		seedPeople(10_000);
		const { workflow, activationPolls } = await n8n.activateWorkflow(triggerWorkflow({ startWith: 'allContacts', maxContacts: 1000 }));
		const polls = [json(activationPolls[NODE_NAME].items)];
		const requestsPerPoll: number[] = [sim.counters.total('whoami') + sim.counters.total('contacts.')];
		const staticDataSizes = [JSON.stringify(workflow.storedNodeStaticData()).length];
		for (;;) {
			sim.counters.reset();
			const { items } = await workflow.poll();
			if (!items) break;
			polls.push(json(items));
			requestsPerPoll.push(sim.counters.total());
			staticDataSizes.push(JSON.stringify(workflow.storedNodeStaticData()).length);
		}

		expect(polls).toHaveLength(10);
		expect(polls.every((items) => items.length === 1000)).toBe(true);
		const ids = polls.flat().map((item) => item.contactId);
		expect(new Set(ids).size).toBe(10_000);
		expect(polls.flat().every((item) => item.event === 'created')).toBe(true);
		expect(Math.max(...staticDataSizes)).toBeLessThan(2048);
		// One tracked page of 1,000 contacts with their columns and formatted values; a full pass needs no WhoAmI.
		expect(requestsPerPoll).toEqual(Array(10).fill(1));
		expect(polls[0][0]).toMatchObject({ contact: { firstname: expect.any(String), [`statecode${FORMATTED}`]: 'Active' } });
	});

	it('recovers from an expired delta link with nothing created or updated lost, and says so in the items and the log', async () => {
		const ids = seedPeople(5);
		const { workflow } = await n8n.activateWorkflow(triggerWorkflow());
		await control('PATCH', `contacts/${ids[2]}`, { values: { jobtitle: 'Changed while expired' } });
		const added = await control<{ contactid: string }>('POST', 'contacts', { values: { firstname: 'Late', lastname: 'Comer' } });
		await control('POST', 'change-tracking/expire');
		const warn = jest.spyOn(Container.get(Logger), 'warn');
		try {
			const tick = await workflow.poll();

			expect(json(tick.items).map((item) => item.contactId).sort()).toEqual([...ids, added.contactid].sort());
			expect(json(tick.items).every((item) => item.resync === true)).toBe(true);
			expect(json(tick.items).find((item) => item.contactId === added.contactid)?.event).toBe('created');
			expect(json(tick.items).find((item) => item.contactId === ids[2])).toMatchObject({ event: 'updated', contact: { jobtitle: 'Changed while expired' } });
			expect(warn).toHaveBeenCalledWith(expect.stringContaining('delta link of the Dynamics 365 Contact Trigger has expired'), expect.objectContaining({ node: NODE_NAME }));
		} finally {
			warn.mockRestore();
		}
		const later = await control<{ contactid: string }>('POST', 'contacts', { values: { firstname: 'After', lastname: 'Recovery' } });
		expect(events((await workflow.poll()).items)).toEqual([`created ${later.contactid}`]);
	});

	it("ignores changes made by the connection's own application user, not the same change by another user", async () => {
		const [bySync, byPerson] = seedPeople(2);
		const { workflow } = await n8n.activateWorkflow(triggerWorkflow());

		await simulatorClient(sim).update('contacts', bySync, { jobtitle: 'Written by the sync' });
		await control('PATCH', `contacts/${byPerson}`, { as: 'Isaiah Langer', values: { jobtitle: 'Written by the sync' } });
		const tick = await workflow.poll();

		expect(events(tick.items)).toEqual([`updated ${byPerson}`]);
		expect(sim.state.getContact(bySync)?.values.jobtitle).toBe('Written by the sync');
	});

	it('"fetch test event" returns recent contacts and leaves the stored cursor where it was', async () => {
		const ids = seedPeople(8);
		const active = await n8n.pollNode(TYPE, {});
		// Arming emits nothing, so n8n keeps the cursor in memory only.
		const stored = active.inMemoryStaticData;
		expect(stored.cursor).toMatchObject({ phase: 'delta' });
		await control('PATCH', `contacts/${ids[4]}`, { values: { jobtitle: 'Most recent' } });

		const test = await n8n.pollNode(TYPE, { mode: 'manual', staticData: stored });

		expect(json(test.items)).toHaveLength(5);
		expect(json(test.items)[0]).toMatchObject({ event: 'updated', contactId: ids[4], contact: { jobtitle: 'Most recent' } });
		expect(test.staticData).toEqual(stored);
		expect(test.inMemoryStaticData).toEqual(stored);
		// The change the sample showed is still ahead of the cursor.
		expect(events((await n8n.pollNode(TYPE, { staticData: stored })).items)).toEqual([`updated ${ids[4]}`]);
	});

	it('"fetch test event" on an org without contacts says what to do', async () => {
		const failure = await n8n.pollNode(TYPE, { mode: 'manual' }).catch((error: unknown) => error);

		expect(failure).toBeInstanceOf(NodeOperationError);
		expect((failure as NodeOperationError).message).toBe('No contacts found in Dynamics 365');
		expect((failure as NodeOperationError).description).toMatch(/Create or change a contact in Dynamics 365, then fetch again/);
	});

	it('names the fix when the org has change tracking off for contacts', async () => {
		CONTACT.changeTrackingEnabled = false;
		try {
			const failure = await n8n.activateWorkflow(triggerWorkflow()).catch((error: unknown) => error);
			expect(failure).toBeInstanceOf(NodeOperationError);
			expect((failure as Error).message).toMatch(/Turn on "Track changes" for the Contact table.*Modified On \(Cannot See Deletions\)/);
		} finally {
			CONTACT.changeTrackingEnabled = true;
		}
		// Modified On works on the same org.
		seedPeople(2);
		const { workflow } = await n8n.activateWorkflow(triggerWorkflow({ changeDetection: 'modifiedOn', events: ['created', 'updated'], settleSeconds: 0 }));
		const added = await control<{ contactid: string }>('POST', 'contacts', { values: { firstname: 'Via', lastname: 'Watermark' } });
		await new Promise((resolve) => setTimeout(resolve, 1020 - (Date.now() % 1000)));
		expect(events((await workflow.poll()).items)).toEqual([`created ${added.contactid}`]);
	});

	it('a failed poll keeps the cursor, and the next poll replays the changes', async () => {
		const [changed] = seedPeople(1);
		const { workflow } = await n8n.activateWorkflow(triggerWorkflow());
		await control('PATCH', `contacts/${changed}`, { values: { jobtitle: 'Replayed' } });
		const before = workflow.inMemoryNodeStaticData();
		sim.faults.add({ route: 'contacts.delta', status: 403, count: 1 });

		const failure = await workflow.poll().catch((error: unknown) => error);

		expect(failure).toBeInstanceOf(NodeApiError);
		expect((failure as NodeApiError).httpCode).toBe('403');
		expect(workflow.inMemoryNodeStaticData()).toEqual(before);
		expect(events((await workflow.poll()).items)).toEqual([`updated ${changed}`]);
	});

	it('offers the org\'s contact columns, custom ones included, and returns a chosen custom column with its label', async () => {
		const options = await n8n.loadOptions(TYPE, 'getContactColumns');
		expect(options).toEqual(
			expect.arrayContaining([
				{ name: 'Email', value: 'emailaddress1', description: 'emailaddress1 · email address' },
				{ name: 'Preferred Channel', value: 'new_preferredchannel', description: 'new_preferredchannel · choice, custom' },
				{ name: 'Owner', value: 'ownerid', description: 'ownerid · owner (a user or team), read-only' },
			]),
		);

		const [id] = seedPeople(1);
		const { workflow } = await n8n.activateWorkflow(triggerWorkflow({ columns: ['new_preferredchannel', 'parentcustomerid'] }));
		await control('PATCH', `contacts/${id}`, { values: { new_preferredchannel: 100000001 } });
		const [item] = json((await workflow.poll()).items);

		expect(item.contact).toMatchObject({ new_preferredchannel: 100000001, [`new_preferredchannel${FORMATTED}`]: 'Phone' });
		expect(Object.keys(item.contact as IDataObject)).toContain('_parentcustomerid_value');
		expect(Object.keys(item.contact as IDataObject)).not.toContain('firstname');
	});

	it('spreads a burst of changes over polls of at most Max Contacts per Poll', async () => {
		const ids = seedPeople(7);
		const { workflow } = await n8n.activateWorkflow(triggerWorkflow({ maxContacts: 3 }));
		for (const id of ids) await control('PATCH', `contacts/${id}`, { values: { jobtitle: 'Burst' } });

		const polls = await pollUntilQuiet(workflow);

		expect(polls.map((items) => items.length)).toEqual([3, 3, 1]);
		expect(polls.flat().map((item) => item.contactId).sort()).toEqual([...ids].sort());
	});
});
