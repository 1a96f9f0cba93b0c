/**
 * The Root Service Address decides where the bearer token goes: outside "Use Custom Endpoint" only
 * real Dynamics 365 / Dataverse hosts pass, however an address is dressed up to look like one, and
 * the refusal says what is wrong and what to type. The custom-endpoint switch is explicit: only a
 * real `true` turns it on, and without it a custom authority host is ignored.
 */
import { AUTHORITY_HOSTS, DynamicsSettingsError, normaliseOrgUrl, parseDynamicsSettings } from '../../lib/dynamics/settings';

function refusal(address: string): string {
	try {
		normaliseOrgUrl(address, false);
	} catch (error) {
		expect(error).toBeInstanceOf(DynamicsSettingsError);
		expect((error as DynamicsSettingsError).field).toBe('Root Service Address');
		return (error as Error).message;
	}
	throw new Error(`${JSON.stringify(address)} was accepted`);
}

const NOT_DYNAMICS = /is not a Dynamics 365 host\..* Use your environment's URL, e\.g\. https:\/\/contoso\.crm\.dynamics\.com .*turn on "Use Custom Endpoint"/;

describe('look-alike hosts are refused with the reason and the fix', () => {
	test.each([
		['a Dynamics name followed by another domain', 'https://crm.dynamics.com.evil.com', '"crm.dynamics.com.evil.com"'],
		['an org name followed by another domain', 'https://contoso.crm.dynamics.com.evil.com', '"contoso.crm.dynamics.com.evil.com"'],
		['"crm" glued to a word', 'https://evilcrm.dynamics.com', '"evilcrm.dynamics.com"'],
		['"crm" glued to a word, under an org name', 'https://contoso.evilcrm.dynamics.com', '"contoso.evilcrm.dynamics.com"'],
		['no org name', 'https://crm.dynamics.com', '"crm.dynamics.com"'],
		['a look-alike top-level domain', 'https://contoso.crm.dynamics.co', '"contoso.crm.dynamics.co"'],
		['a country domain appended', 'https://contoso.crm.dynamics.com.cn', '"contoso.crm.dynamics.com.cn"'],
		['the real name in the path', 'https://contoso-evil.com/contoso.crm.dynamics.com', '"contoso-evil.com"'],
		['the real name in the fragment', 'https://evil.com#.crm.dynamics.com', '"evil.com"'],
		['the real name in the query', 'https://evil.com?.crm.dynamics.com', '"evil.com"'],
		['a percent-encoded dot', 'https://contoso.crm.dynamics.com%2eevil.com', '"contoso.crm.dynamics.com.evil.com"'],
		['a tab the URL parser drops', 'https://contoso.crm.dynamics.com\t.evil.com', '"contoso.crm.dynamics.com.evil.com"'],
		['an IPv4 address', 'https://20.50.1.2', '"20.50.1.2"'],
		['an IPv4 address written as one number', 'https://3232235777', '"192.168.1.1"'],
		['an IPv6 address', 'https://[::1]', '"[::1]"'],
		['localhost', 'https://localhost', '"localhost"'],
		['an org label starting with a hyphen', 'https://-contoso.crm.dynamics.com', '"-contoso.crm.dynamics.com"'],
	])('%s: %j', (_case, address, named) => {
		const message = refusal(address);
		expect(message).toMatch(NOT_DYNAMICS);
		expect(message).toContain(named);
	});

	test('a homoglyph (Cyrillic "а" in "dynаmics") is named as look-alike letters', () => {
		const message = refusal('https://contoso.crm.dyn\u0430mics.com');
		expect(message).toMatch(NOT_DYNAMICS);
		expect(message).toContain('"contoso.crm.xn--dynmics-4fg.com"');
		expect(message).toContain('letters that only look like Latin ones');
	});

	test.each([
		['user info before the real host', 'https://evil.com@contoso.crm.dynamics.com'],
		['the real host as user info', 'https://contoso.crm.dynamics.com@evil.com'],
		['the real host and port as user info', 'https://contoso.crm.dynamics.com:443@evil.com'],
		['user and password', 'https://user:pw@contoso.crm.dynamics.com'],
	])('%s: %j', (_case, address) => {
		expect(refusal(address)).toBe('Root Service Address: must not contain a user name or password ("...@" before the host). A valid value looks like https://contoso.crm.dynamics.com');
	});

	test.each([
		['a trailing dot', 'https://contoso.crm.dynamics.com.', 'Root Service Address: must not end the host name with a dot. Use https://contoso.crm.dynamics.com'],
		['a port', 'https://contoso.crm.dynamics.com:8443', 'Root Service Address: must not name a port (:8443). Use https://contoso.crm.dynamics.com'],
		['plain http', 'http://contoso.crm.dynamics.com', 'Root Service Address: must start with https:// (got http://). A valid value looks like https://contoso.crm.dynamics.com'],
		['a backslash before "@"', 'https://contoso.crm.dynamics.com\\@evil.com', 'Root Service Address: must be the environment\'s root address without a path (got "/@evil.com"). Use https://contoso.crm.dynamics.com'],
		['no scheme', 'contoso.crm.dynamics.com', 'Root Service Address: "contoso.crm.dynamics.com" is not a URL. A valid value looks like https://contoso.crm.dynamics.com'],
		['a scheme-relative address', '//contoso.crm.dynamics.com', 'Root Service Address: "//contoso.crm.dynamics.com" is not a URL. A valid value looks like https://contoso.crm.dynamics.com'],
	])('%s: %j', (_case, address, message) => {
		expect(refusal(address)).toBe(message);
	});

	test('a trailing dot on a foreign host is refused as foreign, not "fixed" into it', () => {
		expect(refusal('https://evil.com.')).toMatch(NOT_DYNAMICS);
	});
});

