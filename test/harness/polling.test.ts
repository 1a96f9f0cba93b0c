import { NodeApiError, type INodeExecutionData, type INodeParameters } from 'n8n-workflow';
import { N8nHarness, type WorkflowJson } from './n8n';
import { RecordsApi, SESSION_USER } from './fixtures/records-api';

const TRIGGER = 'n8n-nodes-harness-fixtures.recordsTrigger';

const seqs = (items: INodeExecutionData[][] | null | undefined) => items?.[0].map((item) => item.json.seq) ?? null;
const values = (items: INodeExecutionData[]) => items.map((item) => item.json.value);

/** Records Trigger → Split By Threshold (value ≥ 10 on the first output). */
function triggerAndSplitWorkflow(triggerParameters: INodeParameters = {}): WorkflowJson {
	return {
		name: 'Records',
		nodes: [
			{
				id: 'trigger-id',
				name: 'Records Trigger',
				type: TRIGGER,
				typeVersion: 1,
				position: [0, 0],
				parameters: triggerParameters,
				credentials: { fixtureSessionApi: { id: 'from-another-instance', name: 'Records account' } },
			},
			{
				id: 'split-id',
				name: 'Split By Threshold',
				type: 'n8n-nodes-harness-fixtures.splitByThreshold',
				typeVersion: 1,
				position: [200, 0],
				parameters: { field: 'value', threshold: 10 },
			},
		],
		connections: { 'Records Trigger': { main: [[{ node: 'Split By Threshold', type: 'main', index: 0 }]] } },
	};
}

