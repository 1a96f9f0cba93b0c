/**
 * Bad input, part 1: credentials. Each case is a value a user could type into the credential
 * dialog, run through n8n-core's credential test (the harness's CredentialsTester: RoutingNode,
 * preAuthentication, MSAL against the Dynamics simulator's Entra endpoints) or, for what only a
 * node run checks, through a node executed by n8n-core. Every verdict names the field and the fix,
 * never shows a secret, and a value that cannot work asks Entra ID for nothing.
 */
import { NodeOperationError, type ICredentialDataDecryptedObject } from 'n8n-workflow';
import { clearTokenCache } from '../../lib/dynamics/auth';
import { N8nHarness } from '../harness/n8n';
import { simulatorCredential, type CredentialFields } from '../lib/dynamics/simulator-client';
import { startDynamicsSimulator, type DynamicsSimulator } from '../simulators/dynamics';
import { startGoogleSimulator, type GoogleSimulator } from '../simulators/google';
import { n8nCredentialFor } from '../simulators/google/testing';
import { createSelfSignedCertificate } from '../simulators/tls';

const DYNAMICS = 'microsoftDynamics365Api';
const GOOGLE = 'googleContactsSyncOAuth2Api';
const DAY = 24 * 60 * 60 * 1000;

let sim: DynamicsSimulator;
let google: GoogleSimulator;
let n8n: N8nHarness;
/** Another certificate than the one registered on the simulator's app. */
const stranger = createSelfSignedCertificate('Not registered');
const expired = createSelfSignedCertificate('Expired', { notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() - 35 * DAY) });

beforeAll(async () => {
	[sim, google] = await Promise.all([startDynamicsSimulator(), startGoogleSimulator({ contacts: 2 })]);
	n8n = await N8nHarness.create({
		packages: [
			{
				packageName: 'n8n-nodes-dynamics365-sync',
				nodes: ['nodes/Dynamics365Contact/Dynamics365Contact.node.ts', 'nodes/GoogleContactsSync/GoogleContactsSync.node.ts'],
				credentials: ['credentials/MicrosoftDynamics365Api.credentials.ts', 'credentials/GoogleContactsSyncOAuth2Api.credentials.ts'],
			},
		],
	});
});
afterAll(async () => {
	await sim?.close();
	await google?.close();
});
beforeEach(() => {
	clearTokenCache();
	sim.counters.reset();
	google.counters.reset();
});

/** The certificate settings with the simulator app's own certificate, then `overrides`. */
const certificate = (overrides: CredentialFields = {}): CredentialFields => ({
	authentication: 'certificate',
	clientSecret: '',
	certificatePrivateKey: sim.certificate.privateKeyPem,
	certificateThumbprint: sim.certificate.thumbprintSha1,
	certificate: sim.certificate.certificatePem,
	...overrides,
});

interface CredentialCase {
	/** The values changed from a working credential for the simulator (a function: the simulator's values are known in the test). */
	values: () => CredentialFields;
	/** The field the verdict names first. */
	field: string;
	/** The problem, as the verdict words it. */
	problem: string | RegExp;
	/** What to do, as the verdict says it. */
	fix: string | RegExp;
	/** Entra ID is asked (the value looks right until Entra ID refuses it). */
	asksEntra?: boolean;
}

const offline = { useCustomEndpoint: false } as const;

/**
 * Values a user could paste, each with the verdict the Test button gives. Custom endpoint off where
 * the case is about a real org address (the check that keeps a token from being sent elsewhere).
 */
