/**
 * The People API's HTTP surface (paths as `@googleapis/people` builds them under rootUrl) and
 * Google's OAuth endpoints. Each route parses and validates its request as the API does, calls the
 * state and answers in Google's wire format; route names match googleapis method names.
 */
import type { people_v1 } from '@googleapis/people';
import { jsonBody, type RouteMatch, type SimRequest, type SimResponse } from '../common/http';
import { GoogleApiError, errorResponse, invalidArgument, json } from './wire';
import { READABLE_PERSON_FIELDS, UPDATABLE_PERSON_FIELDS } from './person';
import { OAuthError, type GoogleState, type SortOrder } from './state';

type Handler = (request: SimRequest) => SimResponse | Promise<SimResponse>;

const MASK_DOCS = 'Valid paths are documented at https://developers.google.com/people/api/rest/v1/people/get.';
const GROUP_FIELDS = new Set(['clientData', 'groupType', 'memberCount', 'metadata', 'name']);
const DEFAULT_GROUP_FIELDS = new Set(['metadata', 'groupType', 'memberCount', 'name']);
const UPDATABLE_GROUP_FIELDS = new Set(['clientData', 'name']);
const SORT_ORDERS = new Set<SortOrder>(['LAST_MODIFIED_ASCENDING', 'LAST_MODIFIED_DESCENDING', 'FIRST_NAME_ASCENDING', 'LAST_NAME_ASCENDING']);
const READ_SOURCES = new Set(['READ_SOURCE_TYPE_UNSPECIFIED', 'READ_SOURCE_TYPE_PROFILE', 'READ_SOURCE_TYPE_CONTACT', 'READ_SOURCE_TYPE_DOMAIN_CONTACT']);

const LIMITS = { connectionsPageSize: 1000, batchGet: 200, batchCreate: 200, batchUpdate: 200, batchDelete: 500, searchPageSize: 30, groupsPageSize: 1000, groupsBatchGet: 200, membersModify: 1000 };

const PROFILE: people_v1.Schema$Person = {
	resourceName: 'people/101234567890123456789',
	etag: '%EgMBAgMaBAECAwQ=',
	metadata: { sources: [{ type: 'PROFILE', id: '101234567890123456789' }], objectType: 'PERSON' },
	names: [{ displayName: 'Sim User', givenName: 'Sim', familyName: 'User', metadata: { primary: true, source: { type: 'PROFILE', id: '101234567890123456789' } } }],
	emailAddresses: [{ value: 'sim.user@example.com', metadata: { primary: true, verified: true, source: { type: 'ACCOUNT', id: '101234567890123456789' } } }],
};

// ---- request parsing --------------------------------------------------------------------------

/** A field mask, validated against the fields the parameter accepts; undefined when not given. */
function parseMask(value: string | null | undefined, parameter: string, allowed: ReadonlySet<string>): Set<string> | undefined {
	if (value === null || value === undefined || value.trim() === '') return undefined;
	const fields = new Set<string>();
	for (const raw of value.split(',')) {
		const path = raw.trim().replace(/^person\./, '');
		if (!allowed.has(path)) throw invalidArgument(`Invalid ${parameter} mask path: "${raw.trim()}". ${MASK_DOCS}`);
		fields.add(path);
	}
	return fields;
}

function requiredMask(value: string | null | undefined, parameter: string, allowed: ReadonlySet<string>): Set<string> {
	const mask = parseMask(value, parameter, allowed);
	if (!mask) throw invalidArgument(`${parameter} mask is required. Please specify one or more valid paths. ${MASK_DOCS}`);
	return mask;
}

/** googleapis may send a mask as repeated parameters; Google joins them. */
function queryMask(request: SimRequest, parameter: string): string | undefined {
	const values = request.query.getAll(parameter);
	return values.length ? values.join(',') : undefined;
}

function integer(value: string | null, parameter: string, fallback: number): number {
	if (value === null || value === '') return fallback;
	if (!/^-?\d+$/.test(value)) throw invalidArgument(`Invalid value at '${parameter}' (TYPE_INT32), "${value}"`);
	return Number(value);
}

function pageSize(value: string | null, parameter: string, defaultSize: number, max: number): number {
	const size = integer(value, parameter, 0);
	if (size < 0 || size > max) throw invalidArgument(`${parameter} must be between 1 and ${max}, got ${size}.`);
	return size === 0 ? defaultSize : size;
}

