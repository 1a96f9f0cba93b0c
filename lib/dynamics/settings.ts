/**
 * Validation and normalisation of the "Microsoft Dynamics 365 API" credential's values. The org URL
 * decides where the bearer token is sent, so outside the explicit custom-endpoint mode only real
 * Dynamics 365 / Dataverse hosts are accepted.
 */
import { createPrivateKey, X509Certificate } from 'crypto';
import { isGuid } from './odata';

/** The credential's raw values, named as the credential's properties. */
export interface DynamicsCredentialValues {
	rootServiceAddress?: unknown;
	apiVersion?: unknown;
	tenantId?: unknown;
	clientId?: unknown;
	authentication?: unknown;
	clientSecret?: unknown;
	certificatePrivateKey?: unknown;
	certificateThumbprint?: unknown;
	certificate?: unknown;
	cloud?: unknown;
	useCustomEndpoint?: unknown;
	customAuthorityHost?: unknown;
}

export type DynamicsCloud = 'global' | 'usGovernment' | 'china';

export const AUTHORITY_HOSTS: Record<DynamicsCloud, string> = {
	global: 'https://login.microsoftonline.com',
	usGovernment: 'https://login.microsoftonline.us',
	china: 'https://login.chinacloudapi.cn',
};

export type DynamicsAuth =
	| { kind: 'clientSecret'; clientSecret: string }
	| {
			kind: 'certificate';
			privateKeyPem: string;
			/** Upper-case hex, SHA-1 (40 digits) or SHA-256 (64 digits). */
			thumbprint: string;
			/** The public certificate (PEM), sent as x5c when given. */
			certificatePem?: string;
	  };

export interface DynamicsSettings {
	/** The org root without a trailing slash, e.g. https://contoso.crm4.dynamics.com */
	orgUrl: string;
	/** Two numbers, e.g. 9.2 */
	apiVersion: string;
	/** orgUrl + '/api/data/v' + apiVersion + '/' */
	apiBaseUrl: string;
	tenantId: string;
	clientId: string;
	auth: DynamicsAuth;
	authorityHost: string;
	/** authorityHost + '/' + tenantId */
	authority: string;
	/** orgUrl + '/.default', the client-credentials scope */
	scope: string;
	customEndpoint: boolean;
}

/** A credential value that cannot be used; `field` is the credential property's display name. */
export class DynamicsSettingsError extends Error {
	readonly field: string;

	constructor(field: string, message: string) {
		super(`${field}: ${message}`);
		this.name = 'DynamicsSettingsError';
		this.field = field;
	}
}

const FIELD = {
	rootServiceAddress: 'Root Service Address',
	apiVersion: 'API Version',
	tenantId: 'Tenant ID',
	clientId: 'Client ID',
	clientSecret: 'Client Secret',
	certificatePrivateKey: 'Certificate Private Key',
	certificateThumbprint: 'Certificate Thumbprint',
	certificate: 'Certificate',
	cloud: 'Cloud',
	customAuthorityHost: 'Custom Authority Host',
} as const;

const EXAMPLE_ORG = 'https://contoso.crm.dynamics.com';
const DYNAMICS_HOST = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?\.(api\.)?crm\d*\.(dynamics\.com|microsoftdynamics\.us|microsoftdynamics\.de|dynamics\.cn|appsplatform\.us)$/;
/** A pasted Web API URL: [org path]/api/data[/v9.2][/anything]; group 1 is the org path, group 2 the version. */
const API_PATH = /^(.*?)\/api\/data(?:\/v(\d+(?:\.\d+)*))?(?:\/.*)?$/i;
const VERSION = /^v?(\d+)\.(\d+)(\.\d+)*$/i;
const TENANT_DOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i;
const HEX = /^[0-9A-F]+$/;

function text(value: unknown): string {
	return typeof value === 'string' ? value.trim() : '';
}

function required(value: unknown, field: string, hint: string): string {
	const result = text(value);
	if (!result) throw new DynamicsSettingsError(field, `is empty. ${hint}`);
	return result;
}

