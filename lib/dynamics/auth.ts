/**
 * App-only tokens for the Dataverse Web API from Microsoft Entra ID, with MSAL's
 * ConfidentialClientApplication (client secret or certificate). MSAL's HTTP goes through our
 * HttpTransport (its system.networkClient), so n8n's proxy, timeout and CA settings apply to it too.
 *
 * Client applications are cached per process, keyed by authority, client id and a hash of the secret or
 * key, so MSAL's token cache is reused across executions. The cache only saves requests: a cold process
 * simply asks Entra ID again.
 */
import { AsyncLocalStorage } from 'async_hooks';
import { createHash } from 'crypto';
import {
	AuthError,
	ConfidentialClientApplication,
	Configuration,
	INetworkModule,
	NetworkRequestOptions,
	NetworkResponse,
	ServerError,
} from '@azure/msal-node';
import type { TokenProvider } from '../http/bearer';
import { withRetries } from '../http/retry';
import { HttpTransport, describeUrl } from '../http/transport';
import { AUTHORITY_HOSTS, DynamicsSettings } from './settings';

export interface AccessToken {
	token: string;
	expiresOn?: Date;
}

/** Entra ID (or MSAL) refused to issue a token; the message says why and what to change. */
export class EntraIdError extends Error {
	/** The AADSTS number when Entra ID sent one, e.g. "7000215". */
	readonly aadsts?: string;
	/** MSAL's error code, e.g. "invalid_client". */
	readonly errorCode?: string;

	constructor(message: string, details: { aadsts?: string; errorCode?: string } = {}) {
		super(message);
		this.name = 'EntraIdError';
		this.aadsts = details.aadsts;
		this.errorCode = details.errorCode;
	}
}

const AADSTS_FIXES: Record<string, string> = {
	'7000215': 'The client secret was rejected by Entra ID (AADSTS7000215). Fix: paste the secret\'s Value, not its Secret ID, from the app registration\'s Certificates & secrets page (or create a new secret).',
	'7000222': 'The client secret has expired (AADSTS7000222). Fix: create a new secret on the app registration\'s Certificates & secrets page and paste its Value.',
	'700016': 'Entra ID does not know this Client ID in the tenant (AADSTS700016). Fix: check the Application (client) ID and the Tenant ID; the app must be registered in, or consented to, that tenant.',
	'90002': 'Entra ID does not know this tenant (AADSTS90002). Fix: check the Tenant ID and the Cloud.',
	'900023': 'The Tenant ID is not valid (AADSTS900023). Fix: use the Directory (tenant) ID or a domain such as contoso.onmicrosoft.com.',
	'700027': 'Entra ID could not verify the certificate (AADSTS700027). Fix: upload this certificate to the app registration, and check that the thumbprint and the private key belong to it.',
	'700024': 'The certificate assertion is outside its valid time (AADSTS700024). Fix: correct this machine\'s clock.',
	'500011': 'Entra ID found no Dynamics 365 environment for the Root Service Address in this tenant (AADSTS500011). Fix: check the Root Service Address, and that the environment belongs to this tenant and cloud.',
	'70011': 'Entra ID rejected the scope built from the Root Service Address (AADSTS70011). Fix: check the Root Service Address.',
	'7000112': 'The application is disabled in Entra ID (AADSTS7000112). Fix: enable it under Enterprise applications → Properties.',
	'53003': 'A Conditional Access policy blocked the token (AADSTS53003). Fix: ask your Entra ID administrator to exclude this application or allow this location.',
};

interface CallScope {
	transport: HttpTransport;
	/** The last transport failure inside this call: MSAL replaces it with a generic network error. */
	lastFailure?: string;
	/** The AADSTS number of the last refusal Entra ID answered with (discovery failures hide it behind a generic error). */
	lastAadsts?: string;
}

const callScope = new AsyncLocalStorage<CallScope>();