describe('polling through n8n-core (PollTriggerExecutor, PollContext)', () => {
	let api: RecordsApi;
	let n8n: N8nHarness;

	beforeEach(async () => {
		api = await new RecordsApi().start();
		n8n = await N8nHarness.create({
			packages: [{ packageDir: 'test/harness/fixtures' }],
			credentials: { fixtureSessionApi: { baseUrl: api.url, ...SESSION_USER } },
		});
	});

	afterEach(async () => {
		await api.stop();
	});

	it('emits only records added since the stored cursor; n8n stores static data only when a poll emits', async () => {
		api.add('first', 1);
		api.add('second', 2);
		api.add('third', 3);

		const first = await n8n.pollNode(TRIGGER);
		expect(seqs(first.items)).toEqual([1, 2, 3]);
		expect(first.staticData).toMatchObject({ lastSeq: 3, pollCount: 1 });

		const empty = await n8n.pollNode(TRIGGER, { staticData: first.staticData });
		expect(empty.items).toBeNull();
		// The node counted the poll in memory, but a poll returning null saves nothing.
		expect(empty.inMemoryStaticData).toMatchObject({ lastSeq: 3, pollCount: 2 });
		expect(empty.staticData).toEqual(first.staticData);

		api.add('fourth', 4);
		const next = await n8n.pollNode(TRIGGER, { staticData: empty.staticData });
		expect(seqs(next.items)).toEqual([4]);
		expect(next.staticData).toMatchObject({ lastSeq: 4, pollCount: 2 });
		expect(api.counters.snapshot()['records.list']).toBe(3);
	});

	it('"Fetch test event" returns a sample and never stores static data', async () => {
		api.add('first', 1);
		api.add('second', 2);
		const stored = { lastSeq: 1, pollCount: 7 };

		const testEvent = await n8n.pollNode(TRIGGER, { mode: 'manual', staticData: stored });

		expect(seqs(testEvent.items)).toEqual([1]);
		expect(testEvent.staticData).toEqual(stored);
		// The node itself leaves its cursor alone in manual mode; only its poll counter moved in memory.
		expect(testEvent.inMemoryStaticData).toMatchObject({ lastSeq: 1, pollCount: 8 });
	});

	it('offers getPollBudgetMs: PollContext defaults to 5 minutes, a scheduler lease sets less', async () => {
		api.add('first', 1);

		const unbounded = await n8n.pollNode(TRIGGER);
		const leased = await n8n.pollNode(TRIGGER, { pollBudgetMs: 36_000 });

		expect(unbounded.staticData.lastBudgetMs).toBe(300_000);
		expect(leased.staticData.lastBudgetMs).toBe(36_000);
	});

	it('polls on activation, keeps static data in memory between polls and runs the workflow on each emit', async () => {
		api.add('small', 5);
		api.add('large', 20);

		const { workflow, activationPolls } = await n8n.activateWorkflow(triggerAndSplitWorkflow());

		const activation = activationPolls['Records Trigger'];
		expect(seqs(activation.items)).toEqual([1, 2]);
		expect(values(activation.execution!.output('Split By Threshold', 0))).toEqual([20]);
		expect(values(activation.execution!.output('Split By Threshold', 1))).toEqual([5]);
		expect(activation.execution!.executionOrder).toEqual(['Records Trigger', 'Split By Threshold']);

		const quiet = await workflow.poll();
		expect(quiet).toEqual({ items: null, execution: undefined });
		expect(workflow.inMemoryNodeStaticData()).toMatchObject({ pollCount: 2, lastSeq: 2 });
		expect(workflow.storedNodeStaticData()).toMatchObject({ pollCount: 1, lastSeq: 2 });

		api.add('medium', 15);
		const next = await workflow.poll();
		expect(seqs(next.items)).toEqual([3]);
		expect(values(next.execution!.output('Split By Threshold', 0))).toEqual([15]);
		expect(workflow.storedNodeStaticData()).toMatchObject({ pollCount: 3, lastSeq: 3 });
		// n8n saves the activation's whole static data on emit, over what the first execution stored
		// for the Split node (itemsSeen 2); the second execution then counts from zero again.
		expect(workflow.staticData['node:Split By Threshold']).toEqual({ itemsSeen: 1 });
	});

	it('does not store a nested cursor changed in place, so after a restart the poll emits again', async () => {
		api.add('first', 1);
		api.add('second', 2);
		const { workflow } = await n8n.activateWorkflow(triggerAndSplitWorkflow({ nestedCursor: true }));
		api.add('third', 3);

		const next = await workflow.poll();
		const restarted = await n8n.activateWorkflow(triggerAndSplitWorkflow({ nestedCursor: true }), {
			activation: 'init',
			staticData: workflow.staticData,
		});

		expect(seqs(next.items)).toEqual([3]);
		expect(workflow.inMemoryNodeStaticData()).toEqual({ cursor: { lastSeq: 3 } });
		// n8n only sees changes made through its observable wrapper: the object assigned on the first
		// poll is a plain one, so updating it in place never marks the static data as changed.
		expect(workflow.storedNodeStaticData()).toEqual({ cursor: { lastSeq: 2 } });
		expect(seqs(restarted.activationPolls['Records Trigger'].items)).toEqual([3]);
	});

	it('a failed poll stores nothing, and the next poll replays its window', async () => {
		api.add('first', 1);
		const { workflow } = await n8n.activateWorkflow(triggerAndSplitWorkflow());
		api.add('second', 2);
		api.add('third', 3);
		api.faults.add({ route: 'records.list', status: 503, count: 1 });

		const failure = await workflow.poll().catch((error: unknown) => error);

		expect(failure).toBeInstanceOf(NodeApiError);
		expect((failure as NodeApiError).httpCode).toBe('503');
		expect(workflow.storedNodeStaticData()).toMatchObject({ lastSeq: 1 });
		const retried = await workflow.poll();
		expect(seqs(retried.items)).toEqual([2, 3]);
	});

	it('an activation whose first poll fails is refused', async () => {
		api.faults.add({ route: 'records.list', status: 500, count: 1 });

		await expect(n8n.activateWorkflow(triggerAndSplitWorkflow())).rejects.toBeInstanceOf(NodeApiError);
	});

	it('activation refuses poll times under a minute, as n8n does', async () => {
		const everyTenSeconds = { item: [{ mode: 'custom', cronExpression: '*/10 * * * * *' }] };

		await expect(n8n.activateWorkflow(triggerAndSplitWorkflow({ pollTimes: everyTenSeconds }))).rejects.toThrow(
			'The polling interval is too short. It has to be at least a minute.',
		);
		expect(api.counters.total()).toBe(0);
	});

	it('with durable cursors a poll that emits nothing still commits its cursor', async () => {
		api.add('first', 1);
		const initial = await n8n.pollNode(TRIGGER, { cursorStorage: 'durable' });

		const durable = await n8n.pollNode(TRIGGER, { cursorStorage: 'durable', staticData: initial.staticData });
		const staticDataOnly = await n8n.pollNode(TRIGGER, { staticData: initial.staticData });

		expect(durable.items).toBeNull();
		expect(durable.staticData).toMatchObject({ lastSeq: 1, pollCount: 2 });
		expect(staticDataOnly.items).toBeNull();
		expect(staticDataOnly.staticData).toMatchObject({ lastSeq: 1, pollCount: 1 });
	});
});
