/**
 * The bench's scenarios against the simulators (a fixed latency added to every request): our initial
 * sync in a child n8n process, the fewest requests the APIs allow, incremental polls against a
 * "modified on" full scan, and the in-process throughput of the Contact Filter and Field Mapping.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { ICredentialDataDecryptedObject, IDataObject, INodeExecutionData } from 'n8n-workflow';
import { MAX_PAGE_SIZE } from '../lib/dynamics/client';
import { readFields } from '../lib/dynamics/metadata';
import { DEFAULT_CONTACT_COLUMNS, contactSelect } from '../lib/triggers/dynamics-columns';
import { N8nHarness } from '../test/harness/n8n';
import { simulatorClient, simulatorCredential } from '../test/lib/dynamics/simulator-client';
import { dynamicsRequests, googleRequests } from '../test/e2e-chain/counting';
import { DYNAMICS_CREDENTIAL, chainWorkflow } from '../test/e2e-chain/testbed';
import { startDynamicsSimulator, type DynamicsSimulator } from '../test/simulators/dynamics';
import { startGoogleSimulator, type GoogleSimulator } from '../test/simulators/google';
import { n8nCredentialFor } from '../test/simulators/google/testing';
import type { SyncChildInput, SyncChildResult } from './sync-child';
import type { ThroughputChildInput, ThroughputResult } from './throughput-child';

const REPO_ROOT = path.resolve(__dirname, '..');
const PACKAGE_NAME = 'n8n-nodes-dynamics365-sync';
const CREDENTIAL_FILES = ['credentials/MicrosoftDynamics365Api.credentials.ts', 'credentials/GoogleContactsSyncOAuth2Api.credentials.ts'];
/** People API batchCreateContacts / batchUpdateContacts take at most 200 contacts. */
export const GOOGLE_BATCH_SIZE = 200;
/** connections.list pages hold at most 1,000 people. */
export const GOOGLE_LIST_PAGE_SIZE = 1000;

export interface RequestCount {
	dynamics: number;
	google: number;
	total: number;
	byRoute: Record<string, number>;
}

export interface Simulators {
	dynamics: DynamicsSimulator;
	google: GoogleSimulator;
	credentials: Record<string, ICredentialDataDecryptedObject>;
	requests(): RequestCount;
	resetCounters(): void;
	close(): Promise<void>;
}

export async function startSimulators(options: { dynamicsContacts: number; latencyMs: number }): Promise<Simulators> {
	const dynamics = await startDynamicsSimulator({ contacts: options.dynamicsContacts, latencyMs: options.latencyMs });
	const google = await startGoogleSimulator({ contacts: 0 });
	// The Google simulator takes its latency as a fault rule on every route.
	google.faults.add({ route: '*', latencyMs: options.latencyMs });
	return {
		dynamics,
		google,
		credentials: {
			microsoftDynamics365Api: simulatorCredential(dynamics) as ICredentialDataDecryptedObject,
			googleContactsSyncOAuth2Api: (await n8nCredentialFor(google)) as ICredentialDataDecryptedObject,
		},
		requests: () => {
			const byRoute = { ...prefixed('dynamics', dynamics.counters.snapshot()), ...prefixed('google', google.counters.snapshot()) };
			const counts = { dynamics: dynamicsRequests(dynamics), google: googleRequests(google) };
			return { ...counts, total: counts.dynamics + counts.google, byRoute };
		},
		resetCounters: () => {
			dynamics.counters.reset();
			google.counters.reset();
		},
		close: async () => {
			await Promise.all([dynamics.close(), google.close()]);
		},
	};
}

function prefixed(prefix: string, counts: Record<string, number>): Record<string, number> {
	return Object.fromEntries(Object.entries(counts).map(([route, count]) => [`${prefix} ${route}`, count]));
}

