import { NodeOperationError } from 'n8n-workflow';
import { N8nHarness, type WorkflowJson } from './n8n';
import { OAUTH_CLIENT, RecordsApi } from './fixtures/records-api';

const SPLIT = 'n8n-nodes-harness-fixtures.splitByThreshold';
const ACCOUNT_INFO = 'n8n-nodes-harness-fixtures.accountInfo';

const values = (items: Array<{ json: { value?: unknown } }>) => items.map((item) => item.json.value);

/** Manual Trigger (pinned items) → Split By Threshold → No Operation on the "Below" output. */
const splitWorkflow: WorkflowJson = {
	name: 'Split',
	nodes: [
		{
			id: '1',
			name: "When clicking 'Execute workflow'",
			type: 'n8n-nodes-base.manualTrigger',
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
		},
		{ id: '2', name: 'Split By Threshold', type: SPLIT, typeVersion: 1, position: [200, 0], parameters: { field: 'value', threshold: 10 } },
		{ id: '3', name: 'Below', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [400, 100], parameters: {} },
	],
	connections: {
		"When clicking 'Execute workflow'": { main: [[{ node: 'Split By Threshold', type: 'main', index: 0 }]] },
		'Split By Threshold': { main: [[], [{ node: 'Below', type: 'main', index: 0 }]] },
	},
	pinData: { "When clicking 'Execute workflow'": [{ json: { value: 3 } }, { json: { value: 30 } }] },
};

describe('execute() and workflows through n8n-core (WorkflowExecute, ExecuteContext, LoadOptionsContext)', () => {
	let n8n: N8nHarness;

	beforeAll(async () => {
		n8n = await N8nHarness.create({ packages: [{ packageDir: 'test/harness/fixtures' }] });
	});

	it('returns every output of a node with two outputs', async () => {
		const { outputs } = await n8n.executeNode(SPLIT, {
			parameters: { field: 'value', threshold: 10 },
			inputItems: [{ value: 5 }, { value: 20 }, { value: 10 }],
		});

		expect(outputs.map(values)).toEqual([[20, 10], [5]]);
		expect(outputs[0].map((item) => item.pairedItem)).toEqual([{ item: 1 }, { item: 2 }]);
	});

	it("stops on a bad item with the node's NodeOperationError", async () => {
		const failure = await n8n
			.executeNode(SPLIT, { parameters: { field: 'value' }, inputItems: [{ value: 1 }, { value: 'many' }] })
			.catch((error: unknown) => error);

		expect(failure).toBeInstanceOf(NodeOperationError);
		expect(failure).toMatchObject({
			message: 'Item 1: field "value" is not a number',
			description: 'Set "Field" to a field that holds a number.',
			context: { itemIndex: 1 },
		});
	});

	it('with "continue on fail" returns the bad item as an error item and carries on', async () => {
		const { outputs } = await n8n.executeNode(SPLIT, {
			parameters: { field: 'value', threshold: 2 },
			inputItems: [{ value: 1 }, { value: 'many' }, { value: 3 }],
			continueOnFail: true,
		});

		expect(outputs[0].map((item) => item.json)).toEqual([{ error: 'Item 1: field "value" is not a number' }, { value: 3 }]);
		expect(outputs[1].map((item) => item.json)).toEqual([{ value: 1 }]);
	});

	it('runs exported workflow JSON manually from its start node, with pinned data and connections', async () => {
		const run = await n8n.runWorkflow(splitWorkflow);

		expect(run.status).toBe('success');
		expect(run.executionOrder).toEqual(["When clicking 'Execute workflow'", 'Split By Threshold', 'Below']);
		expect(values(run.output('Split By Threshold', 0))).toEqual([30]);
		expect(values(run.output('Below'))).toEqual([3]);
	});

	it('stores static data after production runs, never after manual ones', async () => {
		const production = await n8n.runWorkflow(splitWorkflow, { triggerItems: [{ value: 1 }, { value: 2 }] });
		const again = await n8n.runWorkflow(splitWorkflow, { triggerItems: [{ value: 3 }], staticData: production.staticData });
		const manual = await n8n.runWorkflow(splitWorkflow, { staticData: again.staticData });

		expect(production.raw.mode).toBe('trigger');
		expect(values(production.output('Below'))).toEqual([1, 2]);
		expect(again.staticData).toEqual({ 'node:Split By Threshold': { itemsSeen: 3 } });
		expect(manual.inMemoryStaticData).toEqual({ 'node:Split By Threshold': { itemsSeen: 5 } });
		expect(manual.staticData).toEqual(again.staticData);
	});

	it("applies n8n's own checks: a missing required parameter stops the run before any node", async () => {
		const missingField = {
			...splitWorkflow,
			nodes: splitWorkflow.nodes.map((node) => (node.type === SPLIT ? { ...node, parameters: { threshold: 1 } } : node)),
		};

		await expect(n8n.runWorkflow(missingField)).rejects.toThrow(
			'The \'Split By Threshold\' node has issues:\n- Parameter "Field" is required.',
		);
	});

	describe('with an OAuth2 API', () => {
		let api: RecordsApi;

		beforeAll(async () => {
			api = await new RecordsApi().start();
			await n8n.credentials.save('fixtureOAuth2Api', {
				...OAUTH_CLIENT,
				accessTokenUrl: `${api.url}/oauth/token`,
				baseUrl: api.url,
				oauthTokenData: api.issueOAuthTokens(),
			});
		});

		afterAll(async () => {
			await api.stop();
		});

		it('loads an options list through LoadOptionsContext with the node’s credential', async () => {
			const options = await n8n.loadOptions(ACCOUNT_INFO, 'getAccounts');

			expect(options).toEqual([
				{ name: 'First', value: 'a1' },
				{ name: 'Second', value: 'a2' },
			]);
			expect(api.counters.snapshot()).toEqual({ 'accounts.list': 1 });
		});

		it('names the available methods when asked for one the node lacks', async () => {
			await expect(n8n.loadOptions(ACCOUNT_INFO, 'getOwners')).rejects.toThrow(
				'Node type "n8n-nodes-harness-fixtures.accountInfo" has no loadOptions method named "getOwners" (available: getAccounts).',
			);
		});

		it('fails with n8n’s message when the credential the parameters call for is not set', async () => {
			await expect(
				n8n.executeNode({ type: ACCOUNT_INFO, parameters: { authentication: 'fixtureGoogleOAuth2Api' } }),
			).rejects.toThrow('Node does not have any credentials set for "fixtureGoogleOAuth2Api"');
		});
	});
});
