import { createPrivateKey, sign } from 'crypto';
import { AuthError, ConfidentialClientApplication, type Configuration } from '@azure/msal-node';
import { createSelfSignedCertificate } from '../tls';
import { type DynamicsSimulator, routeHostsToSimulator, startDynamicsSimulator } from './index';
import { fetchToken, rawClient } from './raw-client';

let sim: DynamicsSimulator;
let host: string;

beforeAll(async () => {
	sim = await startDynamicsSimulator();
	host = new URL(sim.url).host;
});
afterAll(() => sim.close());
beforeEach(() => sim.counters.reset());

function app(auth: Partial<Configuration['auth']>): ConfidentialClientApplication {
	return new ConfidentialClientApplication({ auth: { clientId: sim.clientId, authority: `${sim.authorityHost}/${sim.tenantId}`, ...auth } });
}

const scopes = () => [`${sim.url}/.default`];

async function whoAmI(token: string): Promise<string> {
	const response = await fetch(`${sim.apiUrl}/WhoAmI`, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } });
	expect(response.status).toBe(200);
	return ((await response.json()) as { UserId: string }).UserId;
}

async function msalError(promise: Promise<unknown>): Promise<AuthError> {
	try {
		await promise;
	} catch (error) {
		return error as AuthError;
	}
	throw new Error('expected MSAL to fail');
}

describe('MSAL Node against the Entra endpoints', () => {
	it('gets a token with a client secret when the authority host is a known authority, and the token opens the Web API', async () => {
		const result = await app({ clientSecret: sim.clientSecret, knownAuthorities: [host] }).acquireTokenByClientCredential({ scopes: scopes() });
		expect(result?.tokenType).toBe('Bearer');
		expect(result?.expiresOn?.getTime()).toBeGreaterThan(Date.now() + 3000 * 1000);
		expect(await whoAmI(result!.accessToken)).toBe(sim.applicationUserId);
		// knownAuthorities skips instance discovery; the OpenID configuration still comes from the simulator.
		expect(sim.counters.snapshot()).toMatchObject({ 'entra.openid': 1, 'entra.token': 1 });
		expect(sim.counters.total('entra.discovery')).toBe(0);
	});

	it('runs default instance discovery (login.microsoftonline.com routed to the simulator) and caches the token', async () => {
		const unroute = routeHostsToSimulator({ 'login.microsoftonline.com': sim.url });
		try {
			const client = app({ clientSecret: sim.clientSecret });
			const first = await client.acquireTokenByClientCredential({ scopes: scopes() });
			const second = await client.acquireTokenByClientCredential({ scopes: scopes() });
			expect(second?.accessToken).toBe(first?.accessToken);
			expect(sim.counters.snapshot()).toMatchObject({ 'entra.discovery': 1, 'entra.openid': 1, 'entra.token': 1 });
		} finally {
			unroute();
		}
	});

	it('serves the public-cloud authority too, as the credential uses it by default (host routed)', async () => {
		const unroute = routeHostsToSimulator({ 'login.microsoftonline.com': sim.url });
		try {
			const client = app({ clientSecret: sim.clientSecret, authority: `https://login.microsoftonline.com/${sim.tenantId}` });
			const result = await client.acquireTokenByClientCredential({ scopes: scopes() });
			expect(await whoAmI(result!.accessToken)).toBe(sim.applicationUserId);
			// MSAL knows the public cloud's endpoints: no discovery, straight to the token endpoint.
			expect(sim.counters.snapshot()).toEqual({ 'entra.token': 1, whoami: 1 });
		} finally {
			unroute();
		}
	});

	it('gets a token with the registered certificate by SHA-1 thumbprint (RS256) and by SHA-256 thumbprint (PS256)', async () => {
		const { privateKeyPem, thumbprintSha1, thumbprintSha256, certificatePem } = sim.certificate;
		const bySha1 = await app({ clientCertificate: { thumbprint: thumbprintSha1, privateKey: privateKeyPem }, knownAuthorities: [host] }).acquireTokenByClientCredential({ scopes: scopes() });
		expect(await whoAmI(bySha1!.accessToken)).toBe(sim.applicationUserId);
		const bySha256 = await app({ clientCertificate: { thumbprintSha256, privateKey: privateKeyPem, x5c: certificatePem }, knownAuthorities: [host] }).acquireTokenByClientCredential({
			scopes: scopes(),
		});
		expect(await whoAmI(bySha256!.accessToken)).toBe(sim.applicationUserId);
	});

	it("rejects a wrong secret with MSAL's error carrying AADSTS7000215", async () => {
		const error = await msalError(app({ clientSecret: 'not-the-secret', knownAuthorities: [host] }).acquireTokenByClientCredential({ scopes: scopes() }));
		expect(error).toBeInstanceOf(AuthError);
		expect(error.errorCode).toBe('invalid_client');
		expect(error.errorMessage).toContain('Description: AADSTS7000215: Invalid client secret provided.');
		expect(error.errorMessage).not.toContain(sim.clientSecret);
	});

	it('rejects a certificate the app registration does not know (AADSTS700027)', async () => {
		const stranger = createSelfSignedCertificate('someone else');
		const error = await msalError(
			app({ clientCertificate: { thumbprint: stranger.thumbprintSha1, privateKey: stranger.privateKeyPem }, knownAuthorities: [host] }).acquireTokenByClientCredential({ scopes: scopes() }),
		);
		expect(error.errorMessage).toContain('AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application.');
		expect(error.errorMessage).toContain(stranger.thumbprintSha1);
	});

	it('fails for an unknown tenant already at the OpenID configuration', async () => {
		const error = await msalError(
			app({ clientSecret: sim.clientSecret, knownAuthorities: [host], authority: `${sim.authorityHost}/00000000-0000-0000-0000-000000000000` }).acquireTokenByClientCredential({
				scopes: scopes(),
			}),
		);
		expect(error.errorCode).toBe('endpoints_resolution_error');
		const raw = await fetch(`${sim.authorityHost}/00000000-0000-0000-0000-000000000000/v2.0/.well-known/openid-configuration`);
		expect(raw.status).toBe(400);
		expect(((await raw.json()) as { error_description: string }).error_description).toMatch(/^AADSTS90002: Tenant '00000000-0000-0000-0000-000000000000' not found/);
	});

	it('rejects a scope for another resource (AADSTS500011) and a scope without /.default (AADSTS1002012)', async () => {
		const client = app({ clientSecret: sim.clientSecret, knownAuthorities: [host] });
		const otherOrg = await msalError(client.acquireTokenByClientCredential({ scopes: ['https://other.crm.dynamics.com/.default'] }));
		expect(otherOrg.errorCode).toBe('invalid_resource');
		expect(otherOrg.errorMessage).toContain('AADSTS500011: The resource principal named https://other.crm.dynamics.com was not found');
		const delegated = await msalError(client.acquireTokenByClientCredential({ scopes: [`${sim.url}/user_impersonation`] }));
		expect(delegated.errorMessage).toContain('Description: AADSTS1002012: The provided value for scope');
	});
});