function boolean(value: string | null, parameter: string): boolean {
	if (value === null || value === '' || value === 'false') return false;
	if (value === 'true') return true;
	throw invalidArgument(`Invalid value at '${parameter}' (TYPE_BOOL), "${value}"`);
}

function sources(values: string[]): string[] {
	for (const value of values) if (!READ_SOURCES.has(value)) throw invalidArgument(`Invalid value at 'sources[]' (type.googleapis.com/google.people.v1.ReadSourceType), "${value}"`);
	return values;
}

function body<T extends object>(request: SimRequest, known: string[], path: string): Partial<T> {
	if (request.body.length === 0) return {};
	const parsed = jsonBody<Record<string, unknown>>(request);
	if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidArgument('Invalid JSON payload received. Expected an object.');
	for (const key of Object.keys(parsed)) {
		if (!known.includes(key)) throw invalidArgument(`Invalid JSON payload received. Unknown name "${key}" at '${path}': Cannot find field.`);
	}
	return parsed as Partial<T>;
}

function atMost(count: number, max: number, what: string): void {
	if (count > max) throw invalidArgument(`Too many ${what} in the request: ${count}; at most ${max} are allowed.`);
}

function formBody(request: SimRequest): URLSearchParams {
	const text = request.body.toString('utf8');
	if ((request.headers['content-type'] ?? '').includes('application/json')) {
		return new URLSearchParams(Object.entries(JSON.parse(text || '{}') as Record<string, unknown>).map(([key, value]): [string, string] => [key, String(value)]));
	}
	return new URLSearchParams(text);
}

// ---- OAuth endpoints --------------------------------------------------------------------------

function oauthError(error: OAuthError): SimResponse {
	return { status: error.httpStatus, headers: { 'Cache-Control': 'no-store' }, body: { error: error.error, error_description: error.description } };
}

function tokenEndpoint(state: GoogleState): Handler {
	return (request) => {
		try {
			const form = formBody(request);
			let clientId = form.get('client_id') ?? undefined;
			let clientSecret = form.get('client_secret') ?? undefined;
			const basic = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? '');
			if (basic) [clientId, clientSecret] = Buffer.from(basic[1], 'base64').toString('utf8').split(':').map(decodeURIComponent);
			state.checkClient(clientId, clientSecret);
			const grantType = form.get('grant_type');
			let tokens;
			if (grantType === 'refresh_token') tokens = state.refreshAccessToken(form.get('refresh_token') ?? undefined);
			else if (grantType === 'authorization_code') tokens = state.exchangeCode(form.get('code') ?? undefined, form.get('redirect_uri') ?? undefined);
			else throw new OAuthError(400, 'unsupported_grant_type', `Invalid grant_type: ${grantType ?? ''}`);
			return { status: 200, headers: { 'Cache-Control': 'no-cache, no-store, max-age=0, must-revalidate', Pragma: 'no-cache' }, body: tokens };
		} catch (error) {
			if (error instanceof OAuthError) return oauthError(error);
			throw error;
		}
	};
}

function authorizeEndpoint(state: GoogleState): Handler {
	return (request) => {
		try {
			const redirectUri = request.query.get('redirect_uri') ?? undefined;
			const code = state.authorize(request.query.get('client_id') ?? undefined, redirectUri, request.query.get('scope') ?? undefined);
			const location = new URL(redirectUri!);
			location.searchParams.set('code', code);
			const stateParameter = request.query.get('state');
			if (stateParameter !== null) location.searchParams.set('state', stateParameter);
			location.searchParams.set('scope', request.query.get('scope') ?? '');
			return { status: 302, headers: { Location: location.href } };
		} catch (error) {
			if (error instanceof OAuthError) return oauthError(error);
			throw error;
		}
	};
}

function revokeEndpoint(state: GoogleState): Handler {
	return (request) => {
		const token = request.query.get('token') ?? formBody(request).get('token') ?? undefined;
		if (!token) return oauthError(new OAuthError(400, 'invalid_request', 'Missing required parameter: token'));
		state.revokeRefreshTokens(token);
		return json({});
	};
}

// ---- People API -------------------------------------------------------------------------------

function personFieldsOrAll(request: SimRequest): Set<string> {
	return parseMask(queryMask(request, 'personFields'), 'personFields', READABLE_PERSON_FIELDS) ?? new Set(READABLE_PERSON_FIELDS);
}