async function send<T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
	const scope = callScope.getStore();
	if (!scope) throw new Error('an MSAL request was made outside a token request');
	try {
		const response = await scope.transport({ method, url, headers: { ...options?.headers }, body: options?.body, timeoutMs: TOKEN_TIMEOUT_MS });
		let body: T;
		try {
			body = JSON.parse(response.body) as T;
		} catch {
			throw new Error(`${method} ${describeUrl(url)} answered ${response.status} without JSON`);
		}
		const aadsts = response.status >= 400 ? /AADSTS(\d+)/.exec(String((body as { error_description?: unknown })?.error_description))?.[1] : undefined;
		if (aadsts) scope.lastAadsts = aadsts;
		return { status: response.status, headers: response.headers, body };
	} catch (error) {
		scope.lastFailure = (error as Error).message;
		throw error;
	}
}

/** One network client for every cached application; each call's transport comes from its async scope. */
const scopedNetworkClient: INetworkModule = {
	sendGetRequestAsync: (url, options) => send('GET', url, options),
	sendPostRequestAsync: (url, options) => send('POST', url, options),
};

const TOKEN_TIMEOUT_MS = 30_000;
const MAX_CACHED_APPLICATIONS = 50;
const applications = new Map<string, ConfidentialClientApplication>();

function credentialHash(settings: DynamicsSettings): string {
	const hash = createHash('sha256');
	if (settings.auth.kind === 'clientSecret') hash.update(`secret\0${settings.auth.clientSecret}`);
	else hash.update(`certificate\0${settings.auth.thumbprint}\0${settings.auth.privateKeyPem}\0${settings.auth.certificatePem ?? ''}`);
	return hash.digest('hex');
}

function msalConfiguration(settings: DynamicsSettings): Configuration {
	const { auth } = settings;
	const isKnownCloud = (Object.values(AUTHORITY_HOSTS) as string[]).includes(settings.authorityHost);
	return {
		auth: {
			clientId: settings.clientId,
			authority: settings.authority,
			// A custom host is trusted as given: MSAL then reads its OpenID configuration instead of asking
			// login.microsoftonline.com's instance discovery about it.
			knownAuthorities: isKnownCloud ? [] : [new URL(settings.authorityHost).host],
			...(auth.kind === 'clientSecret'
				? { clientSecret: auth.clientSecret }
				: {
						clientCertificate: {
							privateKey: auth.privateKeyPem,
							...(auth.thumbprint.length === 64 ? { thumbprintSha256: auth.thumbprint } : { thumbprint: auth.thumbprint }),
							...(auth.certificatePem ? { x5c: auth.certificatePem } : {}),
						},
					}),
		},
		system: { networkClient: scopedNetworkClient, loggerOptions: { piiLoggingEnabled: false, loggerCallback: () => undefined } },
	};
}

/**
 * Identifies the settings a token was issued for (authority, client, credential, scope) without
 * revealing any of them: a stored token whose fingerprint differs was issued for other settings.
 */
export function settingsFingerprint(settings: DynamicsSettings): string {
	return createHash('sha256').update(`${settings.authority}|${settings.clientId}|${settings.scope}|${credentialHash(settings)}`).digest('hex').slice(0, 32);
}

function application(settings: DynamicsSettings): ConfidentialClientApplication {
	const key = `${settings.authority}|${settings.clientId}|${credentialHash(settings)}`;
	let app = applications.get(key);
	if (!app) {
		app = new ConfidentialClientApplication(msalConfiguration(settings));
		applications.set(key, app);
		// Rotated secrets leave old entries behind; keep the newest few.
		if (applications.size > MAX_CACHED_APPLICATIONS) applications.delete(applications.keys().next().value as string);
	}
	return app;
}

/** Removes every secret value from a message, in case a server or library echoed one. */
function redact(message: string, settings: DynamicsSettings): string {
	const secrets = settings.auth.kind === 'clientSecret' ? [settings.auth.clientSecret] : [settings.auth.privateKeyPem];
	return secrets.filter((secret) => secret.length >= 4).reduce((text, secret) => text.split(secret).join('[redacted]'), message);
}

