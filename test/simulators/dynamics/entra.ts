/**
 * Microsoft Entra ID as MSAL Node uses it for client credentials: instance discovery, OpenID
 * configuration, and the v2.0 token endpoint with a client secret (form or HTTP Basic) or a
 * certificate (a client_assertion JWT checked against the registered certificate: signature,
 * thumbprint header, aud, iss/sub, validity). Failures answer with AADSTS error JSON.
 */
import { X509Certificate, createHash, randomUUID, timingSafeEqual, verify, constants } from 'crypto';
import type { SimRequest, SimResponse } from '../common/http';
import type { DynamicsState } from './state';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const RESERVED_TENANTS = new Set(['common', 'organizations', 'consumers']);
/** The public cloud's aliases, as real instance discovery lists them. */
const PUBLIC_CLOUD = { preferred_network: 'login.microsoftonline.com', preferred_cache: 'login.windows.net', aliases: ['login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com', 'sts.windows.net'] };
const CLOCK_SKEW_SECONDS = 300;

export interface EntraContext {
	state: DynamicsState;
	/** host:port names under which this simulator is reachable (instance discovery accepts these). */
	hosts: () => string[];
	/** Org URLs a token may be requested for (`<url>/.default`). */
	orgUrls: () => string[];
}

function timestamp(date: Date): string {
	return date.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

/** An AADSTS error as the token endpoint writes it. */
function aadError(request: SimRequest, state: DynamicsState, status: number, error: string, code: number, description: string): SimResponse {
	const traceId = randomUUID();
	const correlationId = (request.headers['client-request-id'] as string | undefined) ?? randomUUID();
	const time = timestamp(state.now());
	return {
		status,
		headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache' },
		body: {
			error,
			error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${time}`,
			error_codes: [code],
			timestamp: time,
			trace_id: traceId,
			correlation_id: correlationId,
			error_uri: `${request.origin}/error?code=${code}`,
		},
	};
}

function tenantNotFound(request: SimRequest, state: DynamicsState, tenant: string): SimResponse {
	return aadError(
		request,
		state,
		400,
		'invalid_request',
		90002,
		`Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
	);
}

function isOwnTenant(state: DynamicsState, tenant: string): boolean {
	const wanted = tenant.toLowerCase();
	return wanted === state.tenantId || wanted === state.tenantDomain;
}

/** GET /{tenant}/v2.0/.well-known/openid-configuration (and the v1 path without v2.0). */
export function openIdConfiguration(context: EntraContext, request: SimRequest, tenant: string): SimResponse {
	const { state } = context;
	const reserved = RESERVED_TENANTS.has(tenant.toLowerCase());
	if (!reserved && !isOwnTenant(state, tenant)) return tenantNotFound(request, state, tenant);
	const id = reserved ? '{tenantid}' : state.tenantId;
	const base = `${request.origin}/${reserved ? tenant.toLowerCase() : id}`;
	return {
		status: 200,
		headers: { 'Content-Type': 'application/json; charset=utf-8' },
		body: {
			token_endpoint: `${base}/oauth2/v2.0/token`,
			token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
			jwks_uri: `${base}/discovery/v2.0/keys`,
			response_modes_supported: ['query', 'fragment', 'form_post'],
			subject_types_supported: ['pairwise'],
			id_token_signing_alg_values_supported: ['RS256'],
			response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
			scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
			issuer: `${request.origin}/${id}/v2.0`,
			request_uri_parameter_supported: false,
			userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
			authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
			device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
			http_logout_supported: true,
			frontchannel_logout_supported: true,
			end_session_endpoint: `${base}/oauth2/v2.0/logout`,
			claims_supported: ['sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
			kerberos_endpoint: `${base}/kerberos`,
			tenant_region_scope: 'EU',
			cloud_instance_name: 'microsoftonline.com',
			cloud_graph_host_name: 'graph.windows.net',
			msgraph_host: 'graph.microsoft.com',
			rbac_url: 'https://pas.windows.net',
		},
	};
}

/** GET /common/discovery/instance?api-version=1.1&authorization_endpoint=...: which cloud an authority belongs to. */
export function instanceDiscovery(context: EntraContext, request: SimRequest): SimResponse {
	const endpoint = request.query.get('authorization_endpoint') ?? '';
	let url: URL;
	try {
		url = new URL(endpoint);
	} catch {
		return aadError(request, context.state, 400, 'invalid_request', 50049, 'Unknown or invalid instance.');
	}
	const host = url.host.toLowerCase();
	const ownHosts = context.hosts().map((name) => name.toLowerCase());
	if (!PUBLIC_CLOUD.aliases.includes(host) && !ownHosts.includes(host)) {
		return { ...aadError(request, context.state, 400, 'invalid_instance', 50049, 'Unknown or invalid instance.') };
	}
	const tenant = url.pathname.split('/').filter(Boolean)[0] ?? 'common';
	return {
		status: 200,
		headers: { 'Content-Type': 'application/json; charset=utf-8' },
		body: {
			tenant_discovery_endpoint: `${url.origin}/${tenant}/v2.0/.well-known/openid-configuration`,
			'api-version': '1.1',
			metadata: [PUBLIC_CLOUD, ...ownHosts.map((name) => ({ preferred_network: name, preferred_cache: name, aliases: [name] }))],
		},
	};
}

/** GET /{tenant}/discovery/v2.0/keys. Access tokens here are opaque, so there are no signing keys to publish. */
export function signingKeys(context: EntraContext, request: SimRequest, tenant: string): SimResponse {
	if (!RESERVED_TENANTS.has(tenant.toLowerCase()) && !isOwnTenant(context.state, tenant)) return tenantNotFound(request, context.state, tenant);
	return { status: 200, headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: { keys: [] } };
}

function sameSecret(given: string, expected: string): boolean {
	const a = createHash('sha256').update(given).digest();
	const b = createHash('sha256').update(expected).digest();
	return timingSafeEqual(a, b);
}

function decodeSegment(segment: string): Record<string, unknown> | undefined {
	try {
		const value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
		return typeof value === 'object' && value !== null ? value : undefined;
	} catch {
		return undefined;
	}
}

/** Checks a client_assertion JWT; returns an error response, or undefined when it proves the certificate. */
function checkAssertion(context: EntraContext, request: SimRequest, tenant: string, assertion: string, clientId: string): SimResponse | undefined {
	const { state } = context;
	const fail = (code: number, description: string, status = 401, error = 'invalid_client') => aadError(request, state, status, error, code, description);
	const parts = assertion.split('.');
	const header = parts.length === 3 ? decodeSegment(parts[0]) : undefined;
	const claims = parts.length === 3 ? decodeSegment(parts[1]) : undefined;
	if (!header || !claims) return fail(50027, 'JWT token is invalid or malformed.', 400, 'invalid_request');
	const certificate = state.app.certificate;
	const der = new X509Certificate(certificate.certificatePem).raw;
	const sha1 = createHash('sha1').update(der).digest('base64url');
	const sha256 = createHash('sha256').update(der).digest('base64url');
	const presented = (header['x5t#S256'] ?? header.x5t) as string | undefined;
	if (presented !== sha1 && presented !== sha256) {
		const thumbprint = presented ? Buffer.from(presented, 'base64url').toString('hex').toUpperCase() : 'none';
		return fail(
			700027,
			`The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${clientId}'.]`,
		);
	}
	const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
	const signature = Buffer.from(parts[2], 'base64url');
	const publicKey = new X509Certificate(certificate.certificatePem).publicKey;
	const algorithm = header.alg;
	const valid =
		algorithm === 'RS256'
			? verify('sha256', signed, publicKey, signature)
			: algorithm === 'PS256'
				? verify('sha256', signed, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature)
				: false;
	if (!valid) return fail(700027, `Client assertion contains an invalid signature. [Reason - The key used is not valid for algorithm '${String(algorithm)}'., Thumbprint of key used by client: '${certificate.thumbprintSha1}']`);
	if (claims.iss !== clientId || claims.sub !== clientId) {
		return fail(700021, "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://docs.microsoft.com/en-us/azure/active-directory/develop/active-directory-certificate-credentials .");
	}
	const audiences = [state.tenantId, state.tenantDomain].flatMap((name) => [`${request.origin}/${name}/oauth2/v2.0/token`, `${request.origin}/${name}/oauth2/token`, `${request.origin}/${name}/v2.0`]);
	const audience = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
	if (!audience.some((candidate) => typeof candidate === 'string' && audiences.includes(candidate.replace(/\/$/, '')))) {
		return fail(700023, `Client assertion audience claim does not match Realm issuer. Expected the token endpoint '${request.origin}/${tenant}/oauth2/v2.0/token'.`);
	}
	const now = state.now().getTime() / 1000;
	if (typeof claims.exp !== 'number' || claims.exp < now - CLOCK_SKEW_SECONDS || (typeof claims.nbf === 'number' && claims.nbf > now + CLOCK_SKEW_SECONDS)) {
		return fail(700024, `Client assertion is not within its valid time range. Current time: ${new Date(now * 1000).toISOString()}, expiry time of assertion ${typeof claims.exp === 'number' ? new Date(claims.exp * 1000).toISOString() : 'missing'}.`);
	}
	return undefined;
}

/** The resource of a client-credentials scope, if it names this org (`<org url>/.default`, with or without a trailing slash). */
function requestedResource(context: EntraContext, scope: string): string | undefined {
	const resource = scope.slice(0, -'/.default'.length).replace(/\/+$/, '');
	return context.orgUrls().find((url) => url.toLowerCase() === resource.toLowerCase());
}

/** POST /{tenant}/oauth2/v2.0/token with grant_type=client_credentials. */
export function issueToken(context: EntraContext, request: SimRequest, tenant: string): SimResponse {
	const { state } = context;
	const form = new URLSearchParams(request.body.toString('utf8'));
	let clientId = form.get('client_id') ?? '';
	let secret = form.get('client_secret');
	const basic = /^Basic\s+(.+)$/i.exec((request.headers.authorization as string | undefined) ?? '');
	if (basic) {
		const [user, password] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
		clientId ||= decodeURIComponent(user);
		secret ??= decodeURIComponent(password ?? '');
	}
	if (RESERVED_TENANTS.has(tenant.toLowerCase())) {
		return aadError(
			request,
			state,
			400,
			'invalid_request',
			50194,
			`Application '${clientId}'(${state.app.displayName}) is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant.`,
		);
	}
	if (!isOwnTenant(state, tenant)) return tenantNotFound(request, state, tenant);
	const grantType = form.get('grant_type');
	if (grantType !== 'client_credentials') {
		return aadError(request, state, 400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType ?? ''}'. The simulator issues tokens for client_credentials only.`);
	}
	if (!clientId) return aadError(request, state, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
	if (clientId.toLowerCase() !== state.app.clientId) {
		return aadError(
			request,
			state,
			400,
			'unauthorized_client',
			700016,
			`Application with identifier '${clientId}' was not found in the directory '${state.tenantDomain}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
		);
	}
	const scope = form.get('scope');
	if (!scope) return aadError(request, state, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'scope'.");
	const scopes = scope.split(/\s+/).filter(Boolean);
	const notDefault = scopes.find((item) => !item.endsWith('/.default'));
	if (notDefault || scopes.length !== 1) {
		return aadError(
			request,
			state,
			400,
			'invalid_scope',
			1002012,
			`The provided value for scope ${notDefault ?? scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
		);
	}
	const resource = requestedResource(context, scopes[0]);
	if (!resource) {
		return aadError(
			request,
			state,
			400,
			'invalid_resource',
			500011,
			`The resource principal named ${scopes[0].slice(0, -'/.default'.length)} was not found in the tenant named ${state.tenantDomain}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
		);
	}
	const assertion = form.get('client_assertion');
	if (assertion !== null) {
		if (form.get('client_assertion_type') !== JWT_BEARER) {
			return aadError(request, state, 400, 'invalid_request', 50027, `Invalid client_assertion_type; it must be '${JWT_BEARER}'.`);
		}
		const failure = checkAssertion(context, request, tenant, assertion, clientId);
		if (failure) return failure;
	} else if (secret === null) {
		return aadError(request, state, 401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
	} else if (!sameSecret(secret, state.app.clientSecret)) {
		return aadError(
			request,
			state,
			401,
			'invalid_client',
			7000215,
			`Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
		);
	}
	const { token, expiresIn } = state.issueAccessToken(resource);
	return {
		status: 200,
		headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache' },
		body: { token_type: 'Bearer', expires_in: expiresIn, ext_expires_in: expiresIn, access_token: token },
	};
}