function peopleRoutes(state: GoogleState): Record<string, Handler> {
	return {
		'people.connections.list': (request) => {
			const resourceName = request.path.slice('/v1/'.length, -'/connections'.length);
			if (resourceName !== 'people/me') throw invalidArgument(`Only people/me is valid for connections, got ${resourceName}.`);
			const sortOrder = (request.query.get('sortOrder') ?? 'LAST_MODIFIED_ASCENDING') as SortOrder;
			if (!SORT_ORDERS.has(sortOrder)) throw invalidArgument(`Invalid value at 'sort_order' (type.googleapis.com/google.people.v1.ListConnectionsRequest.SortOrder), "${sortOrder}"`);
			return json(
				state.listConnections({
					personFields: requiredMask(queryMask(request, 'personFields'), 'personFields', READABLE_PERSON_FIELDS),
					pageSize: pageSize(request.query.get('pageSize'), 'pageSize', 100, LIMITS.connectionsPageSize),
					pageToken: request.query.get('pageToken') || undefined,
					syncToken: request.query.get('syncToken') || undefined,
					requestSyncToken: boolean(request.query.get('requestSyncToken'), 'request_sync_token'),
					sortOrder,
					sources: sources(request.query.getAll('sources')),
				}),
			);
		},
		'people.get': (request) => {
			const fields = requiredMask(queryMask(request, 'personFields'), 'personFields', READABLE_PERSON_FIELDS);
			const resourceName = request.path.slice('/v1/'.length);
			if (resourceName === 'people/me') return json(PROFILE);
			return json(state.getPerson(resourceName, fields));
		},
		'people.getBatchGet': (request) => {
			const fields = requiredMask(queryMask(request, 'personFields'), 'personFields', READABLE_PERSON_FIELDS);
			const resourceNames = request.query.getAll('resourceNames');
			if (!resourceNames.length) throw invalidArgument('resourceNames must contain at least one resource name.');
			atMost(resourceNames.length, LIMITS.batchGet, 'resourceNames');
			return json(state.batchGet(resourceNames, fields));
		},
		'people.searchContacts': (request) => {
			const fields = requiredMask(queryMask(request, 'readMask'), 'readMask', READABLE_PERSON_FIELDS);
			sources(request.query.getAll('sources'));
			// Sizes above 30 are capped to 30, not rejected.
			const size = integer(request.query.get('pageSize'), 'page_size', 10);
			if (size < 0) throw invalidArgument(`pageSize must not be negative, got ${size}.`);
			return json(state.search(request.query.get('query') ?? '', fields, Math.min(size || 10, LIMITS.searchPageSize)));
		},
		'people.createContact': (request) => {
			const fields = personFieldsOrAll(request);
			const person = state.createContact(request.body.length ? jsonBody(request) : {}, true);
			return json(state.getPerson(person.resourceName!, fields));
		},
		'people.updateContact': (request) => {
			const updateFields = requiredMask(queryMask(request, 'updatePersonFields'), 'updatePersonFields', UPDATABLE_PERSON_FIELDS);
			const fields = personFieldsOrAll(request);
			const resourceName = request.path.slice('/v1/'.length, -':updateContact'.length);
			state.updateContact(resourceName, request.body.length ? jsonBody(request) : {}, updateFields, true);
			return json(state.getPerson(resourceName, fields));
		},
		'people.deleteContact': (request) => {
			state.deleteContact(request.path.slice('/v1/'.length, -':deleteContact'.length));
			return json({});
		},
		'people.batchCreateContacts': (request) => {
			const input = body<people_v1.Schema$BatchCreateContactsRequest>(request, ['contacts', 'readMask', 'sources'], 'batch_create_contacts_request');
			const readMask = parseMask(input.readMask, 'readMask', READABLE_PERSON_FIELDS);
			if (input.readMask === undefined) throw invalidArgument(`readMask mask is required. Please specify one or more valid paths. ${MASK_DOCS}`);
			sources(input.sources ?? []);
			const contacts = input.contacts ?? [];
			if (!contacts.length) throw invalidArgument('contacts must contain at least one contact to create.');
			atMost(contacts.length, LIMITS.batchCreate, 'contacts');
			const created = state.createContacts(contacts.map((contact) => contact?.contactPerson ?? {}), true);
			return json({ createdPeople: created.map((person) => ({ person: readMask ? state.getPerson(person.resourceName!, readMask) : undefined, httpStatusCode: 200, status: {} })) });
		},
		'people.batchUpdateContacts': (request) => {
			const input = body<people_v1.Schema$BatchUpdateContactsRequest>(request, ['contacts', 'updateMask', 'readMask', 'sources'], 'batch_update_contacts_request');
			const updateFields = requiredMask(input.updateMask, 'updateMask', UPDATABLE_PERSON_FIELDS);
			const readMask = parseMask(input.readMask, 'readMask', READABLE_PERSON_FIELDS);
			if (input.readMask === undefined) throw invalidArgument(`readMask mask is required. Please specify one or more valid paths. ${MASK_DOCS}`);
			sources(input.sources ?? []);
			const contacts = input.contacts ?? {};
			if (!Object.keys(contacts).length) throw invalidArgument('contacts must contain at least one contact to update.');
			atMost(Object.keys(contacts).length, LIMITS.batchUpdate, 'contacts');
			const updated = state.batchUpdate(contacts, updateFields, true);
			const updateResult = Object.fromEntries(
				Object.keys(updated).map((resourceName) => [resourceName, { requestedResourceName: resourceName, person: readMask ? state.getPerson(resourceName, readMask) : undefined, httpStatusCode: 200, status: {} }]),
			);
			return json({ updateResult });
		},
		'people.batchDeleteContacts': (request) => {
			const input = body<people_v1.Schema$BatchDeleteContactsRequest>(request, ['resourceNames'], 'batch_delete_contacts_request');
			const resourceNames = input.resourceNames ?? [];
			if (!resourceNames.length) throw invalidArgument('resourceNames must contain at least one resource name.');
			atMost(resourceNames.length, LIMITS.batchDelete, 'resourceNames');
			state.batchDelete(resourceNames);
			return json({});
		},
	};
}

