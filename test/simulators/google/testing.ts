/**
 * Helpers for tests that talk to the Google simulator: the unchanged `@googleapis/people` client with
 * google-auth-library's OAuth2Client, and raw HTTP for requests that client would not send.
 */
import { auth, people, type people_v1 } from '@googleapis/people';
import type { GoogleSimulator } from './index';

type OAuth2Client = InstanceType<typeof auth.OAuth2>;

/**
 * google-auth-library's OAuth2Client for the simulator's client, holding the given tokens. gaxios
 * loads node-fetch with a dynamic import(), which jest's CommonJS sandbox cannot run, so requests
 * use Node's own fetch instead; nothing else differs from an app's setup.
 */
export function oauthClientFor(sim: GoogleSimulator, tokens: { refresh_token?: string; access_token?: string | null } = { refresh_token: sim.refreshToken }): OAuth2Client {
	const oauth = new auth.OAuth2({
		clientId: sim.clientId,
		clientSecret: sim.clientSecret,
		endpoints: { oauth2TokenUrl: sim.tokenUrl },
		transporterOptions: { fetchImplementation: fetch },
	});
	oauth.setCredentials(tokens);
	return oauth;
}

/** `@googleapis/people` as an app would set it up, pointed at the simulator (gaxios retries off, so faults surface). */
export function peopleApiFor(sim: GoogleSimulator, refreshToken = sim.refreshToken): { api: people_v1.People; oauth: OAuth2Client } {
	const oauth = oauthClientFor(sim, { refresh_token: refreshToken });
	return { api: people({ version: 'v1', auth: oauth, rootUrl: sim.rootUrl, retry: false }), oauth };
}

export async function accessTokenFor(sim: GoogleSimulator, refreshToken = sim.refreshToken): Promise<string> {
	const response = await fetch(sim.tokenUrl, {
		method: 'POST',
		headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: sim.clientId, client_secret: sim.clientSecret }),
	});
	const body = (await response.json()) as { access_token?: string; error?: string };
	if (!body.access_token) throw new Error(`the simulator refused a token: ${body.error}`);
	return body.access_token;
}

/**
 * Values of a connected "Google Contacts (Sync) OAuth2 API" credential (googleContactsSyncOAuth2Api)
 * pointed at the simulator: its custom endpoint on, and token data as n8n stores it after consent.
 */
export async function n8nCredentialFor(sim: GoogleSimulator, overrides: Record<string, unknown> = {}) {
	return {
		clientId: sim.clientId,
		clientSecret: sim.clientSecret,
		useCustomEndpoint: true,
		apiRootUrl: sim.rootUrl,
		tokenUrl: sim.tokenUrl,
		oauthTokenData: { access_token: await accessTokenFor(sim), refresh_token: sim.refreshToken, token_type: 'Bearer', scope: 'https://www.googleapis.com/auth/contacts' },
		...overrides,
	};
}

export interface RawAnswer {
	status: number;
	headers: Headers;
	body: any;
}

/** One HTTP request to the simulator; `token: null` sends no Authorization header. */
export async function rawRequest(
	sim: GoogleSimulator,
	method: string,
	path: string,
	options: { query?: Record<string, string | string[]>; body?: unknown; token?: string | null } = {},
): Promise<RawAnswer> {
	const url = new URL(path.replace(/^\//, ''), sim.rootUrl);
	for (const [name, value] of Object.entries(options.query ?? {})) for (const item of [value].flat()) url.searchParams.append(name, item);
	const token = options.token === undefined ? await accessTokenFor(sim) : options.token;
	const response = await fetch(url, {
		method,
		headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
		body: options.body === undefined ? undefined : JSON.stringify(options.body),
	});
	const text = await response.text();
	return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}
