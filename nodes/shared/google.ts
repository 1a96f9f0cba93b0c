/**
 * Google Contacts from a node: a GoogleContactsClient whose requests go through n8n's
 * httpRequestWithAuthentication with the "Google Contacts (Sync) OAuth2 API" credential, so n8n
 * signs them with the connected account's token, refreshes it after a 401 and stores the new one,
 * and n8n's proxy and timeout settings apply. The credential's custom endpoint (the simulator, a
 * proxy) replaces Google's API root.
 */
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { IExecuteFunctions, IHookFunctions, ILoadOptionsFunctions, IPollFunctions, JsonObject } from 'n8n-workflow';
import { GoogleContactsClient, type GoogleContactsClientOptions } from '../../lib/google/client';
import { PEOPLE_ROOT_URL } from '../../lib/google/connection';
import { GooglePeopleError } from '../../lib/google/errors';
import type { HttpTransport } from '../../lib/http/transport';
import { n8nHttpTransport } from './transport';

export const GOOGLE_CREDENTIAL = 'googleContactsSyncOAuth2Api';

/** A node's `this` in any of the places a node talks to Google Contacts. */
export type GoogleNodeContext = IExecuteFunctions | IPollFunctions | ILoadOptionsFunctions | IHookFunctions;

/** The Google credential's HttpTransport for a node: n8n adds the token and refreshes it after a 401. */
export function n8nGoogleTransport(context: GoogleNodeContext): HttpTransport {
	return n8nHttpTransport((options) => context.helpers.httpRequestWithAuthentication.call(context, GOOGLE_CREDENTIAL, options), { except401: true });
}

/**
 * The People API root the credential names: Google's, or its custom "API Root URL". That one must be
 * an origin (`http://127.0.0.1:8092/`): `@googleapis/people` keeps only the path of each API URL, so
 * a path prefix would be dropped silently.
 */
export function peopleRootUrl(credentials: { useCustomEndpoint?: unknown; apiRootUrl?: unknown }): string {
	const custom = typeof credentials.apiRootUrl === 'string' ? credentials.apiRootUrl.trim() : '';
	if (credentials.useCustomEndpoint !== true || custom === '') return PEOPLE_ROOT_URL;
	if (!URL.canParse(custom)) throw new Error(`its API Root URL "${custom}" is not a URL; enter one such as http://127.0.0.1:8092/`);
	const url = new URL(custom);
	if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`its API Root URL must start with https:// or http:// (got "${url.protocol}")`);
	if (url.pathname !== '/' || url.search || url.hash) {
		throw new Error(`its API Root URL must be a bare origin such as ${url.origin}/ (got "${custom}"); the People API client does not keep a path prefix`);
	}
	return `${url.origin}/`;
}

/** A GoogleContactsClient for the node's Google Contacts credential; clients of one credential share a mutation queue. */
export async function googleContactsClient(
	context: GoogleNodeContext,
	options: Omit<GoogleContactsClientOptions, 'transport' | 'rootUrl' | 'auth' | 'mutationQueueKey'> = {},
): Promise<GoogleContactsClient> {
	const credentials = await context.getCredentials(GOOGLE_CREDENTIAL);
	let rootUrl: string;
	try {
		rootUrl = peopleRootUrl(credentials);
	} catch (error) {
		throw new NodeOperationError(context.getNode(), `The Google Contacts credential is not usable: ${(error as Error).message}.`);
	}
	const mutationQueueKey = context.getNode().credentials?.[GOOGLE_CREDENTIAL]?.id ?? undefined;
	return new GoogleContactsClient({ ...options, transport: n8nGoogleTransport(context), rootUrl, mutationQueueKey });
}

/** n8n's error types as they are; People API errors keep their HTTP status and Google's status; anything else names the node. */
export function googleNodeError(context: GoogleNodeContext, error: unknown): Error {
	if (error instanceof NodeOperationError || error instanceof NodeApiError) return error;
	if (error instanceof GooglePeopleError) {
		const details = { message: error.message, status: error.status ?? null, reason: error.reason ?? null } as JsonObject;
		return new NodeApiError(context.getNode(), details, { message: error.message, httpCode: error.httpStatus === undefined ? undefined : String(error.httpStatus) });
	}
	return new NodeOperationError(context.getNode(), error as Error);
}
