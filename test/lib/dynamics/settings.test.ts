import {
	DynamicsCredentialValues,
	DynamicsSettingsError,
	normaliseApiVersion,
	normaliseOrgUrl,
	parseApiAddress,
	parseDynamicsSettings,
} from '../../../lib/dynamics/settings';
import { createSelfSignedCertificate } from '../../simulators/tls';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '11111111-2222-3333-4444-555555555555';

function values(overrides: DynamicsCredentialValues = {}): DynamicsCredentialValues {
	return {
		rootServiceAddress: 'https://contoso.crm4.dynamics.com',
		apiVersion: '9.2',
		tenantId: TENANT,
		clientId: CLIENT,
		authentication: 'clientSecret',
		clientSecret: 'abc~DEF.ghi_123',
		...overrides,
	};
}

function errorOf(run: () => unknown): DynamicsSettingsError {
	try {
		run();
	} catch (error) {
		if (error instanceof DynamicsSettingsError) return error;
		throw error;
	}
	throw new Error('expected a DynamicsSettingsError');
}

describe('Root Service Address', () => {
	it.each([
		['https://contoso.crm4.dynamics.com', 'https://contoso.crm4.dynamics.com'],
		['https://contoso.crm4.dynamics.com/', 'https://contoso.crm4.dynamics.com'],
		['https://contoso.crm4.dynamics.com/api/data/v9.2/', 'https://contoso.crm4.dynamics.com'],
		['https://contoso.crm4.dynamics.com/api/data/v9.2/contacts?$top=1', 'https://contoso.crm4.dynamics.com'],
		['  https://contoso.crm.dynamics.com//  ', 'https://contoso.crm.dynamics.com'],
		['HTTPS://Contoso.CRM11.Dynamics.COM', 'https://contoso.crm11.dynamics.com'],
		['https://contoso.api.crm.dynamics.com/api/data/v9.1', 'https://contoso.api.crm.dynamics.com'],
		['https://agency-1.crm9.dynamics.com', 'https://agency-1.crm9.dynamics.com'],
		['https://agency.crm.microsoftdynamics.us', 'https://agency.crm.microsoftdynamics.us'],
		['https://dod-org.crm.appsplatform.us', 'https://dod-org.crm.appsplatform.us'],
		['https://contoso.crm.dynamics.cn', 'https://contoso.crm.dynamics.cn'],
		['https://contoso.crm.microsoftdynamics.de', 'https://contoso.crm.microsoftdynamics.de'],
		['https://contoso.crm19.dynamics.com', 'https://contoso.crm19.dynamics.com'],
	])('accepts %s as %s', (input, expected) => {
		expect(normaliseOrgUrl(input, false).orgUrl).toBe(expected);
	});

	it('remembers the version of a pasted API URL', () => {
		expect(normaliseOrgUrl('https://contoso.crm.dynamics.com/api/data/v9.1/', false).versionInUrl).toBe('9.1');
	});

	it.each([
		['http://contoso.crm.dynamics.com', /must start with https:\/\//],
		['https://evil.com', /"evil\.com" is not a Dynamics 365 host/],
		['https://contoso.crm.dynamics.com.evil.net', /is not a Dynamics 365 host/],
		['https://contoso.crm.dynamics.com@evil.com', /must not contain a user name or password/],
		['https://user:pass@contoso.crm.dynamics.com', /must not contain a user name or password/],
		['https://evil.com\\@contoso.crm.dynamics.com', /"evil\.com" is not a Dynamics 365 host/],
		['https://evil.com/contoso.crm.dynamics.com', /is not a Dynamics 365 host/],
		['https://dynamics.com', /is not a Dynamics 365 host/],
		['https://contoso.crmx.dynamics.com', /is not a Dynamics 365 host/],
		['https://contoso.crm.dynamics.com:8443', /must not name a port/],
		['https://contoso.crm.dynamics.com/main.aspx?appid=1', /without a path .* Use https:\/\/contoso\.crm\.dynamics\.com/],
		['https://contoso.crm.dynamics.com/?x=1', /must not carry a query/],
		['contoso.crm.dynamics.com', /is not a URL\. A valid value looks like https:\/\/contoso\.crm\.dynamics\.com/],
		['', /is empty/],
	])('rejects %s', (input, message) => {
		const error = errorOf(() => normaliseOrgUrl(input, false));
		expect(error.field).toBe('Root Service Address');
		expect(error.message).toMatch(message);
	});

	it('names the custom-endpoint switch when a host is not Dynamics 365', () => {
		expect(errorOf(() => normaliseOrgUrl('https://crm.contoso.local', false)).message).toContain('Use Custom Endpoint');
	});

	it('accepts any http(s) address with the custom endpoint on, keeping an on-premises org path', () => {
		expect(normaliseOrgUrl('http://127.0.0.1:5555/', true).orgUrl).toBe('http://127.0.0.1:5555');
		expect(normaliseOrgUrl('https://crm.contoso.local/Contoso/api/data/v8.2/', true)).toEqual({ orgUrl: 'https://crm.contoso.local/Contoso', versionInUrl: '8.2' });
		expect(errorOf(() => normaliseOrgUrl('ftp://crm.contoso.local', true)).message).toMatch(/must start with https:\/\//);
		expect(errorOf(() => normaliseOrgUrl('https://a:b@crm.contoso.local', true)).message).toMatch(/user name or password/);
	});
});

describe('API Version', () => {
	it.each([
		['9.2', '9.2'],
		['9.2.24012.185', '9.2'],
		['v9.2', '9.2'],
		['V9.1', '9.1'],
		[' 9.0 ', '9.0'],
		['', '9.2'],
		[undefined, '9.2'],
	])('normalises %p to %s', (input, expected) => {
		expect(normaliseApiVersion(input)).toBe(expected);
	});

	it.each(['abc', '9', '9.x', 'v', '9..2'])('rejects %p with a message naming Settings → About', (input) => {
		const error = errorOf(() => normaliseApiVersion(input));
		expect(error.field).toBe('API Version');
		expect(error.message).toContain('Settings → About');
	});
});

describe('parseDynamicsSettings', () => {
	it('returns normalised settings with the API base, authority and scope', () => {
		const settings = parseDynamicsSettings(values({ rootServiceAddress: 'https://contoso.crm4.dynamics.com/api/data/v9.2/', apiVersion: '9.2.24012.185', clientId: `{${CLIENT.toUpperCase()}}` }));
		expect(settings).toEqual({
			orgUrl: 'https://contoso.crm4.dynamics.com',
			apiVersion: '9.2',
			apiBaseUrl: 'https://contoso.crm4.dynamics.com/api/data/v9.2/',
			tenantId: TENANT,
			clientId: CLIENT,
			auth: { kind: 'clientSecret', clientSecret: 'abc~DEF.ghi_123' },
			authorityHost: 'https://login.microsoftonline.com',
			authority: `https://login.microsoftonline.com/${TENANT}`,
			scope: 'https://contoso.crm4.dynamics.com/.default',
			customEndpoint: false,
		});
	});

	it('takes the version from a pasted API URL when the API Version is empty', () => {
		expect(parseDynamicsSettings(values({ rootServiceAddress: 'https://contoso.crm.dynamics.com/api/data/v9.1', apiVersion: '' })).apiBaseUrl).toBe(
			'https://contoso.crm.dynamics.com/api/data/v9.1/',
		);
	});

	it('picks the sovereign authority hosts and refuses a cloud that does not match the org host', () => {
		expect(parseDynamicsSettings(values({ rootServiceAddress: 'https://agency.crm.microsoftdynamics.us', cloud: 'usGovernment' })).authorityHost).toBe('https://login.microsoftonline.us');
		expect(parseDynamicsSettings(values({ rootServiceAddress: 'https://contoso.crm.dynamics.cn', cloud: 'china' })).authority).toBe(`https://login.chinacloudapi.cn/${TENANT}`);
		const mismatch = errorOf(() => parseDynamicsSettings(values({ rootServiceAddress: 'https://agency.crm.microsoftdynamics.us' })));
		expect(mismatch.field).toBe('Cloud');
		expect(mismatch.message).toContain('Choose US Government L4/L5 (GCC High / DoD).');
		expect(errorOf(() => parseDynamicsSettings(values({ cloud: 'mars' }))).field).toBe('Cloud');
	});

	it('allows a custom authority host only with the custom endpoint switch, and only over https', () => {
		const custom = { rootServiceAddress: 'https://127.0.0.1:8443', useCustomEndpoint: true, customAuthorityHost: 'https://127.0.0.1:8444/' };
		const settings = parseDynamicsSettings(values(custom));
		expect(settings.authority).toBe(`https://127.0.0.1:8444/${TENANT}`);
		expect(settings.customEndpoint).toBe(true);
		expect(parseDynamicsSettings(values({ ...custom, useCustomEndpoint: false, rootServiceAddress: 'https://contoso.crm.dynamics.com' })).authorityHost).toBe('https://login.microsoftonline.com');
		expect(errorOf(() => parseDynamicsSettings(values({ ...custom, customAuthorityHost: 'http://127.0.0.1:8444' }))).message).toMatch(/Custom Authority Host: must start with https:\/\//);
	});

	it.each([
		[{ tenantId: '' }, 'Tenant ID', /is empty/],
		[{ tenantId: 'common' }, 'Tenant ID', /cannot be used by an application/],
		[{ tenantId: 'not a tenant' }, 'Tenant ID', /neither a GUID nor a domain/],
		[{ clientId: 'my-app' }, 'Client ID', /is not a GUID/],
		[{ clientSecret: '   ' }, 'Client Secret', /is empty/],
		[{ authentication: 'password' }, 'Authentication', /is not one of/],
	])('rejects %p naming %s', (overrides, field, message) => {
		const error = errorOf(() => parseDynamicsSettings(values(overrides as DynamicsCredentialValues)));
		expect(error.field).toBe(field);
		expect(error.message).toMatch(message);
	});

	it('accepts a tenant domain', () => {
		expect(parseDynamicsSettings(values({ tenantId: 'Contoso.onmicrosoft.com' })).tenantId).toBe('contoso.onmicrosoft.com');
	});

	it('parses only the address for nodes that authenticate through n8n', () => {
		expect(parseApiAddress({ rootServiceAddress: 'https://contoso.crm.dynamics.com/', apiVersion: 'v9.2' })).toEqual({
			orgUrl: 'https://contoso.crm.dynamics.com',
			apiVersion: '9.2',
			apiBaseUrl: 'https://contoso.crm.dynamics.com/api/data/v9.2/',
			customEndpoint: false,
		});
	});
});

describe('certificate authentication', () => {
	const { privateKeyPem, certificatePem, thumbprintSha1: sha1 } = createSelfSignedCertificate('n8n-dynamics-test');
	const otherKeyPem = createSelfSignedCertificate('another').privateKeyPem;

	const certificateValues = (overrides: DynamicsCredentialValues = {}) =>
		values({ authentication: 'certificate', clientSecret: undefined, certificatePrivateKey: privateKeyPem, certificateThumbprint: sha1, ...overrides });

	it('accepts a PEM key with a SHA-1 thumbprint written with colons and lower case', () => {
		const thumbprint = sha1.toLowerCase().match(/../g)!.join(':');
		expect(parseDynamicsSettings(certificateValues({ certificateThumbprint: thumbprint })).auth).toEqual({ kind: 'certificate', privateKeyPem: privateKeyPem.trim(), thumbprint: sha1, certificatePem: undefined });
	});

	it('accepts a key pasted with literal \\n sequences', () => {
		const auth = parseDynamicsSettings(certificateValues({ certificatePrivateKey: privateKeyPem.replace(/\n/g, '\\n') })).auth;
		expect(auth.kind === 'certificate' && auth.privateKeyPem.trim()).toBe(privateKeyPem.trim());
	});

	it('checks the key and thumbprint against the certificate when one is given', () => {
		expect(parseDynamicsSettings(certificateValues({ certificate: certificatePem })).auth).toMatchObject({ certificatePem: certificatePem.trim() });
		expect(errorOf(() => parseDynamicsSettings(certificateValues({ certificate: certificatePem, certificatePrivateKey: otherKeyPem }))).message).toMatch(/does not belong to the certificate/);
		const wrongThumbprint = errorOf(() => parseDynamicsSettings(certificateValues({ certificate: certificatePem, certificateThumbprint: 'A'.repeat(40) })));
		expect(wrongThumbprint.message).toContain(`its thumbprint is ${sha1}`);
	});

	it.each([
		[{ certificatePrivateKey: '' }, 'Certificate Private Key', /is empty/],
		[{ certificatePrivateKey: '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----' }, 'Certificate Private Key', /not a readable PEM private key/],
		[{ certificateThumbprint: '' }, 'Certificate Thumbprint', /is empty/],
		[{ certificateThumbprint: 'XYZ' }, 'Certificate Thumbprint', /40 hexadecimal digits/],
		[{ certificate: 'garbage' }, 'Certificate', /not a readable PEM certificate/],
	])('rejects %p naming %s', (overrides, field, message) => {
		const error = errorOf(() => parseDynamicsSettings(certificateValues(overrides as DynamicsCredentialValues)));
		expect(error.field).toBe(field);
		expect(error.message).toMatch(message);
	});

	it('never quotes the private key in its messages', () => {
		const broken = privateKeyPem.replace(/[A-Za-z]{20}/, 'x');
		expect(errorOf(() => parseDynamicsSettings(certificateValues({ certificatePrivateKey: broken }))).message).not.toContain(broken.slice(40, 80));
	});
});
