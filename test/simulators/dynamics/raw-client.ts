/**
 * A deliberately plain Web API client for protocol tests: fetch, a client-credentials token from the
 * simulator's token endpoint, and the response as status, headers, text and JSON, so tests see the wire.
 */
import type { DynamicsSimulator } from './index';

export interface RawResponse {
	status: number;
	headers: Headers;
	text: string;
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	json: any;
}

export interface RawClient {
	token: string;
	/** `path` is below the API root (`contacts?$top=1`) or an absolute URL (a nextLink). */
	request(method: string, path: string, options?: { headers?: Record<string, string>; body?: unknown; token?: string | null }): Promise<RawResponse>;
	get(path: string, headers?: Record<string, string>): Promise<RawResponse>;
}

/** POSTs a client-credentials request; `form` overrides or (with undefined) removes parameters. */
export async function fetchToken(simulator: DynamicsSimulator, form: Record<string, string | undefined> = {}): Promise<RawResponse> {
	const fields: Record<string, string | undefined> = {
		grant_type: 'client_credentials',
		client_id: simulator.clientId,
		client_secret: simulator.clientSecret,
		scope: `${simulator.url}/.default`,
		...form,
	};
	const body = new URLSearchParams(Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined));
	const response = await fetch(`${simulator.authorityHost}/${simulator.tenantId}/oauth2/v2.0/token`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
		body,
	});
	return toRaw(response);
}

async function toRaw(response: Response): Promise<RawResponse> {
	const text = await response.text();
	let json: unknown;
	try {
		json = text ? JSON.parse(text) : undefined;
	} catch {
		json = undefined;
	}
	return { status: response.status, headers: response.headers, text, json };
}

export async function rawClient(simulator: DynamicsSimulator, baseUrl = simulator.apiUrl): Promise<RawClient> {
	const tokenResponse = await fetchToken(simulator);
	if (tokenResponse.status !== 200) throw new Error(`token request failed: ${tokenResponse.text}`);
	const token = tokenResponse.json.access_token as string;
	const client: RawClient = {
		token,
		async request(method, path, options = {}) {
			const headers: Record<string, string> = { Accept: 'application/json', 'OData-MaxVersion': '4.0', 'OData-Version': '4.0', ...options.headers };
			const bearer = options.token === undefined ? token : options.token;
			if (bearer !== null) headers.Authorization = `Bearer ${bearer}`;
			let body: string | undefined;
			if (options.body !== undefined) {
				body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
				headers['Content-Type'] ??= 'application/json';
			}
			const url = /^https?:/.test(path) ? path : `${baseUrl}/${path}`;
			return toRaw(await fetch(url, { method, headers, body }));
		},
		get: (path, headers) => client.request('GET', path, { headers }),
	};
	return client;
}
