/**
 * The test control API under /_sim/ (JSON in, JSON out), for tests and tools that drive the simulator
 * from another process: reset and seed, read and write contacts as a named user, expire tokens and
 * delta links, move the clock, faults, counters, latency. In-process tests use the same operations
 * on the exported objects (DynamicsState, FaultInjector, RequestCounters).
 */
import type { RequestCounters } from '../common/counters';
import type { FaultInjector, FaultRule } from '../common/faults';
import { type RouteMatch, type Router, type SimRequest, type SimResponse, jsonBody } from '../common/http';
import type { PageCursors } from './query';
import { type EntityRecord, recordJson } from './records';
import { CONTACT } from './schema';
import { seedContacts } from './seed';
import type { DynamicsState } from './state';
import { DataverseError } from './wire';

export interface ControlContext {
	state: DynamicsState;
	faults: FaultInjector;
	counters: RequestCounters;
	cursors: PageCursors;
	/** URLs and ids a tool needs to configure a client against this simulator. */
	info: () => Record<string, unknown>;
}

interface ContactWrite {
	/** systemuserid, full name or domain name of the user making the change (default: a person of the org). */
	as?: string;
	values?: Record<string, unknown>;
}

function ok(body: unknown, status = 200): SimResponse {
	return { status, headers: { 'Content-Type': 'application/json; charset=utf-8' }, body };
}

function fail(status: number, message: string): SimResponse {
	return ok({ error: message }, status);
}

/** A contact as the Web API returns it without $select (lookups as _x_value), for control responses. */
export function contactJson(state: DynamicsState, record: EntityRecord): Record<string, unknown> {
	return recordJson(CONTACT, record, { annotate: () => false, nameOf: (ref) => state.nameOf(ref) });
}

type ControlHandler = (request: SimRequest, id: string | undefined) => SimResponse;

export function controlRouter(context: ControlContext): Router {
	const { state } = context;
	const contactOrFail = (id: string | undefined, action: (record: EntityRecord) => SimResponse): SimResponse => {
		const record = id ? state.getContact(id) : undefined;
		return record ? action(record) : fail(404, `no contact '${id ?? ''}' in the simulator`);
	};

	const routes: Record<string, Partial<Record<string, ControlHandler>>> = {
		info: { GET: () => ok(context.info()) },
		reset: {
			POST: () => {
				state.reset();
				context.cursors.clear();
				return ok({ contacts: 0 });
			},
		},
		seed: {
			POST: (request) => {
				const options = jsonBody<{ count?: number; seed?: number; offset?: number }>(request) ?? {};
				if (!Number.isInteger(options.count) || (options.count as number) < 0) return fail(400, 'seed needs {"count": <non-negative integer>} (optional "seed" and "offset")');
				const created = seedContacts(state, options.count as number, { seed: options.seed, offset: options.offset });
				return ok({ created: created.length, contacts: state.count(CONTACT.logicalName) });
			},
		},
		contacts: {
			GET: (_request, id) => (id ? contactOrFail(id, (record) => ok(contactJson(state, record))) : ok({ value: state.listContacts().map((record) => contactJson(state, record)) })),
			POST: (request) => {
				const write = jsonBody<ContactWrite>(request) ?? {};
				return ok(contactJson(state, state.createContact(write.values ?? {}, { as: write.as })), 201);
			},
			PATCH: (request, id) =>
				contactOrFail(id, (record) => {
					const write = jsonBody<ContactWrite>(request) ?? {};
					return ok(contactJson(state, state.updateContact(record.id, write.values ?? {}, { as: write.as })));
				}),
			DELETE: (_request, id) =>
				contactOrFail(id, (record) => {
					state.deleteContact(record.id);
					return { status: 204 };
				}),
		},
		users: {
			GET: () =>
				ok({
					value: state.records('systemuser').map((record) => ({
						systemuserid: record.id,
						fullname: record.values.fullname,
						domainname: record.values.domainname,
						isdisabled: record.values.isdisabled,
						applicationid: record.values.applicationid,
					})),
				}),
		},
		'tokens/expire': {
			POST: () => {
				state.expireAccessTokens();
				return ok({ expired: true });
			},
		},
		'change-tracking/expire': {
			POST: () => {
				state.expireChangeTracking();
				return ok({ expired: true });
			},
		},
		'clock/advance': {
			POST: (request) => {
				const seconds = jsonBody<{ seconds?: number }>(request)?.seconds;
				if (typeof seconds !== 'number' || seconds < 0) return fail(400, 'clock/advance needs {"seconds": <non-negative number>}');
				state.advanceClock(seconds);
				return ok({ now: state.now().toISOString() });
			},
		},
		faults: {
			GET: () => ok({ value: context.faults.list() }),
			POST: (request) => {
				const rule = jsonBody<FaultRule>(request);
				if (!rule?.route) return fail(400, 'a fault rule needs {"route": "<route name, prefix* or *>", ...}');
				context.faults.add(rule);
				return ok({ value: context.faults.list() }, 201);
			},
			DELETE: () => {
				context.faults.clear();
				return { status: 204 };
			},
		},
		counters: {
			GET: () => ok(context.counters.snapshot()),
			DELETE: () => {
				context.counters.reset();
				return { status: 204 };
			},
		},
		latency: {
			PUT: (request) => {
				const ms = jsonBody<{ ms?: number }>(request)?.ms;
				if (typeof ms !== 'number' || ms < 0) return fail(400, 'latency needs {"ms": <non-negative number>}');
				state.latencyMs = ms;
				return ok({ ms });
			},
		},
	};

	return (request): RouteMatch | undefined => {
		const match = /^\/_sim\/(.+?)(?:\/([0-9a-fA-F-]{36}))?\/?$/.exec(request.path);
		const resource = match?.[1];
		const table = resource ? routes[resource] : undefined;
		if (!match || !table) return undefined;
		const handler = table[request.method];
		return {
			name: `control.${resource}`,
			handle: (incoming) => {
				if (!handler) return fail(405, `${incoming.method} is not supported on /_sim/${resource}; use ${Object.keys(table).join(', ')}`);
				try {
					return handler(incoming, match[2]);
				} catch (error) {
					if (error instanceof DataverseError) return ok({ error: { code: error.code, message: error.message } }, error.status);
					if (error instanceof Error) return fail(400, error.message);
					throw error;
				}
			},
		};
	};
}
