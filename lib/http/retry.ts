/**
 * Retries for throttling (429 + Retry-After), transient gateway errors and dropped connections, with
 * exponential back-off and jitter inside a time budget.
 *
 * Rule (as in n8n's Dataverse node): a read is retried on 429/502/503/504 and on any network failure;
 * a write only when it provably was not processed: 429 and 503 say so, and a network failure counts
 * only when the connection was never established. A write that may have landed is never repeated
 * blindly (502/504 or a reset after sending could hide a completed create).
 */
import { HttpRequest, HttpResponse, HttpTransport, NetworkError, describeUrl } from './transport';

export interface RetryOptions {
	/** Total time one request may take across all its attempts, waits included. */
	budgetMs?: number;
	maxRetries?: number;
	baseDelayMs?: number;
	maxDelayMs?: number;
	now?: () => number;
	sleep?: (ms: number) => Promise<void>;
	/** 0..1; jitter source. */
	random?: () => number;
	/** Requests that may be repeated whatever happened to them; default: GET, HEAD and requests marked idempotent. */
	idempotent?: (request: HttpRequest) => boolean;
	onRetry?: (event: RetryEvent) => void;
}

export interface RetryEvent {
	method: string;
	url: string;
	/** 1 for the first retry. */
	attempt: number;
	delayMs: number;
	/** "429", "503", "ECONNRESET"... */
	reason: string;
}

export const DEFAULT_RETRY: Required<Omit<RetryOptions, 'onRetry'>> = {
	budgetMs: 120_000,
	maxRetries: 8,
	baseDelayMs: 500,
	maxDelayMs: 30_000,
	now: () => Date.now(),
	sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
	random: Math.random,
	idempotent: (request) => request.idempotent ?? isReadMethod(request.method),
};

const READ_METHODS = new Set(['GET', 'HEAD']);
const IDEMPOTENT_RETRY_STATUSES = new Set([429, 502, 503, 504]);
const WRITE_RETRY_STATUSES = new Set([429, 503]);
const TRANSIENT_NETWORK_CODES = new Set([
	'ECONNRESET',
	'ECONNREFUSED',
	'ECONNABORTED',
	'ETIMEDOUT',
	'EPIPE',
	'EAI_AGAIN',
	'ENETUNREACH',
	'EHOSTUNREACH',
]);

export function isReadMethod(method: string): boolean {
	return READ_METHODS.has(method.toUpperCase());
}

/** Whether this outcome of a request may be retried; the reason names it for logs. */
export function retryReason(idempotent: boolean, outcome: { response?: HttpResponse; error?: unknown }): string | undefined {
	if (outcome.response) {
		const { status } = outcome.response;
		return (idempotent ? IDEMPOTENT_RETRY_STATUSES : WRITE_RETRY_STATUSES).has(status) ? String(status) : undefined;
	}
	const error = outcome.error;
	if (!(error instanceof NetworkError) || !TRANSIENT_NETWORK_CODES.has(error.code)) return undefined;
	return idempotent || !error.sent ? error.code : undefined;
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
	if (!value) return undefined;
	const trimmed = value.trim();
	if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
	const date = Date.parse(trimmed);
	return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** Exponential back-off with "equal jitter": half fixed, half random, so retries spread but still grow. */
export function backoffDelayMs(attempt: number, options: Pick<Required<RetryOptions>, 'baseDelayMs' | 'maxDelayMs' | 'random'>): number {
	const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
	return Math.round(ceiling / 2 + (ceiling / 2) * options.random());
}

/** Wraps a transport with the retry rule above. What cannot be retried in time is returned or thrown as it came. */
export function withRetries(transport: HttpTransport, options: RetryOptions = {}): HttpTransport {
	const settings = { ...DEFAULT_RETRY, ...options };
	return async (request) => {
		const started = settings.now();
		for (let attempt = 1; ; attempt++) {
			let response: HttpResponse | undefined;
			let error: unknown;
			try {
				response = await transport(request);
			} catch (caught) {
				error = caught;
			}
			const reason = attempt <= settings.maxRetries ? retryReason(settings.idempotent(request), { response, error }) : undefined;
			if (reason) {
				const retryAfter = response ? parseRetryAfter(response.headers['retry-after'], settings.now()) : undefined;
				const delayMs = retryAfter ?? backoffDelayMs(attempt, settings);
				const remaining = settings.budgetMs - (settings.now() - started);
				if (delayMs < remaining) {
					options.onRetry?.({ method: request.method, url: describeUrl(request.url), attempt, delayMs, reason });
					await settings.sleep(delayMs);
					continue;
				}
			}
			if (response) return response;
			throw error;
		}
	};
}
