import { N8nHarness } from './n8n';
import { OAUTH_CLIENT, RecordsApi, SESSION_USER } from './fixtures/records-api';

const TRIGGER = 'n8n-nodes-harness-fixtures.recordsTrigger';
const ACCOUNT_INFO = 'n8n-nodes-harness-fixtures.accountInfo';

describe('credentials through the harness credentials helper and n8n-core request helpers', () => {
	let api: RecordsApi;
	let n8n: N8nHarness;

	beforeEach(async () => {
		api = await new RecordsApi().start();
		n8n = await N8nHarness.create({ packages: [{ packageDir: 'test/harness/fixtures' }] });
	});

	afterEach(async () => {
		await api.stop();
	});

	describe('expirable token with preAuthentication', () => {
		beforeEach(async () => {
			await n8n.credentials.save('fixtureSessionApi', { baseUrl: api.url, ...SESSION_USER });
			api.add('first', 1);
		});

		it('fetches a token when the stored one is empty, stores it and reuses it', async () => {
			const first = await n8n.pollNode(TRIGGER);
			const { sessionToken } = await n8n.credentials.read('fixtureSessionApi');
			api.add('second', 2);
			await n8n.pollNode(TRIGGER, { staticData: first.staticData });

			expect(sessionToken).toMatch(/^session-\d+$/);
			expect(await n8n.credentials.read('fixtureSessionApi')).toMatchObject({ sessionToken, ...SESSION_USER });
			expect(api.counters.snapshot()).toEqual({ 'records.list': 2, 'session.create': 1 });
		});

		it('after a 401 on a stale token, fetches one new token and retries once', async () => {
			const first = await n8n.pollNode(TRIGGER);
			const staleToken = (await n8n.credentials.read('fixtureSessionApi')).sessionToken;
			api.expireTokens();
			api.add('second', 2);

			const next = await n8n.pollNode(TRIGGER, { staticData: first.staticData });

			expect(next.items?.[0].map((item) => item.json.seq)).toEqual([2]);
			expect(api.counters.snapshot()).toEqual({ 'records.list': 3, 'session.create': 2 });
			const { sessionToken } = await n8n.credentials.read('fixtureSessionApi');
			expect(sessionToken).toMatch(/^session-\d+$/);
			expect(sessionToken).not.toBe(staleToken);
		});

		it('resolves expressions in stored values on use, and keeps them when it stores the token', async () => {
			await n8n.credentials.save('fixtureSessionApi', {
				baseUrl: api.url,
				username: `={{ "${SESSION_USER.username}" }}`,
				password: SESSION_USER.password,
			});

			await n8n.pollNode(TRIGGER);

			const stored = await n8n.credentials.read('fixtureSessionApi');
			expect(stored.username).toBe(`={{ "${SESSION_USER.username}" }}`);
			expect(stored.sessionToken).toMatch(/^session-\d+$/);
		});
	});

	describe('OAuth2 (n8n-core requestOAuth2)', () => {
		it('refreshes once on 401 with the refresh token, stores the new tokens and uses them from then on', async () => {
			const connected = api.issueOAuthTokens();
			await n8n.credentials.save('fixtureOAuth2Api', {
				...OAUTH_CLIENT,
				accessTokenUrl: `${api.url}/oauth/token`,
				baseUrl: api.url,
				oauthTokenData: connected,
			});
			api.expireTokens();

			const { outputs } = await n8n.executeNode(ACCOUNT_INFO);
			const { oauthTokenData } = await n8n.credentials.read('fixtureOAuth2Api');
			await n8n.executeNode(ACCOUNT_INFO);

			expect(outputs[0].map((item) => item.json)).toEqual([{ account: 'harness-account' }]);
			expect(oauthTokenData).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
			expect((oauthTokenData as { access_token: string }).access_token).not.toBe(connected.access_token);
			expect((oauthTokenData as { refresh_token: string }).refresh_token).not.toBe(connected.refresh_token);
			expect(api.counters.snapshot()).toEqual({ me: 3, 'oauth.token': 1 });
		});

		it('with the client-credentials grant, fetches the first token itself and stores it', async () => {
			await n8n.credentials.save('fixtureOAuth2Api', {
				...OAUTH_CLIENT,
				grantType: 'clientCredentials',
				accessTokenUrl: `${api.url}/oauth/token`,
				baseUrl: api.url,
			});

			await n8n.executeNode(ACCOUNT_INFO);
			await n8n.executeNode(ACCOUNT_INFO);

			expect((await n8n.credentials.read('fixtureOAuth2Api')).oauthTokenData).toMatchObject({
				access_token: expect.stringMatching(/^access-\d+$/),
				token_type: 'Bearer',
			});
			expect(api.counters.snapshot()).toEqual({ me: 2, 'oauth.token': 1 });
		});

		it('fails with a reconnect message when the refresh token was revoked', async () => {
			await n8n.credentials.save('fixtureOAuth2Api', {
				...OAUTH_CLIENT,
				accessTokenUrl: `${api.url}/oauth/token`,
				baseUrl: api.url,
				oauthTokenData: { access_token: 'revoked', refresh_token: 'revoked', token_type: 'Bearer' },
			});

			await expect(n8n.executeNode(ACCOUNT_INFO)).rejects.toThrow(
				'The credential "fixtureOAuth2Api account" needs to be reconnected.',
			);
		});

		it('follows a two-level extends chain (googleOAuth2Api → oAuth2Api) for properties and signing', async () => {
			await n8n.credentials.save('fixtureGoogleOAuth2Api', {
				...OAUTH_CLIENT,
				accessTokenUrl: `${api.url}/oauth/token`,
				baseUrl: api.url,
				oauthTokenData: { ...api.issueOAuthTokens(), access_token: 'expired' },
			});
			const reference = n8n.credentials.referenceFor('fixtureGoogleOAuth2Api')!;

			const resolved = await n8n.credentials.getDecrypted({} as never, reference, 'fixtureGoogleOAuth2Api', 'internal');
			const { outputs } = await n8n.executeNode({ type: ACCOUNT_INFO, parameters: { authentication: 'fixtureGoogleOAuth2Api' } });

			expect(n8n.credentials.getParentTypes('fixtureGoogleOAuth2Api')).toEqual(['googleOAuth2Api', 'oAuth2Api']);
			expect(resolved).toMatchObject({
				grantType: 'authorizationCode',
				authentication: 'body',
				authQueryParameters: 'access_type=offline&prompt=consent',
				scope: 'https://www.googleapis.com/auth/contacts',
				accessTokenUrl: `${api.url}/oauth/token`,
			});
			expect(outputs[0][0].json).toEqual({ account: 'harness-account' });
			expect(api.counters.snapshot()['oauth.token']).toBe(1);
		});
	});

	describe('credential test (the CLI credential tester)', () => {
		it('sends the test request after preAuthentication and reports success', async () => {
			const result = await n8n.testCredential('fixtureSessionApi', { baseUrl: api.url, ...SESSION_USER });

			expect(result).toEqual({ status: 'OK', message: 'Connection successful!' });
			expect(api.counters.snapshot()).toEqual({ 'session.create': 1, whoami: 1 });
		});

		it("maps failures to n8n's messages: the credential's rules, then connection codes", async () => {
			const wrongPassword = await n8n.testCredential('fixtureSessionApi', { ...SESSION_USER, baseUrl: api.url, password: 'wrong' });
			await api.stop();
			const unreachable = await n8n.testCredential('fixtureSessionApi', { baseUrl: api.url, ...SESSION_USER });

			expect(wrongPassword).toEqual({ status: 'Error', message: 'Wrong username or password' });
			expect(unreachable).toEqual({ status: 'Error', message: 'ECONNREFUSED' });
		});

		it('passes an OAuth2 credential only once it holds an access token', async () => {
			const unconnected = await n8n.testCredential('fixtureOAuth2Api', { ...OAUTH_CLIENT, baseUrl: api.url });
			const connected = await n8n.testCredential('fixtureOAuth2Api', { ...OAUTH_CLIENT, oauthTokenData: api.issueOAuthTokens() });

			expect(unconnected).toEqual({ status: 'Error', message: 'This OAuth2 credential was not connected to an account.' });
			expect(connected).toEqual({ status: 'OK', message: 'Connection Successful!' });
		});
	});

	it('stores values encrypted, and they come back through JSON like from a database', async () => {
		await n8n.credentials.save('fixtureSessionApi', { ...SESSION_USER, baseUrl: api.url, sessionToken: new Date(0) as never });
		const reference = n8n.credentials.referenceFor('fixtureSessionApi')!;

		const ciphertext = (await n8n.credentials.getCredentials(reference, 'fixtureSessionApi')).getDataToSave().data;

		expect(ciphertext).not.toContain(SESSION_USER.password);
		expect((await n8n.credentials.read('fixtureSessionApi')).sessionToken).toBe('1970-01-01T00:00:00.000Z');
	});
});
