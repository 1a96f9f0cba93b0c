/**
 * GoogleContactsClient inside n8n: requests go through n8n-core's httpRequestWithAuthentication with
 * the "Google Contacts (Sync) OAuth2 API" credential (via nodes/shared's n8nHttpTransport), so n8n
 * signs them and refreshes the OAuth2 token itself; checked with n8n-core's real machinery (the
 * test harness) against the People API simulator.
 */
import { N8nHarness } from '../../harness/n8n';
import { startGoogleSimulator, type GoogleSimulator } from '../../simulators/google';
import { n8nCredentialFor } from '../../simulators/google/testing';

const PROBE = 'n8n-nodes-google-probe.googleContactsProbe';

let sim: GoogleSimulator;
let n8n: N8nHarness;

beforeAll(async () => {
	sim = await startGoogleSimulator({ contacts: 3 });
	n8n = await N8nHarness.create({
		packages: [{ packageName: 'n8n-nodes-google-probe', nodes: ['test/lib/google/fixtures/GoogleContactsProbe.node.ts'], credentials: ['credentials/GoogleContactsSyncOAuth2Api.credentials.ts'] }],
	});
});
afterAll(() => sim.close());

async function connect(): Promise<void> {
	await n8n.credentials.save('googleContactsSyncOAuth2Api', await n8nCredentialFor(sim));
	sim.counters.reset();
}

test('lists through n8n, and creates after n8n refreshed a token the server expired', async () => {
	await connect();
	const listed = await n8n.executeNode({ type: PROBE, parameters: { operation: 'list' } });
	expect(listed.outputs[0].map((item) => item.json.name)).toEqual(['Jan van der Berg', 'María José García Pérez', "Siobhán O'Brien"]);

	sim.state.expireAccessTokens();
	const created = await n8n.executeNode({ type: PROBE, parameters: { operation: 'create' } }, { inputItems: [{ names: [{ givenName: 'Via', familyName: 'n8n' }] }] });
	const resourceName = created.outputs[0][0].json.resourceName as string;
	expect(sim.state.getFull(resourceName)?.names?.[0].displayName).toBe('Via n8n');
	expect(sim.counters.snapshot()).toEqual({ 'people.connections.list': 1, 'people.batchCreateContacts': 2, token: 1 });
});

test('a revoked grant stops the node with n8n\'s "reconnect" message', async () => {
	await connect();
	sim.state.revokeRefreshTokens();
	const error = await n8n.executeNode({ type: PROBE, parameters: { operation: 'list' } }).catch((caught) => caught);
	expect(error.message).toBe('Google Contacts people.connections.list failed: The credential "googleContactsSyncOAuth2Api account" needs to be reconnected.');
	expect(sim.counters.snapshot()).toEqual({ 'people.connections.list': 1, token: 1 });
});
