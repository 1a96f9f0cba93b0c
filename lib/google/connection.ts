/**
 * How `@googleapis/people` reaches Google: every API request leaves through one HttpTransport (the seam
 * all clients in lib/ share), wrapped with our retry rule, while authentication stays pluggable.
 *
 * How googleapis sends a request (googleapis-common `createAPIRequest`): it merges the service options
 * into GaxiosOptions, then calls `auth.request(options)` when an auth client is set (google-auth-library
 * adds `Authorization`, and on a 401 refreshes the token and repeats once), or `new Gaxios().request(options)`
 * when none is. Either way gaxios finally calls `options.adapter(preparedOptions)` if one is given. We set
 * that adapter at service level, so:
 * - standalone: `auth` is an OAuth2Client (see `createOAuth2Client`), the transport is Node's http;
 * - inside n8n: no `auth`; the transport is n8n's `httpRequestWithAuthentication`, which signs each
 *   request with the credential's token and refreshes it on a 401 itself.
 * gaxios' own retries are off (`retry: false`): they repeat on 429 without reading Retry-After, and
 * they would multiply with ours. Ours (lib/http/retry) retry reads on 429/502/503/504 and network
 * failures, and writes only on 429/503 or when the request never left, honouring Retry-After within a
 * time budget.
 */
import { auth as googleAuth, people, type people_v1 } from '@googleapis/people';
import { nodeHttpTransport, type HttpMethod, type HttpRequest, type HttpTransport } from '../http/transport';
import { isReadMethod, withRetries, type RetryOptions } from '../http/retry';

export const PEOPLE_ROOT_URL = 'https://people.googleapis.com/';
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/** Whatever `@googleapis/people` accepts as `auth` (an OAuth2Client, GoogleAuth, an API key...). */
export type PeopleAuth = people_v1.Options['auth'];
export type OAuth2Client = InstanceType<typeof googleAuth.OAuth2>;

export interface GoogleConnectionOptions {
	/** Adds credentials to each request; leave it out when the transport authenticates (n8n). */
	auth?: PeopleAuth;
	/** Sends each request; default: Node's http/https with keep-alive. */
	transport?: HttpTransport;
	/** The API root, e.g. the simulator's `http://127.0.0.1:PORT/`; default https://people.googleapis.com/. */
	rootUrl?: string;
	retry?: RetryOptions;
	/** Deadline of one HTTP exchange (default 60 s). */
	timeoutMs?: number;
}

type GaxiosAdapter = NonNullable<people_v1.Options['adapter']>;
type PreparedRequest = Parameters<GaxiosAdapter>[0];

const STATUS_WITHOUT_BODY = new Set([204, 205, 304]);