const CASES: Record<string, CredentialCase> = {
	'Root Service Address over http://': {
		values: () => ({ rootServiceAddress: 'http://contoso.crm.dynamics.com', ...offline }),
		field: 'Root Service Address',
		problem: 'must start with https:// (got http://)',
		fix: 'A valid value looks like https://contoso.crm.dynamics.com',
	},
	'Root Service Address: a look-alike host ending elsewhere': {
		values: () => ({ rootServiceAddress: 'https://contoso.crm.dynamics.com.evil.example', ...offline }),
		field: 'Root Service Address',
		problem: '"contoso.crm.dynamics.com.evil.example" is not a Dynamics 365 host',
		fix: 'Use your environment\'s URL, e.g. https://contoso.crm.dynamics.com',
	},
	'Root Service Address: a typo-squatted domain': {
		values: () => ({ rootServiceAddress: 'https://contoso.crm.dynamlcs.com', ...offline }),
		field: 'Root Service Address',
		problem: '"contoso.crm.dynamlcs.com" is not a Dynamics 365 host',
		fix: 'turn on "Use Custom Endpoint"',
	},
	'Root Service Address: the app URL with a path, copied from the browser': {
		values: () => ({ rootServiceAddress: 'https://contoso.crm4.dynamics.com/main.aspx?appid=1', ...offline }),
		field: 'Root Service Address',
		problem: 'must be the environment\'s root address without a path (got "/main.aspx")',
		fix: 'Use https://contoso.crm4.dynamics.com',
	},
	'Root Service Address: an IP address': {
		values: () => ({ rootServiceAddress: 'https://10.1.2.3', ...offline }),
		field: 'Root Service Address',
		problem: '"10.1.2.3" is not a Dynamics 365 host',
		fix: 'For on-premises or a test server, turn on "Use Custom Endpoint".',
	},
	'Root Service Address: empty': {
		values: () => ({ rootServiceAddress: '  ', ...offline }),
		field: 'Root Service Address',
		problem: 'is empty',
		fix: 'Enter your environment\'s URL, e.g. https://contoso.crm.dynamics.com',
	},
	'Root Service Address: trailing junk after the host': {
		values: () => ({ rootServiceAddress: 'https://contoso.crm.dynamics.com (prod)', ...offline }),
		field: 'Root Service Address',
		problem: '"https://contoso.crm.dynamics.com (prod)" is not a URL',
		fix: 'A valid value looks like https://contoso.crm.dynamics.com',
	},
	'Root Service Address: a query string': {
		values: () => ({ rootServiceAddress: 'https://contoso.crm.dynamics.com/?pagetype=entitylist', ...offline }),
		field: 'Root Service Address',
		problem: 'must not carry a query or fragment',
		fix: 'Use https://contoso.crm.dynamics.com',
	},
	'Root Service Address: a port': {
		values: () => ({ rootServiceAddress: 'https://contoso.crm.dynamics.com:8443', ...offline }),
		field: 'Root Service Address',
		problem: 'must not name a port (:8443)',
		fix: 'Use https://contoso.crm.dynamics.com',
	},
	'Root Service Address: a user name and password in the URL': {
		values: () => ({ rootServiceAddress: 'https://admin:hunter22@contoso.crm.dynamics.com', ...offline }),
		field: 'Root Service Address',
		problem: 'must not contain a user name or password',
		fix: 'A valid value looks like https://contoso.crm.dynamics.com',
	},
	'Root Service Address in the US Government cloud with the Global cloud chosen': {
		values: () => ({ rootServiceAddress: 'https://contoso.crm9.dynamics.com', ...offline, cloud: 'usGovernment' }),
		field: 'Cloud',
		problem: 'is US Government L4/L5 (GCC High / DoD), but https://contoso.crm9.dynamics.com is in the Global cloud',
		fix: 'Choose Global.',
	},
	'API Version: v8 (one number)': {
		values: () => ({ apiVersion: 'v8' }),
		field: 'API Version',
		problem: '"v8" is not a version',
		fix: 'Use the first two numbers of the version shown in Dynamics 365 under Settings → About, e.g. 9.2',
	},
	'API Version: garbage': {
		values: () => ({ apiVersion: 'latest' }),
		field: 'API Version',
		problem: '"latest" is not a version',
		fix: 'e.g. 9.2',
	},
	'Client Secret: wrong': {
		values: () => ({ clientSecret: `${sim.clientSecret}-old` }),
		field: 'client secret',
		problem: 'The client secret was rejected by Entra ID (AADSTS7000215)',
		fix: 'Fix: paste the secret\'s Value, not its Secret ID',
		asksEntra: true,
	},
	'Client Secret: empty': {
		values: () => ({ clientSecret: '' }),
		field: 'Client Secret',
		problem: 'is empty',
		fix: 'Create a client secret under the app registration\'s Certificates & secrets page and paste its Value.',
	},
	'Tenant ID: another tenant\'s GUID': {
		values: () => ({ tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47' }),
		field: 'tenant',
		problem: 'Entra ID does not know this tenant (AADSTS90002)',
		fix: 'Fix: check the Tenant ID and the Cloud.',
		asksEntra: true,
	},
	'Tenant ID: another tenant\'s domain': {
		values: () => ({ tenantId: 'fabrikam.onmicrosoft.com' }),
		field: 'tenant',
		problem: 'Entra ID does not know this tenant (AADSTS90002)',
		fix: 'Fix: check the Tenant ID and the Cloud.',
		asksEntra: true,
	},
	'Tenant ID: "common"': {
		values: () => ({ tenantId: 'common' }),
		field: 'Tenant ID',
		problem: '"common" cannot be used by an application',
		fix: 'enter your Directory (tenant) ID or domain, e.g. contoso.onmicrosoft.com',
	},
	'Tenant ID: neither a GUID nor a domain': {
		values: () => ({ tenantId: 'Contoso Ltd' }),
		field: 'Tenant ID',
		problem: '"Contoso Ltd" is neither a GUID nor a domain',
		fix: 'Use the Directory (tenant) ID (a GUID) or a domain such as contoso.onmicrosoft.com',
	},
	'Client ID: an app of another tenant': {
		values: () => ({ clientId: '00000000-1111-2222-3333-444444444444' }),
		field: 'Client ID',
		problem: 'Entra ID does not know this Client ID in the tenant (AADSTS700016)',
		fix: 'Fix: check the Application (client) ID and the Tenant ID',
		asksEntra: true,
	},
	'Client ID: the app\'s name instead of its id': {
		values: () => ({ clientId: 'n8n sync app' }),
		field: 'Client ID',
		problem: '"n8n sync app" is not a GUID',
		fix: 'Copy the Application (client) ID from the app registration\'s Overview page.',
	},
	'Certificate Private Key: malformed PEM': {
		values: () => certificate({ certificatePrivateKey: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC-not-base64\n-----END PRIVATE KEY-----' }),
		field: 'Certificate Private Key',
		problem: 'is not a readable PEM private key',
		fix: 'Paste the whole key including the -----BEGIN ...----- and -----END ...----- lines',
	},
	'Certificate Private Key: the public certificate pasted instead': {
		values: () => certificate({ certificatePrivateKey: sim.certificate.certificatePem }),
		field: 'Certificate Private Key',
		problem: 'is not a readable PEM private key',
		fix: 'Paste the whole key',
	},
	'Certificate Private Key: another certificate\'s key, no certificate given': {
		values: () => certificate({ certificatePrivateKey: stranger.privateKeyPem, certificate: '' }),
		field: 'certificate',
		problem: 'Entra ID could not verify the certificate (AADSTS700027)',
		fix: 'check that the thumbprint and the private key belong to it',
		asksEntra: true,
	},
	'Certificate Private Key: does not belong to the certificate given': {
		values: () => certificate({ certificatePrivateKey: stranger.privateKeyPem }),
		field: 'Certificate Private Key',
		problem: 'does not belong to the certificate given under Certificate',
		fix: 'Paste the key that was generated with that certificate.',
	},
	'Certificate Thumbprint: not 40 hexadecimal digits': {
		values: () => certificate({ certificateThumbprint: sim.certificate.thumbprintSha1.slice(0, 32) }),
		field: 'Certificate Thumbprint',
		problem: 'must be the certificate\'s SHA-1 thumbprint: 40 hexadecimal digits',
		fix: 'as shown on the app registration\'s Certificates & secrets page',
	},
	'Certificate Thumbprint: another certificate\'s': {
		values: () => certificate({ certificateThumbprint: stranger.thumbprintSha1 }),
		field: 'Certificate Thumbprint',
		problem: 'does not match the certificate given under Certificate',
		fix: /\(its thumbprint is [0-9A-F]{40}\)/,
	},
	'Certificate: malformed PEM': {
		values: () => certificate({ certificate: '-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----' }),
		field: 'Certificate',
		problem: 'is not a readable PEM certificate',
		fix: 'Leave it empty unless your app registration trusts certificates by subject name and issuer.',
	},
	'Certificate: expired': {
		values: () => certificate({ certificatePrivateKey: expired.privateKeyPem, certificateThumbprint: expired.thumbprintSha1, certificate: expired.certificatePem }),
		field: 'Certificate',
		problem: /^Certificate: expired on \d{4}-\d{2}-\d{2}, so Entra ID refuses it\./,
		fix: 'Upload a valid certificate to the app registration\'s Certificates & secrets page',
	},
	'Custom Authority Host over http://': {
		values: () => ({ customAuthorityHost: sim.authorityHost.replace('https:', 'http:') }),
		field: 'Custom Authority Host',
		problem: 'must start with https://',
		fix: 'Example: https://login.microsoftonline.com',
	},
};

/** Every value the user typed that must never be shown back. */
function secretsOf(values: CredentialFields): string[] {
	return [values.clientSecret, values.certificatePrivateKey, 'hunter22'].filter((value): value is string => typeof value === 'string' && value.length >= 4);
}

describe('the Dynamics 365 credential\'s Test button', () => {
	it.each(Object.entries(CASES))('%s', async (_name, { values, field, problem, fix, asksEntra }) => {
		const credential = simulatorCredential(sim, values());
		const verdict = await n8n.testCredential(DYNAMICS, credential as ICredentialDataDecryptedObject);

		expect(verdict.status).toBe('Error');
		expect(verdict.message).toContain(field);
		if (typeof problem === 'string') expect(verdict.message).toContain(problem);
		else expect(verdict.message).toMatch(problem);
		if (typeof fix === 'string') expect(verdict.message).toContain(fix);
		else expect(verdict.message).toMatch(fix);
		for (const secret of secretsOf(credential)) expect(verdict.message).not.toContain(secret);
		// A value that cannot work is refused before any request to Entra ID; none reaches the Web API.
		const entraRequests = sim.counters.total('entra.');
		if (asksEntra) expect(entraRequests).toBeGreaterThan(0);
		else expect(entraRequests).toBe(0);
		expect(sim.counters.snapshot().whoami).toBeUndefined();
	});

	it('takes an API version written without the v ("9.1") and calls that version of the Web API', async () => {
		const verdict = await n8n.testCredential(DYNAMICS, simulatorCredential(sim, { apiVersion: '9.1' }) as ICredentialDataDecryptedObject);
		expect(verdict).toEqual({ status: 'OK', message: 'Connection successful!' });
		expect(sim.counters.snapshot().whoami).toBe(1);
		const stored = await n8n.credentials.read(DYNAMICS);
		expect(sim.state.checkAccessToken(stored.accessToken as string)).toMatchObject({ clientId: sim.clientId });
	});
});

describe('credentials a node run refuses', () => {
	const findByEmail = { operation: 'findByEmail', email: 'ada@example.com' };

	async function nodeError(type: string, parameters: Record<string, unknown>, credentials: Record<string, ICredentialDataDecryptedObject>): Promise<NodeOperationError> {
		const failure = await n8n.executeNode(type, { parameters: parameters as never, credentials, inputItems: [{}] }).then(
			() => undefined,
			(error: unknown) => error,
		);
		expect(failure).toBeInstanceOf(Error);
		return failure as NodeOperationError;
	}

	it.each([
		['an API Root URL that is not a URL', 'htp//127.0.0.1', 'its API Root URL "htp//127.0.0.1" is not a URL; enter one such as http://127.0.0.1:8092/'],
		['an API Root URL with a path the People API client would drop', 'http://127.0.0.1:8092/people/v1', 'its API Root URL must be a bare origin such as http://127.0.0.1:8092/ (got "http://127.0.0.1:8092/people/v1"); the People API client does not keep a path prefix'],
		['an API Root URL over ftp://', 'ftp://127.0.0.1/', 'its API Root URL must start with https:// or http:// (got "ftp:")'],
	])('Google Contacts custom endpoint: %s', async (_name, apiRootUrl, fix) => {
		const credentials = { [GOOGLE]: (await n8nCredentialFor(google, { apiRootUrl })) as ICredentialDataDecryptedObject };
		const error = await nodeError('n8n-nodes-dynamics365-sync.googleContactsSync', findByEmail, credentials);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toBe(`The Google Contacts credential is not usable: ${fix}.`);
		expect(google.counters.snapshot()['people.searchContacts'] ?? 0).toBe(0);
	});

	it('Google Contacts: a wrong Client Secret (the token refresh is refused) says so, without the secret, after one refresh attempt', async () => {
		const secret = `${google.clientSecret}-typo`;
		const values = await n8nCredentialFor(google, { clientSecret: secret });
		google.state.expireAccessTokens();
		google.counters.reset();
		const error = await nodeError('n8n-nodes-dynamics365-sync.googleContactsSync', { ...findByEmail, readAll: true }, { [GOOGLE]: values as unknown as ICredentialDataDecryptedObject });
		expect(error.message).toMatch(/^Google refused to refresh the access token \(.*\)\. Check the Client ID and Client Secret of the Google Contacts credential, then reconnect it\.$/);
		expect(JSON.stringify({ message: error.message, description: error.description })).not.toContain(secret);
		expect(google.counters.snapshot().token).toBe(1);
	});

	it('Dynamics 365: a Root Service Address a node cannot use names the credential and the field', async () => {
		const credentials = { [DYNAMICS]: simulatorCredential(sim, { rootServiceAddress: 'https://contoso.crm.dynamics.com.evil.example', useCustomEndpoint: false }) as ICredentialDataDecryptedObject };
		const error = await nodeError('n8n-nodes-dynamics365-sync.dynamics365Contact', { operation: 'getMany', returnAll: false, limit: 1 }, credentials);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toContain('The Microsoft Dynamics 365 API credential is not usable: Root Service Address: "contoso.crm.dynamics.com.evil.example" is not a Dynamics 365 host');
		expect(sim.counters.snapshot()['entra.token']).toBeUndefined();
	});

	it('Dynamics 365: a wrong secret stops the node with Entra ID\'s reason, and without the secret', async () => {
		const secret = `${sim.clientSecret}-rotated`;
		const credentials = { [DYNAMICS]: simulatorCredential(sim, { clientSecret: secret }) as ICredentialDataDecryptedObject };
		const error = await nodeError('n8n-nodes-dynamics365-sync.dynamics365Contact', { operation: 'getMany', returnAll: false, limit: 1 }, credentials);
		expect(error.message).toContain('The client secret was rejected by Entra ID (AADSTS7000215)');
		expect(JSON.stringify({ message: error.message, description: error.description })).not.toContain(secret);
		expect(sim.counters.snapshot()['contacts.list'] ?? 0).toBe(0);
	});
});
