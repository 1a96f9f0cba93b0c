/**
 * MSAL (the real @azure/msal-node) against the simulator's Entra ID endpoints, through our
 * HttpTransport: client secret and certificate, token reuse, forced refresh, and clear errors that
 * never carry the secret, the key or a token.
 */
import { EntraIdError, acquireToken, clearTokenCache } from '../../../lib/dynamics/auth';
import { DynamicsClient } from '../../../lib/dynamics/client';
import { HttpRequest, HttpTransport } from '../../../lib/http/transport';
import { startDynamicsSimulator, type DynamicsSimulator } from '../../simulators/dynamics';
import { createSelfSignedCertificate } from '../../simulators/tls';
import { simulatorSettings, simulatorTransport } from './simulator-client';

let sim: DynamicsSimulator;
let transport: HttpTransport;

beforeAll(async () => {
	sim = await startDynamicsSimulator();
	transport = simulatorTransport(sim);
});
afterAll(() => sim.close());
beforeEach(() => {
	clearTokenCache();
	sim.counters.reset();
});

async function whoAmIWith(token: string) {
	const client = new DynamicsClient({
		transport: (request) => transport({ ...request, headers: { ...request.headers, Authorization: `Bearer ${token}` } }),
		apiBaseUrl: `${sim.apiUrl}/`,
		retry: false,
	});
	return client.whoAmI();
}

async function entraError(promise: Promise<unknown>): Promise<EntraIdError> {
	const error = await promise.then(
		() => undefined,
		(caught) => caught,
	);
	expect(error).toBeInstanceOf(EntraIdError);
	return error;
}

describe('client secret', () => {
	it('gets a token the Web API accepts, through our transport', async () => {
		const seen: HttpRequest[] = [];
		const recording: HttpTransport = (request) => {
			seen.push(request);
			return transport(request);
		};
		const { token, expiresOn } = await acquireToken(simulatorSettings(sim), recording);
		expect((await whoAmIWith(token)).UserId).toBe(sim.applicationUserId);
		expect(expiresOn!.getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
		expect(seen.map((request) => `${request.method} ${new URL(request.url).pathname}`)).toContain(`POST /${sim.tenantId}/oauth2/v2.0/token`);
		expect(seen.every((request) => request.timeoutMs !== undefined)).toBe(true);
		expect(sim.counters.snapshot()['entra.token']).toBe(1);
	});

	it('reuses the cached token, and fetches a new one when forced or when the cached one was rejected', async () => {
		const settings = simulatorSettings(sim);
		const first = await acquireToken(settings, transport);
		expect((await acquireToken(settings, transport)).token).toBe(first.token);
		expect(sim.counters.snapshot()['entra.token']).toBe(1);
		const forced = await acquireToken(settings, transport, { forceRefresh: true });
		expect(forced.token).not.toBe(first.token);
		const afterRejection = await acquireToken(settings, transport, { rejectedToken: forced.token });
		expect(afterRejection.token).not.toBe(forced.token);
		expect(sim.counters.snapshot()['entra.token']).toBe(3);
	});

	it('explains a wrong secret without repeating it', async () => {
		const secret = `${sim.clientSecret}-wrong`;
		const error = await entraError(acquireToken(simulatorSettings(sim, { clientSecret: secret }), transport));
		expect(error.aadsts).toBe('7000215');
		expect(error.message).toMatch(/^The client secret was rejected by Entra ID \(AADSTS7000215\)\. Fix: paste the secret's Value, not its Secret ID/);
		expect(error.message).not.toContain(secret);
		expect(JSON.stringify(error)).not.toContain(secret);
	});

	it('explains an unknown client id', async () => {
		const error = await entraError(acquireToken(simulatorSettings(sim, { clientId: '00000000-0000-0000-0000-000000000001' }), transport));
		expect(error.aadsts).toBe('700016');
		expect(error.message).toContain('Entra ID does not know this Client ID');
	});

	it('explains an unreachable authority host, naming the network error', async () => {
		const settings = simulatorSettings(sim, { customAuthorityHost: 'https://127.0.0.1:1' });
		const error = await entraError(acquireToken(settings, transport));
		expect(error.message).toMatch(/^Could not get a token from Entra ID at https:\/\/127\.0\.0\.1:1\/.*ECONNREFUSED.*Check the Tenant ID, the Cloud \(or Custom Authority Host\)/);
	});

	it('retries a transient Entra ID failure', async () => {
		sim.faults.add({ route: 'entra.token', status: 503, count: 1 });
		const { token } = await acquireToken(simulatorSettings(sim), transport);
		expect((await whoAmIWith(token)).UserId).toBe(sim.applicationUserId);
		expect(sim.counters.snapshot()['entra.token']).toBe(2);
	});
});

describe('certificate', () => {
	const certificateValues = (overrides = {}) => ({
		authentication: 'certificate',
		clientSecret: '',
		certificatePrivateKey: sim.certificate.privateKeyPem,
		certificateThumbprint: sim.certificate.thumbprintSha1,
		...overrides,
	});

	it.each([
		['a SHA-1 thumbprint', {}],
		['a SHA-256 thumbprint', () => ({ certificateThumbprint: sim.certificate.thumbprintSha256 })],
		['the certificate sent as x5c', () => ({ certificate: sim.certificate.certificatePem })],
	])('gets a token with %s', async (_name, overrides) => {
		const extra = typeof overrides === 'function' ? overrides() : overrides;
		const { token } = await acquireToken(simulatorSettings(sim, certificateValues(extra)), transport);
		expect((await whoAmIWith(token)).UserId).toBe(sim.applicationUserId);
	});

	it.each([
		['an unregistered certificate', (stranger: { thumbprintSha1: string }) => stranger.thumbprintSha1],
		['the registered thumbprint with another key', () => sim.certificate.thumbprintSha1],
	])('explains %s, without quoting the key', async (_name, thumbprint) => {
		const stranger = createSelfSignedCertificate('not registered');
		const settings = simulatorSettings(sim, certificateValues({ certificatePrivateKey: stranger.privateKeyPem, certificateThumbprint: thumbprint(stranger) }));
		const error = await entraError(acquireToken(settings, transport));
		expect(error.aadsts).toBe('700027');
		expect(error.message).toMatch(/^Entra ID could not verify the certificate \(AADSTS700027\)\. Fix: upload this certificate to the app registration/);
		for (const line of stranger.privateKeyPem.split('\n').filter((text) => text.length > 20)) expect(error.message).not.toContain(line);
	});
});
