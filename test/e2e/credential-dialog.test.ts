/**
 * The credential dialog's "test" button in a real n8n 2.x, with our package installed as a community
 * package: the REST call the editor makes (POST /rest/credentials/test) reaches the Dynamics simulator
 * over HTTPS through MSAL and WhoAmI, and a wrong secret fails with a clear message that leaks nothing.
 */
import { startDynamicsSimulator, type DynamicsSimulator } from '../simulators/dynamics';
import { packPackage, startN8n, type N8nInstance } from './n8n-instance';

jest.setTimeout(15 * 60_000);

describe('Microsoft Dynamics 365 API credential in a real n8n', () => {
	let simulator: DynamicsSimulator;
	let n8n: N8nInstance;

	beforeAll(async () => {
		simulator = await startDynamicsSimulator({ contacts: 3 });
		n8n = await startN8n({ tarball: packPackage(), env: { NODE_EXTRA_CA_CERTS: simulator.caCertPath } });
	});

	afterAll(async () => {
		await n8n?.stop();
		await simulator?.close();
	});

	function credentialData(overrides: Record<string, unknown> = {}) {
		return {
			rootServiceAddress: simulator.url,
			apiVersion: '9.2',
			tenantId: simulator.tenantId,
			clientId: simulator.clientId,
			authentication: 'clientSecret',
			clientSecret: simulator.clientSecret,
			cloud: 'global',
			useCustomEndpoint: true,
			customAuthorityHost: simulator.authorityHost,
			...overrides,
		};
	}

	/**
	 * What the dialog does on "Save": store the credential, then test it by id (n8n 2.40 can only run a
	 * preAuthentication credential's test once it has an id to keep the fresh token in).
	 */
	async function saveAndTest(data: Record<string, unknown>) {
		const saved = await n8n.rest<{ id: string }>('POST', '/rest/credentials', { name: 'Dynamics (simulator)', type: 'microsoftDynamics365Api', data });
		expect(saved.status).toBe(200);
		const response = await n8n.rest<{ status: string; message: string }>('POST', '/rest/credentials/test', {
			credentials: { id: saved.data.id, name: 'Dynamics (simulator)', type: 'microsoftDynamics365Api', data },
		});
		expect(response.status).toBe(200);
		return response.data;
	}

	it('loads our package under its real name', async () => {
		const types = await n8n.rest<Array<{ name: string }>>('GET', '/types/credentials.json');
		const names = (Array.isArray(types.body) ? types.body : []).map((type: { name: string }) => type.name);
		expect(names).toContain('microsoftDynamics365Api');
		expect(n8n.logs()).not.toMatch(/Error loading package|Could not load/i);
	});

	it('passes with good settings, through MSAL and WhoAmI', async () => {
		simulator.counters.reset();
		const result = await saveAndTest(credentialData());
		expect(result).toEqual(expect.objectContaining({ status: 'OK' }));
		const counts = simulator.counters.snapshot();
		expect(counts['entra.token']).toBeGreaterThanOrEqual(1);
		expect(counts.whoami).toBeGreaterThanOrEqual(1);
	});

	it('fails clearly with a wrong secret, without echoing it', async () => {
		const wrongSecret = 'wrong-secret-value-123456';
		const result = await saveAndTest(credentialData({ clientSecret: wrongSecret }));
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/secret/i);
		expect(result.message).not.toContain(wrongSecret);
		expect(n8n.logs()).not.toContain(wrongSecret);
		expect(n8n.logs()).not.toContain(simulator.clientSecret);
	});

	it('rejects a look-alike Root Service Address before any request', async () => {
		simulator.counters.reset();
		const result = await saveAndTest(credentialData({ useCustomEndpoint: false, rootServiceAddress: 'https://contoso.crm.dynamics.com.evil.net' }));
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/Root Service Address/);
		expect(simulator.counters.total()).toBe(0);
	});
});