function responseData(body: string, contentType: string | undefined): unknown {
	if (!body) return '';
	if (contentType?.includes('json') || /^\s*[[{]/.test(body)) {
		try {
			return JSON.parse(body);
		} catch {
			return body;
		}
	}
	return body;
}

/** The request body as text; form bodies (token requests) get their content type as fetch would set it. */
function bodyText(body: unknown, headers: Record<string, string>): string | undefined {
	if (typeof body === 'string') return body;
	if (body instanceof URLSearchParams) {
		headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
		return body.toString();
	}
	return undefined;
}

/** A gaxios adapter that hands the prepared request to an HttpTransport and builds gaxios' response from its answer. */
function transportAdapter(transport: HttpTransport, timeoutMs: number | undefined): GaxiosAdapter {
	const adapter = async (prepared: PreparedRequest) => {
		const headers: Record<string, string> = {};
		new Headers(prepared.headers).forEach((value, name) => {
			// The transport hands back the body as it arrives; asking for gzip would hand back bytes.
			if (name !== 'accept-encoding') headers[name] = value;
		});
		const body = bodyText(prepared.body, headers);
		const answer = await transport({ method: (prepared.method ?? 'GET').toUpperCase() as HttpMethod, url: String(prepared.url), headers, body, timeoutMs });
		// GaxiosError keeps `data` only from a response whose body was read, as fetch's would be by now; an answer
		// gaxios takes is used by its `data` alone, so its body (a listing page may be megabytes) is not streamed again.
		const failed = !prepared.validateStatus?.(answer.status);
		const response = new Response(failed && !STATUS_WITHOUT_BODY.has(answer.status) ? answer.body : null, { status: answer.status, headers: answer.headers });
		if (response.body) await response.arrayBuffer();
		if (failed) return Object.assign(response, { config: prepared, data: responseData(answer.body, answer.headers['content-type']) });
		// An accepted answer is parsed when its data is first read, so a write's answer can be parsed while the next write is on the wire.
		let data: unknown;
		let parsed = false;
		return Object.defineProperty(Object.assign(response, { config: prepared, data: undefined as unknown }), 'data', {
			enumerable: true,
			get: () => {
				if (!parsed) [data, parsed] = [responseData(answer.body, answer.headers['content-type']), true];
				return data;
			},
			set: (value: unknown) => {
				[data, parsed] = [value, true];
			},
		});
	};
	return adapter as GaxiosAdapter;
}

/**
 * Writes that may be sent again when their answer was lost: updates carry the etag they were decided
 * on (one that landed makes the repeat fail FAILED_PRECONDITION, and the sync reads the contact
 * anew), membership changes are sets, and a group created twice answers 409. Creating contacts is not.
 */
const REPEATABLE_WRITES = /(:batchUpdateContacts|:updateContact|\/members:modify|\/v1\/contactGroups)$/;

export function isRepeatablePeopleRequest(request: HttpRequest): boolean {
	return isReadMethod(request.method) || REPEATABLE_WRITES.test(new URL(request.url).pathname);
}

/** The People API client with our transport, retry rule and root URL. */
export function createPeopleApi(options: GoogleConnectionOptions): people_v1.People {
	const transport = withRetries(options.transport ?? nodeHttpTransport({ timeoutMs: options.timeoutMs }), { idempotent: isRepeatablePeopleRequest, ...options.retry });
	return people({
		version: 'v1',
		auth: options.auth,
		rootUrl: options.rootUrl ?? PEOPLE_ROOT_URL,
		retry: false,
		adapter: transportAdapter(transport, options.timeoutMs),
	});
}

export interface OAuth2ClientSettings {
	clientId: string;
	clientSecret: string;
	refreshToken: string;
	/** Google's token endpoint unless overridden (the simulator, a proxy). */
	tokenUrl?: string;
	/** A stored access token to start with; refreshed when it is rejected or about to expire. */
	accessToken?: string;
	accessTokenExpiresAt?: number;
}

/**
 * A google-auth-library OAuth2Client for standalone use (tests, demo, benchmarks). It refreshes the
 * access token before expiry, and also on a 401 even when it believes the token is still valid
 * (`forceRefreshOnFailure`), which covers tokens revoked or expired early on the server's side.
 * Its token requests leave through `transport` too (default: Node's http), like the API requests.
 */
export function createOAuth2Client(settings: OAuth2ClientSettings, options: { transport?: HttpTransport; timeoutMs?: number } = {}): OAuth2Client {
	const transport = options.transport ?? nodeHttpTransport({ timeoutMs: options.timeoutMs });
	const client = new googleAuth.OAuth2({
		clientId: settings.clientId,
		clientSecret: settings.clientSecret,
		endpoints: { oauth2TokenUrl: settings.tokenUrl ?? GOOGLE_TOKEN_URL },
		forceRefreshOnFailure: true,
		transporterOptions: { adapter: transportAdapter(transport, options.timeoutMs) },
	});
	client.setCredentials({ refresh_token: settings.refreshToken, access_token: settings.accessToken, expiry_date: settings.accessTokenExpiresAt });
	return client;
}