/** The message and codes for what MSAL threw; the message is redacted by the caller. */
function describeFailure(error: unknown, settings: DynamicsSettings, { lastFailure, lastAadsts }: CallScope): { message: string; aadsts?: string; errorCode?: string } {
	if (error instanceof ServerError || (error instanceof AuthError && /AADSTS\d+/.test(error.errorMessage))) {
		const aadsts = error instanceof ServerError && error.errorNo ? String(error.errorNo) : /AADSTS(\d+)/.exec(error.errorMessage)?.[1];
		const description = /Description:\s*(.*?)(?:\s+Trace ID:|\s+- Correlation ID:|$)/s.exec(error.errorMessage)?.[1] ?? error.errorMessage;
		const message = (aadsts && AADSTS_FIXES[aadsts]) ?? `Entra ID refused the token request (${error.errorCode}): ${description.trim()}`;
		return { message, aadsts, errorCode: error.errorCode };
	}
	// MSAL reports a refused discovery (an unknown tenant) as a network error; Entra ID's own answer says more.
	if (error instanceof AuthError && lastAadsts && AADSTS_FIXES[lastAadsts]) return { message: AADSTS_FIXES[lastAadsts], aadsts: lastAadsts, errorCode: error.errorCode };
	if (error instanceof AuthError) {
		const cause = lastFailure ? ` (${lastFailure})` : '';
		if (/network|endpoints_resolution|openid_config/i.test(error.errorCode)) {
			return {
				message: `Could not get a token from Entra ID at ${settings.authority}${cause}. Check the Tenant ID, the Cloud (or Custom Authority Host) and this machine's network and proxy settings.`,
				errorCode: error.errorCode,
			};
		}
		return { message: `MSAL could not get a token (${error.errorCode}): ${error.errorMessage || error.message}${cause}`, errorCode: error.errorCode };
	}
	return { message: `Could not get a token from Entra ID at ${settings.authority}: ${(error as Error)?.message ?? String(error)}` };
}

export interface AcquireTokenOptions {
	/** Skip MSAL's cache. */
	forceRefresh?: boolean;
	/** A token the API just rejected: if MSAL's cache still holds it, a fresh one is fetched instead. */
	rejectedToken?: string;
}

/** A token for settings.scope; MSAL answers from its cache while the token has over 5 minutes left. */
export async function acquireToken(settings: DynamicsSettings, transport: HttpTransport, options: AcquireTokenOptions = {}): Promise<AccessToken> {
	// Token and discovery requests can be repeated safely, whatever happened to them.
	const scope: CallScope = { transport: withRetries(transport, { budgetMs: TOKEN_TIMEOUT_MS, maxRetries: 3, idempotent: () => true }) };
	const app = application(settings);
	const request = async (skipCache: boolean) => {
		const result = await callScope.run(scope, () => app.acquireTokenByClientCredential({ scopes: [settings.scope], skipCache }));
		if (!result?.accessToken) throw new EntraIdError(`Entra ID returned no access token for ${settings.scope}`);
		return { token: result.accessToken, expiresOn: result.expiresOn ?? undefined };
	};
	try {
		const token = await request(options.forceRefresh === true);
		if (options.rejectedToken && token.token === options.rejectedToken && !options.forceRefresh) return await request(true);
		return token;
	} catch (error) {
		if (error instanceof EntraIdError) throw error;
		// Redacted before the error exists, so its stack carries the redacted text too.
		const { message, ...codes } = describeFailure(error, settings, scope);
		throw new EntraIdError(redact(message, settings), codes);
	}
}

/** A TokenProvider for authenticatedTransport (standalone use, tests, benchmarks). */
export function dynamicsTokenProvider(settings: DynamicsSettings, transport: HttpTransport): TokenProvider {
	return {
		getToken: async (options = {}) => (await acquireToken(settings, transport, options)).token,
	};
}

/** Forgets cached client applications and their tokens (tests; rotating credentials). */
export function clearTokenCache(): void {
	applications.clear();
}