/** Runs a TypeScript file of bench/ in a child Node.js process (ts-node) and returns the JSON line it prints. */
export async function runChild<T>(file: string, env: Record<string, string>): Promise<T> {
	const child = spawn(process.execPath, ['--max-old-space-size=4096', '-r', 'ts-node/register/transpile-only', path.join(__dirname, file)], {
		cwd: REPO_ROOT,
		env: { ...process.env, NODE_ENV: 'test', ...env },
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (chunk) => (stdout += chunk));
	child.stderr.on('data', (chunk) => (stderr += chunk));
	const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
	if (code !== 0) throw new Error(`${file} exited with ${code}:\n${stderr.slice(-4000)}`);
	return JSON.parse(stdout.trim().split('\n').pop() as string) as T;
}

export interface InitialSyncResult extends SyncChildResult {
	contacts: number;
	requests: RequestCount;
	contactsPerSecond: number;
	googleContactsAfter: number;
	/** Seeded Dynamics contacts with an email that do not allow bulk email: the template tags them in Google. */
	unsubscribedContacts: number;
	/** CPU time of the bench's own process while the child ran: the two simulators, mostly. */
	simulatorsCpuMs: number;
	/** The added latency of every request, were they sent one after another (some go in parallel). */
	latencyIfSequentialMs: number;
}

/** Our template's initial sync of `contacts` Dynamics 365 contacts into an empty Google account. */
export async function oursInitialSync(contacts: number, latencyMs: number): Promise<InitialSyncResult> {
	const sims = await startSimulators({ dynamicsContacts: contacts, latencyMs });
	try {
		sims.resetCounters();
		const input: SyncChildInput = { contacts, credentials: sims.credentials };
		const cpuBefore = process.cpuUsage();
		const child = await runChild<SyncChildResult>('sync-child.ts', { BENCH_SYNC: JSON.stringify(input) });
		const cpu = process.cpuUsage(cpuBefore);
		const requests = sims.requests();
		return {
			contacts,
			...child,
			requests,
			contactsPerSecond: contacts / (child.wallMs / 1000),
			googleContactsAfter: sims.google.state.contactCount,
			unsubscribedContacts: sims.dynamics.state.listContacts().filter((contact) => contact.values.donotbulkemail === true && contact.values.emailaddress1).length,
			simulatorsCpuMs: (cpu.user + cpu.system) / 1000,
			latencyIfSequentialMs: requests.total * latencyMs,
		};
	} finally {
		await sims.close();
	}
}

/**
 * The fewest requests the job can take: full Dynamics pages, full Google batch writes, and one
 * listing of the (empty) Google account to match against.
 */
export function minimumRequests(contacts: number, googleContactsBefore = 0): { dynamicsPages: number; googleBatchWrites: number; matchingReads: number; total: number } {
	const dynamicsPages = Math.max(1, Math.ceil(contacts / MAX_PAGE_SIZE));
	const googleBatchWrites = Math.ceil(contacts / GOOGLE_BATCH_SIZE);
	const matchingReads = Math.max(1, Math.ceil(googleContactsBefore / GOOGLE_LIST_PAGE_SIZE));
	return { dynamicsPages, googleBatchWrites, matchingReads, total: dynamicsPages + googleBatchWrites + matchingReads };
}

/**
 * The fewest requests the APIs allow for this job as the one-way template runs it, beyond
 * minimumRequests: the trigger emits one Web API page (5,000 contacts) per poll, and before each
 * poll's writes Avoid Duplicates must read Google's changes since the last poll — the People API
 * lists them with a sync token, at most 1,000 per page, and they include the previous poll's own
 * creates. Tagging unsubscribed contacts needs the group: one list to find it by name, one create
 * when the account lacks it.
 */
export function templateFloor(contacts: number, unsubscribedContacts: number): { minimum: number; changeReads: number; groupRequests: number; total: number } {
	const minimum = minimumRequests(contacts).total;
	const polls = Math.max(1, Math.ceil(contacts / MAX_PAGE_SIZE));
	const changeReads = (polls - 1) * Math.ceil(MAX_PAGE_SIZE / GOOGLE_LIST_PAGE_SIZE);
	const groupRequests = unsubscribedContacts > 0 ? 2 : 0;
	return { minimum, changeReads, groupRequests, total: minimum + changeReads + groupRequests };
}

const triggerPackage = (nodes: string[]) => ({ packageName: PACKAGE_NAME, nodes, credentials: CREDENTIAL_FILES });
const TRIGGER = `${PACKAGE_NAME}.dynamics365ContactTrigger`;
const TRIGGER_NAME = 'Dynamics 365 Contact Trigger';

export interface PollCost {
	changes: number;
	polls: number;
	emitted: number;
	requests: number;
	ms: number;
}

export interface IncrementalResult {
	orgSize: number;
	ours: PollCost[];
	modifiedOnFullScan: PollCost[];
}

/**
 * Incremental polls on an org of `orgSize` contacts: after the trigger is armed (change tracking,
 * Start With = Now), `changes` contacts are edited and the trigger polls until it has emitted them;
 * the same changes are then found by a "modified on" full scan, the way a scheduled workflow without
 * change tracking finds them (every contact read, those modified since the last run kept).
 */
export async function incrementalPolls(orgSize: number, changeCounts: number[], latencyMs: number): Promise<IncrementalResult> {
	const sims = await startSimulators({ dynamicsContacts: orgSize, latencyMs });
	try {
		const n8n = await N8nHarness.create({ packages: [triggerPackage(['nodes/Dynamics365ContactTrigger/Dynamics365ContactTrigger.node.ts'])], credentials: sims.credentials });
		const { workflow } = await n8n.activateWorkflow(
			chainWorkflow([{ name: TRIGGER_NAME, type: TRIGGER, parameters: { startWith: 'now', changeDetection: 'changeTracking', maxContacts: MAX_PAGE_SIZE }, credentials: [DYNAMICS_CREDENTIAL] }]),
		);
		// Arming reads every id once and emits nothing; it is over when the cursor follows a delta link.
		const armed = () => {
			const cursor = workflow.inMemoryNodeStaticData(TRIGGER_NAME).cursor as IDataObject | undefined;
			return cursor?.phase === 'delta' && String(cursor.link ?? '').includes('deltatoken');
		};
		while (!armed()) await workflow.poll(TRIGGER_NAME);
		const client = simulatorClient(sims.dynamics);
		// The scan reads the columns the trigger emits, so it finds the changed contacts in one pass.
		const select = (await contactSelect(client, DEFAULT_CONTACT_COLUMNS)).join(',');
		let lastScan = new Date().toISOString();
		const ours: PollCost[] = [];
		const modifiedOnFullScan: PollCost[] = [];
		const contactIds = sims.dynamics.state.listContacts().map((contact) => contact.id);
		for (const [round, changes] of changeCounts.entries()) {
			// Whole seconds apart: modifiedon has a resolution of one second.
			await new Promise((resolve) => setTimeout(resolve, 1100));
			for (const id of contactIds.slice(0, changes)) sims.dynamics.state.updateContact(id, { jobtitle: `Bench round ${round}` });
			sims.resetCounters();
			let started = performance.now();
			let polls = 0;
			let emitted = 0;
			do {
				const { items } = await workflow.poll(TRIGGER_NAME);
				if (!items && emitted < changes) throw new Error(`the trigger emitted ${emitted} of ${changes} changes on a ${orgSize}-contact org, then nothing`);
				polls++;
				emitted += items?.[0]?.length ?? 0;
			} while (emitted < changes);
			ours.push({ changes, polls, emitted, requests: sims.requests().dynamics, ms: performance.now() - started });

			sims.resetCounters();
			started = performance.now();
			const scanFrom = lastScan;
			lastScan = new Date().toISOString();
			const rows = await client.getAll<Record<string, unknown>>(`contacts?$select=${select}`, { maxPageSize: MAX_PAGE_SIZE, includeAnnotations: true });
			const changed = rows.filter((row) => String(row.modifiedon) >= scanFrom.slice(0, 19));
			modifiedOnFullScan.push({ changes, polls: 1, emitted: changed.length, requests: sims.requests().dynamics, ms: performance.now() - started });
		}
		return { orgSize, ours, modifiedOnFullScan };
	} finally {
		await sims.close();
	}
}

/**
 * Contact Filter (active, allows email) and Contact Field Mapping (Dynamics 365 → Google defaults)
 * on `contacts` trigger items, with no network (bench/throughput-child.ts): the node logic alone,
 * then the two nodes run by n8n-core. The org's columns are read once beforehand, as each node
 * reads them once per run.
 */
export async function nodeThroughput(contacts: number): Promise<ThroughputResult> {
	const sims = await startSimulators({ dynamicsContacts: contacts, latencyMs: 0 });
	const itemsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-throughput-')), 'items.json');
	try {
		const n8n = await N8nHarness.create({ packages: [triggerPackage(['nodes/Dynamics365ContactTrigger/Dynamics365ContactTrigger.node.ts'])], credentials: sims.credentials });
		const { items } = await n8n.pollNode(TRIGGER, { parameters: { startWith: 'allContacts', changeDetection: 'changeTracking', maxContacts: contacts } });
		const inputItems = (items?.[0] ?? []).map((item: INodeExecutionData) => item.json);
		if (inputItems.length !== contacts) throw new Error(`the trigger emitted ${inputItems.length} of ${contacts} contacts`);
		const fields = await readFields(simulatorClient(sims.dynamics), 'contact');
		fs.writeFileSync(itemsFile, JSON.stringify({ items: inputItems, fields }));
		const input: ThroughputChildInput = { itemsFile, credentials: sims.credentials };
		return await runChild<ThroughputResult>('throughput-child.ts', { BENCH_THROUGHPUT: JSON.stringify(input) });
	} finally {
		fs.rmSync(path.dirname(itemsFile), { recursive: true, force: true });
		await sims.close();
	}
}
