/**
 * The Dynamics 365 Contact node in n8n-core's real execution (the harness), against both simulators:
 * Create or Update fed by a real Contact Field Mapping (Google Contacts → Dynamics 365), with its
 * outputs (a record each, or a summary), dry run, errors and continue on fail, the guard and the
 * deletion settings; Get, Get Many (every page), Deactivate and Delete in $batch requests; pickers.
 */
import { NodeOperationError, type IDataObject, type INodeExecutionData, type INodeParameters } from 'n8n-workflow';
import type { Person } from '../../../lib/google/client';
import { LINK_KEYS } from '../../../lib/mapping';
import { dynamicsWrites } from '../../e2e-chain/counting';
import { DYNAMICS_CREDENTIAL, GOOGLE_CREDENTIAL, NODE_TYPES, chainWorkflow, startChainTestbed, type ChainTestbed } from '../../e2e-chain/testbed';
import { peopleApiFor } from '../../simulators/google/testing';

const WRITER = 'Dynamics 365 Contact';
const PERSON_FIELDS = 'names,emailAddresses,phoneNumbers,addresses,organizations,birthdays,biographies,userDefined,clientData,memberships,metadata';

let bed: ChainTestbed;

beforeAll(async () => {
	bed = await startChainTestbed({ nodes: ['mapping', 'dynamicsWriter'] });
});
afterAll(() => bed?.close());
beforeEach(() => {
	bed.dynamics.state.reset();
	bed.google.reset();
	bed.dynamics.counters.reset();
	bed.google.counters.reset();
});

function addPerson(given: string, family: string, email?: string): string {
	return bed.google.state.createContact({ names: [{ givenName: given, familyName: family }], emailAddresses: email ? [{ value: email }] : [] }).resourceName as string;
}

/** The Google account's contacts as the Google Contacts Trigger emits them. */
async function googleTriggerItems(event = 'updated'): Promise<IDataObject[]> {
	const { data } = await peopleApiFor(bed.google).api.people.connections.list({ resourceName: 'people/me', personFields: PERSON_FIELDS, pageSize: 1000 });
	return (data.connections ?? []).map((person) => ({ event, resourceName: person.resourceName, person: person as IDataObject }));
}

/** Trigger items → Contact Field Mapping (Google → Dynamics 365) → the writer; returns the writer's run. */
async function runChain(parameters: INodeParameters, triggerItems: IDataObject[], options: { continueOnFail?: boolean } = {}) {
	const workflow = chainWorkflow([
		{ name: 'Google Contacts Trigger', type: 'n8n-nodes-base.manualTrigger' },
		{ name: 'Contact Field Mapping', type: NODE_TYPES.mapping, parameters: { direction: 'googleToDynamics' }, credentials: [DYNAMICS_CREDENTIAL] },
		{ name: WRITER, type: NODE_TYPES.dynamicsWriter, parameters: { operation: 'upsert', ...parameters }, credentials: [DYNAMICS_CREDENTIAL, GOOGLE_CREDENTIAL] },
	]);
	if (options.continueOnFail) workflow.nodes[2].onError = 'continueRegularOutput';
	const run = await bed.n8n.runWorkflow(workflow, { triggerItems, triggerNode: 'Google Contacts Trigger' });
	return { run, nodeRun: run.runs[WRITER]?.[0] };
}

async function upsert(parameters: INodeParameters, triggerItems: IDataObject[], options: { continueOnFail?: boolean } = {}): Promise<INodeExecutionData[]> {
	const { run, nodeRun } = await runChain(parameters, triggerItems, options);
	if (!nodeRun) throw run.error ?? new Error('the writer did not run');
	if (nodeRun.error) throw nodeRun.error;
	return nodeRun.outputs[0] ?? [];
}

async function upsertError(parameters: INodeParameters, triggerItems: IDataObject[]): Promise<NodeOperationError> {
	const { nodeRun } = await runChain(parameters, triggerItems);
	expect(nodeRun?.error).toBeInstanceOf(NodeOperationError);
	return nodeRun?.error as NodeOperationError;
}

async function execute(parameters: INodeParameters, inputItems: IDataObject[], options: { continueOnFail?: boolean } = {}): Promise<INodeExecutionData[]> {
	const { outputs } = await bed.n8n.executeNode(NODE_TYPES.dynamicsWriter, { parameters, inputItems, continueOnFail: options.continueOnFail });
	return outputs[0] ?? [];
}

const contacts = () => bed.dynamics.state.listContacts();
const addContact = (values: Record<string, unknown>) => bed.dynamics.state.createContact(values).id;
const locator = (value: string) => ({ __rl: true, mode: 'id', value });

