/**
 * The "Google Contacts (Sync) OAuth2 API" credential in n8n-core's real credential machinery (the test
 * harness): its shape, how the custom endpoint switch resolves the hidden OAuth URLs, and its test
 * request against the People API simulator, including n8n's own token refresh through the override.
 */
import { N8nHarness } from '../harness/n8n';
import { startGoogleSimulator, type GoogleSimulator } from '../simulators/google';
import { n8nCredentialFor } from '../simulators/google/testing';
import { GoogleContactsSyncOAuth2Api } from '../../credentials/GoogleContactsSyncOAuth2Api.credentials';

const TYPE = 'googleContactsSyncOAuth2Api';

let sim: GoogleSimulator;
let n8n: N8nHarness;

beforeAll(async () => {
	sim = await startGoogleSimulator({ contacts: 3 });
	n8n = await N8nHarness.create({ packages: [{ packageName: 'n8n-nodes-dynamics365-sync', credentials: ['credentials/GoogleContactsSyncOAuth2Api.credentials.ts'] }] });
});
afterAll(() => sim.close());
beforeEach(() => {
	sim.reset({ contacts: 3 });
	sim.counters.reset();
});

async function resolved(values: Record<string, unknown>) {
	const reference = await n8n.credentials.save(TYPE, values as never);
	return await n8n.credentials.getDecrypted({} as never, reference, TYPE, 'internal');
}

test('extends n8n\'s Google OAuth2 credential with the contacts scope, and is listed in package.json', () => {
	const credential = new GoogleContactsSyncOAuth2Api();
	expect(credential).toMatchObject({ name: TYPE, displayName: 'Google Contacts (Sync) OAuth2 API', extends: ['googleOAuth2Api'] });
	expect(n8n.credentials.getParentTypes(TYPE)).toEqual(['googleOAuth2Api', 'oAuth2Api']);
	const properties = n8n.credentials.getCredentialsProperties(TYPE);
	expect(properties.find((property) => property.name === 'scope')).toMatchObject({ type: 'hidden', default: 'https://www.googleapis.com/auth/contacts' });
	expect(properties.find((property) => property.name === 'useCustomEndpoint')).toMatchObject({ type: 'boolean', default: false });
	expect(properties.find((property) => property.name === 'grantType')).toMatchObject({ default: 'authorizationCode' });
	expect(require('../../package.json').n8n.credentials).toContain('dist/credentials/GoogleContactsSyncOAuth2Api.credentials.js');
});

test('with the switch off, the hidden OAuth URLs stay Google\'s even if override fields hold values', async () => {
	const data = await resolved({ clientId: 'id', clientSecret: 'secret', useCustomEndpoint: false, tokenUrl: 'http://127.0.0.1:1/token' });
	expect(data).toMatchObject({
		accessTokenUrl: 'https://oauth2.googleapis.com/token',
		authUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
		authQueryParameters: 'access_type=offline&prompt=consent',
		scope: 'https://www.googleapis.com/auth/contacts',
	});
});

test('with the switch on, the token and consent URLs follow the overrides', async () => {
	const data = await resolved({ clientId: 'id', clientSecret: 'secret', useCustomEndpoint: true, tokenUrl: sim.tokenUrl, customAuthUrl: sim.authUrl });
	expect(data).toMatchObject({ accessTokenUrl: sim.tokenUrl, authUrl: sim.authUrl });
	const tokenOnly = await resolved({ clientId: 'id', clientSecret: 'secret', useCustomEndpoint: true, tokenUrl: sim.tokenUrl });
	expect(tokenOnly).toMatchObject({ accessTokenUrl: sim.tokenUrl, authUrl: 'https://accounts.google.com/o/oauth2/v2/auth' });
});

test('the credential test lists one connection from the configured API root', async () => {
	await expect(n8n.testCredential(TYPE, await n8nCredentialFor(sim))).resolves.toMatchObject({ status: 'OK' });
	expect(sim.counters.snapshot()['people.connections.list']).toBe(1);
});

test('an access token the server expired is refreshed by n8n through the overridden token URL', async () => {
	const values = await n8nCredentialFor(sim);
	sim.state.expireAccessTokens();
	sim.counters.reset();
	await expect(n8n.testCredential(TYPE, values)).resolves.toMatchObject({ status: 'OK' });
	expect(sim.counters.snapshot()).toMatchObject({ token: 1, 'people.connections.list': 2 });
	const stored = (await n8n.credentials.read(TYPE)) as { oauthTokenData: { access_token: string } };
	expect(stored.oauthTokenData.access_token).not.toBe(values.oauthTokenData.access_token);
});

test('a revoked grant fails the credential test', async () => {
	const values = await n8nCredentialFor(sim);
	sim.state.revokeRefreshTokens();
	const result = await n8n.testCredential(TYPE, values);
	expect(result.status).toBe('Error');
	expect(result.message).not.toContain(sim.clientSecret);
});