describe('real addresses are accepted in their usual spellings', () => {
	test.each([
		['upper case', 'HTTPS://CONTOSO.CRM4.DYNAMICS.COM/', 'https://contoso.crm4.dynamics.com'],
		['the default port', 'https://contoso.crm.dynamics.com:443', 'https://contoso.crm.dynamics.com'],
		['a full-width dot the URL parser maps to "."', 'https://contoso.crm.dynamics\uff0ecom', 'https://contoso.crm.dynamics.com'],
		['the Web API host', 'https://contoso.api.crm.dynamics.com', 'https://contoso.api.crm.dynamics.com'],
		['GCC (crm9)', 'https://contoso.crm9.dynamics.com', 'https://contoso.crm9.dynamics.com'],
		['GCC High', 'https://contoso.crm.microsoftdynamics.us', 'https://contoso.crm.microsoftdynamics.us'],
		['a pasted Web API URL', 'https://contoso.crm.dynamics.com/api/data/v9.2/', 'https://contoso.crm.dynamics.com'],
	])('%s: %j', (_case, address, orgUrl) => {
		expect(normaliseOrgUrl(address, false).orgUrl).toBe(orgUrl);
	});
});

describe('the custom-endpoint switch', () => {
	const credential = {
		rootServiceAddress: 'https://contoso.crm.dynamics.com',
		tenantId: 'contoso.onmicrosoft.com',
		clientId: '00000000-0000-0000-0000-000000000001',
		clientSecret: 'not-a-real-secret',
		customAuthorityHost: 'https://login.evil.example',
	};

	test.each([false, 'false', 'yes', 1, 'TRUE', undefined])('%j leaves it off: other hosts are refused and a custom authority host is ignored', (useCustomEndpoint) => {
		expect(() => parseDynamicsSettings({ ...credential, useCustomEndpoint, rootServiceAddress: 'https://127.0.0.1:8443' })).toThrow(NOT_DYNAMICS);
		const settings = parseDynamicsSettings({ ...credential, useCustomEndpoint });
		expect(settings).toMatchObject({ customEndpoint: false, authorityHost: AUTHORITY_HOSTS.global, scope: 'https://contoso.crm.dynamics.com/.default' });
	});

	test('on, it takes any host and the custom authority host, which must still be https', () => {
		const settings = parseDynamicsSettings({ ...credential, useCustomEndpoint: true, rootServiceAddress: 'http://127.0.0.1:8080/org' });
		expect(settings).toMatchObject({ customEndpoint: true, orgUrl: 'http://127.0.0.1:8080/org', authorityHost: 'https://login.evil.example' });
		expect(() => parseDynamicsSettings({ ...credential, useCustomEndpoint: true, customAuthorityHost: 'http://login.example' })).toThrow(
			'Custom Authority Host: must start with https://',
		);
		expect(() => parseDynamicsSettings({ ...credential, useCustomEndpoint: true, customAuthorityHost: 'https://a@login.example' })).toThrow(
			'Custom Authority Host: must not contain a user name or password',
		);
	});
});