function groupFieldsOf(value: string | null | undefined, parameter: string): Set<string> {
	return parseMask(value, parameter, GROUP_FIELDS) ?? new Set(DEFAULT_GROUP_FIELDS);
}

function groupRoutes(state: GoogleState): Record<string, Handler> {
	const groupName = (request: SimRequest, suffix = '') => request.path.slice('/v1/'.length, request.path.length - suffix.length);
	return {
		'contactGroups.list': (request) =>
			json(
				state.listGroups(
					groupFieldsOf(queryMask(request, 'groupFields'), 'groupFields'),
					pageSize(request.query.get('pageSize'), 'pageSize', 30, LIMITS.groupsPageSize),
					request.query.get('pageToken') || undefined,
					request.query.get('syncToken') || undefined,
				),
			),
		'contactGroups.get': (request) =>
			json(state.getGroup(groupName(request), groupFieldsOf(queryMask(request, 'groupFields'), 'groupFields'), integer(request.query.get('maxMembers'), 'max_members', 0))),
		'contactGroups.batchGet': (request) => {
			const resourceNames = request.query.getAll('resourceNames');
			if (!resourceNames.length) throw invalidArgument('resourceNames must contain at least one resource name.');
			atMost(resourceNames.length, LIMITS.groupsBatchGet, 'resourceNames');
			return json(state.batchGetGroups(resourceNames, groupFieldsOf(queryMask(request, 'groupFields'), 'groupFields'), integer(request.query.get('maxMembers'), 'max_members', 0)));
		},
		'contactGroups.create': (request) => {
			const input = body<people_v1.Schema$CreateContactGroupRequest>(request, ['contactGroup', 'readGroupFields'], 'create_contact_group_request');
			return json(state.createGroup(input.contactGroup, groupFieldsOf(input.readGroupFields, 'readGroupFields')));
		},
		'contactGroups.update': (request) => {
			const input = body<people_v1.Schema$UpdateContactGroupRequest>(request, ['contactGroup', 'updateGroupFields', 'readGroupFields'], 'update_contact_group_request');
			const updateFields = parseMask(input.updateGroupFields, 'updateGroupFields', UPDATABLE_GROUP_FIELDS) ?? new Set(['name']);
			return json(state.updateGroup(groupName(request), input.contactGroup, updateFields, groupFieldsOf(input.readGroupFields, 'readGroupFields')));
		},
		'contactGroups.delete': (request) => {
			state.deleteGroup(groupName(request), boolean(request.query.get('deleteContacts'), 'delete_contacts'));
			return json({});
		},
		'contactGroups.members.modify': (request) => {
			const input = body<people_v1.Schema$ModifyContactGroupMembersRequest>(request, ['resourceNamesToAdd', 'resourceNamesToRemove'], 'modify_contact_group_members_request');
			const add = input.resourceNamesToAdd ?? [];
			const remove = input.resourceNamesToRemove ?? [];
			atMost(add.length + remove.length, LIMITS.membersModify, 'resource names to add and remove');
			return json(state.modifyMembers(groupName(request, '/members:modify'), add, remove));
		},
	};
}

