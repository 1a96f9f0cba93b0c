/**
 * The People API's wire format: Google's JSON error body (AIP-193 `status` + `details`, plus the
 * legacy `errors[]` list that googleapis clients still read), and the projection of stored people
 * and contact groups onto the fields a request asked for.
 */
import type { people_v1 } from '@googleapis/people';
import type { SimResponse } from '../common/http';
import { copyJson } from '../common/json';

type Person = people_v1.Schema$Person;
type ContactGroup = people_v1.Schema$ContactGroup;

/** google.rpc.Code numbers, used in the `status` of per-item batch responses. */
const RPC_CODES: Record<string, number> = {
	OK: 0,
	INVALID_ARGUMENT: 3,
	NOT_FOUND: 5,
	ALREADY_EXISTS: 6,
	PERMISSION_DENIED: 7,
	RESOURCE_EXHAUSTED: 8,
	FAILED_PRECONDITION: 9,
	ABORTED: 10,
	INTERNAL: 13,
	UNAVAILABLE: 14,
	UNAUTHENTICATED: 16,
};

/** The legacy `errors[0].reason` Google sends next to each canonical status. */
const LEGACY_REASONS: Record<string, string> = {
	INVALID_ARGUMENT: 'badRequest',
	NOT_FOUND: 'notFound',
	ALREADY_EXISTS: 'duplicate',
	PERMISSION_DENIED: 'forbidden',
	RESOURCE_EXHAUSTED: 'rateLimitExceeded',
	FAILED_PRECONDITION: 'failedPrecondition',
	ABORTED: 'aborted',
	INTERNAL: 'backendError',
	UNAVAILABLE: 'backendError',
	UNAUTHENTICATED: 'authError',
};

export interface ErrorDetail {
	'@type': string;
	[key: string]: unknown;
}

/** An API error in Google's terms; routes throw it and `errorResponse` writes it. */
export class GoogleApiError extends Error {
	constructor(
		readonly httpStatus: number,
		readonly status: string,
		message: string,
		readonly details: ErrorDetail[] = [],
		readonly headers: Record<string, string> = {},
		readonly legacy: Record<string, string> = {},
	) {
		super(message);
		this.name = 'GoogleApiError';
	}
}

export function errorInfo(reason: string, metadata?: Record<string, string>, domain = 'people.googleapis.com'): ErrorDetail {
	return { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain, ...(metadata ? { metadata } : {}) };
}

export const invalidArgument = (message: string, details?: ErrorDetail[]) => new GoogleApiError(400, 'INVALID_ARGUMENT', message, details);
export const failedPrecondition = (message: string, details?: ErrorDetail[]) => new GoogleApiError(400, 'FAILED_PRECONDITION', message, details);
export const notFound = (message = 'Requested entity was not found.') => new GoogleApiError(404, 'NOT_FOUND', message);
export const alreadyExists = (message: string) => new GoogleApiError(409, 'ALREADY_EXISTS', message);

export function statusOf(error: GoogleApiError): people_v1.Schema$Status {
	return { code: RPC_CODES[error.status] ?? 2, message: error.message, ...(error.details.length ? { details: error.details } : {}) };
}

export function errorResponse(error: GoogleApiError): SimResponse {
	return {
		status: error.httpStatus,
		headers: error.headers,
		body: {
			error: {
				code: error.httpStatus,
				message: error.message,
				errors: [{ message: error.message, domain: 'global', reason: LEGACY_REASONS[error.status] ?? 'backendError', ...error.legacy }],
				status: error.status,
				...(error.details.length ? { details: error.details } : {}),
			},
		},
	};
}

/** What an injected fault or an unexpected failure looks like on Google's wire. */
export function statusError(httpStatus: number): GoogleApiError {
	switch (httpStatus) {
		case 429:
			return new GoogleApiError(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).');
		case 503:
			return new GoogleApiError(503, 'UNAVAILABLE', 'The service is currently unavailable.');
		case 502:
		case 504:
			return new GoogleApiError(httpStatus, 'UNAVAILABLE', 'The service is currently unavailable.');
		case 401:
			return unauthenticated('expired');
		case 404:
			return notFound();
		default:
			return new GoogleApiError(httpStatus >= 500 ? httpStatus : 500, 'INTERNAL', 'Internal error encountered.');
	}
}

const AUTH_REASONS = { missing: 'CREDENTIALS_MISSING', invalid: 'ACCESS_TOKEN_TYPE_UNSUPPORTED', expired: 'ACCESS_TOKEN_EXPIRED' };

/** 401 as Google sends it; google-auth-library and n8n both react to the status by refreshing the token. */
export function unauthenticated(kind: keyof typeof AUTH_REASONS): GoogleApiError {
	const message =
		kind === 'missing'
			? 'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.'
			: 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';
	return new GoogleApiError(
		401,
		'UNAUTHENTICATED',
		message,
		[errorInfo(AUTH_REASONS[kind], { service: 'people.googleapis.com' }, 'googleapis.com')],
		{ 'WWW-Authenticate': `Bearer realm="https://accounts.google.com/"${kind === 'missing' ? '' : ', error="invalid_token"'}` },
		{ location: 'Authorization', locationType: 'header', ...(kind === 'missing' ? { reason: 'required' } : {}) },
	);
}

export function insufficientScopes(): GoogleApiError {
	return new GoogleApiError(403, 'PERMISSION_DENIED', 'Request had insufficient authentication scopes.', [
		errorInfo('ACCESS_TOKEN_SCOPE_INSUFFICIENT', { service: 'people.googleapis.com' }, 'googleapis.com'),
	], { 'WWW-Authenticate': 'Bearer realm="https://accounts.google.com/", error="insufficient_scope"' }, { reason: 'insufficientPermissions' });
}

export function json(body: unknown, status = 200): SimResponse {
	return { status, body };
}

/**
 * A person as a response carries it: resourceName and etag always, then only the requested fields.
 * Empty lists are left out, as Google does. The values are the stored ones, not copies: a stored
 * person is never edited in place (every write stores a new version), and a response is serialised.
 */
export function projectPerson(person: Person, fields: ReadonlySet<string>): Person {
	const projected: Person = { resourceName: person.resourceName, etag: person.etag };
	for (const field of fields) {
		const value = (person as Record<string, unknown>)[field];
		if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
		(projected as Record<string, unknown>)[field] = value;
	}
	return projected;
}

export function projectGroup(group: ContactGroup, fields: ReadonlySet<string>, memberResourceNames?: string[]): ContactGroup {
	const projected: ContactGroup = { resourceName: group.resourceName, etag: group.etag };
	for (const field of fields) {
		const value = (group as Record<string, unknown>)[field];
		if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
		(projected as Record<string, unknown>)[field] = copyJson(value);
	}
	if (fields.has('name') && group.formattedName) projected.formattedName = group.formattedName;
	if (memberResourceNames?.length) projected.memberResourceNames = memberResourceNames;
	return projected;
}
