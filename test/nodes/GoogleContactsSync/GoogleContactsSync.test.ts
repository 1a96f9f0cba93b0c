/**
 * The Google Contacts Sync node in n8n-core's real execution (the harness), against both simulators:
 * Dynamics contacts as the Dynamics 365 trigger emits them, mapped by the Contact Field Mapping node
 * and written by this node through n8n's request helpers with the "Google Contacts (Sync)" credential
 * (and the Dynamics 365 one for the link column). Outputs, paired items, the summary item, dry run,
 * errors (stop, or continue on fail), the guard, group tags, find by email and the pickers.
 */
import { NodeApiError, NodeOperationError, type ICredentialDataDecryptedObject, type IDataObject, type INode, type INodeExecutionData, type INodeParameters } from 'n8n-workflow';
import { readGoogleField, type GooglePerson } from '../../../lib/google/fields';
import { clearMetadataCache } from '../../../lib/dynamics/metadata';
import { CUSTOM_FIELD } from '../../../nodes/ContactFieldMapping/description';
import { LINK_KEYS } from '../../../lib/mapping';
import { N8nHarness, type WorkflowJson } from '../../harness/n8n';
import { simulatorClient, simulatorCredential } from '../../lib/dynamics/simulator-client';
import { startDynamicsSimulator, type DynamicsSimulator } from '../../simulators/dynamics';
import { startGoogleSimulator, type GoogleSimulator } from '../../simulators/google';
import { n8nCredentialFor } from '../../simulators/google/testing';

const PACKAGE = 'n8n-nodes-dynamics365-sync';
const SYNC = `${PACKAGE}.googleContactsSync`;
const MAPPING = `${PACKAGE}.contactFieldMapping`;
const GOOGLE_CREDENTIAL = 'googleContactsSyncOAuth2Api';
const DYNAMICS_CREDENTIAL = 'microsoftDynamics365Api';
const LINK = `clientData:${LINK_KEYS.googleDynamicsContactId}`;
const GOOGLE_WRITES = ['people.batchCreateContacts', 'people.batchUpdateContacts', 'contactGroups.create', 'contactGroups.members.modify'];

let dynamics: DynamicsSimulator;
let google: GoogleSimulator;
let n8n: N8nHarness;

const nodes = {
	packageName: PACKAGE,
	nodes: ['nodes/ContactFieldMapping/ContactFieldMapping.node.ts', 'nodes/GoogleContactsSync/GoogleContactsSync.node.ts'],
	credentials: ['credentials/MicrosoftDynamics365Api.credentials.ts', 'credentials/GoogleContactsSyncOAuth2Api.credentials.ts'],
};

beforeAll(async () => {
	[dynamics, google] = await Promise.all([startDynamicsSimulator({ contacts: 12 }), startGoogleSimulator()]);
	n8n = await N8nHarness.create({
		packages: [nodes],
		credentials: {
			[DYNAMICS_CREDENTIAL]: simulatorCredential(dynamics) as ICredentialDataDecryptedObject,
			[GOOGLE_CREDENTIAL]: (await n8nCredentialFor(google)) as ICredentialDataDecryptedObject,
		},
	});
});
afterAll(async () => {
	await Promise.all([dynamics?.close(), google?.close()]);
});
beforeEach(() => {
	google.reset();
	google.faults.clear();
	google.counters.reset();
});

/** The org's contacts as the Dynamics 365 trigger emits them. */
async function triggerItems(event = 'updated'): Promise<IDataObject[]> {
	const contacts = await simulatorClient(dynamics).getAll<IDataObject>('contacts', { includeAnnotations: true });
	return contacts.map((contact) => ({ event, contactId: contact.contactid, modifiedOn: contact.modifiedon, contact }));
}

