/**
 * The route table: each request path maps to a named route (the name fault rules and counters use)
 * and a handler returning a SimResponse. Web API routes check the bearer token first; Dataverse
 * errors thrown by handlers become Dataverse error bodies in one place.
 */
import type { RequestCounters } from '../common/counters';
import type { RouteMatch, Router, SimRequest, SimResponse } from '../common/http';
import { instanceDiscovery, issueToken, openIdConfiguration, signingKeys, type EntraContext } from './entra';
import { csdlDocument, metadataResponse, metadataRouteName, parseMetadataPath } from './metadata';
import { type ListContext, type PageCursors, countRecords, listRecords, readOptions, singleRecordJson } from './query';
import { type EntityRecord, recordJson } from './records';
import { type EntityDefinition, ENTITIES, entityBySet, navigationProperties, propertyName, wireProperties } from './schema';
import type { DynamicsState } from './state';
import {
	CODES,
	DataverseError,
	type Preferences,
	errorResponse,
	etag,
	header,
	isGuid,
	jsonResponse,
	noContent,
	odataError,
	parsePrefer,
	recordNotFound,
} from './wire';

export interface RouteContext extends EntraContext {
	cursors: PageCursors;
	counters: RequestCounters;
	/** The https origin of the Entra endpoints, for WWW-Authenticate. */
	authorityHost: () => string;
}

/** What a Web API handler gets: the request, its parsed Prefer header, the API root it used, and the caller. */
interface ApiCall {
	request: SimRequest;
	preferences: Preferences;
	list: ListContext;
	/** The systemuserid the request acts as (the app's user, or an impersonated one). */
	actor: string;
}

type ApiHandler = (call: ApiCall) => SimResponse;

const API_ROOT = /^\/api\/data\/(v\d+\.\d+)(?:\/(.*))?$/;
const ENTITY_SEGMENT = /^([A-Za-z_]\w*)(?:\((.*)\))?$/;

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Splits the raw path into decoded segments, so %2F inside a key value stays inside its segment. */
function rawSegments(rawUrl: string, prefixLength: number): string[] {
	const rawPath = rawUrl.split('?')[0].slice(prefixLength);
	return rawPath === '' ? [] : rawPath.split('/').map((segment) => decodeURIComponent(segment));
}

type RecordKey = { id: string } | { column: string; value: string };

/** Reads `(<guid>)`, `(contactid=<guid>)` or an alternate key `(new_googleresourcename='people/c1')`. */
function parseKey(definition: EntityDefinition, text: string): RecordKey {
	const trimmed = text.trim().replace(/^\{|\}$/g, '');
	if (isGuid(trimmed)) return { id: trimmed.toLowerCase() };
	const named = /^(\w+)=(?:'((?:[^']|'')*)'|([0-9a-fA-F-]{36}))$/.exec(text.trim());
	if (named && named[1] === definition.primaryIdAttribute && named[3] && isGuid(named[3])) return { id: named[3].toLowerCase() };
	if (named && named[2] !== undefined) {
		if (!definition.alternateKeys.includes(named[1])) {
			throw odataError(`'${named[1]}' is not an alternate key of ${definition.logicalName}; its keys are: ${definition.alternateKeys.join(', ') || 'none'}.`);
		}
		return { column: named[1], value: named[2].replace(/''/g, "'") };
	}
	throw odataError('Bad Request - Error in query syntax.');
}

function findByKey(state: DynamicsState, definition: EntityDefinition, key: RecordKey): EntityRecord | undefined {
	return 'id' in key ? state.get(definition.logicalName, key.id) : state.findByKey(definition.logicalName, key.column, key.value);
}

function missing(definition: EntityDefinition, key: RecordKey): DataverseError {
	if ('id' in key) return recordNotFound(definition.logicalName, key.id);
	return new DataverseError(404, CODES.recordNotFoundByKey, `A record with the specified key values does not exist in ${definition.logicalName} entity`);
}

function parseJsonBody(request: SimRequest): unknown {
	const text = request.body.toString('utf8');
	if (!text.trim()) return {};
	try {
		return JSON.parse(text);
	} catch {
		throw odataError('Invalid JSON. A token was not recognized in the JSON content.');
	}
}

