/**
 * The $batch writer: many writes in one multipart/mixed request (CRLF line ends), at most 1000 per
 * batch. Each operation is a top-level part and the batch is sent with Prefer: odata.continue-on-error,
 * so one bad record fails alone; the multipart answer is mapped back to one result per operation.
 */
import { randomUUID } from 'crypto';
import { DynamicsClient, entityIdFromUrl } from './client';
import { errorFromResponse, parseErrorBody, unexpectedAnswer } from './errors';
import { ODataValue, assertPropertyName, keyPath, recordPath } from './odata';

/** Dataverse's limit of requests in one batch. */
export const MAX_BATCH_OPERATIONS = 1000;
/** Microsoft recommends small batches: a batch shares the 2-minute request timeout and the execution-time limit. */
export const DEFAULT_BATCH_SIZE = 100;

const CRLF = '\r\n';

export interface BatchOperation {
	method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
	/** Relative to the API base: contacts, contacts(<id>)... */
	path: string;
	body?: unknown;
	headers?: Record<string, string>;
}

export interface BatchResult {
	/** Position of the operation in the input. */
	index: number;
	/** The operation's HTTP status; 0 when it was not processed. */
	status: number;
	ok: boolean;
	/** From OData-EntityId (creates, upserts). */
	id?: string;
	etag?: string;
	/** The part's JSON body, when it succeeded with one (e.g. return=representation). */
	body?: unknown;
	error?: { code?: string; message: string };
}

export interface BatchPart {
	status: number;
	headers: Record<string, string>;
	body: string;
	contentId?: string;
}

export const batchOperations = {
	create(entitySet: string, record: Record<string, unknown>): BatchOperation {
		return { method: 'POST', path: assertPropertyName(entitySet), body: record };
	},
	/** If-Match: the record's ETag, or "*" to update only (never create). */
	update(entitySet: string, id: string, changes: Record<string, unknown>, ifMatch = '*'): BatchOperation {
		return { method: 'PATCH', path: recordPath(entitySet, id), body: changes, headers: { 'If-Match': ifMatch } };
	},
	/** Creates the record under an id chosen here (If-None-Match: *): sent again after it landed, it fails 412 instead of creating a twin. */
	createOnly(entitySet: string, id: string, record: Record<string, unknown>): BatchOperation {
		return { method: 'PATCH', path: recordPath(entitySet, id), body: record, headers: { 'If-None-Match': '*' } };
	},
	upsert(entitySet: string, key: string | Record<string, ODataValue>, record: Record<string, unknown>): BatchOperation {
		return { method: 'PATCH', path: keyPath(entitySet, key), body: record };
	},
	delete(entitySet: string, id: string, ifMatch?: string): BatchOperation {
		return { method: 'DELETE', path: recordPath(entitySet, id), headers: ifMatch ? { 'If-Match': ifMatch } : undefined };
	},
};

/** The multipart/mixed body for operations whose paths were resolved to absolute URLs by `resolve`. */
export function buildBatchBody(operations: BatchOperation[], boundary: string, resolve: (path: string) => string): string {
	const lines: string[] = [];
	for (const operation of operations) {
		lines.push(`--${boundary}`, 'Content-Type: application/http', 'Content-Transfer-Encoding: binary', '');
		lines.push(`${operation.method} ${resolve(operation.path)} HTTP/1.1`);
		for (const [name, value] of Object.entries(operation.headers ?? {})) lines.push(`${name}: ${value}`);
		// The CRLF before the next delimiter belongs to the delimiter (RFC 2046), so a body ends without one.
		if (operation.body !== undefined) lines.push('Content-Type: application/json; type=entry', '', JSON.stringify(operation.body));
		else lines.push('', '');
	}
	lines.push(`--${boundary}--`, '');
	return lines.join(CRLF);
}

/** The boundary parameter of a multipart Content-Type, quoted or not. */
export function boundaryOf(contentType: string | undefined): string | undefined {
	const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
	return match ? match[1] ?? match[2] : undefined;
}

function splitMultipart(body: string, boundary: string): string[][] {
	const delimiter = `--${boundary}`;
	const parts: string[][] = [];
	let current: string[] | undefined;
	for (const line of body.split(/\r?\n/)) {
		const trimmed = line.trimEnd();
		if (trimmed === delimiter || trimmed === `${delimiter}--`) {
			if (current) parts.push(current);
			if (trimmed !== delimiter) break;
			current = [];
		} else {
			current?.push(line);
		}
	}
	return parts;
}

/** Header lines up to the first blank line, and the lines after it. */
function readHeaders(lines: string[]): { headers: Record<string, string>; rest: string[] } {
	const headers: Record<string, string> = {};
	let index = 0;
	for (; index < lines.length && lines[index].trim() !== ''; index++) {
		const colon = lines[index].indexOf(':');
		if (colon > 0) headers[lines[index].slice(0, colon).trim().toLowerCase()] = lines[index].slice(colon + 1).trim();
	}
	return { headers, rest: lines.slice(index + 1) };
}

