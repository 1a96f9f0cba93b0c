/**
 * nodes/shared/transport.ts inside n8n-core's real execution (the harness runs a test-only node,
 * DynamicsProbe, through WorkflowExecute): n8n's request helpers carry the requests, the credential's
 * preAuthentication and authenticate supply the token, n8n refreshes it after a 401, and lib/'s
 * retries work over n8n's transport.
 */
import { clearTokenCache } from '../../../lib/dynamics/auth';
import { N8nHarness } from '../../harness/n8n';
import { startDynamicsSimulator, type DynamicsSimulator } from '../../simulators/dynamics';
import { simulatorCredential } from '../../lib/dynamics/simulator-client';

const PROBE = 'n8n-nodes-dynamics365-sync.dynamicsProbe';
const CREDENTIAL = 'microsoftDynamics365Api';

let sim: DynamicsSimulator;
let n8n: N8nHarness;

beforeAll(async () => {
	sim = await startDynamicsSimulator({ contacts: 2500 });
	n8n = await N8nHarness.create({
		packages: [
			{
				packageName: 'n8n-nodes-dynamics365-sync',
				credentials: ['credentials/MicrosoftDynamics365Api.credentials.ts'],
				nodes: ['test/nodes/shared/fixtures/DynamicsProbe.node.ts'],
			},
		],
		credentials: { [CREDENTIAL]: simulatorCredential(sim) },
	});
}, 60_000);
afterAll(() => sim.close());
beforeEach(() => {
	clearTokenCache();
	sim.faults.clear();
	sim.counters.reset();
});

async function probe(parameters: Record<string, unknown>) {
	const { outputs } = await n8n.executeNode(PROBE, { parameters: parameters as never });
	return outputs[0][0].json;
}

it('gets the token through preAuthentication on first use, stores it, and reuses it', async () => {
	await n8n.credentials.save(CREDENTIAL, simulatorCredential(sim));
	expect(await probe({ operation: 'whoAmI' })).toMatchObject({ UserId: sim.applicationUserId });
	const stored = await n8n.credentials.read(CREDENTIAL);
	expect(sim.state.checkAccessToken(stored.accessToken as string)).toMatchObject({ clientId: sim.clientId });
	await probe({ operation: 'whoAmI' });
	expect(sim.counters.snapshot()).toMatchObject({ 'entra.token': 1, whoami: 2 });
});

it('pages through n8n\'s helpers: all contacts arrive', async () => {
	expect(await probe({ operation: 'countContacts', pageSize: 1000 })).toEqual({ pages: 3, rows: sim.state.count('contact') });
});

it('lets n8n refresh an expired token once and repeat the request', async () => {
	await probe({ operation: 'whoAmI' });
	const before = (await n8n.credentials.read(CREDENTIAL)).accessToken;
	sim.counters.reset();
	sim.state.expireAccessTokens();
	expect(await probe({ operation: 'whoAmI' })).toMatchObject({ UserId: sim.applicationUserId });
	expect(sim.counters.snapshot()).toMatchObject({ whoami: 2, 'entra.token': 1 });
	expect((await n8n.credentials.read(CREDENTIAL)).accessToken).not.toBe(before);
});

it('turns a 401 that survives the refresh into a Dynamics error with a fix', async () => {
	sim.faults.add({ route: 'whoami', status: 401 });
	await expect(probe({ operation: 'whoAmI' })).rejects.toThrow(/Dynamics 365 answered 401 to GET .*WhoAmI.*did not accept the access token/);
	expect(sim.counters.snapshot().whoami).toBe(2);
});

it('retries throttling and resets over n8n\'s transport', async () => {
	sim.faults.add({ route: 'contacts.list', status: 429, retryAfterSeconds: 0, count: 2 });
	sim.faults.add({ route: 'whoami', reset: true, count: 1 });
	expect(await probe({ operation: 'countContacts', pageSize: 5000 })).toEqual({ pages: 1, rows: sim.state.count('contact') });
	expect(sim.counters.snapshot()['contacts.list']).toBe(3);
	await probe({ operation: 'whoAmI' });
	expect(sim.counters.snapshot().whoami).toBe(2);
});

it('writes through n8n, and a missing record comes back as a Dynamics 404 error', async () => {
	const contact = sim.state.listContacts()[0];
	const updated = await probe({ operation: 'updateContact', contactId: contact.id, jobTitle: 'Through n8n' });
	expect(updated).toMatchObject({ status: 200, jobtitle: 'Through n8n' });
	expect(sim.state.getContact(contact.id)!.values.jobtitle).toBe('Through n8n');
	await expect(probe({ operation: 'updateContact', contactId: '00000000-0000-0000-0000-000000000999', jobTitle: 'x' })).rejects.toThrow(/Dynamics 365 answered 404 to PATCH/);
});

it('names the credential problem when the Root Service Address is unusable', async () => {
	await n8n.credentials.save(CREDENTIAL, simulatorCredential(sim, { rootServiceAddress: 'https://evil.example.com', useCustomEndpoint: false }));
	try {
		await expect(probe({ operation: 'whoAmI' })).rejects.toThrow('The Microsoft Dynamics 365 API credential is not usable: Root Service Address: "evil.example.com" is not a Dynamics 365 host');
	} finally {
		await n8n.credentials.save(CREDENTIAL, simulatorCredential(sim));
	}
});
