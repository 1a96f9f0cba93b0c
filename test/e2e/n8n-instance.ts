/**
 * A real n8n 2.x process for end-to-end tests: our package packed with `npm pack` and installed into
 * the instance's community-nodes folder the way n8n's own installer does it, an owner account, and the
 * REST calls the editor makes (cookie auth). n8n needs Node.js 24, which scripts/ensure-n8n.sh caches.
 */
import { execFileSync, spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { recordingFile } from '../security/recording';

const REPO_ROOT = path.resolve(__dirname, '../..');
const WORK_DIR = path.join(REPO_ROOT, 'test/.work');
const PACKAGE_NAME = 'n8n-nodes-dynamics365-sync';
export const OWNER = { email: 'owner@example.com', firstName: 'Ada', lastName: 'Owner', password: 'Sync-Test-Passw0rd' };

/** The cached n8n install (bin/n8n, bin/node); installs it the first time (several minutes). */
export function ensureN8nInstall(): string {
	const output = execFileSync('bash', [path.join(REPO_ROOT, 'scripts/ensure-n8n.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
	return output.trim().split('\n').pop() as string;
}

/** Packs the built package (dist/ must be current: `npm run build`) and returns the tarball's path. */
export function packPackage(): string {
	if (!fs.existsSync(path.join(REPO_ROOT, 'dist/credentials'))) throw new Error('dist/ is missing: run `npm run build` first');
	const destination = path.join(WORK_DIR, 'pack');
	fs.mkdirSync(destination, { recursive: true });
	const output = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', destination, '--json'], { cwd: REPO_ROOT, encoding: 'utf8' });
	const [{ filename }] = JSON.parse(output) as Array<{ filename: string }>;
	return path.join(destination, filename);
}

/**
 * Installs a packed tarball as n8n's community-package installer does (CLI community-packages.service
 * downloadPackage): unpack into nodes/node_modules/<name>, drop dev/peer/optional dependencies from its
 * package.json, `npm install` its runtime dependencies without lifecycle scripts, and record it in
 * the nodes folder's package.json.
 */
export function installCommunityPackage(userFolder: string, tarball: string): void {
	const nodesFolder = path.join(userFolder, '.n8n/nodes');
	const packageDirectory = path.join(nodesFolder, 'node_modules', PACKAGE_NAME);
	fs.mkdirSync(packageDirectory, { recursive: true });
	execFileSync('tar', ['-xzf', tarball, '-C', packageDirectory, '--strip-components=1']);
	const manifestPath = path.join(packageDirectory, 'package.json');
	const { devDependencies, peerDependencies, optionalDependencies, ...manifest } = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
	fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
	execFileSync(
		'npm',
		['install', '--audit=false', '--fund=false', '--bin-links=false', '--install-strategy=shallow', '--ignore-scripts=true', '--package-lock=false', '--loglevel=error'],
		{ cwd: packageDirectory, stdio: ['ignore', 'ignore', 'inherit'] },
	);
	fs.writeFileSync(path.join(nodesFolder, 'package.json'), JSON.stringify({ name: 'installed-nodes', private: true, dependencies: { [PACKAGE_NAME]: manifest.version } }, null, 2));
}

export async function freePort(): Promise<number> {
	return await new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

export interface RestResponse<T = unknown> {
	status: number;
	data: T;
	body: unknown;
}

export interface N8nInstance {
	url: string;
	userFolder: string;
	/** The REST API the editor uses, logged in as the owner. */
	rest<T = unknown>(method: string, urlPath: string, body?: unknown): Promise<RestResponse<T>>;
	/** Everything n8n printed so far. */
	logs(): string;
	stop(): Promise<void>;
}

export interface StartN8nOptions {
	tarball: string;
	/** Extra environment, e.g. NODE_EXTRA_CA_CERTS for the Dynamics simulator's CA. */
	env?: Record<string, string>;
	startupTimeoutMs?: number;
}

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/** An n8n process (`n8n start` or `n8n worker`) with the settings every test instance shares, its output collected. */
async function spawnN8n(command: 'start' | 'worker', userFolder: string, env: Record<string, string> | undefined) {
	const installDir = ensureN8nInstall();
	// The task runners' broker listens on a port of its own (5679 by default): another n8n on the machine would hold it.
	const brokerPort = await freePort();
	// When the run is recorded for the secret scan (test/security/recording.ts), everything n8n prints, at debug level.
	const logFile = recordingFile(`n8n-${command}`);
	const child: ChildProcess = spawn(path.join(installDir, 'bin/n8n'), [command], {
		cwd: userFolder,
		env: {
			...process.env,
			// jest sets NODE_ENV=test, with which n8n exits at start without a word.
			NODE_ENV: 'production',
			N8N_USER_FOLDER: userFolder,
			N8N_RUNNERS_BROKER_PORT: String(brokerPort),
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_HOST: '127.0.0.1',
			// Shared by a main instance and its workers (they decrypt the credentials it saved).
			N8N_ENCRYPTION_KEY: 'e2e-encryption-key-not-a-secret',
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_SECURE_COOKIE: 'false',
			N8N_LOG_LEVEL: logFile ? 'debug' : 'info',
			...env,
		},
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let output = '';
	const log = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : undefined;
	const collect = (chunk: Buffer) => {
		output += chunk;
		log?.write(chunk);
	};
	child.stdout?.on('data', collect);
	child.stderr?.on('data', collect);
	child.once('close', () => log?.end());
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	const stop = async () => {
		if (child.exitCode === null) {
			child.kill('SIGTERM');
			// An unref'd timer: a pending one would keep the test worker alive after n8n has exited.
			await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000).unref())]);
			if (child.exitCode === null) child.kill('SIGKILL');
		}
		fs.rmSync(userFolder, { recursive: true, force: true });
	};
	return { child, output: () => output, stop };
}

export async function startN8n(options: StartN8nOptions): Promise<N8nInstance> {
	fs.mkdirSync(WORK_DIR, { recursive: true });
	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-e2e-'));
	installCommunityPackage(userFolder, options.tarball);
	const port = await freePort();
	const url = `http://127.0.0.1:${port}`;
	const { child, output, stop } = await spawnN8n('start', userFolder, { N8N_PORT: String(port), ...options.env });

	let cookie = '';
	const rest = async <T>(method: string, urlPath: string, body?: unknown): Promise<RestResponse<T>> => {
		const response = await fetch(`${url}${urlPath}`, {
			method,
			headers: { 'content-type': 'application/json', cookie, 'browser-id': 'e2e-tests' },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const setCookie = response.headers.get('set-cookie');
		if (setCookie) cookie = setCookie.split(';')[0];
		const text = await response.text();
		let parsed: unknown = text;
		try {
			parsed = JSON.parse(text);
		} catch {
			// Not JSON: keep the text for the assertion message.
		}
		const data = (parsed && typeof parsed === 'object' && 'data' in parsed ? (parsed as { data: T }).data : parsed) as T;
		return { status: response.status, data, body: parsed };
	};

	const deadline = Date.now() + (options.startupTimeoutMs ?? 120_000);
	for (;;) {
		if (child.exitCode !== null) throw new Error(`n8n exited (code ${child.exitCode}) during start-up:\n${output().slice(-4000)}`);
		if (Date.now() > deadline) {
			await stop();
			throw new Error(`n8n did not start in time:\n${output().slice(-4000)}`);
		}
		try {
			const settings = await rest<{ userManagement?: unknown }>('GET', '/rest/settings');
			if (settings.status === 200 && settings.data && typeof settings.data === 'object' && 'userManagement' in settings.data) break;
		} catch {
			// Not listening yet.
		}
		await sleep(500);
	}
	const setup = await rest('POST', '/rest/owner/setup', OWNER);
	if (setup.status !== 200) {
		await stop();
		throw new Error(`owner setup failed (${setup.status}): ${JSON.stringify(setup.body).slice(0, 500)}`);
	}
	return { url, userFolder, rest, logs: output, stop };
}

export interface N8nWorker {
	name: string;
	/** Everything the worker printed so far. */
	logs(): string;
	stop(): Promise<void>;
}

export interface StartN8nWorkerOptions {
	/** Names the worker in messages. */
	name: string;
	/** The main instance's user folder: the worker loads the community package installed there. */
	mainUserFolder: string;
	/** The queue-mode environment the main instance has (DB_*, QUEUE_BULL_*, EXECUTIONS_MODE). */
	env?: Record<string, string>;
	startupTimeoutMs?: number;
}

/**
 * An `n8n worker` process for queue mode, ready once its readiness endpoint reports the database
 * migrated and Redis connected. Its user folder is its own (a shared one would share the crash journal
 * and event log files) with the main instance's community-nodes folder linked in, as a volume would be.
 */
export async function startN8nWorker(options: StartN8nWorkerOptions): Promise<N8nWorker> {
	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-e2e-worker-'));
	fs.mkdirSync(path.join(userFolder, '.n8n'));
	fs.symlinkSync(path.join(options.mainUserFolder, '.n8n/nodes'), path.join(userFolder, '.n8n/nodes'));
	const healthPort = await freePort();
	const { child, output, stop } = await spawnN8n('worker', userFolder, {
		...options.env,
		QUEUE_HEALTH_CHECK_ACTIVE: 'true',
		QUEUE_HEALTH_CHECK_PORT: String(healthPort),
		N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
	});
	const deadline = Date.now() + (options.startupTimeoutMs ?? 120_000);
	for (;;) {
		if (child.exitCode !== null) throw new Error(`n8n worker ${options.name} exited (code ${child.exitCode}) during start-up:\n${output().slice(-4000)}`);
		if (Date.now() > deadline) {
			await stop();
			throw new Error(`n8n worker ${options.name} did not become ready in time:\n${output().slice(-4000)}`);
		}
		try {
			if ((await fetch(`http://127.0.0.1:${healthPort}/healthz/readiness`)).status === 200) break;
		} catch {
			// Not listening yet.
		}
		await sleep(500);
	}
	return { name: options.name, logs: output, stop };
}
