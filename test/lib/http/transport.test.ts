import * as http from 'http';
import * as https from 'https';
import type { AddressInfo } from 'net';
import { authenticatedTransport } from '../../../lib/http/bearer';
import { NetworkError, describeUrl, nodeHttpTransport } from '../../../lib/http/transport';
import { createCertificateAuthority } from '../../simulators/tls';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

async function listen(server: http.Server): Promise<string> {
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return String((server.address() as AddressInfo).port);
}

function handlerOf(handler: Handler) {
	return (req: http.IncomingMessage, res: http.ServerResponse) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => handler(req, res, Buffer.concat(chunks).toString('utf8')));
	};
}

const servers: http.Server[] = [];

async function startHttp(handler: Handler): Promise<string> {
	const server = http.createServer(handlerOf(handler));
	servers.push(server);
	return `http://127.0.0.1:${await listen(server)}`;
}

afterEach(async () => {
	for (const server of servers.splice(0)) {
		server.closeAllConnections();
		await new Promise((resolve) => server.close(resolve));
	}
});

describe('nodeHttpTransport', () => {
	it('sends method, headers and body, and returns status, lower-case headers and the UTF-8 body', async () => {
		let seen: { method?: string; url?: string; contentType?: string; length?: string; body?: string } = {};
		const url = await startHttp((req, res, body) => {
			seen = { method: req.method, url: req.url, contentType: req.headers['content-type'], length: req.headers['content-length'], body };
			res.setHeader('OData-EntityId', 'x');
			res.setHeader('Set-Cookie', ['a=1', 'b=2']);
			res.writeHead(201);
			res.end('{"fullname":"Siobhán O\'Brien 🎉"}');
		});
		const response = await nodeHttpTransport()({
			method: 'PATCH',
			url: `${url}/api/data/v9.2/contacts(1)?$select=a%2Cb`,
			headers: { 'Content-Type': 'application/json' },
			body: '{"lastname":"Müller"}',
		});
		expect(seen).toEqual({ method: 'PATCH', url: '/api/data/v9.2/contacts(1)?$select=a%2Cb', contentType: 'application/json', length: String(Buffer.byteLength('{"lastname":"Müller"}')), body: '{"lastname":"Müller"}' });
		expect(response.status).toBe(201);
		expect(response.headers['odata-entityid']).toBe('x');
		expect(response.headers['set-cookie']).toBe('a=1, b=2');
		expect(JSON.parse(response.body).fullname).toBe("Siobhán O'Brien 🎉");
	});

	it('returns error statuses as responses', async () => {
		const url = await startHttp((_req, res) => {
			res.writeHead(503, { 'Retry-After': '3' });
			res.end('busy');
		});
		const response = await nodeHttpTransport()({ method: 'GET', url, headers: {} });
		expect(response).toMatchObject({ status: 503, body: 'busy' });
		expect(response.headers['retry-after']).toBe('3');
	});

	it('reuses connections (keep-alive)', async () => {
		const ports = new Set<number>();
		const url = await startHttp((req, res) => {
			ports.add(req.socket.remotePort!);
			res.end('ok');
		});
		const transport = nodeHttpTransport();
		for (let i = 0; i < 5; i++) await transport({ method: 'GET', url, headers: {} });
		expect(ports.size).toBe(1);
	});

	it('times out with ETIMEDOUT after the connection was made (sent)', async () => {
		const url = await startHttp(() => undefined);
		const error = await nodeHttpTransport({ timeoutMs: 200 })({ method: 'POST', url, headers: {}, body: 'x' }).catch((caught) => caught);
		expect(error).toBeInstanceOf(NetworkError);
		expect(error.code).toBe('ETIMEDOUT');
		expect(error.sent).toBe(true);
		expect(error.message).toContain(`POST ${url}/`);
	});

	it('reports a reset after sending as sent, and a refused connection as not sent', async () => {
		const url = await startHttp((req) => req.socket.destroy());
		const reset = await nodeHttpTransport()({ method: 'POST', url, headers: {}, body: 'x' }).catch((caught) => caught);
		expect(reset).toMatchObject({ name: 'NetworkError', code: 'ECONNRESET', sent: true });

		const closed = http.createServer();
		const port = await listen(closed);
		await new Promise((resolve) => closed.close(resolve));
		const refused = await nodeHttpTransport()({ method: 'POST', url: `http://127.0.0.1:${port}/`, headers: {}, body: 'x' }).catch((caught) => caught);
		expect(refused).toMatchObject({ name: 'NetworkError', code: 'ECONNREFUSED', sent: false });
	});

	it('trusts an extra CA given as `ca`, and only then', async () => {
		const authority = createCertificateAuthority();
		const { keyPem, certPem } = authority.issue(['127.0.0.1']);
		const server = https.createServer({ key: keyPem, cert: certPem }, handlerOf((_req, res) => res.end('secure')));
		servers.push(server);
		const url = `https://127.0.0.1:${await listen(server)}/`;
		const untrusted = await nodeHttpTransport()({ method: 'GET', url, headers: {} }).catch((caught) => caught);
		expect(untrusted).toBeInstanceOf(NetworkError);
		expect(untrusted.sent).toBe(false);
		expect((await nodeHttpTransport({ ca: authority.caCertPem })({ method: 'GET', url, headers: {} })).body).toBe('secure');
	});

	it('describes URLs without their query', () => {
		expect(describeUrl('https://contoso.crm.dynamics.com/api/data/v9.2/contacts?$filter=emailaddress1 eq \'a@b.c\'')).toBe('https://contoso.crm.dynamics.com/api/data/v9.2/contacts');
		expect(describeUrl('nonsense')).toBe('(invalid URL)');
	});
});

describe('authenticatedTransport', () => {
	it('adds the bearer token and, after a 401, gets one fresh token and retries once', async () => {
		const seen: string[] = [];
		const url = await startHttp((req, res) => {
			seen.push(req.headers.authorization ?? '');
			res.writeHead(req.headers.authorization === 'Bearer fresh' ? 200 : 401);
			res.end();
		});
		const requests: Array<boolean | undefined> = [];
		const tokens = {
			getToken: async (options?: { forceRefresh?: boolean }) => {
				requests.push(options?.forceRefresh);
				return options?.forceRefresh ? 'fresh' : 'stale';
			},
		};
		const response = await authenticatedTransport(nodeHttpTransport(), tokens)({ method: 'POST', url, headers: {}, body: '{}' });
		expect(response.status).toBe(200);
		expect(seen).toEqual(['Bearer stale', 'Bearer fresh']);
		expect(requests).toEqual([undefined, true]);
	});

	it('returns the second 401 instead of looping', async () => {
		let calls = 0;
		const url = await startHttp((_req, res) => {
			calls++;
			res.writeHead(401);
			res.end();
		});
		const response = await authenticatedTransport(nodeHttpTransport(), { getToken: async () => 'rejected' })({ method: 'GET', url, headers: {} });
		expect(response.status).toBe(401);
		expect(calls).toBe(2);
	});
});