function entityUrl(list: ListContext, definition: EntityDefinition, id: string): string {
	return `${list.apiBase}/${definition.entitySetName}(${id})`;
}

/** The answer to a create or upsert: 204 with OData-EntityId, or with return=representation the record itself. */
function writeResult(call: ApiCall, definition: EntityDefinition, record: EntityRecord, created: boolean): SimResponse {
	const location = entityUrl(call.list, definition, record.id);
	if (!call.preferences.returnRepresentation) {
		return noContent({ 'OData-EntityId': location, ...(created ? { Location: location } : {}) });
	}
	const body = singleRecordJson(call.list, definition, record, call.request.query, call.preferences);
	return jsonResponse(created ? 201 : 200, body, { ETag: etag(record.version), 'Preference-Applied': 'return=representation' });
}

/** If-Match / If-None-Match on a write: `*` or an ETag, as Dataverse's optimistic concurrency and upsert control use them. */
function checkPreconditions(request: SimRequest, definition: EntityDefinition, key: RecordKey, existing: EntityRecord | undefined): void {
	const ifMatch = header(request.headers, 'if-match');
	const ifNoneMatch = header(request.headers, 'if-none-match');
	if (ifMatch) {
		if (!existing) throw missing(definition, key);
		if (ifMatch.trim() !== '*' && !ifMatch.split(',').some((tag) => tag.trim() === etag(existing.version))) {
			throw new DataverseError(412, CODES.concurrencyVersionMismatch, "The version of the existing record doesn't match the RowVersion property provided.");
		}
	}
	if (ifNoneMatch?.trim() === '*' && existing) {
		throw new DataverseError(412, CODES.duplicateRecord, 'A record with matching key values already exists.');
	}
}

function collectionHandler(definition: EntityDefinition, method: string, params: URLSearchParams): { name: string; handle: ApiHandler } {
	if (method === 'GET') {
		return { name: `${definition.entitySetName}.${params.has('$deltatoken') ? 'delta' : 'list'}`, handle: (call) => listRecords(call.list, definition, call.request.query, call.preferences) };
	}
	if (method === 'POST') {
		return {
			name: `${definition.entitySetName}.create`,
			handle: (call) => {
				const record = call.list.state.createRecord(definition.logicalName, parseJsonBody(call.request), { as: call.actor });
				return writeResult(call, definition, record, true);
			},
		};
	}
	return { name: `${definition.entitySetName}.list`, handle: () => methodNotAllowed(method) };
}

function methodNotAllowed(method: string): never {
	throw new DataverseError(405, CODES.odataParse, `The requested resource does not support http method '${method}'.`);
}

function recordHandler(definition: EntityDefinition, keyText: string, method: string): { name: string; handle: ApiHandler } {
	const set = definition.entitySetName;
	const locate = (call: ApiCall) => {
		const key = parseKey(definition, keyText);
		return { key, existing: findByKey(call.list.state, definition, key) };
	};
	switch (method) {
		case 'GET':
			return {
				name: `${set}.get`,
				handle: (call) => {
					const { key, existing } = locate(call);
					if (!existing) throw missing(definition, key);
					const tag = etag(existing.version);
					const conditional = header(call.request.headers, 'if-none-match');
					const cacheable = call.preferences.includeAnnotations === undefined && !call.request.query.has('$expand');
					if (cacheable && conditional?.split(',').some((candidate) => candidate.trim() === tag)) return { status: 304, headers: { ETag: tag, 'OData-Version': '4.0' } };
					return jsonResponse(200, singleRecordJson(call.list, definition, existing, call.request.query, call.preferences), { ETag: tag });
				},
			};
		case 'PATCH':
			return {
				name: `${set}.update`,
				handle: (call) => {
					const { key, existing } = locate(call);
					checkPreconditions(call.request, definition, key, existing);
					const body = parseJsonBody(call.request) as Record<string, unknown>;
					const state = call.list.state;
					if (existing) {
						if ('column' in key) delete body[key.column];
						return writeResult(call, definition, state.updateRecord(definition.logicalName, existing.id, body, { as: call.actor }), false);
					}
					const createBody = 'column' in key ? { [key.column]: key.value, ...body } : body;
					const created = state.createRecord(definition.logicalName, createBody, { as: call.actor, id: 'id' in key ? key.id : undefined });
					return writeResult(call, definition, created, true);
				},
			};
		case 'DELETE':
			return {
				name: `${set}.delete`,
				handle: (call) => {
					const { key, existing } = locate(call);
					if (!existing) throw missing(definition, key);
					checkPreconditions(call.request, definition, key, existing);
					call.list.state.deleteRecord(definition.logicalName, existing.id);
					return noContent();
				},
			};
		default:
			return { name: `${set}.get`, handle: () => methodNotAllowed(method) };
	}
}

