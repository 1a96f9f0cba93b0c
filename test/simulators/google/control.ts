/**
 * The simulator's control API under /_sim/ (JSON, no auth): what a test or a person at the keyboard
 * does to the account from outside the API: reset and seed, look at contacts, edit or delete one as
 * the user would in Google Contacts, revoke or expire tokens, set faults, latency and quotas, and
 * read the request counters. Every action is also available in process on GoogleSimulator.
 */
import type { people_v1 } from '@googleapis/people';
import { jsonBody, type RouteMatch, type SimRequest, type SimResponse } from '../common/http';
import type { FaultInjector, FaultRule } from '../common/faults';
import type { RequestCounters } from '../common/counters';
import { GoogleApiError, errorResponse, json } from './wire';
import type { GoogleSimulatorSettings, GoogleState } from './state';

export interface ControlTarget {
	state: GoogleState;
	faults: FaultInjector;
	counters: RequestCounters;
	/** Empties the account and seeds `contacts` people (default: none). */
	reset(options?: { contacts?: number; seed?: number }): void;
	/** Adds `count` seed people after the ones seeded so far. */
	seed(count: number): void;
}

export function settingsOf(state: GoogleState): GoogleSimulatorSettings {
	return structuredClone(state.settings);
}

export function applySettings(state: GoogleState, changes: Partial<GoogleSimulatorSettings>): GoogleSimulatorSettings {
	for (const key of Object.keys(changes)) {
		if (!(key in state.settings)) throw new Error(`unknown setting "${key}"; known: ${Object.keys(state.settings).join(', ')}`);
	}
	Object.assign(state.settings, changes);
	return settingsOf(state);
}

type ControlHandler = (request: SimRequest, id: string) => SimResponse;

function input<T>(request: SimRequest): T {
	if (request.body.length === 0) return {} as T;
	const parsed = jsonBody<T>(request);
	if (parsed === undefined) throw new Error('the request body is not valid JSON');
	return parsed;
}

function contactName(id: string): string {
	return id.startsWith('people/') ? id : `people/${id}`;
}

function controlRoutes(target: ControlTarget): Array<[string, RegExp, string, ControlHandler]> {
	const { state, faults, counters } = target;
	return [
		['POST', /^\/_sim\/reset$/, '_sim.reset', (request) => {
			target.reset(input<{ contacts?: number; seed?: number }>(request));
			return json({ contacts: state.contactCount });
		}],
		['POST', /^\/_sim\/seed$/, '_sim.seed', (request) => {
			target.seed(input<{ contacts?: number }>(request).contacts ?? 0);
			return json({ contacts: state.contactCount });
		}],
		['GET', /^\/_sim\/contacts$/, '_sim.contacts.list', () => json({ contacts: state.listAll() })],
		['POST', /^\/_sim\/contacts$/, '_sim.contacts.create', (request) => json(state.createContact(input<people_v1.Schema$Person>(request)))],
		['GET', /^\/_sim\/contacts\/(.+)$/, '_sim.contacts.get', (_request, id) => {
			const person = state.getFull(contactName(id));
			return person ? json(person) : json({ error: `no contact ${contactName(id)}` }, 404);
		}],
		['PATCH', /^\/_sim\/contacts\/(.+)$/, '_sim.contacts.edit', (request, id) => json(state.editAsUser(contactName(id), input<people_v1.Schema$Person>(request)))],
		['DELETE', /^\/_sim\/contacts\/(.+)$/, '_sim.contacts.delete', (_request, id) => {
			state.deleteContact(contactName(id));
			return json({});
		}],
		['POST', /^\/_sim\/oauth\/revoke$/, '_sim.oauth.revoke', (request) => {
			state.revokeRefreshTokens(input<{ refreshToken?: string }>(request).refreshToken);
			return json({});
		}],
		['POST', /^\/_sim\/oauth\/expire-access-tokens$/, '_sim.oauth.expireAccessTokens', () => {
			state.expireAccessTokens();
			return json({});
		}],
		['POST', /^\/_sim\/oauth\/grant$/, '_sim.oauth.grant', (request) => json({ refreshToken: state.grantRefreshToken(input<{ scope?: string }>(request).scope) })],
		['POST', /^\/_sim\/sync-tokens\/expire$/, '_sim.syncTokens.expire', () => {
			state.expireSyncTokens();
			return json({});
		}],
		['POST', /^\/_sim\/search-index\/refresh$/, '_sim.searchIndex.refresh', () => {
			state.refreshSearchIndex();
			return json({});
		}],
		['GET', /^\/_sim\/faults$/, '_sim.faults.list', () => json({ rules: faults.list() })],
		['POST', /^\/_sim\/faults$/, '_sim.faults.add', (request) => {
			faults.add(input<FaultRule>(request));
			return json({ rules: faults.list() });
		}],
		['DELETE', /^\/_sim\/faults$/, '_sim.faults.clear', () => {
			faults.clear();
			return json({ rules: [] });
		}],
		['GET', /^\/_sim\/counters$/, '_sim.counters.get', () => json(counters.snapshot())],
		['DELETE', /^\/_sim\/counters$/, '_sim.counters.reset', () => {
			counters.reset();
			return json({});
		}],
		['GET', /^\/_sim\/settings$/, '_sim.settings.get', () => json(settingsOf(state))],
		['PATCH', /^\/_sim\/settings$/, '_sim.settings.update', (request) => json(applySettings(state, input<Partial<GoogleSimulatorSettings>>(request)))],
		['GET', /^\/_sim\/stats$/, '_sim.stats', () => json({ contacts: state.contactCount, mutations: state.mutations })],
	];
}

/** Resolves /_sim/ requests; control errors answer 400 with a plain message (API errors keep Google's shape). */
export function controlRouter(target: ControlTarget): (request: SimRequest) => RouteMatch | undefined {
	const routes = controlRoutes(target);
	return (request) => {
		for (const [method, pattern, name, handler] of routes) {
			const match = request.method === method ? pattern.exec(request.path) : null;
			if (!match) continue;
			return {
				name,
				handle: (req) => {
					try {
						return handler(req, match[1] ?? '');
					} catch (error) {
						if (error instanceof GoogleApiError) return errorResponse(error);
						return json({ error: error instanceof Error ? error.message : String(error) }, 400);
					}
				},
			};
		}
		return undefined;
	};
}
