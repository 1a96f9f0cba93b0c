/**
 * A local Google People API (plus Google's OAuth token endpoint) that unchanged clients such as
 * `@googleapis/people` and google-auth-library work against: pass `rootUrl` to the API and
 * `tokenUrl` as the OAuth2 client's token endpoint.
 */
import { serve, type ResponseObserver, type SimRequest } from '../common/http';
import { FaultInjector } from '../common/faults';
import { RequestCounters } from '../common/counters';
import { controlRouter, settingsOf } from './control';
import { googleApiRouter } from './routes';
import { seedContacts } from './seed';
import { GoogleState, type GoogleSimulatorSettings, type GoogleStateOptions } from './state';
import { errorResponse, notFound, statusError } from './wire';

export { personFromSeed, seedContacts } from './seed';
export { GoogleState, CONTACTS_SCOPE, CONTACTS_READONLY_SCOPE } from './state';
export type { GoogleSimulatorSettings } from './state';

export interface GoogleSimulatorOptions extends GoogleStateOptions {
	/** Seed people created at start (default 0). */
	contacts?: number;
	/** Seeds the people generator and the fault injector's randomness (default 42). */
	seed?: number;
	port?: number;
	host?: string;
	/** Sees each answer (see ServeOptions.onResponse). */
	onResponse?: ResponseObserver;
}

export interface GoogleSimulator {
	/** Pass as `rootUrl` to `people({ version: 'v1', rootUrl })`, e.g. http://127.0.0.1:PORT/ */
	rootUrl: string;
	/** The OAuth2 token endpoint (refresh_token and authorization_code grants). */
	tokenUrl: string;
	/** The OAuth2 consent endpoint; it approves at once and redirects with a code. */
	authUrl: string;
	clientId: string;
	clientSecret: string;
	/** A refresh token with the contacts scope, valid until revoked. */
	refreshToken: string;
	state: GoogleState;
	faults: FaultInjector;
	counters: RequestCounters;
	/** Empties the account and seeds `contacts` people; counters, faults and settings stay. */
	reset(options?: { contacts?: number; seed?: number }): void;
	/** Adds seed people after the ones already there. */
	seed(count: number): void;
	settings(): GoogleSimulatorSettings;
	close(): Promise<void>;
}

export async function startGoogleSimulator(options: GoogleSimulatorOptions = {}): Promise<GoogleSimulator> {
	const seed = options.seed ?? 42;
	const state = new GoogleState({ ...options, seed });
	const faults = new FaultInjector(seed);
	const counters = new RequestCounters();
	let seeded = 0;
	const reset = (resetOptions: { contacts?: number; seed?: number } = {}) => {
		state.reset();
		seeded = resetOptions.contacts ?? 0;
		seedContacts(state, seeded, { seed: resetOptions.seed ?? seed });
	};
	const seedMore = (count: number) => {
		seedContacts(state, count, { seed, offset: seeded });
		seeded += count;
	};
	seedMore(options.contacts ?? 0);

	const api = googleApiRouter(state);
	const control = controlRouter({ state, faults, counters, reset, seed: seedMore });
	const server = await serve({
		router: (request: SimRequest) => (request.path.startsWith('/_sim/') ? control(request) : api(request)),
		notFound: () => errorResponse(notFound('The requested URL was not found on this server.')),
		internalError: () => errorResponse(statusError(500)),
		faultBody: (status) => errorResponse(statusError(status)),
		faults,
		counters,
		port: options.port,
		host: options.host,
		onResponse: options.onResponse,
	});
	return {
		rootUrl: `${server.url}/`,
		tokenUrl: `${server.url}/token`,
		authUrl: `${server.url}/o/oauth2/v2/auth`,
		clientId: state.clientId,
		clientSecret: state.clientSecret,
		refreshToken: state.refreshToken,
		state,
		faults,
		counters,
		reset,
		seed: seedMore,
		settings: () => settingsOf(state),
		close: () => server.close(),
	};
}