function parseUrl(raw: string, field: string, example: string): URL {
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		throw new DynamicsSettingsError(field, `"${raw}" is not a URL. A valid value looks like ${example}`);
	}
	if (url.username || url.password) {
		throw new DynamicsSettingsError(field, `must not contain a user name or password ("...@" before the host). A valid value looks like ${example}`);
	}
	return url;
}

/** The API version as two numbers: "9.2", "v9.2" and "9.2.24012.185" (from Settings → About) all give 9.2. */
export function normaliseApiVersion(value: unknown): string {
	const raw = text(value) || '9.2';
	const match = VERSION.exec(raw);
	if (!match) {
		throw new DynamicsSettingsError(
			FIELD.apiVersion,
			`"${raw}" is not a version. Use the first two numbers of the version shown in Dynamics 365 under Settings → About, e.g. 9.2`,
		);
	}
	return `${Number(match[1])}.${Number(match[2])}`;
}

/** The org root (no trailing slash) and the API version found in a pasted API URL, if any. */
export function normaliseOrgUrl(value: unknown, customEndpoint: boolean): { orgUrl: string; versionInUrl?: string } {
	const raw = required(value, FIELD.rootServiceAddress, `Enter your environment's URL, e.g. ${EXAMPLE_ORG}`);
	const url = parseUrl(raw, FIELD.rootServiceAddress, EXAMPLE_ORG);
	if (url.protocol !== 'https:' && !(customEndpoint && url.protocol === 'http:')) {
		throw new DynamicsSettingsError(
			FIELD.rootServiceAddress,
			`must start with https:// (got ${url.protocol}//). A valid value looks like ${EXAMPLE_ORG}`,
		);
	}
	// Strip an API path (a pasted Web API endpoint) and trailing slashes; keep any other path only for custom endpoints.
	const apiPath = API_PATH.exec(url.pathname);
	const path = (apiPath ? apiPath[1] : url.pathname).replace(/\/+$/, '');
	const versionInUrl = apiPath?.[2];
	if (customEndpoint) return { orgUrl: `${url.origin}${path}`, versionInUrl };

	const suggestion = `https://${url.hostname}`;
	// A trailing dot names the same host (DNS root); it is refused with the fix rather than kept in the token's scope.
	const host = url.hostname.replace(/\.+$/, '');
	if (!DYNAMICS_HOST.test(host)) {
		// The URL parser turns look-alike letters (Cyrillic "а" for "a") into punycode: say why the host looks wrong.
		const lookAlike = /(^|\.)xn--/.test(url.hostname) ? ' It contains letters that only look like Latin ones (it reads as punycode "xn--..."): type the address again.' : '';
		throw new DynamicsSettingsError(
			FIELD.rootServiceAddress,
			`"${url.hostname}" is not a Dynamics 365 host.${lookAlike} Use your environment's URL, e.g. ${EXAMPLE_ORG} (hosts under dynamics.com, microsoftdynamics.us, microsoftdynamics.de, dynamics.cn or appsplatform.us). For on-premises or a test server, turn on "Use Custom Endpoint".`,
		);
	}
	if (host !== url.hostname) {
		throw new DynamicsSettingsError(FIELD.rootServiceAddress, `must not end the host name with a dot. Use https://${host}`);
	}
	if (url.port) {
		throw new DynamicsSettingsError(FIELD.rootServiceAddress, `must not name a port (:${url.port}). Use ${suggestion}`);
	}
	if (path) {
		throw new DynamicsSettingsError(
			FIELD.rootServiceAddress,
			`must be the environment's root address without a path (got "${url.pathname}"). Use ${suggestion}`,
		);
	}
	if (!apiPath && (url.search || url.hash)) {
		throw new DynamicsSettingsError(FIELD.rootServiceAddress, `must not carry a query or fragment. Use ${suggestion}`);
	}
	return { orgUrl: suggestion, versionInUrl };
}

function cloudOfHost(hostname: string): DynamicsCloud | undefined {
	if (/\.(microsoftdynamics|appsplatform)\.us$/.test(hostname)) return 'usGovernment';
	if (/\.dynamics\.cn$/.test(hostname)) return 'china';
	if (/\.dynamics\.com$/.test(hostname)) return 'global';
	return undefined;
}