describe('Create or Update (the sync writer)', () => {
	it('writes the mapped Google contacts and outputs one item per record with pairedItem; a second run writes nothing', async () => {
		const people = [addPerson('Ada', 'Lovelace', 'ada@example.com'), addPerson('Alan', 'Turing', 'alan@example.com'), addPerson('No', 'Email')];
		const items = await googleTriggerItems();

		const output = await upsert({}, items);

		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(output.map((item) => item.json.action)).toEqual(['create', 'create', 'skip-no-email']);
		expect(output[0].json).toMatchObject({ sourceId: people[0], targetId: expect.any(String), reason: expect.stringContaining('created') });
		expect(contacts()).toHaveLength(2);
		const linked = bed.google.state.getFull(people[0]) as Person;
		expect(linked.clientData).toEqual(expect.arrayContaining([expect.objectContaining({ key: LINK_KEYS.googleDynamicsContactId, value: output[0].json.targetId })]));

		bed.dynamics.counters.reset();
		const second = await upsert({}, await googleTriggerItems());
		// Listed by last modification: the two linked contacts (their clientData was written) now come last.
		expect(second.map((item) => item.json.action).sort()).toEqual(['skip-equal', 'skip-equal', 'skip-no-email']);
		expect(dynamicsWrites(bed.dynamics)).toBe(0);
	});

	it('"One Summary Item" outputs the run summary, paired with every input; a dry run writes nothing', async () => {
		addPerson('Ada', 'Lovelace', 'ada@example.com');
		addPerson('Alan', 'Turing', 'alan@example.com');

		const [summary] = await upsert({ output: 'summary', dryRun: true }, await googleTriggerItems());

		expect(summary.json).toMatchObject({ dryRun: true, counts: { created: 2, updated: 0, failed: 0 } });
		expect(summary.pairedItem).toEqual([{ item: 0 }, { item: 1 }]);
		expect(contacts()).toHaveLength(0);
		expect(dynamicsWrites(bed.dynamics)).toBe(0);
	});

	it('continue on fail keeps each record\'s outcome when Dynamics 365 refuses one write', async () => {
		addPerson('Alpha', 'Batch', 'alpha@example.com');
		addPerson('Bravo', 'Batch', 'bravo@example.com');
		// A record edited after the mapping (which checks lengths too): Dataverse refuses it.
		const { outputs } = await bed.n8n.executeNode(NODE_TYPES.mapping, { parameters: { direction: 'googleToDynamics' }, inputItems: await googleTriggerItems() });
		const mapped = outputs[0].map((item) => item.json);
		(mapped[1].values as IDataObject).lastname = 'y'.repeat(60);

		const output = await execute({ operation: 'upsert' }, mapped, { continueOnFail: true });

		expect(output.map((item) => item.json.action)).toEqual(['create', 'failed']);
		expect(output[1].json.error).toMatchObject({ field: 'values', message: expect.stringContaining("The length of the 'lastname' attribute") });
		expect(contacts()).toHaveLength(1);

		bed.dynamics.state.reset();
		const failure = await execute({ operation: 'upsert' }, mapped).then(
			() => undefined,
			(error: unknown) => error as NodeOperationError,
		);
		expect(failure).toBeInstanceOf(NodeOperationError);
		expect(failure?.message).toContain(mapped[1].sourceId as string);
		expect(failure?.description).toContain('The other records were written');
		expect(contacts()).toHaveLength(1);
	});

	it('Google deletions set the chosen column value (typed from the text), found through the link column; the guard stops a mass deletion', async () => {
		const people = Array.from({ length: 10 }, (_, index) => addPerson('Person', `No ${index}`, `person${index}@example.com`));
		const options = { linkColumn: 'new_googleresourcename' };
		await upsert({ options }, await googleTriggerItems());
		const deletions = people.slice(0, 5).map((resourceName) => ({ event: 'deleted', resourceName }));

		const guarded = await upsertError({ options }, deletions);
		expect(guarded.message).toMatch(/^Mass-deletion guard: this run would tag 5 of 10 linked contacts \(50%\)/);
		expect(guarded.description).toContain('Mass-Deletion Guard (%)');

		const tagged = await upsert({ options: { ...options, maxDeletionPercent: 50 }, deletions: 'setValue', deletionColumn: 'new_vip', deletionValue: 'Yes' }, deletions);
		expect(tagged.map((item) => item.json.action)).toEqual(Array(5).fill('tag-deleted'));
		const flagged = contacts().filter((contact) => contact.values.new_vip === true);
		expect(flagged).toHaveLength(5);
		expect(contacts()).toHaveLength(10);
	});

	it('a deletion value the column cannot take, or no Google credential, stops the node with the fix', async () => {
		addPerson('Ada', 'Lovelace', 'ada@example.com');
		const bad = await upsertError({ deletions: 'setValue', deletionColumn: 'new_vip', deletionValue: 'perhaps' }, await googleTriggerItems());
		expect(bad.message).toBe('Deleted in Google › Value: "perhaps" is not yes or no (true or false) for VIP (new_vip).');

		const workflow = chainWorkflow([
			{ name: 'Input', type: 'n8n-nodes-base.manualTrigger' },
			{ name: 'Contact Field Mapping', type: NODE_TYPES.mapping, parameters: { direction: 'googleToDynamics' } },
			{ name: WRITER, type: NODE_TYPES.dynamicsWriter, parameters: { operation: 'upsert' }, credentials: [DYNAMICS_CREDENTIAL] },
		]);
		const run = await bed.n8n.runWorkflow(workflow, { triggerItems: await googleTriggerItems(), triggerNode: 'Input' });
		expect(run.runs[WRITER]?.[0].error?.message).toMatch(/needs the Google Contacts connection.*Select a Google Contacts credential/);
	});
});