const CREDENTIALS = { [GOOGLE_CREDENTIAL]: { id: 'google', name: 'Google' }, [DYNAMICS_CREDENTIAL]: { id: 'dynamics', name: 'Dynamics 365' } };
const node = (name: string, type: string, parameters: INodeParameters, x: number): INode => ({ id: name, name, type, typeVersion: 1, position: [x, 0], parameters, credentials: CREDENTIALS });

/** Input → Contact Field Mapping (Dynamics 365 → Google Contacts) → Google Contacts Sync. */
function chain(sync: INodeParameters, options: { continueOnFail?: boolean; mapping?: INodeParameters } = {}): WorkflowJson {
	const writer = node('Google Contacts Sync', SYNC, { operation: 'upsert', ...sync }, 400);
	if (options.continueOnFail) writer.onError = 'continueRegularOutput';
	return {
		nodes: [node('Input', 'n8n-nodes-base.manualTrigger', {}, 0), node('Contact Field Mapping', MAPPING, { direction: 'dynamicsToGoogle', ...options.mapping }, 200), writer],
		connections: {
			Input: { main: [[{ node: 'Contact Field Mapping', type: 'main', index: 0 }]] },
			'Contact Field Mapping': { main: [[{ node: 'Google Contacts Sync', type: 'main', index: 0 }]] },
		},
	};
}

async function runChain(items: IDataObject[], sync: INodeParameters = {}, options: { continueOnFail?: boolean; mapping?: INodeParameters } = {}) {
	google.counters.reset();
	const run = await n8n.runWorkflow(chain(sync, options), { triggerItems: items, triggerNode: 'Input' });
	const writerRun = run.runs['Google Contacts Sync']?.[0];
	return { run, error: writerRun?.error, output: writerRun?.error ? [] : run.output('Google Contacts Sync') };
}

function googleWrites(): Record<string, number> {
	return Object.fromEntries(Object.entries(google.counters.snapshot()).filter(([route]) => GOOGLE_WRITES.includes(route)));
}

const json = (items: INodeExecutionData[]) => items.map((item) => item.json);
const withEmail = (items: IDataObject[]) => items.filter((item) => (item.contact as IDataObject).emailaddress1);
const linkedTo = (contactId: unknown) => google.state.listAll().filter((person) => readGoogleField(person as GooglePerson, LINK) === contactId);