describe('token endpoint on the wire', () => {
	const tokenUrl = () => `${sim.authorityHost}/${sim.tenantId}/oauth2/v2.0/token`;

	function assertion(claims: Record<string, unknown>, key = sim.certificate.privateKeyPem, thumbprintHex = sim.certificate.thumbprintSha1): string {
		const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
		const now = Math.floor(Date.now() / 1000);
		const header = encode({ alg: 'RS256', typ: 'JWT', x5t: Buffer.from(thumbprintHex, 'hex').toString('base64url') });
		const payload = encode({ aud: tokenUrl(), iss: sim.clientId, sub: sim.clientId, nbf: now, exp: now + 600, jti: 'test', ...claims });
		return `${header}.${payload}.${sign('sha256', Buffer.from(`${header}.${payload}`), createPrivateKey(key)).toString('base64url')}`;
	}

	function withAssertion(jwt: string) {
		return fetchToken(sim, { client_secret: undefined, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: jwt });
	}

	it('answers a client-credentials request like Entra: token_type, expires_in, ext_expires_in, an opaque token', async () => {
		const response = await fetchToken(sim);
		expect(response.status).toBe(200);
		expect(response.headers.get('cache-control')).toContain('no-store');
		expect(response.json).toEqual({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: expect.stringMatching(/^[\w-]{40,}$/) });
	});

	it('accepts the secret in HTTP Basic authentication and a trailing slash on the resource', async () => {
		const body = new URLSearchParams({ grant_type: 'client_credentials', scope: `${sim.url}//.default` });
		const basic = Buffer.from(`${sim.clientId}:${encodeURIComponent(sim.clientSecret)}`).toString('base64');
		const response = await fetch(tokenUrl(), { method: 'POST', headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' }, body });
		expect(response.status).toBe(200);
	});

	it('checks a client assertion: signature and claims', async () => {
		expect((await withAssertion(assertion({}))).status).toBe(200);
		const stranger = createSelfSignedCertificate('forger');
		// Right thumbprint header, wrong key: the signature does not verify.
		const forged = await withAssertion(assertion({}, stranger.privateKeyPem));
		expect([forged.status, forged.json.error, forged.json.error_codes]).toEqual([401, 'invalid_client', [700027]]);
		expect(forged.json.error_description).toMatch(/^AADSTS700027: Client assertion contains an invalid signature/);
		const expired = await withAssertion(assertion({ exp: Math.floor(Date.now() / 1000) - 3600, nbf: Math.floor(Date.now() / 1000) - 4000 }));
		expect(expired.json.error_codes).toEqual([700024]);
		const wrongAudience = await withAssertion(assertion({ aud: 'https://login.example.com/token' }));
		expect(wrongAudience.json.error_codes).toEqual([700023]);
		const wrongIssuer = await withAssertion(assertion({ iss: 'someone-else', sub: 'someone-else' }));
		expect(wrongIssuer.json.error_codes).toEqual([700021]);
		const garbage = await withAssertion('not.a.jwt');
		expect([garbage.status, garbage.json.error_codes]).toEqual([400, [50027]]);
	});

	it('answers bad requests with AADSTS errors: unknown client, no credentials, wrong grant, /common', async () => {
		const unknownClient = await fetchToken(sim, { client_id: '11111111-1111-1111-1111-111111111111' });
		expect([unknownClient.status, unknownClient.json.error, unknownClient.json.error_codes]).toEqual([400, 'unauthorized_client', [700016]]);
		expect(unknownClient.json.error_description).toContain("Application with identifier '11111111-1111-1111-1111-111111111111' was not found in the directory");
		const noCredentials = await fetchToken(sim, { client_secret: undefined });
		expect([noCredentials.status, noCredentials.json.error_codes]).toEqual([401, [7000218]]);
		const password = await fetchToken(sim, { grant_type: 'password' });
		expect([password.status, password.json.error]).toEqual([400, 'unsupported_grant_type']);
		const common = await fetch(`${sim.authorityHost}/common/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials' }) });
		expect(((await common.json()) as { error_codes: number[] }).error_codes).toEqual([50194]);
		for (const failure of [unknownClient, password]) {
			expect(failure.json).toMatchObject({ timestamp: expect.any(String), trace_id: expect.any(String), correlation_id: expect.any(String) });
		}
	});

	it('publishes instance discovery and OpenID configuration that point back at the simulator', async () => {
		const discovery = await fetch(`${sim.authorityHost}/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`${sim.url}/${sim.tenantId}/oauth2/v2.0/authorize`)}`);
		const discovered = (await discovery.json()) as { tenant_discovery_endpoint: string; metadata: Array<{ preferred_network: string }> };
		expect(discovered.tenant_discovery_endpoint).toBe(`${sim.url}/${sim.tenantId}/v2.0/.well-known/openid-configuration`);
		expect(discovered.metadata.map((entry) => entry.preferred_network)).toEqual(expect.arrayContaining(['login.microsoftonline.com', host]));
		const unknown = await fetch(`${sim.authorityHost}/common/discovery/instance?api-version=1.1&authorization_endpoint=https://evil.example.com/x/oauth2/v2.0/authorize`);
		expect(((await unknown.json()) as { error: string }).error).toBe('invalid_instance');
		// The tenant's domain name works as well as its id.
		const openId = (await (await fetch(`${sim.authorityHost}/${sim.state.tenantDomain}/v2.0/.well-known/openid-configuration`)).json()) as Record<string, string>;
		expect(openId).toMatchObject({
			issuer: `${sim.url}/${sim.tenantId}/v2.0`,
			token_endpoint: `${sim.url}/${sim.tenantId}/oauth2/v2.0/token`,
			authorization_endpoint: `${sim.url}/${sim.tenantId}/oauth2/v2.0/authorize`,
			jwks_uri: `${sim.url}/${sim.tenantId}/discovery/v2.0/keys`,
		});
	});

	it('answers the Web API with 401 and a Bearer challenge for missing, unknown and expired tokens', async () => {
		const api = await rawClient(sim);
		expect((await api.get('WhoAmI')).status).toBe(200);
		for (const token of [null, 'made-up-token']) {
			const response = await api.request('GET', 'WhoAmI', { token });
			expect(response.status).toBe(401);
			expect(response.json).toEqual({ error: { code: '0x8005F101', message: 'The requested resource requires authentication.' } });
			expect(response.headers.get('www-authenticate')).toBe(`Bearer authorization_uri=${sim.authorityHost}/${sim.tenantId}/oauth2/authorize, resource_id=${sim.url}/`);
		}
		sim.state.expireAccessTokens();
		expect((await api.get('WhoAmI')).status).toBe(401);
		expect((await (await rawClient(sim)).get('WhoAmI')).status).toBe(200);
	});

	it('expires tokens after their lifetime on the simulator clock', async () => {
		const shortLived = await startDynamicsSimulator({ tokenLifetimeSeconds: 60 });
		try {
			const api = await rawClient(shortLived);
			expect((await api.get('WhoAmI')).status).toBe(200);
			shortLived.state.advanceClock(61);
			expect((await api.get('WhoAmI')).status).toBe(401);
		} finally {
			await shortLived.close();
		}
	});
});
