/**
 * The one HTTP seam every API client in lib/ talks through. Inside n8n it is backed by n8n's request
 * helpers (so proxy, SSRF and timeout settings apply); standalone and in tests by Node's http/https.
 * A transport answers every HTTP status with a response and throws only when no response came back.
 */
import * as http from 'http';
import * as https from 'https';
import * as tls from 'tls';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE' | 'HEAD';

export interface HttpRequest {
	method: HttpMethod;
	url: string;
	headers: Record<string, string>;
	body?: string | Buffer;
	timeoutMs?: number;
	/** Safe to send again though its method is not (a $batch without creates): retried like a read after a dropped connection. */
	idempotent?: boolean;
}

export interface HttpResponse {
	status: number;
	/** Header names in lower case; repeated headers joined with ", ". */
	headers: Record<string, string>;
	body: string;
}

export type HttpTransport = (request: HttpRequest) => Promise<HttpResponse>;

export const DEFAULT_TIMEOUT_MS = 60_000;

/** Where a request went, for messages: origin and path, never the query (it may carry personal data). */
export function describeUrl(url: string): string {
	try {
		const parsed = new URL(url);
		return `${parsed.origin}${parsed.pathname}`;
	} catch {
		return '(invalid URL)';
	}
}

/**
 * No response arrived. `sent` is false only when the request provably never reached the server
 * (the connection was never established), which is what makes retrying a write safe.
 */
export class NetworkError extends Error {
	readonly code: string;
	readonly sent: boolean;

	constructor(code: string, detail: string, sent: boolean) {
		super(`Network error ${code}: ${detail}`);
		this.name = 'NetworkError';
		this.code = code;
		this.sent = sent;
	}
}

export interface NodeHttpTransportOptions {
	/** Extra trusted CA certificates (PEM), added to Node's default roots. */
	ca?: string;
	/** Applied to requests that do not set their own timeoutMs: the whole exchange, connect to last byte. */
	timeoutMs?: number;
	/** Passed to the keep-alive agents (maxSockets and the like). */
	agentOptions?: https.AgentOptions;
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
	const flat: Record<string, string> = {};
	for (const [name, value] of Object.entries(headers)) {
		if (value === undefined) continue;
		flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
	}
	return flat;
}

/** An HttpTransport on Node's http/https with keep-alive agents; every call has a deadline. */
export function nodeHttpTransport(options: NodeHttpTransportOptions = {}): HttpTransport {
	// Idle sockets are closed before a typical server's keep-alive timeout (5 s) can race a new request.
	const agentOptions: https.AgentOptions = { keepAlive: true, maxSockets: 16, timeout: 4_000, ...options.agentOptions };
	const httpAgent = new http.Agent(agentOptions);
	const httpsAgent = new https.Agent({
		...agentOptions,
		...(options.ca ? { ca: [...tls.rootCertificates, options.ca] } : {}),
	});
	const defaultTimeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

	return (request) =>
		new Promise<HttpResponse>((resolve, reject) => {
			const url = new URL(request.url);
			const isHttps = url.protocol === 'https:';
			if (!isHttps && url.protocol !== 'http:') {
				reject(new NetworkError('EPROTO', `unsupported protocol ${url.protocol} for ${describeUrl(request.url)}`, false));
				return;
			}
			const headers: Record<string, string> = { ...request.headers };
			if (request.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(request.body));
			const timeoutMs = request.timeoutMs ?? defaultTimeoutMs;
			let connected = false;
			let settled = false;
			const fail = (error: NodeJS.ErrnoException) => {
				if (settled) return;
				settled = true;
				clearTimeout(deadline);
				const code = error.code ?? 'ECONNRESET';
				reject(new NetworkError(code, `${request.method} ${describeUrl(request.url)}: ${error.message}`, connected));
			};
			const req = (isHttps ? https : http).request(
				url,
				{ method: request.method, headers, agent: isHttps ? httpsAgent : httpAgent },
				(res) => {
					const chunks: Buffer[] = [];
					res.on('data', (chunk: Buffer) => chunks.push(chunk));
					res.on('error', fail);
					res.on('end', () => {
						if (settled) return;
						settled = true;
						clearTimeout(deadline);
						resolve({
							status: res.statusCode ?? 0,
							headers: flattenHeaders(res.headers),
							body: Buffer.concat(chunks).toString('utf8'),
						});
					});
				},
			);
			const deadline = setTimeout(() => {
				const timeout: NodeJS.ErrnoException = new Error(`no complete answer within ${timeoutMs} ms`);
				timeout.code = 'ETIMEDOUT';
				fail(timeout);
				req.destroy();
			}, timeoutMs);
			req.on('socket', (socket) => {
				if (!socket.connecting) connected = true;
				else socket.once(isHttps ? 'secureConnect' : 'connect', () => (connected = true));
			});
			req.on('error', fail);
			req.end(request.body);
		});
}
