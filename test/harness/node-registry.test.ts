import { N8nHarness, loadNodeTypes } from './n8n';

describe('node and credential types loaded by n8n-core directory loaders', () => {
	it('loads source files as one package: type names carry the package name, polling nodes get Poll Times', async () => {
		const registry = await loadNodeTypes({
			packageName: 'n8n-nodes-example',
			nodes: ['test/harness/fixtures/nodes/RecordsTrigger.node.ts'],
			credentials: ['test/harness/fixtures/credentials/FixtureSessionApi.credentials.ts'],
		});

		expect(registry.nodeTypeNames()).toEqual([
			'n8n-nodes-base.manualTrigger',
			'n8n-nodes-base.noOp',
			'n8n-nodes-example.recordsTrigger',
		]);
		const trigger = registry.nodeTypes.getByNameAndVersion('n8n-nodes-example.recordsTrigger', 1);
		expect(trigger.description.properties.map((property) => property.name)).toEqual(['pollTimes', 'pageSize', 'nestedCursor']);
		expect(registry.credentialTypes.getSupportedNodes('fixtureSessionApi')).toEqual(['n8n-nodes-example.recordsTrigger']);
	});

	it("loads a package folder from its package.json n8n section, adding n8n's domain-restriction fields", async () => {
		const registry = await loadNodeTypes({ packageDir: 'test/harness/fixtures' });

		expect(registry.nodeTypeNames()).toEqual(
			expect.arrayContaining(['n8n-nodes-harness-fixtures.splitByThreshold', 'n8n-nodes-harness-fixtures.accountInfo']),
		);
		const properties = registry.credentialTypes.getByName('fixtureSessionApi').properties.map((property) => property.name);
		expect(properties).toEqual(expect.arrayContaining(['sessionToken', 'allowedHttpRequestDomains', 'allowedDomains']));
		expect(registry.credentialTypes.getParentTypes('fixtureGoogleOAuth2Api')).toEqual(['googleOAuth2Api', 'oAuth2Api']);
	});

	it('refuses a node whose class is not named after its file, as n8n does', async () => {
		await expect(
			loadNodeTypes({ packageName: 'n8n-nodes-example', nodes: ['test/harness/fixtures/invalid/Misnamed.node.ts'] }),
		).rejects.toThrow('Class could not be found. Please check if the class is named correctly.');
	});

	it('names the loaded packages when a node type is unknown', async () => {
		const n8n = await N8nHarness.create({ packages: [] });

		await expect(n8n.executeNode('n8n-nodes-other.thing')).rejects.toThrow(
			'Unrecognized node type "n8n-nodes-other.thing": no loaded package "n8n-nodes-other" (loaded: n8n-nodes-base). Add the package to loadNodeTypes().',
		);
	});

	it('refuses a package listed twice', async () => {
		await expect(
			loadNodeTypes({ packageDir: 'test/harness/fixtures' }, { packageDir: 'test/harness/fixtures' }),
		).rejects.toThrow('Node package "n8n-nodes-harness-fixtures" is loaded twice; list each package once.');
	});
});
