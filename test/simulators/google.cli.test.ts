/**
 * `npm run sim` (test/simulators/cli.ts) as a user runs it: a child process that prints one JSON line
 * with both simulators' connection settings, serves seeded data on them, and exits cleanly on SIGTERM.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as https from 'https';
import { once } from 'events';
import { createInterface } from 'readline';
import { parseArguments } from './cli';

test('arguments: defaults, both spellings, and clear errors', () => {
	expect(parseArguments([])).toEqual({ contacts: 200, seed: 42, latencyMs: 0 });
	expect(parseArguments(['--contacts', '5', '--seed=7', '--latency-ms', '20', '--port-google=8092', '--port-dynamics', '8443'])).toEqual({ contacts: 5, seed: 7, latencyMs: 20, portGoogle: 8092, portDynamics: 8443 });
	expect(() => parseArguments(['--contacts'])).toThrow(/--contacts needs a whole number, got nothing/);
	expect(() => parseArguments(['--contacts', 'many'])).toThrow(/got "many"/);
	expect(() => parseArguments(['--port-google', '70000'])).toThrow(/between 1 and 65535/);
	expect(() => parseArguments(['--verbose'])).toThrow(/unknown option "--verbose"\nusage: npm run sim/);
});

function httpsJson(url: string, ca: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<any> {
	return new Promise((resolve, reject) => {
		const request = https.request(url, { method: options.method ?? 'GET', headers: options.headers, ca }, (response) => {
			let text = '';
			response.on('data', (chunk) => (text += chunk));
			response.on('end', () => resolve({ status: response.statusCode, body: text ? JSON.parse(text) : undefined }));
		});
		request.on('error', reject);
		request.end(options.body);
	});
}

test('npm run sim prints one JSON line, serves both seeded simulators, and stops on SIGTERM', async () => {
	const child = spawn(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', 'test/simulators/cli.ts', '--contacts', '7'], { cwd: `${__dirname}/../..`, stdio: ['ignore', 'pipe', 'pipe'] });
	let stderr = '';
	child.stderr.on('data', (chunk) => (stderr += chunk));
	try {
		const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
		const info = JSON.parse(line);
		expect(Object.keys(info.dynamics).sort()).toEqual(['apiUrl', 'applicationUserId', 'authorityHost', 'caCertPath', 'certificateThumbprint', 'clientId', 'clientSecret', 'httpUrl', 'tenantId', 'url']);
		expect(Object.keys(info.google).sort()).toEqual(['authUrl', 'clientId', 'clientSecret', 'controlUrl', 'refreshToken', 'rootUrl', 'tokenUrl']);

		const token = await fetch(info.google.tokenUrl, {
			method: 'POST',
			body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: info.google.refreshToken, client_id: info.google.clientId, client_secret: info.google.clientSecret }),
		}).then((response) => response.json() as Promise<{ access_token: string }>);
		const list = await fetch(`${info.google.rootUrl}v1/people/me/connections?personFields=names`, { headers: { Authorization: `Bearer ${token.access_token}` } }).then((response) => response.json() as Promise<{ totalItems: number }>);
		expect(list.totalItems).toBe(7);

		const ca = fs.readFileSync(info.dynamics.caCertPath, 'utf8');
		const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: info.dynamics.clientId, client_secret: info.dynamics.clientSecret, scope: `${info.dynamics.url}/.default` });
		const entra = await httpsJson(`${info.dynamics.authorityHost}/${info.dynamics.tenantId}/oauth2/v2.0/token`, ca, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form.toString() });
		const count = await httpsJson(`${info.dynamics.apiUrl}/contacts?$count=true&$top=1`, ca, { headers: { Authorization: `Bearer ${entra.body.access_token}`, Accept: 'application/json' } });
		expect(count.body['@odata.count']).toBe(7);

		child.kill('SIGTERM');
		const [code] = (await once(child, 'exit')) as [number];
		expect(code).toBe(0);
		expect(stderr).toBe('');
	} finally {
		if (child.exitCode === null) child.kill('SIGKILL');
	}
});