const CLOUD_NAMES: Record<DynamicsCloud, string> = {
	global: 'Global',
	usGovernment: 'US Government L4/L5 (GCC High / DoD)',
	china: 'China (21Vianet)',
};

function authorityHost(values: DynamicsCredentialValues, orgUrl: string, customEndpoint: boolean): string {
	if (customEndpoint && text(values.customAuthorityHost)) {
		const example = 'https://login.microsoftonline.com';
		const url = parseUrl(text(values.customAuthorityHost), FIELD.customAuthorityHost, example);
		// MSAL refuses any authority that is not https.
		if (url.protocol !== 'https:') {
			throw new DynamicsSettingsError(FIELD.customAuthorityHost, `must start with https:// (Entra ID and MSAL accept no other). Example: ${example}`);
		}
		return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
	}
	const cloud = (text(values.cloud) || 'global') as DynamicsCloud;
	if (!(cloud in AUTHORITY_HOSTS)) {
		throw new DynamicsSettingsError(FIELD.cloud, `"${cloud}" is not one of ${Object.keys(AUTHORITY_HOSTS).join(', ')}`);
	}
	const orgCloud = customEndpoint ? undefined : cloudOfHost(new URL(orgUrl).hostname);
	if (orgCloud && orgCloud !== cloud) {
		throw new DynamicsSettingsError(
			FIELD.cloud,
			`is ${CLOUD_NAMES[cloud]}, but ${orgUrl} is in the ${CLOUD_NAMES[orgCloud]} cloud. Choose ${CLOUD_NAMES[orgCloud]}.`,
		);
	}
	return AUTHORITY_HOSTS[cloud];
}

function tenantId(value: unknown): string {
	const raw = required(value, FIELD.tenantId, 'Copy the Directory (tenant) ID from the app registration\'s Overview page in the Azure portal.');
	if (/^(common|organizations|consumers)$/i.test(raw)) {
		throw new DynamicsSettingsError(FIELD.tenantId, `"${raw}" cannot be used by an application: enter your Directory (tenant) ID or domain, e.g. contoso.onmicrosoft.com`);
	}
	if (isGuid(raw)) return raw.replace(/[{}]/g, '').toLowerCase();
	if (TENANT_DOMAIN.test(raw)) return raw.toLowerCase();
	throw new DynamicsSettingsError(FIELD.tenantId, `"${raw}" is neither a GUID nor a domain. Use the Directory (tenant) ID (a GUID) or a domain such as contoso.onmicrosoft.com`);
}

function clientId(value: unknown): string {
	const raw = required(value, FIELD.clientId, 'Copy the Application (client) ID from the app registration\'s Overview page.');
	if (!isGuid(raw)) {
		throw new DynamicsSettingsError(FIELD.clientId, `"${raw}" is not a GUID. Copy the Application (client) ID from the app registration's Overview page.`);
	}
	return raw.replace(/[{}]/g, '').toLowerCase();
}

/** The PEM block(s) of a pasted value; n8n's single-line fields may turn newlines into spaces or literal "\n". */
function pem(value: unknown): string {
	return text(value).replace(/\\n/g, '\n');
}

