/**
 * People API failures as typed errors the sync can act on: an expired sync token (restart with a full
 * pass), a stale etag (re-read and re-decide), a revoked or insufficient grant (reconnect), and the rest.
 * Messages carry Google's own text plus what to do; request details (tokens, bodies) are never included.
 */

export class GooglePeopleError extends Error {
	/** HTTP status, or undefined when no response came back. */
	readonly httpStatus?: number;
	/** Google's canonical status, e.g. "FAILED_PRECONDITION", or the OAuth error, e.g. "invalid_grant". */
	readonly status?: string;
	/** The ErrorInfo reason (or legacy errors[].reason), e.g. "EXPIRED_SYNC_TOKEN". */
	readonly reason?: string;
	/** The People API method, e.g. "people.batchCreateContacts". */
	readonly operation: string;

	constructor(operation: string, message: string, details: { httpStatus?: number; status?: string; reason?: string } = {}) {
		super(message);
		this.name = 'GooglePeopleError';
		this.operation = operation;
		this.httpStatus = details.httpStatus;
		this.status = details.status;
		this.reason = details.reason;
	}
}

/** The sync token is too old (Google keeps them 7 days): discard it and list everything again. */
export class ExpiredSyncTokenError extends GooglePeopleError {
	constructor(operation: string, googleMessage: string, details: { httpStatus?: number; status?: string; reason?: string }) {
		super(operation, `The Google Contacts sync token has expired (${googleMessage}). Discard it and run a full sync without a sync token.`, details);
		this.name = 'ExpiredSyncTokenError';
	}
}

/** The contact changed (or was deleted) since it was read: read it again and decide the update anew. */
export class ContactConflictError extends GooglePeopleError {
	readonly resourceName: string;

	constructor(operation: string, resourceName: string, googleMessage: string, details: { httpStatus?: number; status?: string; reason?: string }) {
		super(operation, `Google contact ${resourceName} changed since it was read (${googleMessage}). Read it again and re-apply the update to the current version.`, details);
		this.name = 'ContactConflictError';
		this.resourceName = resourceName;
	}
}

/** Google refused the credential itself: revoked, expired beyond refresh, or missing the contacts scope. */
export class GoogleAuthorizationError extends GooglePeopleError {
	constructor(operation: string, message: string, details: { httpStatus?: number; status?: string; reason?: string }) {
		super(operation, message, details);
		this.name = 'GoogleAuthorizationError';
	}
}

interface ErrorBody {
	error?:
		| string
		| {
				code?: number;
				message?: string;
				status?: string;
				details?: Array<{ '@type'?: string; reason?: string }>;
				errors?: Array<{ reason?: string; message?: string }>;
		  };
	error_description?: string;
}

/** The parts of a GaxiosError (or anything shaped like one) that classification needs. */
interface ResponseError {
	message?: string;
	code?: string | number;
	response?: { status?: number; data?: unknown };
	cause?: unknown;
}

function errorReason(body: ErrorBody['error']): string | undefined {
	if (!body || typeof body === 'string') return undefined;
	return body.details?.find((detail) => detail.reason)?.reason ?? body.errors?.find((error) => error.reason)?.reason;
}

function isExpiredSyncToken(httpStatus: number | undefined, reason: string | undefined, message: string): boolean {
	if (httpStatus === 410) return true;
	return httpStatus !== undefined && httpStatus >= 400 && httpStatus < 500 && (reason === 'EXPIRED_SYNC_TOKEN' || /sync token is expired/i.test(message));
}

/** A failure without an HTTP answer: the network (a socket error code somewhere in the cause chain), or whatever the transport refused with. */
function withoutResponse(error: ResponseError, operation: string): GooglePeopleError {
	for (let level: ResponseError | undefined = error, depth = 0; level && depth < 6; level = level.cause as ResponseError | undefined, depth++) {
		// n8n's OAuth2 client (EAUTH): the token endpoint refused to refresh the access token.
		if (level.code === 'EAUTH') {
			return new GoogleAuthorizationError(operation, `Google refused to refresh the access token (${level.message ?? level.code}). Check the Client ID and Client Secret of the Google Contacts credential, then reconnect it.`, { status: 'EAUTH' });
		}
		if (typeof level.code === 'string' && /^(E[A-Z]+|TimeoutError)$/.test(level.code)) {
			return new GooglePeopleError(operation, `Google Contacts could not be reached for ${operation}: ${level.message ?? level.code}. Check the network or proxy and try again.`, { status: level.code });
		}
	}
	return new GooglePeopleError(operation, `Google Contacts ${operation} failed: ${error.message ?? String(error)}`);
}

/**
 * Turns whatever a People API call threw into a GooglePeopleError subclass. `resourceName` names the
 * contact a conflict is about, for single-contact updates.
 */
export function toGooglePeopleError(error: unknown, operation: string, resourceName?: string): GooglePeopleError {
	if (error instanceof GooglePeopleError) return error;
	const failure = (error ?? {}) as ResponseError;
	const httpStatus = failure.response?.status;
	if (httpStatus === undefined) return withoutResponse(failure, operation);
	const body = (failure.response?.data ?? {}) as ErrorBody;
	if (typeof body.error === 'string') {
		// An OAuth token endpoint answer: the refresh token no longer works.
		const description = body.error_description ? `${body.error}: ${body.error_description}` : body.error;
		return new GoogleAuthorizationError(operation, `Google refused the credential (${description}). Reconnect the Google Contacts credential.`, { httpStatus, status: body.error });
	}
	const status = body.error?.status;
	const reason = errorReason(body.error);
	const googleMessage = body.error?.message ?? (typeof failure.response?.data === 'string' ? failure.response.data : `HTTP ${httpStatus}`);
	const details = { httpStatus, status, reason };
	if (isExpiredSyncToken(httpStatus, reason, googleMessage)) return new ExpiredSyncTokenError(operation, googleMessage, details);
	if (status === 'FAILED_PRECONDITION' && resourceName) return new ContactConflictError(operation, resourceName, googleMessage, details);
	if (httpStatus === 401) {
		return new GoogleAuthorizationError(operation, `Google rejected the access token even after a refresh (${googleMessage}). Reconnect the Google Contacts credential.`, details);
	}
	if (httpStatus === 403 && /scope/i.test(`${googleMessage} ${reason ?? ''}`)) {
		return new GoogleAuthorizationError(operation, `The Google Contacts credential lacks the contacts scope (${googleMessage}). Reconnect it granting "See, edit, download, and permanently delete your contacts".`, details);
	}
	const hint = httpStatus === 429 ? ' The quota stayed exhausted for the whole retry budget; try again in a minute or sync fewer contacts per run.' : httpStatus >= 500 ? ' Google kept failing for the whole retry budget; try again later.' : '';
	return new GooglePeopleError(operation, `Google Contacts ${operation} failed with HTTP ${httpStatus}${status ? ` ${status}` : ''}: ${googleMessage}.${hint}`, details);
}