/** `<set>(<key>)/<property>` (GET, PUT {"value":...}, DELETE) and `<set>(<key>)/<navigation>/$ref` (PUT, DELETE). */
function propertyHandler(definition: EntityDefinition, keyText: string, segments: string[], method: string): { name: string; handle: ApiHandler } {
	const [propertyText, refSegment] = segments;
	const isRef = refSegment === '$ref';
	if (segments.length > 2 || (refSegment !== undefined && !isRef)) throw odataError(`Resource not found for the segment '${segments[segments.length - 1]}'.`, 404);
	return {
		name: `${definition.entitySetName}.${isRef ? 'ref' : 'property'}`,
		handle: (call) => {
			const key = parseKey(definition, keyText);
			const state = call.list.state;
			const existing = findByKey(state, definition, key);
			if (!existing) throw missing(definition, key);
			if (isRef) {
				if (!navigationProperties(definition).has(propertyText)) throw odataError(`Resource not found for the segment '${propertyText}'.`, 404);
				if (method === 'DELETE') state.updateRecord(definition.logicalName, existing.id, { [`${propertyText}@odata.bind`]: null }, { as: call.actor });
				else if (method === 'PUT') {
					const target = (parseJsonBody(call.request) as Record<string, unknown>)['@odata.id'];
					state.updateRecord(definition.logicalName, existing.id, { [`${propertyText}@odata.bind`]: target }, { as: call.actor });
				} else methodNotAllowed(method);
				return noContent();
			}
			const attribute = wireProperties(definition).get(propertyText);
			if (!attribute) throw odataError(`Resource not found for the segment '${propertyText}'.`, 404);
			if (method === 'GET') {
				const json = recordJson(definition, existing, { ...readOptions(state, call.preferences, [attribute]) });
				const value = json[propertyName(attribute)];
				if (value === null) return noContent();
				return jsonResponse(200, { '@odata.context': `${call.list.apiBase}/$metadata#${definition.entitySetName}(${existing.id})/${propertyText}`, value });
			}
			if (method === 'PUT') {
				const body = parseJsonBody(call.request) as Record<string, unknown>;
				if (!('value' in body)) throw odataError(`A request body with a 'value' property is required to set '${propertyText}'.`);
				state.updateRecord(definition.logicalName, existing.id, { [propertyText]: body.value }, { as: call.actor });
				return noContent();
			}
			if (method === 'DELETE') {
				state.updateRecord(definition.logicalName, existing.id, { [propertyText]: null }, { as: call.actor });
				return noContent();
			}
			return methodNotAllowed(method);
		},
	};
}

function serviceDocument(call: ApiCall): SimResponse {
	return jsonResponse(200, {
		'@odata.context': `${call.list.apiBase}/$metadata`,
		value: ENTITIES.map((definition) => ({ name: definition.entitySetName, kind: 'EntitySet', url: definition.entitySetName })),
	});
}

function whoAmI(call: ApiCall): SimResponse {
	const { state } = call.list;
	return jsonResponse(200, {
		'@odata.context': `${call.list.apiBase}/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`,
		BusinessUnitId: state.businessUnitId,
		UserId: call.actor,
		OrganizationId: state.organizationId,
	});
}

