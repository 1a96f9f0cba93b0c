/**
 * The wire-level shell shared by both simulators: a request value in, a response value out
 * (state, routes and wire format stay apart, as in moto and fake-gcs-server). Faults and request
 * counters are applied here, per named route, so every route gets them for free.
 */
import * as http from 'http';
import * as https from 'https';
import type { AddressInfo } from 'net';
import { FaultInjector } from './faults';
import { RequestCounters } from './counters';
import { JsonBytes } from './json';

export interface SimRequest {
	method: string;
	/** Decoded path without the query string. */
	path: string;
	/** The raw path and query as sent, for links that must be echoed unchanged. */
	rawUrl: string;
	query: URLSearchParams;
	headers: http.IncomingHttpHeaders;
	body: Buffer;
	/** The origin the client used (scheme://host:port), for absolute links in responses. */
	origin: string;
}

export interface SimResponse {
	status: number;
	headers?: Record<string, string | string[]>;
	/** An object is sent as JSON; a string, Buffer or JsonBytes as it is. */
	body?: unknown;
}

export interface RouteMatch {
	/** A stable route name used by fault rules and counters, e.g. "contacts.list". */
	name: string;
	handle: (request: SimRequest) => SimResponse | Promise<SimResponse>;
}

export type Router = (request: SimRequest) => RouteMatch | undefined;

export interface ServeOptions {
	router: Router;
	notFound: (request: SimRequest) => SimResponse;
	/** Turns an uncaught handler error into the API's own error shape. */
	internalError: (request: SimRequest, error: unknown) => SimResponse;
	/** Produces the body of an injected throttling or unavailability fault in the API's own shape (per route when one server speaks two APIs). */
	faultBody: (status: number, retryAfterSeconds: number | undefined, route: string) => SimResponse;
	faults: FaultInjector;
	counters: RequestCounters;
	tls?: { key: string; cert: string };
	port?: number;
	host?: string;
	/** Sees each answer a route gave (injected faults included, resets not): tests use it to act between a client's read and its write. */
	onResponse?: ResponseObserver;
}

export type ResponseObserver = (route: string, request: SimRequest, response: SimResponse) => void;

export interface RunningServer {
	url: string;
	port: number;
	close(): Promise<void>;
}

function sendResponse(res: http.ServerResponse, response: SimResponse): void {
	const headers: Record<string, string | string[]> = { ...(response.headers ?? {}) };
	let payload: Buffer[] | undefined;
	if (response.body === undefined || response.body === null) payload = undefined;
	else if (Buffer.isBuffer(response.body)) payload = [response.body];
	// Encoded once: its length is the Content-Length, and the socket takes the bytes as they are.
	else if (typeof response.body === 'string') payload = [Buffer.from(response.body, 'utf8')];
	else {
		payload = response.body instanceof JsonBytes ? response.body.chunks() : [Buffer.from(JSON.stringify(response.body), 'utf8')];
		if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
			headers['Content-Type'] = 'application/json; charset=utf-8';
		}
	}
	if (payload !== undefined) headers['Content-Length'] = String(payload.reduce((total, chunk) => total + chunk.length, 0));
	res.writeHead(response.status, headers);
	// A body written in chunks goes out chunk by chunk, never copied into one buffer.
	for (const chunk of payload?.slice(0, -1) ?? []) res.write(chunk);
	res.end(payload?.[payload.length - 1]);
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function serve(options: ServeOptions): Promise<RunningServer> {
	const scheme = options.tls ? 'https' : 'http';
	const listener = async (req: http.IncomingMessage, res: http.ServerResponse) => {
		const body = await readBody(req);
		const rawUrl = req.url ?? '/';
		const parsed = new URL(rawUrl, 'http://sim.local');
		const request: SimRequest = {
			method: (req.method ?? 'GET').toUpperCase(),
			path: decodeURIComponent(parsed.pathname),
			rawUrl,
			query: parsed.searchParams,
			headers: req.headers,
			body,
			origin: `${scheme}://${req.headers.host ?? 'localhost'}`,
		};
		const route = options.router(request);
		if (!route) return sendResponse(res, options.notFound(request));
		options.counters.record(route.name);
		const fault = options.faults.take(route.name);
		if (fault?.latencyMs) await sleep(fault.latencyMs);
		if (fault?.reset) {
			req.socket.destroy();
			return;
		}
		if (fault?.status) {
			const response = options.faultBody(fault.status, fault.retryAfterSeconds, route.name);
			if (fault.retryAfterSeconds !== undefined) {
				response.headers = { ...(response.headers ?? {}), 'Retry-After': String(fault.retryAfterSeconds) };
			}
			options.onResponse?.(route.name, request, response);
			return sendResponse(res, response);
		}
		let response: SimResponse;
		try {
			response = await route.handle(request);
		} catch (error) {
			response = options.internalError(request, error);
		}
		options.onResponse?.(route.name, request, response);
		if (fault?.resetAfterHandling) {
			req.socket.destroy();
			return;
		}
		sendResponse(res, response);
	};
	const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
		listener(req, res).catch((error) => {
			if (!res.headersSent) sendResponse(res, { status: 500, body: { error: String(error) } });
		});
	};
	const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, handler) : http.createServer(handler);
	// Longer than clients' idle timeouts (undici: 4 s), so a client closes an idle socket before the server
	// does; otherwise a test that blocks the event loop (seeding 100,000 rows) races both timers into ECONNRESET.
	server.keepAliveTimeout = 65_000;
	// Node's default accept queue (511) overflows when a client opens thousands of connections at once (n8n's HTTP
	// Request node sends every item's request together); a real API front end accepts them.
	await new Promise<void>((resolve) => server.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1', backlog: 4096 }, resolve));
	const port = (server.address() as AddressInfo).port;
	return {
		url: `${scheme}://${options.host === '0.0.0.0' ? '127.0.0.1' : options.host ?? '127.0.0.1'}:${port}`,
		port,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

/** A response body as the text the wire carries (an object as its JSON): for $batch parts, and observers that read answers. */
export function bodyText(body: SimResponse['body']): string {
	if (body === undefined || body === null) return '';
	if (typeof body === 'string') return body;
	if (Buffer.isBuffer(body) || body instanceof JsonBytes) return body.toString('utf8');
	return JSON.stringify(body);
}

/** Parses a JSON request body, or returns undefined when it is empty or not JSON. */
export function jsonBody<T = unknown>(request: SimRequest): T | undefined {
	if (request.body.length === 0) return undefined;
	try {
		return JSON.parse(request.body.toString('utf8')) as T;
	} catch {
		return undefined;
	}
}