describe('Create or Update, after the Contact Field Mapping', () => {
	it('creates each contact once, one output item per record paired with its input; a second run writes nothing', async () => {
		const items = await triggerItems();
		const first = await runChain(items);
		expect(first.output).toHaveLength(items.length);
		expect(first.output.map((item) => item.pairedItem)).toEqual(items.map((_item, item) => ({ item })));
		expect(json(first.output).filter((outcome) => outcome.action === 'create')).toHaveLength(withEmail(items).length - 1);
		expect(json(first.output).find((outcome) => outcome.action === 'skip-no-email')).toMatchObject({ reason: expect.stringContaining('no email') });
		const [created] = json(first.output).filter((outcome) => outcome.action === 'create');
		expect(created).toMatchObject({ sourceId: expect.any(String), targetId: expect.stringMatching(/^people\//), reason: expect.stringContaining('it is created') });
		expect(linkedTo(created.sourceId)).toEqual([expect.objectContaining({ resourceName: created.targetId })]);

		const second = await runChain(await triggerItems());
		expect(googleWrites()).toEqual({});
		expect(new Set(json(second.output).map((outcome) => outcome.action))).toEqual(new Set(['skip-equal', 'skip-no-email', 'skip-ambiguous']));
		// Executions with one credential share the account's contact index in the process: the second reads only what changed
		// since the first (one incremental listing, its counterparts in full on the way) and, Google having taken the sync
		// token, reuses the group list.
		expect(google.counters.snapshot()).toEqual({ 'people.connections.list': 1 });
	});

	it('One Summary Item: counts and ids for notifications, paired with every input; a dry run says what it would do and writes nothing', async () => {
		const items = await triggerItems();
		const dry = await runChain(items, { dryRun: true, output: 'summary' });
		expect(googleWrites()).toEqual({});
		expect(google.state.listAll()).toHaveLength(0);
		expect(dry.output).toHaveLength(1);
		expect(dry.output[0].pairedItem).toEqual(items.map((_item, item) => ({ item })));
		const summary = dry.output[0].json as IDataObject & { counts: IDataObject; created: IDataObject[] };
		expect(summary).toMatchObject({ dryRun: true, counts: { created: 10, failed: 0 } });
		// Dynamics ids only: a dry run's creates have no Google contact yet.
		const emailIds = withEmail(items).map((item) => item.contactId);
		expect(new Set(summary.created.map((record) => record.id)).size).toBe(10);
		for (const record of summary.created) expect(Object.keys(record).length === 1 && emailIds.includes(record.id)).toBe(true);

		const real = await runChain(items, { output: 'summary' });
		expect((real.output[0].json as IDataObject).counts).toEqual(summary.counts);
	});

	it('the link column: the Google link goes into Dynamics 365, and later runs find counterparts by it', async () => {
		const items = await triggerItems();
		const [linkColumn, mapping] = [{ options: { linkColumn: 'new_googleresourcename' } }, { mapping: { options: { dynamicsLinkColumn: 'new_googleresourcename' } } }];
		await runChain(items, linkColumn, mapping);
		const linked = await triggerItems();
		for (const item of linked.filter((entry) => (entry.contact as IDataObject).emailaddress1 && linkedTo(entry.contactId).length)) {
			expect((item.contact as IDataObject).new_googleresourcename).toBe(linkedTo(item.contactId)[0].resourceName);
		}
		const second = await runChain(linked, linkColumn, mapping);
		expect(googleWrites()).toEqual({});
		expect(google.counters.snapshot()['people.getBatchGet']).toBe(1);
		expect(json(second.output).filter((outcome) => outcome.action === 'skip-equal')).toHaveLength(10);
		// Clean up for the other tests: the org's contacts lose their links again.
		await Promise.all(linked.map((item) => simulatorClient(dynamics).update('contacts', item.contactId as string, { new_googleresourcename: null })));
	});
});

describe('the org\'s column metadata', () => {
	const metadataRequests = () => Object.entries(dynamics.counters.snapshot()).filter(([route]) => route.includes('metadata')).reduce((sum, [, count]) => sum + count, 0);

	it('is not read for the default field maps out of Dynamics 365 (the standard columns are the same in every org)', async () => {
		clearMetadataCache();
		dynamics.counters.reset();
		const { output } = await runChain(await triggerItems());
		expect(json(output).filter((outcome) => outcome.action === 'create').length).toBeGreaterThan(0);
		expect(metadataRequests()).toBe(0);
	});

	it('is read once when a custom mapping names a column of the org', async () => {
		clearMetadataCache();
		dynamics.counters.reset();
		const mapping = { customMappings: { mapping: [{ dynamicsField: 'new_loyaltypoints', otherField: CUSTOM_FIELD, customFieldName: 'Points' }] } };
		const { output, error } = await runChain(await triggerItems(), {}, { mapping });
		expect(error).toBeUndefined();
		expect(json(output).filter((outcome) => outcome.action === 'create').length).toBeGreaterThan(0);
		expect(dynamics.counters.snapshot()['batch']).toBe(1);
		expect(metadataRequests()).toBeGreaterThan(0);
	});
});

describe('errors', () => {
	it('an item that is not a mapped record stops the node before anything is written, naming the item and the fix; with Continue it is an error item', async () => {
		const items = await triggerItems();
		const { outputs } = await n8n.executeNode(MAPPING, { parameters: { direction: 'dynamicsToGoogle' }, inputItems: withEmail(items).slice(0, 3) });
		const records = [...json(outputs[0]), { hello: 'world' }];
		const failure = await n8n.executeNode(SYNC, { parameters: { operation: 'upsert' }, inputItems: records }).catch((error: unknown) => error);
		expect(failure).toBeInstanceOf(NodeOperationError);
		expect(failure).toMatchObject({ message: 'item: The item is not a mapped contact record (it has no "target" and "values")', context: { itemIndex: 3 } });
		expect((failure as NodeOperationError).description).toMatch(/Contact Field Mapping/);
		expect(googleWrites()).toEqual({});

		const { outputs: kept } = await n8n.executeNode(SYNC, { parameters: { operation: 'upsert' }, inputItems: records, continueOnFail: true });
		expect(json(kept[0]).map((outcome) => outcome.action)).toEqual(['create', 'create', 'create', 'failed']);
		expect(kept[0][3]).toMatchObject({ json: { error: { field: 'item' } }, pairedItem: { item: 3 } });
	});

	it('a record Google refuses fails alone: the node names it and says the others were written; with Continue it is that item\'s error', async () => {
		const items = withEmail(await triggerItems()).slice(0, 3);
		const { outputs } = await n8n.executeNode(MAPPING, { parameters: { direction: 'dynamicsToGoogle' }, inputItems: items });
		const records = json(outputs[0]).map((record) => ({ ...record }));
		// Two names on one contact: the People API refuses it (a bare record, without the source contact to map again).
		delete records[1].source;
		records[1].values = { ...(records[1].values as IDataObject), names: [{ givenName: 'One' }, { givenName: 'Two' }] };
		const failure = await n8n.executeNode(SYNC, { parameters: { operation: 'upsert' }, inputItems: records }).catch((error: unknown) => error);
		expect(failure).toBeInstanceOf(NodeOperationError);
		expect(failure).toMatchObject({ message: expect.stringMatching(new RegExp(`^${records[1].sourceId}: .*only one item in names`)), context: { itemIndex: 1 } });
		expect((failure as NodeOperationError).description).toMatch(/The other records were written/);
		expect(linkedTo(records[0].sourceId)).toHaveLength(1);

		const { outputs: kept } = await n8n.executeNode(SYNC, { parameters: { operation: 'upsert' }, inputItems: records, continueOnFail: true });
		expect(json(kept[0]).map((outcome) => outcome.action)).toEqual(['skip-equal', 'failed', 'skip-equal']);
		expect(kept[0][1]).toMatchObject({ json: { error: { field: 'values' } }, pairedItem: { item: 1 } });
	});

	it('the mass-deletion guard stops the run with how many and why, and nothing is tagged', async () => {
		const items = await triggerItems();
		await runChain(items);
		const deletions = items.filter((item) => linkedTo(item.contactId).length).slice(0, 6).map((item) => ({ event: 'deleted', contactId: item.contactId }));
		const { error } = await runChain(deletions);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error?.message).toMatch(/^Mass-deletion guard: this run would tag 6 of 10 linked contacts \(60%\) as deleted in Dynamics 365, .* Nothing was tagged\./);
		expect(error?.description).toMatch(/Raise "Mass-Deletion Guard \(%\)"/);
		expect(googleWrites()).toEqual({});

		const allowed = await runChain(deletions, { options: { maxDeletionPercent: 100 } });
		expect(json(allowed.output).map((outcome) => outcome.action)).toEqual(Array(6).fill('tag-deleted'));
	});

	it('a People API failure is a NodeApiError with Google\'s status, and nothing is written', async () => {
		google.faults.add({ route: 'people.connections.list', status: 500, count: 1 });
		const { error } = await runChain(await triggerItems());
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error).toMatchObject({ httpCode: '500', message: expect.stringContaining('people.connections.list failed with HTTP 500') });
		expect(googleWrites()).toEqual({});
	});
});

describe('group tags and find by email', () => {
	it('Add to Group by name creates the group once and tags in one request; Remove From Group takes the tags off', async () => {
		const people = [0, 1, 2].map((index) => google.state.createContact({ names: [{ givenName: `P${index}` }], emailAddresses: [{ value: `p${index}@example.com` }] }));
		const inputs = people.map((person) => ({ resourceName: person.resourceName }));
		const group = { __rl: true, mode: 'name', value: 'VIP' };
		google.counters.reset();
		const { outputs } = await n8n.executeNode(SYNC, { parameters: { operation: 'addToGroup', group }, inputItems: inputs });
		expect(json(outputs[0])).toEqual(people.map((person) => ({ contactId: person.resourceName, group: expect.stringMatching(/^contactGroups\//), groupName: 'VIP', change: 'added' })));
		expect(googleWrites()).toEqual({ 'contactGroups.create': 1, 'contactGroups.members.modify': 1 });
		const vip = outputs[0][0].json.group as string;
		expect(google.state.listAll().every((person) => (readGoogleField(person as GooglePerson, 'memberships') as string[]).includes(vip))).toBe(true);

		const picked = { __rl: true, mode: 'list', value: vip };
		const removed = await n8n.executeNode(SYNC, { parameters: { operation: 'removeFromGroup', group: picked }, inputItems: [...inputs, { resourceName: 'not-a-contact' }], continueOnFail: true });
		expect(json(removed.outputs[0]).map((item) => item.change ?? (item.error as IDataObject).message)).toEqual(['removed', 'removed', 'removed', 'Contact ID: "not-a-contact" is not a Google contact\'s resource name']);
		expect(google.state.listAll().some((person) => (readGoogleField(person as GooglePerson, 'memberships') as string[]).includes(vip))).toBe(false);
	});

	it('Find by Email looks all items up in bulk, ignoring case; the group picker lists the labels contacts can be added to', async () => {
		google.state.createContact({ names: [{ givenName: 'Ada' }], emailAddresses: [{ value: 'Ada@Example.org' }] });
		google.counters.reset();
		const { outputs } = await n8n.executeNode(SYNC, { parameters: { operation: 'findByEmail' }, inputItems: [{ email: 'ada@example.org ' }, { email: 'nobody@example.org' }] });
		expect(json(outputs[0])).toEqual([
			{ email: 'ada@example.org', found: 1, contacts: [expect.objectContaining({ names: [expect.objectContaining({ givenName: 'Ada' })] })] },
			{ email: 'nobody@example.org', found: 0, contacts: [] },
		]);
		expect(google.counters.snapshot()['people.connections.list']).toBe(2);

		const customers = google.state.createGroup({ name: 'Customers' }, new Set(['name']));
		google.state.createGroup({ name: 'Suppliers' }, new Set(['name']));
		const groups = await n8n.listSearch({ type: SYNC, parameters: { operation: 'addToGroup' } }, 'searchContactGroups');
		expect(groups.results).toEqual([
			{ name: 'Customers', value: customers.resourceName },
			{ name: 'My Contacts', value: 'contactGroups/myContacts' },
			{ name: 'Starred', value: 'contactGroups/starred' },
			{ name: 'Suppliers', value: expect.stringMatching(/^contactGroups\//) },
		]);
		const filtered = await n8n.listSearch({ type: SYNC, parameters: { operation: 'addToGroup' } }, 'searchContactGroups', { filter: 'cust' });
		expect(filtered.results).toEqual([{ name: 'Customers', value: customers.resourceName }]);
	});

	it('the link column picker lists the org\'s writable text columns, custom ones first', async () => {
		const columns = await n8n.loadOptions({ type: SYNC, parameters: { operation: 'upsert' } }, 'getLinkColumns');
		const values = columns.map((column) => column.value);
		expect(values[0]).toBe('');
		expect(values).toEqual(expect.arrayContaining(['new_googleresourcename', 'address1_city']));
		expect(values).not.toContain('emailaddress1');
		expect(values.indexOf('new_googleresourcename')).toBeLessThan(values.indexOf('address1_city'));
	});
});