/** One embedded HTTP response: status line, headers, blank line, body. */
function readHttpResponse(lines: string[], contentId: string | undefined): BatchPart {
	const start = lines.findIndex((line) => line.trim() !== '');
	const statusLine = /^HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(lines[start] ?? '');
	if (!statusLine) throw new Error(`a $batch response part has no HTTP status line (found ${JSON.stringify((lines[start] ?? '').slice(0, 60))})`);
	const { headers, rest } = readHeaders(lines.slice(start + 1));
	return { status: Number(statusLine[1]), headers, body: rest.join(CRLF).trim(), contentId };
}

/** Parses a $batch response into its parts in order; change-set responses are flattened in place. */
export function parseBatchResponse(contentType: string | undefined, body: string): BatchPart[] {
	const boundary = boundaryOf(contentType);
	if (!boundary) throw new Error(`a $batch response must be multipart/mixed with a boundary, got ${contentType ?? 'no content type'}`);
	const parts: BatchPart[] = [];
	for (const partLines of splitMultipart(body, boundary)) {
		const { headers, rest } = readHeaders(partLines);
		const type = headers['content-type'] ?? '';
		if (/^multipart\/mixed/i.test(type)) parts.push(...parseBatchResponse(type, rest.join(CRLF)));
		else parts.push(readHttpResponse(rest, headers['content-id']));
	}
	return parts;
}

function resultOf(index: number, part: BatchPart | undefined): BatchResult {
	if (!part) {
		return { index, status: 0, ok: false, error: { message: 'Not processed: Dynamics 365 stopped the batch at an earlier failure.' } };
	}
	let body: unknown;
	if (part.body) {
		try {
			body = JSON.parse(part.body);
		} catch {
			body = part.body;
		}
	}
	const result: BatchResult = { index, status: part.status, ok: part.status < 400 };
	const id = entityIdFromUrl(part.headers['odata-entityid']);
	if (id) result.id = id;
	const etag = part.headers.etag ?? (body as { '@odata.etag'?: string } | undefined)?.['@odata.etag'];
	if (etag) result.etag = etag;
	if (result.ok) {
		if (body !== undefined) result.body = body;
	} else {
		const { code, message } = parseErrorBody(part.body);
		result.error = { code, message: message ?? (part.body || `HTTP ${part.status}`) };
	}
	return result;
}

export interface BatchOptions {
	/** Operations per $batch request, 1..1000. */
	batchSize?: number;
	/** Batches in flight at once. */
	concurrency?: number;
	timeoutMs?: number;
}

/** Sends one $batch (at most 1000 operations) and returns one result per operation, in order. */
export async function sendBatch(client: DynamicsClient, operations: BatchOperation[], options: { timeoutMs?: number } = {}): Promise<BatchResult[]> {
	if (operations.length > MAX_BATCH_OPERATIONS) {
		throw new Error(`a $batch holds at most ${MAX_BATCH_OPERATIONS} operations, got ${operations.length}`);
	}
	if (!operations.length) return [];
	const boundary = `batch_${randomUUID()}`;
	const request = {
		body: buildBatchBody(operations, boundary, (path) => client.resolve(path)),
		headers: { 'Content-Type': `multipart/mixed; boundary="${boundary}"` },
		prefer: { continueOnError: true },
		timeoutMs: options.timeoutMs ?? 180_000,
		returnErrors: true,
		// Without a POST the batch may be sent again after a dropped connection: reads, updates that set values
		// (an ETag-guarded one that landed fails 412 the second time), create-only upserts (412 once they exist).
		idempotent: operations.every((operation) => operation.method !== 'POST'),
	};
	const response = await client.send('POST', '$batch', request);
	const contentType = response.headers['content-type'];
	if (!boundaryOf(contentType)) {
		// Not per-operation results: the batch as a whole was refused (malformed, too large, throttled...).
		if (response.status >= 400) throw errorFromResponse({ method: 'POST', url: client.resolve('$batch'), headers: {} }, response);
		throw unexpectedAnswer(`$batch returned ${response.status} with content type ${contentType ?? 'none'}`);
	}
	const parts = parseBatchResponse(contentType, response.body);
	return operations.map((_, index) => resultOf(index, parts[index]));
}

/** Any number of operations, in batches of `batchSize`, `concurrency` at a time; results in input order. */
export async function executeBatch(client: DynamicsClient, operations: BatchOperation[], options: BatchOptions = {}): Promise<BatchResult[]> {
	const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
	if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_OPERATIONS) {
		throw new Error(`the batch size must be a whole number from 1 to ${MAX_BATCH_OPERATIONS}, got ${batchSize}`);
	}
	const chunks: number[] = [];
	for (let start = 0; start < operations.length; start += batchSize) chunks.push(start);
	const results: BatchResult[] = new Array(operations.length);
	let nextChunk = 0;
	const worker = async () => {
		while (nextChunk < chunks.length) {
			const start = chunks[nextChunk++];
			const chunkResults = await sendBatch(client, operations.slice(start, start + batchSize), options);
			for (const result of chunkResults) results[start + result.index] = { ...result, index: start + result.index };
		}
	};
	const concurrency = Math.max(1, Math.min(options.concurrency ?? 1, chunks.length));
	await Promise.all(Array.from({ length: concurrency }, worker));
	return results;
}
