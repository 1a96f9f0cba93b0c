/**
 * $batch (multipart/mixed): requests run in order through the same routes as single requests;
 * change sets run in one transaction (any failure rolls the whole set back, and the set answers with
 * that failure alone); `$n` refers to what Content-ID n created; without
 * `Prefer: odata.continue-on-error` processing stops at the first failure and the batch takes that
 * failure's status. Responses are written as Dataverse writes them: batchresponse_ / changesetresponse_
 * boundaries, CRLF line ends, an embedded HTTP/1.1 status line per part.
 */
import { randomUUID } from 'crypto';
import { type SimRequest, type SimResponse, bodyText } from '../common/http';
import type { DynamicsState } from './state';
import { DataverseError, errorResponse, header, odataError, parsePrefer } from './wire';

const MAX_REQUESTS = 1000;
const CRLF = '\r\n';

interface PartRequest {
	method: string;
	url: string;
	headers: Record<string, string>;
	body: string;
	contentId?: string;
}

type BatchItem = { kind: 'request'; request: PartRequest } | { kind: 'changeset'; requests: PartRequest[] };

interface PartResponse {
	response: SimResponse;
	contentId?: string;
}

type ItemResult = { kind: 'single'; part: PartResponse } | { kind: 'changeset'; parts: PartResponse[] };

function boundaryOf(contentType: string | undefined): string | undefined {
	const match = /^\s*multipart\/mixed\s*;(?:.*;)?\s*boundary=("?)([^";]+)\1/i.exec(contentType ?? '');
	return match?.[2];
}

/** The index of the next delimiter line `--boundary` at or after `from` (a delimiter starts a line). */
function nextDelimiter(text: string, delimiter: string, from: number): number {
	for (let index = text.indexOf(delimiter, from); index >= 0; index = text.indexOf(delimiter, index + 1)) {
		if (index === 0 || text[index - 1] === '\n') return index;
	}
	return -1;
}

/** The contents of each part between `--boundary` lines, up to the closing `--boundary--`. */
function splitMultipart(text: string, boundary: string): string[] {
	const delimiter = `--${boundary}`;
	const malformed = () => odataError(`The batch body is not valid multipart/mixed: parts must be separated by '${delimiter}' lines and end with '${delimiter}--'.`);
	const parts: string[] = [];
	let index = nextDelimiter(text, delimiter, 0);
	if (index < 0) throw malformed();
	while (!text.startsWith('--', index + delimiter.length)) {
		const lineEnd = text.indexOf('\n', index);
		const next = lineEnd < 0 ? -1 : nextDelimiter(text, delimiter, lineEnd + 1);
		if (next < 0) throw malformed();
		// The line break before a delimiter belongs to the delimiter.
		parts.push(text.slice(lineEnd + 1, next).replace(/\r?\n$/, ''));
		index = next;
	}
	return parts;
}

function splitHead(text: string): { headLines: string[]; body: string } {
	const match = /\r?\n\r?\n/.exec(text);
	const head = match ? text.slice(0, match.index) : text;
	return { headLines: head.split(/\r?\n/).filter((line) => line.trim() !== ''), body: match ? text.slice(match.index + match[0].length) : '' };
}

function parseHeaders(lines: string[]): Record<string, string> {
	const headers: Record<string, string> = {};
	for (const line of lines) {
		const colon = line.indexOf(':');
		if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
	}
	return headers;
}

/** One application/http part: the MIME headers, then `METHOD url HTTP/1.1`, headers, a blank line, the body. */
function parseRequestPart(text: string): PartRequest {
	const mime = splitHead(text);
	const mimeHeaders = parseHeaders(mime.headLines);
	if (!/^application\/http/i.test(mimeHeaders['content-type'] ?? '')) {
		throw odataError(`A batch part must have 'Content-Type: application/http' (or multipart/mixed for a change set); found '${mimeHeaders['content-type'] ?? ''}'.`);
	}
	const inner = splitHead(mime.body);
	const requestLine = /^([A-Z]+)\s+(\S+)(?:\s+HTTP\/1\.[01])?$/.exec(inner.headLines[0] ?? '');
	if (!requestLine) throw odataError(`The batch part's request line '${inner.headLines[0] ?? ''}' is not valid; expected 'METHOD URL HTTP/1.1'.`);
	return {
		method: requestLine[1],
		url: requestLine[2],
		headers: parseHeaders(inner.headLines.slice(1)),
		body: inner.body.replace(/\s+$/, ''),
		contentId: mimeHeaders['content-id'],
	};
}

function parseBatch(request: SimRequest): BatchItem[] {
	const boundary = boundaryOf(header(request.headers, 'content-type'));
	if (!boundary) throw odataError(`The content type '${header(request.headers, 'content-type') ?? ''}' is not valid for a batch request; send multipart/mixed with a boundary.`);
	const items = splitMultipart(request.body.toString('utf8'), boundary).map((part): BatchItem => {
		const changeSetBoundary = boundaryOf(parseHeaders(splitHead(part).headLines)['content-type']);
		if (!changeSetBoundary) return { kind: 'request', request: parseRequestPart(part) };
		const requests = splitMultipart(splitHead(part).body, changeSetBoundary).map(parseRequestPart);
		const read = requests.find((item) => item.method === 'GET');
		if (read) {
			throw odataError(
				`An invalid HTTP method '${read.method}' was detected for a request in a change set. Requests in change sets only support the HTTP methods 'POST', 'PUT', 'DELETE', and 'PATCH'.`,
			);
		}
		return { kind: 'changeset', requests };
	});
	const total = items.reduce((sum, item) => sum + (item.kind === 'request' ? 1 : item.requests.length), 0);
	if (total > MAX_REQUESTS) throw odataError(`The number of requests in a batch cannot exceed ${MAX_REQUESTS}; this batch has ${total}. Split it into several batches.`);
	return items;
}

