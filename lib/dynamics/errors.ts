/**
 * Typed errors of the Dataverse Web API. They carry the status, the Dataverse error code (an HRESULT
 * such as 0x80060882) and the service's message, plus a sentence on how to fix the usual causes.
 * They never carry request headers or bodies, so no token or secret can leak through them.
 */
import { HttpRequest, HttpResponse, describeUrl } from '../http/transport';

export const ERROR_CODES = {
	concurrencyVersionMismatch: '0x80060882',
	expiredVersionStamp: '0x80044352',
	objectDoesNotExist: '0x80040217',
	recordNotFoundByEntityKey: '0x80060891',
	duplicateRecord: '0x80040237',
	/** OData URL errors: unknown property (400), unknown entity set or segment (404). */
	odataParse: '0x80060888',
} as const;

export interface DynamicsErrorDetails {
	status: number;
	/** Dataverse's error.code; often an HRESULT like 0x80060882, frequently empty. */
	code?: string;
	/** Dataverse's error.message, as sent. */
	serviceMessage?: string;
	method: string;
	/** Origin and path of the request; the query is left out. */
	url: string;
	retryAfterSeconds?: number;
}

export class DynamicsApiError extends Error {
	readonly status: number;
	readonly code?: string;
	readonly serviceMessage?: string;
	readonly method: string;
	readonly url: string;
	readonly retryAfterSeconds?: number;

	constructor(details: DynamicsErrorDetails, message?: string) {
		super(message ?? defaultMessage(details));
		this.name = 'DynamicsApiError';
		this.status = details.status;
		this.code = details.code;
		this.serviceMessage = details.serviceMessage;
		this.method = details.method;
		this.url = details.url;
		this.retryAfterSeconds = details.retryAfterSeconds;
	}
}

/** 412 on a write sent with If-Match: the record changed since it was read. */
export class ConcurrencyConflictError extends DynamicsApiError {
	constructor(details: DynamicsErrorDetails, etag: string) {
		super(
			details,
			`The record at ${details.url} was changed in Dynamics 365 after it was read (the ETag ${etag} sent in If-Match is no longer current), so the ${details.method} was not applied. Read the record again and re-apply the change.`,
		);
		this.name = 'ConcurrencyConflictError';
	}
}

/** The delta token is older than the org keeps change-tracking data (or the table's metadata changed). */
export class ChangeTrackingExpiredError extends DynamicsApiError {
	constructor(details: DynamicsErrorDetails) {
		super(
			details,
			`Dynamics 365 no longer has the changes since the stored delta link (${ERROR_CODES.expiredVersionStamp}: ${details.serviceMessage ?? 'version stamp expired'}). Start change tracking again with a full read.`,
		);
		this.name = 'ChangeTrackingExpiredError';
	}
}

const STATUS_HINTS: Record<number, string> = {
	401: 'Dynamics 365 did not accept the access token. Check that the app registration has an application user in this environment (Power Platform admin center → Environments → Settings → Users + permissions → Application users) and that the Root Service Address is the environment the token is for.',
	403: 'The application user lacks a privilege for this operation. Give its security role the needed privilege (for contact sync: read, create and write on Contact, with organization-level read for change tracking).',
	413: 'The request was too large for Dynamics 365: send fewer records per batch.',
	429: 'Dynamics 365 throttled the requests (service protection limits) for longer than the retry budget allows. Run again later or send fewer requests.',
	502: 'Dynamics 365 (or a gateway in front of it) answered with a temporary error. Run again later.',
	503: 'Dynamics 365 is temporarily unavailable. Run again later.',
	504: 'Dynamics 365 did not answer in time. Run again later, or send fewer records per request.',
};

function defaultMessage(details: DynamicsErrorDetails): string {
	const service = details.serviceMessage ? `: ${details.serviceMessage}` : '';
	const code = details.code ? ` (${details.code})` : '';
	const retry = details.retryAfterSeconds !== undefined ? ` It asked to wait ${details.retryAfterSeconds} s.` : '';
	const hint = STATUS_HINTS[details.status] ? ` ${STATUS_HINTS[details.status]}` : '';
	return `Dynamics 365 answered ${details.status} to ${details.method} ${details.url}${service}${code}.${retry}${hint}`;
}

/** Reads Dataverse's {"error":{"code","message"}} body; anything else yields no details. */
/** An answer that breaks the Web API's contract (no "value" array, a $batch that is not multipart...). */
export function unexpectedAnswer(message: string): Error {
	return new Error(`Unexpected answer from Dynamics 365: ${message}`);
}

export function parseErrorBody(body: string): { code?: string; message?: string } {
	try {
		const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
		const code = typeof parsed.error?.code === 'string' && parsed.error.code ? parsed.error.code : undefined;
		const message = typeof parsed.error?.message === 'string' ? parsed.error.message : undefined;
		return { code, message };
	} catch {
		return {};
	}
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
	const key = Object.keys(headers).find((header) => header.toLowerCase() === name);
	return key === undefined ? undefined : headers[key];
}

export function isExpiredVersionStamp(code: string | undefined, message: string | undefined): boolean {
	return code?.toLowerCase() === ERROR_CODES.expiredVersionStamp || /version stamp associated with the client has expired/i.test(message ?? '');
}

/** The typed error for a failed response; `request` supplies the method, URL and the If-Match it carried. */
export function errorFromResponse(request: Pick<HttpRequest, 'method' | 'url' | 'headers'>, response: HttpResponse): DynamicsApiError {
	const { code, message } = parseErrorBody(response.body);
	const retryAfter = response.headers['retry-after']?.trim();
	const details: DynamicsErrorDetails = {
		status: response.status,
		code,
		serviceMessage: message ?? (response.body && !response.body.trimStart().startsWith('<') ? response.body.slice(0, 300) : undefined),
		method: request.method,
		url: describeUrl(request.url),
		retryAfterSeconds: retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) : undefined,
	};
	const ifMatch = headerValue(request.headers, 'if-match');
	if (response.status === 412 && ifMatch && ifMatch !== '*') return new ConcurrencyConflictError(details, ifMatch);
	if (isExpiredVersionStamp(code, message)) return new ChangeTrackingExpiredError(details);
	return new DynamicsApiError(details);
}