function certificateAuth(values: DynamicsCredentialValues): DynamicsAuth {
	const privateKeyPem = pem(values.certificatePrivateKey);
	if (!privateKeyPem) {
		throw new DynamicsSettingsError(FIELD.certificatePrivateKey, 'is empty. Paste the PEM private key (-----BEGIN PRIVATE KEY----- ...) of the certificate uploaded to the app registration.');
	}
	let key;
	try {
		key = createPrivateKey(privateKeyPem);
	} catch {
		// The parser's message is not repeated: it could quote part of the key.
		throw new DynamicsSettingsError(FIELD.certificatePrivateKey, 'is not a readable PEM private key. Paste the whole key including the -----BEGIN ...----- and -----END ...----- lines (an encrypted key must be decrypted first).');
	}
	const thumbprint = text(values.certificateThumbprint).replace(/[\s:]/g, '').toUpperCase();
	const certificatePem = pem(values.certificate) || undefined;
	let certificate: X509Certificate | undefined;
	if (certificatePem) {
		try {
			certificate = new X509Certificate(certificatePem);
		} catch {
			throw new DynamicsSettingsError(FIELD.certificate, 'is not a readable PEM certificate (-----BEGIN CERTIFICATE----- ...). Leave it empty unless your app registration trusts certificates by subject name and issuer.');
		}
		const now = Date.now();
		if (Date.parse(certificate.validTo) < now || Date.parse(certificate.validFrom) > now) {
			const expired = Date.parse(certificate.validTo) < now;
			const when = new Date(expired ? certificate.validTo : certificate.validFrom).toISOString().slice(0, 10);
			throw new DynamicsSettingsError(
				FIELD.certificate,
				`${expired ? 'expired on' : 'is not valid before'} ${when}, so Entra ID refuses it. Upload a valid certificate to the app registration's Certificates & secrets page and paste its private key, thumbprint and certificate here.`,
			);
		}
		if (!certificate.checkPrivateKey(key)) {
			throw new DynamicsSettingsError(FIELD.certificatePrivateKey, 'does not belong to the certificate given under Certificate. Paste the key that was generated with that certificate.');
		}
	}
	if (!thumbprint) {
		throw new DynamicsSettingsError(FIELD.certificateThumbprint, 'is empty. Copy the certificate\'s Thumbprint from the app registration\'s Certificates & secrets page.');
	}
	if (!HEX.test(thumbprint) || (thumbprint.length !== 40 && thumbprint.length !== 64)) {
		throw new DynamicsSettingsError(FIELD.certificateThumbprint, 'must be the certificate\'s SHA-1 thumbprint: 40 hexadecimal digits, as shown on the app registration\'s Certificates & secrets page.');
	}
	if (certificate) {
		const actual = (thumbprint.length === 40 ? certificate.fingerprint : certificate.fingerprint256).replace(/:/g, '');
		if (actual !== thumbprint) {
			throw new DynamicsSettingsError(FIELD.certificateThumbprint, `does not match the certificate given under Certificate (its thumbprint is ${actual}).`);
		}
	}
	return { kind: 'certificate', privateKeyPem, thumbprint, certificatePem };
}

function auth(values: DynamicsCredentialValues): DynamicsAuth {
	const kind = text(values.authentication) || 'clientSecret';
	if (kind === 'certificate') return certificateAuth(values);
	if (kind !== 'clientSecret') throw new DynamicsSettingsError('Authentication', `"${kind}" is not one of clientSecret, certificate`);
	// Secrets are not trimmed beyond whitespace at the ends: every other character is significant.
	const clientSecret = required(values.clientSecret, FIELD.clientSecret, 'Create a client secret under the app registration\'s Certificates & secrets page and paste its Value.');
	return { kind: 'clientSecret', clientSecret };
}

function isCustomEndpoint(values: Pick<DynamicsCredentialValues, 'useCustomEndpoint'>): boolean {
	return values.useCustomEndpoint === true || values.useCustomEndpoint === 'true';
}

export type DynamicsApiAddress = Pick<DynamicsSettings, 'orgUrl' | 'apiVersion' | 'apiBaseUrl' | 'customEndpoint'>;

/** Only what is needed to address the Web API: for nodes that authenticate through n8n and need no secrets here. */
export function parseApiAddress(values: Pick<DynamicsCredentialValues, 'rootServiceAddress' | 'apiVersion' | 'useCustomEndpoint'>): DynamicsApiAddress {
	const customEndpoint = isCustomEndpoint(values);
	const { orgUrl, versionInUrl } = normaliseOrgUrl(values.rootServiceAddress, customEndpoint);
	const apiVersion = normaliseApiVersion(text(values.apiVersion) || versionInUrl);
	return { orgUrl, apiVersion, apiBaseUrl: `${orgUrl}/api/data/v${apiVersion}/`, customEndpoint };
}

export function parseDynamicsSettings(values: DynamicsCredentialValues): DynamicsSettings {
	const address = parseApiAddress(values);
	const host = authorityHost(values, address.orgUrl, address.customEndpoint);
	const tenant = tenantId(values.tenantId);
	return {
		...address,
		tenantId: tenant,
		clientId: clientId(values.clientId),
		auth: auth(values),
		authorityHost: host,
		authority: `${host}/${tenant}`,
		scope: `${address.orgUrl}/.default`,
	};
}