/** Replaces `$n` (Content-ID references of this change set) in a URL or in the string values of a JSON body. */
function resolveReferences(text: string, references: Map<string, string>, isUrl: boolean): string {
	const lookup = (reference: string) => {
		const target = references.get(reference.slice(1));
		if (!target) throw new DataverseError(400, '', `Content-ID Reference: '${reference}' does not exist in the batch context.`);
		return target;
	};
	if (isUrl) return text.replace(/^\$(\w+)/, (reference) => lookup(reference));
	if (!text.includes('"$')) return text;
	return text.replace(/"(\$\w+)((?:\/[^"]*)?)"/g, (_match, reference: string, rest: string) => JSON.stringify(`${lookup(reference)}${rest}`));
}

const STATUS_TEXT: Record<number, string> = {
	200: 'OK',
	201: 'Created',
	204: 'No Content',
	304: 'Not Modified',
	400: 'Bad Request',
	401: 'Unauthorized',
	403: 'Forbidden',
	404: 'Not Found',
	405: 'Method Not Allowed',
	412: 'Precondition Failed',
	429: 'Too Many Requests',
	500: 'Internal Server Error',
	503: 'Service Unavailable',
};

function serializePart(part: PartResponse): string {
	const { response } = part;
	const lines = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary'];
	if (part.contentId !== undefined) lines.push(`Content-ID: ${part.contentId}`);
	lines.push('', `HTTP/1.1 ${response.status} ${STATUS_TEXT[response.status] ?? ''}`.trimEnd());
	for (const [name, value] of Object.entries(response.headers ?? {})) lines.push(`${name}: ${Array.isArray(value) ? value.join(', ') : value}`);
	lines.push('', bodyText(response.body));
	return lines.join(CRLF);
}

function serialize(results: ItemResult[], boundary: string): string {
	const chunks: string[] = [];
	for (const result of results) {
		if (result.kind === 'single') {
			chunks.push(`--${boundary}${CRLF}${serializePart(result.part)}`);
			continue;
		}
		const changeSetBoundary = `changesetresponse_${randomUUID()}`;
		const inner = result.parts.map((part) => `--${changeSetBoundary}${CRLF}${serializePart(part)}`).join(CRLF);
		chunks.push(`--${boundary}${CRLF}Content-Type: multipart/mixed; boundary=${changeSetBoundary}${CRLF}${CRLF}${inner}${CRLF}--${changeSetBoundary}--`);
	}
	return `${chunks.join(CRLF)}${CRLF}--${boundary}--${CRLF}`;
}

/** Thrown inside a change set's transaction to roll it back; carries the failing part's response. */
class ChangeSetFailed extends Error {
	constructor(readonly part: PartResponse) {
		super('change set failed');
	}
}

export function executeBatch(state: DynamicsState, request: SimRequest, dispatch: (request: SimRequest) => SimResponse): SimResponse {
	let items: BatchItem[];
	try {
		items = parseBatch(request);
	} catch (error) {
		if (error instanceof DataverseError) return errorResponse(error);
		throw error;
	}
	const continueOnError = parsePrefer(request.headers.prefer).continueOnError;

	const run = (part: PartRequest, references: Map<string, string>): SimResponse => {
		try {
			const url = new URL(resolveReferences(part.url, references, true), request.origin + '/');
			if (/\/\$batch$/.test(url.pathname)) throw odataError('A batch request cannot contain another batch request.');
			const body = part.body ? resolveReferences(part.body, references, false) : '';
			return dispatch({
				method: part.method,
				path: decodeURIComponent(url.pathname),
				rawUrl: `${url.pathname}${url.search}`,
				query: url.searchParams,
				headers: { ...part.headers, authorization: header(request.headers, 'authorization') },
				body: Buffer.from(body, 'utf8'),
				origin: request.origin,
			});
		} catch (error) {
			if (error instanceof DataverseError) return errorResponse(error);
			throw error;
		}
	};

	const results: ItemResult[] = [];
	let failure: SimResponse | undefined;
	for (const item of items) {
		if (item.kind === 'request') {
			const response = run(item.request, new Map());
			results.push({ kind: 'single', part: { response } });
			if (response.status >= 400 && !continueOnError) {
				failure = response;
				break;
			}
			continue;
		}
		try {
			const parts = state.transaction(() => {
				const references = new Map<string, string>();
				return item.requests.map((part): PartResponse => {
					const response = run(part, references);
					if (response.status >= 400) throw new ChangeSetFailed({ response, contentId: part.contentId });
					const location = response.headers?.['OData-EntityId'];
					if (part.contentId && typeof location === 'string') references.set(part.contentId, location);
					return { response, contentId: part.contentId };
				});
			});
			results.push({ kind: 'changeset', parts });
		} catch (error) {
			if (!(error instanceof ChangeSetFailed)) throw error;
			results.push({ kind: 'single', part: error.part });
			if (!continueOnError) {
				failure = error.part.response;
				break;
			}
		}
	}
	const boundary = `batchresponse_${randomUUID()}`;
	return {
		status: failure?.status ?? 200,
		headers: { 'Content-Type': `multipart/mixed; boundary=${boundary}`, 'OData-Version': '4.0', ...(continueOnError ? { 'Preference-Applied': 'odata.continue-on-error' } : {}) },
		body: serialize(results, boundary),
	};
}