// ---- routing ----------------------------------------------------------------------------------

const PERSON = 'people/[^/:]+';
const GROUP = 'contactGroups/[^/:]+';

/** [method, path pattern, route name]; the first match wins, so fixed names come before `{resourceName}`. */
const ROUTE_TABLE: Array<[string, RegExp, string]> = [
	['GET', /^\/v1\/people\/me\/connections$/, 'people.connections.list'],
	['GET', /^\/v1\/people\/[^/:]+\/connections$/, 'people.connections.list'],
	['GET', /^\/v1\/people:batchGet$/, 'people.getBatchGet'],
	['GET', /^\/v1\/people:searchContacts$/, 'people.searchContacts'],
	['POST', /^\/v1\/people:createContact$/, 'people.createContact'],
	['POST', /^\/v1\/people:batchCreateContacts$/, 'people.batchCreateContacts'],
	['POST', /^\/v1\/people:batchUpdateContacts$/, 'people.batchUpdateContacts'],
	['POST', /^\/v1\/people:batchDeleteContacts$/, 'people.batchDeleteContacts'],
	['PATCH', new RegExp(`^/v1/${PERSON}:updateContact$`), 'people.updateContact'],
	['DELETE', new RegExp(`^/v1/${PERSON}:deleteContact$`), 'people.deleteContact'],
	['GET', new RegExp(`^/v1/${PERSON}$`), 'people.get'],
	['GET', /^\/v1\/contactGroups$/, 'contactGroups.list'],
	['POST', /^\/v1\/contactGroups$/, 'contactGroups.create'],
	['GET', /^\/v1\/contactGroups:batchGet$/, 'contactGroups.batchGet'],
	['POST', new RegExp(`^/v1/${GROUP}/members:modify$`), 'contactGroups.members.modify'],
	['GET', new RegExp(`^/v1/${GROUP}$`), 'contactGroups.get'],
	['PUT', new RegExp(`^/v1/${GROUP}$`), 'contactGroups.update'],
	['DELETE', new RegExp(`^/v1/${GROUP}$`), 'contactGroups.delete'],
];

const WRITE_ROUTES = new Set([
	'people.createContact', 'people.updateContact', 'people.deleteContact', 'people.batchCreateContacts', 'people.batchUpdateContacts',
	'people.batchDeleteContacts', 'contactGroups.create', 'contactGroups.update', 'contactGroups.delete', 'contactGroups.members.modify',
]);

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Wraps an API handler in what every People API call goes through, in Google's order: the bearer
 * token, the per-minute quota, then (for mutations) the one-mutation-at-a-time rule.
 */
function apiHandler(state: GoogleState, name: string, handler: Handler): Handler {
	const write = WRITE_ROUTES.has(name);
	return async (request) => {
		try {
			if (state.settings.latencyMs > 0) await sleep(state.settings.latencyMs);
			state.authenticate(request.headers.authorization, write);
			state.consumeQuota(write ? 'write' : 'read');
			return await (write ? state.mutate(() => handler(request)) : handler(request));
		} catch (error) {
			if (error instanceof GoogleApiError) return errorResponse(error);
			throw error;
		}
	};
}

/** Resolves a request to a named People API or OAuth route, or undefined. */
export function googleApiRouter(state: GoogleState): (request: SimRequest) => RouteMatch | undefined {
	const handlers: Record<string, Handler> = { ...peopleRoutes(state), ...groupRoutes(state) };
	const oauth: Array<[string, string, string, Handler]> = [
		['POST', '/token', 'token', tokenEndpoint(state)],
		['GET', '/o/oauth2/v2/auth', 'oauth.authorize', authorizeEndpoint(state)],
		['GET', '/o/oauth2/auth', 'oauth.authorize', authorizeEndpoint(state)],
		['POST', '/revoke', 'oauth.revoke', revokeEndpoint(state)],
	];
	return (request) => {
		for (const [method, path, name, handle] of oauth) if (request.method === method && request.path === path) return { name, handle };
		for (const [method, pattern, name] of ROUTE_TABLE) {
			if (request.method === method && pattern.test(request.path)) return { name, handle: apiHandler(state, name, handlers[name]) };
		}
		return undefined;
	};
}
