/**
 * The "Microsoft Dynamics 365 API" credential in n8n-core's real credential machinery (the test
 * harness: RoutingNode, ExecuteContext, httpRequestWithAuthentication, n8n's HTTP client) against the
 * Dynamics simulator: the dialog's Test button, the token n8n stores, and clear failures.
 */
import { clearTokenCache } from '../../lib/dynamics/auth';
import { MicrosoftDynamics365Api } from '../../credentials/MicrosoftDynamics365Api.credentials';
import { N8nHarness } from '../harness/n8n';
import { startDynamicsSimulator, type DynamicsSimulator } from '../simulators/dynamics';
import { simulatorCredential } from '../lib/dynamics/simulator-client';

const TYPE = 'microsoftDynamics365Api';

let sim: DynamicsSimulator;
let n8n: N8nHarness;

beforeAll(async () => {
	sim = await startDynamicsSimulator();
	n8n = await N8nHarness.create({
		packages: [{ packageName: 'n8n-nodes-dynamics365-sync', credentials: ['credentials/MicrosoftDynamics365Api.credentials.ts'] }],
	});
});
afterAll(() => sim.close());
beforeEach(() => {
	clearTokenCache();
	sim.faults.clear();
	sim.counters.reset();
});

test('has the fields users fill in, a hidden expirable token, and is listed in package.json', () => {
	const credential = new MicrosoftDynamics365Api();
	expect(credential).toMatchObject({ name: TYPE, displayName: 'Microsoft Dynamics 365 API' });
	const properties = n8n.credentials.getCredentialsProperties(TYPE);
	// n8n adds its own domain-restriction fields after ours.
	expect(properties.map((property) => property.name).slice(0, 14)).toEqual([
		'rootServiceAddress',
		'apiVersion',
		'tenantId',
		'clientId',
		'authentication',
		'clientSecret',
		'certificatePrivateKey',
		'certificateThumbprint',
		'certificate',
		'cloud',
		'useCustomEndpoint',
		'customAuthorityHost',
		'accessToken',
		'accessTokenFor',
	]);
	expect(properties.find((property) => property.name === 'rootServiceAddress')).toMatchObject({ placeholder: 'https://contoso.crm.dynamics.com', required: true });
	expect(properties.find((property) => property.name === 'apiVersion')).toMatchObject({ default: '9.2' });
	expect(properties.find((property) => property.name === 'clientSecret')!.typeOptions).toMatchObject({ password: true });
	expect(properties.find((property) => property.name === 'certificatePrivateKey')!.typeOptions).toMatchObject({ password: true });
	expect(properties.find((property) => property.name === 'useCustomEndpoint')).toMatchObject({ type: 'boolean', default: false });
	expect(properties.find((property) => property.name === 'customAuthorityHost')!.displayOptions).toEqual({ show: { useCustomEndpoint: [true] } });
	expect(properties.find((property) => property.name === 'accessToken')).toMatchObject({ type: 'hidden', default: '', typeOptions: { expirable: true } });
	expect(credential.test.request).toMatchObject({ method: 'GET', url: 'WhoAmI' });
	expect(require('../../package.json').n8n.credentials).toContain('dist/credentials/MicrosoftDynamics365Api.credentials.js');
});

describe('Test button', () => {
	it('gets a token with MSAL, calls WhoAmI on the normalised API base, and stores the token', async () => {
		const values = simulatorCredential(sim, { rootServiceAddress: `${sim.url}/api/data/v9.2/`, apiVersion: '9.2.24012.185' });
		expect(await n8n.testCredential(TYPE, values)).toEqual({ status: 'OK', message: 'Connection successful!' });
		expect(sim.counters.snapshot()).toMatchObject({ 'entra.token': 1, whoami: 1 });
		const stored = await n8n.credentials.read(TYPE);
		expect(typeof stored.accessToken).toBe('string');
		expect(sim.state.checkAccessToken(stored.accessToken as string)).toMatchObject({ clientId: sim.clientId });
	});

	it('works with a certificate', async () => {
		const values = simulatorCredential(sim, {
			authentication: 'certificate',
			clientSecret: '',
			certificatePrivateKey: sim.certificate.privateKeyPem,
			certificateThumbprint: sim.certificate.thumbprintSha1,
			certificate: sim.certificate.certificatePem,
		});
		expect(await n8n.testCredential(TYPE, values)).toEqual({ status: 'OK', message: 'Connection successful!' });
	});

	it('replaces a stored token that the server refuses', async () => {
		const values = simulatorCredential(sim);
		expect(await n8n.testCredential(TYPE, values)).toEqual({ status: 'OK', message: 'Connection successful!' });
		const stored = await n8n.credentials.read(TYPE);
		sim.counters.reset();
		sim.state.expireAccessTokens();
		expect(await n8n.testCredential(TYPE, stored)).toEqual({ status: 'OK', message: 'Connection successful!' });
		expect(sim.counters.snapshot()).toMatchObject({ whoami: 2, 'entra.token': 1 });
		expect((await n8n.credentials.read(TYPE)).accessToken).not.toBe(stored.accessToken);
	});

	it('checks edited values even while the stored token is still valid', async () => {
		expect(await n8n.testCredential(TYPE, simulatorCredential(sim))).toEqual({ status: 'OK', message: 'Connection successful!' });
		const stored = await n8n.credentials.read(TYPE);
		expect(sim.state.checkAccessToken(stored.accessToken as string)).toMatchObject({ clientId: sim.clientId });
		const edited = await n8n.testCredential(TYPE, { ...stored, clientSecret: `${sim.clientSecret}-edited` });
		expect(edited.status).toBe('Error');
		expect(edited.message).toContain('AADSTS7000215');
		expect(await n8n.testCredential(TYPE, { ...stored, clientSecret: sim.clientSecret })).toEqual({ status: 'OK', message: 'Connection successful!' });
	});

	it('explains a rejected secret without showing it', async () => {
		const secret = `${sim.clientSecret}-typo`;
		const result = await n8n.testCredential(TYPE, simulatorCredential(sim, { clientSecret: secret }));
		expect(result.status).toBe('Error');
		expect(result.message).toContain('The client secret was rejected by Entra ID (AADSTS7000215)');
		expect(result.message).not.toContain(secret);
		expect(sim.counters.snapshot().whoami).toBeUndefined();
	});

	it.each([
		[{ rootServiceAddress: 'https://contoso.crm.dynamics.com.evil.net', useCustomEndpoint: false }, 'Root Service Address: "contoso.crm.dynamics.com.evil.net" is not a Dynamics 365 host'],
		[{ rootServiceAddress: 'http://contoso.crm.dynamics.com', useCustomEndpoint: false }, 'Root Service Address: must start with https://'],
		[{ apiVersion: 'abc' }, 'API Version: "abc" is not a version'],
		[{ clientId: 'my app' }, 'Client ID: "my app" is not a GUID'],
	])('names the field and the fix for %p', async (overrides, message) => {
		const result = await n8n.testCredential(TYPE, simulatorCredential(sim, overrides));
		expect(result.status).toBe('Error');
		expect(result.message).toContain(message);
		expect(sim.counters.snapshot()['entra.token']).toBeUndefined();
	});

	it('reports a Web API refusal as n8n reports HTTP errors', async () => {
		sim.faults.add({ route: 'whoami', status: 403 });
		const result = await n8n.testCredential(TYPE, simulatorCredential(sim));
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/403|Forbidden/);
	});
});