/** Finds the Web API route for a path below /api/data/v9.x/. */
function apiRoute(segments: string[], method: string, params: URLSearchParams): { name: string; handle: ApiHandler } {
	const [first, ...rest] = segments;
	if (first === undefined || first === '') return { name: 'servicedocument', handle: serviceDocument };
	if (first === '$metadata') return { name: 'metadata.csdl', handle: (call) => csdlDocument(call.request.query) };
	if (first === '$batch') return { name: 'batch', handle: () => methodNotAllowed(method) };
	if ((first === 'WhoAmI' || first === 'WhoAmI()') && rest.length === 0) return { name: 'whoami', handle: whoAmI };
	const metadataPath = parseMetadataPath(segments);
	if (metadataPath) return { name: metadataRouteName(metadataPath), handle: (call) => (method === 'GET' ? metadataResponse(call.list.apiBase, metadataPath, call.request.query) : methodNotAllowed(method)) };
	const match = ENTITY_SEGMENT.exec(first);
	const definition = match ? entityBySet(match[1]) : undefined;
	if (!match || !definition) throw odataError(`Resource not found for the segment '${match?.[1] ?? first}'.`, 404);
	const keyText = match[2];
	if (keyText === undefined) {
		if (rest.length === 1 && rest[0] === '$count') return { name: `${definition.entitySetName}.count`, handle: (call) => countRecords(call.list.state, definition, call.request.query) };
		if (rest.length > 0) throw odataError(`Resource not found for the segment '${rest[0]}'.`, 404);
		return collectionHandler(definition, method, params);
	}
	if (rest.length > 0) return propertyHandler(definition, keyText, rest, method);
	return recordHandler(definition, keyText, method);
}

export interface DynamicsRouter {
	router: Router;
	/**
	 * Runs one Web API request without the HTTP shell (no faults, no latency): $batch uses it for
	 * each part, counted as `batch:<route>`.
	 */
	dispatch(request: SimRequest): SimResponse;
}

