/**
 * The n8n side of lib/http's HttpTransport: requests go through n8n's own helpers, so n8n's proxy,
 * SSRF, timeout and cancellation rules apply, and (with httpRequestWithAuthentication) n8n keeps the
 * credential's token: it runs preAuthentication when the token is missing and again after a 401.
 */
import { NodeOperationError } from 'n8n-workflow';
import type { IExecuteFunctions, IHookFunctions, IHttpRequestOptions, ILoadOptionsFunctions, IPollFunctions } from 'n8n-workflow';
import { DynamicsClient, DynamicsClientOptions } from '../../lib/dynamics/client';
import { parseApiAddress } from '../../lib/dynamics/settings';
import { DEFAULT_TIMEOUT_MS, HttpResponse, HttpTransport, NetworkError, describeUrl } from '../../lib/http/transport';

export const DYNAMICS_CREDENTIAL = 'microsoftDynamics365Api';

type N8nRequest = (options: IHttpRequestOptions) => Promise<unknown>;

interface N8nFullResponse {
	statusCode: number;
	headers?: Record<string, unknown>;
	body?: unknown;
}

interface AxiosLikeResponse {
	status: number;
	headers?: Record<string, unknown>;
	data?: unknown;
}

function toHttpResponse(status: number, headers: Record<string, unknown> | undefined, body: unknown): HttpResponse {
	const flat: Record<string, string> = {};
	for (const [name, value] of Object.entries(headers ?? {})) {
		if (value === undefined || value === null) continue;
		flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
	}
	let text: string;
	if (body === undefined || body === null) text = '';
	else if (typeof body === 'string') text = body;
	else if (Buffer.isBuffer(body)) text = body.toString('utf8');
	else text = JSON.stringify(body);
	return { status, headers: flat, body: text };
}

/** n8n wraps failures (NodeApiError → AxiosError); the HTTP answer or the socket error sits somewhere in the cause chain. */
function* causes(error: unknown): Generator<Record<string, unknown>> {
	let current = error;
	for (let depth = 0; depth < 6 && current && typeof current === 'object'; depth++) {
		yield current as Record<string, unknown>;
		current = (current as { cause?: unknown }).cause;
	}
}

function responseOf(error: unknown): HttpResponse | undefined {
	for (const level of causes(error)) {
		const response = level.response as AxiosLikeResponse | undefined;
		if (response && typeof response.status === 'number') return toHttpResponse(response.status, response.headers, response.data);
	}
	return undefined;
}

/** Codes that mean the connection never came up, so not even a write reached the server. */
const NOT_CONNECTED_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

function networkErrorOf(error: unknown, method: string, url: string): NetworkError | undefined {
	for (const level of causes(error)) {
		const code = level.code;
		// EAUTH is n8n's OAuth2 client refusing a token refresh: an answer, not a network failure (and not worth a retry).
		if (code === 'EAUTH') return undefined;
		if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
			return new NetworkError(code, `${method} ${describeUrl(url)}: ${String(level.message ?? code)}`, !NOT_CONNECTED_CODES.has(code));
		}
	}
	return undefined;
}

/**
 * An HttpTransport over one of n8n's request helpers. `except401` lets a 401 through as an error, so
 * httpRequestWithAuthentication refreshes the credential's token and retries once; every other status
 * comes back as a response.
 */
export function n8nHttpTransport(request: N8nRequest, options: { except401?: boolean } = {}): HttpTransport {
	return async (httpRequest) => {
		const requestOptions: IHttpRequestOptions = {
			method: httpRequest.method,
			url: httpRequest.url,
			headers: { ...httpRequest.headers },
			// As bytes: axios sends those as they are, while it parses a JSON text body again only to check it (stringifySafely).
			body: typeof httpRequest.body === 'string' ? Buffer.from(httpRequest.body) : httpRequest.body,
			returnFullResponse: true,
			ignoreHttpStatusErrors: options.except401 ? { ignore: true, except: [401] } : true,
			json: false,
			// Raw text: the Web API's bodies are parsed by lib/, and $batch answers are multipart.
			encoding: 'text',
			timeout: httpRequest.timeoutMs ?? DEFAULT_TIMEOUT_MS,
		};
		try {
			const response = (await request(requestOptions)) as N8nFullResponse;
			return toHttpResponse(response.statusCode, response.headers, response.body);
		} catch (error) {
			const response = responseOf(error);
			if (response) return response;
			throw networkErrorOf(error, httpRequest.method, httpRequest.url) ?? error;
		}
	};
}

/** A node's `this` in any of the places a node talks to Dynamics 365. */
export type DynamicsNodeContext = IExecuteFunctions | IPollFunctions | ILoadOptionsFunctions | IHookFunctions;

/** The Dynamics 365 credential's HttpTransport for a node: n8n adds the token and refreshes it after a 401. */
export function n8nDynamicsTransport(context: DynamicsNodeContext): HttpTransport {
	return n8nHttpTransport((options) => context.helpers.httpRequestWithAuthentication.call(context, DYNAMICS_CREDENTIAL, options), { except401: true });
}

/** A DynamicsClient for the node's "Microsoft Dynamics 365 API" credential. */
export async function dynamicsClient(context: DynamicsNodeContext, options: Omit<DynamicsClientOptions, 'transport' | 'apiBaseUrl'> = {}): Promise<DynamicsClient> {
	const credentials = await context.getCredentials(DYNAMICS_CREDENTIAL);
	let apiBaseUrl: string;
	try {
		({ apiBaseUrl } = parseApiAddress(credentials));
	} catch (error) {
		// Its DynamicsSettingsError messages name the field and the fix.
		throw new NodeOperationError(context.getNode(), `The Microsoft Dynamics 365 API credential is not usable: ${(error as Error).message}`);
	}
	return new DynamicsClient({ ...options, transport: n8nDynamicsTransport(context), apiBaseUrl });
}