describe('Get, Get Many, Deactivate, Delete', () => {
	it('Get reads each item\'s contact in one request; a missing one is an error item with continue on fail', async () => {
		const ids = [addContact({ firstname: 'Ada', lastname: 'Lovelace', jobtitle: 'Analyst' }), addContact({ firstname: 'Alan', lastname: 'Turing' })];
		const missing = '00000000-0000-4000-8000-000000000001';
		bed.dynamics.counters.reset();

		const output = await execute({ operation: 'get', contactId: '={{ $json.id }}', options: { columns: ['firstname', 'jobtitle'] } }, [{ id: ids[0] }, { id: missing }, { id: ids[1] }], { continueOnFail: true });

		expect(output[0].json).toMatchObject({ contactid: ids[0], firstname: 'Ada', jobtitle: 'Analyst' });
		expect(output[0].json).not.toHaveProperty('lastname');
		expect(output[1]).toEqual({ json: { error: `Contact ${missing} does not exist in Dynamics 365`, fix: 'Check the contact ID; it may have been deleted.' }, pairedItem: { item: 1 } });
		expect(output[2].json).toMatchObject({ contactid: ids[1], firstname: 'Alan' });
		expect(bed.dynamics.counters.snapshot()['contacts.list']).toBe(1);
	});

	it('Get Many follows every page with Return All, and stops at the limit otherwise', async () => {
		bed.dynamics.state.reset();
		const { seedContacts } = await import('../../simulators/dynamics');
		seedContacts(bed.dynamics.state, 5_010);
		bed.dynamics.counters.reset();

		const all = await execute({ operation: 'getMany', returnAll: true, options: { columns: ['fullname'], includeLabels: false } }, [{}]);
		expect(all).toHaveLength(5_010);
		expect(bed.dynamics.counters.snapshot()['contacts.list']).toBe(2);

		const some = await execute({ operation: 'getMany', limit: 7, filters: { activeOnly: true } }, [{}]);
		expect(some).toHaveLength(7);
		expect(some.every((item) => item.json.statecode === 0)).toBe(true);
	});

	it('Deactivate and Delete write in one $batch, a result per item', async () => {
		const ids = [addContact({ lastname: 'One' }), addContact({ lastname: 'Two' })];
		const missing = '00000000-0000-4000-8000-000000000002';
		bed.dynamics.counters.reset();

		const deactivated = await execute({ operation: 'deactivate', contactId: '={{ $json.id }}' }, [{ id: ids[0] }, { id: missing }], { continueOnFail: true });
		expect(deactivated.map((item) => item.json)).toEqual([{ contactId: ids[0], deactivated: true }, { error: `Contact ${missing} does not exist in Dynamics 365`, fix: expect.any(String) }]);
		expect(bed.dynamics.state.getContact(ids[0])?.values.statecode).toBe(1);

		const deleted = await execute({ operation: 'delete', contactId: locator(ids[1]) }, [{}]);
		expect(deleted[0].json).toEqual({ contactId: ids[1], deleted: true });
		expect(bed.dynamics.state.getContact(ids[1])).toBeUndefined();
		expect(bed.dynamics.counters.snapshot().batch).toBe(2);

		const notAnId = await execute({ operation: 'delete', contactId: '={{ $json.id }}' }, [{ id: 'Ada Lovelace' }], { continueOnFail: true });
		expect(notAnId[0].json.error).toMatch(/The contact ID must be a GUID/);
	});
});

describe('pickers', () => {
	it('lists link columns (custom text columns first), taggable columns, and finds contacts by name or email', async () => {
		addContact({ firstname: 'Ada', lastname: 'Lovelace', emailaddress1: 'ada@example.com' });
		addContact({ firstname: 'Alan', lastname: 'Turing', emailaddress1: 'alan@example.com' });

		const links = await bed.n8n.loadOptions(NODE_TYPES.dynamicsWriter, 'getLinkColumns', { parameters: { operation: 'upsert' } });
		expect(links[0]).toMatchObject({ name: 'None', value: '' });
		expect(links.slice(1).findIndex((option) => option.value === 'new_googleresourcename')).toBeLessThan(links.slice(1).findIndex((option) => option.value === 'firstname'));

		const taggable = (await bed.n8n.loadOptions(NODE_TYPES.dynamicsWriter, 'getWritableColumns', { parameters: { operation: 'upsert' } })).map((option) => option.value);
		expect(taggable).toEqual(expect.arrayContaining(['new_vip', 'new_preferredchannel', 'description']));
		expect(taggable).not.toContain('statecode');

		const found = await bed.n8n.listSearch(NODE_TYPES.dynamicsWriter, 'searchContacts', { parameters: { operation: 'get' }, filter: 'alan@' });
		expect(found.results).toEqual([{ name: 'Alan Turing <alan@example.com>', value: expect.any(String) }]);
	});
});
