/**
 * Throwaway Redis and PostgreSQL servers for n8n's queue mode, from Debian's packages (`redis-server`,
 * `postgresql`; .ci/run installs them when missing): each on a free loopback port, its data in a
 * temp folder, nothing persisted, removed on stop. PostgreSQL refuses to run as root, so as root its
 * cluster belongs to the `postgres` system user the Debian package creates.
 */
import { execFile, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { freePort } from './n8n-instance';

const run = promisify(execFile);

export interface RedisServer {
	host: string;
	port: number;
	logs(): string;
	stop(): Promise<void>;
}

export interface PostgresServer {
	host: string;
	port: number;
	user: string;
	database: string;
	stop(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';

function missing(what: string, debianPackage: string): Error {
	return new Error(`${what} is not installed: run \`apt-get install -y --no-install-recommends ${debianPackage}\` (as .ci/run does) and start the tests again`);
}

function onPath(command: string): string | undefined {
	for (const folder of (process.env.PATH ?? '').split(path.delimiter)) {
		const candidate = path.join(folder, command);
		if (folder && fs.existsSync(candidate)) return candidate;
	}
	return undefined;
}

export async function startRedis(): Promise<RedisServer> {
	const binary = onPath('redis-server');
	if (!binary) throw missing('Redis (redis-server)', 'redis-server');
	const port = await freePort();
	const dataFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-e2e-'));
	// No snapshots, no append-only file: the queue lives as long as the test.
	const child = spawn(binary, ['--port', String(port), '--bind', LOOPBACK, '--save', '', '--appendonly', 'no', '--dir', dataFolder], { stdio: ['ignore', 'pipe', 'pipe'] });
	let output = '';
	child.stdout.on('data', (chunk) => (output += chunk));
	child.stderr.on('data', (chunk) => (output += chunk));
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	const stop = async () => {
		if (child.exitCode === null && child.signalCode === null) {
			child.kill('SIGTERM');
			await exited;
		}
		fs.rmSync(dataFolder, { recursive: true, force: true });
	};
	const deadline = Date.now() + 30_000;
	while (!output.includes('Ready to accept connections')) {
		if (child.exitCode !== null || Date.now() > deadline) {
			await stop();
			throw new Error(`redis-server did not start on port ${port}:\n${output.slice(-2000)}`);
		}
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	return { host: LOOPBACK, port, logs: () => output, stop };
}

/** The newest PostgreSQL server's bin folder (Debian keeps them out of PATH, per major version). */
function postgresBinFolder(): string {
	const root = '/usr/lib/postgresql';
	const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((version) => fs.existsSync(path.join(root, version, 'bin/pg_ctl'))) : [];
	if (versions.length) return path.join(root, versions.sort((a, b) => Number(b) - Number(a))[0], 'bin');
	const pgCtl = onPath('pg_ctl');
	if (pgCtl) return path.dirname(pgCtl);
	throw missing('PostgreSQL (pg_ctl, initdb)', 'postgresql');
}

export async function startPostgres(): Promise<PostgresServer> {
	const binFolder = postgresBinFolder();
	const port = await freePort();
	const asRoot = process.getuid?.() === 0;
	const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'postgres-e2e-'));
	const dataFolder = path.join(folder, 'data');
	if (asRoot) {
		const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim()));
		fs.chownSync(folder, uid, gid);
	}
	// As root, the same commands run as the postgres system user.
	const asServerUser = (command: string, args: string[]) => (asRoot ? run('runuser', ['-u', 'postgres', '--', path.join(binFolder, command), ...args]) : run(path.join(binFolder, command), args));
	const user = 'n8n';
	const database = 'n8n';
	// Trust on loopback: a throwaway cluster that only this test reaches.
	await asServerUser('initdb', ['--pgdata', dataFolder, '--username', user, '--auth', 'trust', '--encoding', 'UTF8', '--no-sync']);
	const serverOptions = `-p ${port} -k ${folder} -c listen_addresses=${LOOPBACK} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
	try {
		await asServerUser('pg_ctl', ['--pgdata', dataFolder, '--log', path.join(folder, 'server.log'), '--options', serverOptions, '--wait', '--timeout', '120', 'start']);
		await run(path.join(binFolder, 'createdb'), ['--host', LOOPBACK, '--port', String(port), '--username', user, database]);
	} catch (error) {
		const log = fs.existsSync(path.join(folder, 'server.log')) ? fs.readFileSync(path.join(folder, 'server.log'), 'utf8').slice(-2000) : '';
		await asServerUser('pg_ctl', ['--pgdata', dataFolder, '--mode', 'immediate', 'stop']).catch(() => undefined);
		fs.rmSync(folder, { recursive: true, force: true });
		throw new Error(`PostgreSQL did not start on port ${port}: ${(error as Error).message}\n${log}`);
	}
	const stop = async () => {
		await asServerUser('pg_ctl', ['--pgdata', dataFolder, '--mode', 'fast', '--wait', 'stop']);
		fs.rmSync(folder, { recursive: true, force: true });
	};
	return { host: LOOPBACK, port, user, database, stop };
}