export function createRouter(context: RouteContext, extra: { control: Router; batch: (request: SimRequest, dispatch: DynamicsRouter['dispatch']) => SimResponse }): DynamicsRouter {
	const { state } = context;

	/** 401 unless the request carries a live token; else the systemuser it acts as. */
	const authenticate = (request: SimRequest): { actor: string } | SimResponse => {
		const challenge = `Bearer authorization_uri=${context.authorityHost()}/${state.tenantId}/oauth2/authorize, resource_id=${request.origin}/`;
		const bearer = /^Bearer\s+(\S+)$/i.exec(header(request.headers, 'authorization') ?? '');
		const grant = bearer ? state.checkAccessToken(bearer[1]) : undefined;
		if (!grant || grant === 'expired') {
			return jsonResponse(401, { error: { code: CODES.accessTokenExpired, message: 'The requested resource requires authentication.' } }, { 'WWW-Authenticate': challenge });
		}
		const impersonated = header(request.headers, 'mscrmcallerid') ?? header(request.headers, 'callerobjectid');
		return { actor: impersonated ? state.userId(impersonated) : state.app.applicationUserId };
	};

	const run = (handle: ApiHandler, request: SimRequest, apiBase: string): SimResponse => {
		try {
			const identity = authenticate(request);
			if ('status' in identity) return identity;
			return handle({ request, preferences: parsePrefer(request.headers.prefer), list: { state, cursors: context.cursors, apiBase }, actor: identity.actor });
		} catch (error) {
			if (error instanceof DataverseError) return errorResponse(error);
			throw error;
		}
	};

	/** The route of a Web API request, or undefined when the path is not under /api/data/. */
	const resolveApi = (request: SimRequest): { name: string; handle: ApiHandler; apiBase: string } | undefined => {
		const root = API_ROOT.exec(request.rawUrl.split('?')[0]);
		if (!root) return undefined;
		const apiBase = `${request.origin}/api/data/${root[1]}`;
		try {
			return { ...apiRoute(rawSegments(request.rawUrl, `/api/data/${root[1]}/`.length), request.method, request.query), apiBase };
		} catch (error) {
			if (!(error instanceof DataverseError)) throw error;
			return { name: 'api.invalid', handle: () => { throw error; }, apiBase };
		}
	};

	const entraRoute = (request: SimRequest): RouteMatch | undefined => {
		const segments = request.path.split('/').filter(Boolean);
		const [tenant, ...rest] = segments;
		const tail = rest.join('/');
		if (request.method === 'GET' && tail === 'discovery/instance') return { name: 'entra.discovery', handle: (r) => instanceDiscovery(context, r) };
		if (request.method === 'GET' && (tail === 'v2.0/.well-known/openid-configuration' || tail === '.well-known/openid-configuration')) {
			return { name: 'entra.openid', handle: (r) => openIdConfiguration(context, r, tenant) };
		}
		if (request.method === 'GET' && tail === 'discovery/v2.0/keys') return { name: 'entra.keys', handle: (r) => signingKeys(context, r, tenant) };
		if (request.method === 'POST' && tail === 'oauth2/v2.0/token') return { name: 'entra.token', handle: (r) => issueToken(context, r, tenant) };
		return undefined;
	};

	const withLatency = (route: RouteMatch): RouteMatch => ({
		name: route.name,
		handle: async (request) => {
			if (state.latencyMs > 0) await sleep(state.latencyMs);
			return route.handle(request);
		},
	});

	const dispatch = (request: SimRequest): SimResponse => {
		const route = resolveApi(request);
		if (!route) return errorResponse(odataError(`Resource not found for the segment '${request.path}'.`, 404));
		context.counters.record(`batch:${route.name}`);
		return run(route.handle, request, route.apiBase);
	};

	const router: Router = (request) => {
		const control = extra.control(request);
		if (control) return control;
		const api = resolveApi(request);
		if (api) {
			if (api.name === 'batch' && request.method === 'POST') {
				return withLatency({
					name: 'batch',
					handle: (r) => {
						const identity = authenticate(r);
						return 'status' in identity ? identity : extra.batch(r, dispatch);
					},
				});
			}
			return withLatency({ name: api.name, handle: (r) => run(api.handle, r, api.apiBase) });
		}
		const entra = entraRoute(request);
		return entra ? withLatency(entra) : undefined;
	};

	return { router, dispatch };
}

/** What a path that matches no route gets: Dataverse's 404 under /api/data, a plain 404 elsewhere. */
export function notFound(request: SimRequest): SimResponse {
	if (request.path.startsWith('/api/data/')) return errorResponse(odataError(`Resource not found for the segment '${request.path.split('/').pop()}'.`, 404));
	return { status: 404, headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: { error: 'not_found', error_description: `No simulator route for ${request.method} ${request.path}` } };
}

export function faultBody(state: DynamicsState, status: number, route: string): SimResponse {
	if (route.startsWith('entra.')) {
		return {
			status,
			headers: { 'Content-Type': 'application/json; charset=utf-8' },
			body: { error: 'temporarily_unavailable', error_description: 'AADSTS90033: A transient error has occurred. Please try again.', error_codes: [90033], timestamp: state.now().toISOString() },
		};
	}
	if (status === 429) return errorResponse(new DataverseError(429, CODES.throttledRequests, 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.'));
	if (status === 401) return errorResponse(new DataverseError(401, CODES.accessTokenExpired, 'The requested resource requires authentication.'));
	if (status === 412) return errorResponse(new DataverseError(412, CODES.concurrencyVersionMismatch, "The version of the existing record doesn't match the RowVersion property provided."));
	if (status >= 500) return errorResponse(new DataverseError(status, CODES.unexpected, status === 503 ? 'The service is temporarily unavailable. Please try again later.' : 'An unexpected error occurred.'));
	return errorResponse(new DataverseError(status, '', `Simulated fault: HTTP ${status}.`));
}

/** The body of an exception a handler did not expect; the message helps debugging and never holds secrets. */
export function internalError(error: unknown): SimResponse {
	return errorResponse(new DataverseError(500, CODES.unexpected, `An unexpected error occurred. (simulator: ${error instanceof Error ? error.message : String(error)})`));
}

