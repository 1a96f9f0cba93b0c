/**
 * The two-way template in n8n's queue mode: a main process (editor, REST API, the triggers' polls) and
 * two `n8n worker` processes taking the executions from Redis, on one PostgreSQL database, with Redis
 * and PostgreSQL from Debian's packages started by the test on free loopback ports (.ci/run installs
 * them when missing). The scenario and its assertions are the single-process test's
 * (two-way-scenario.ts); passing here shows the sync keeps no state in the process that runs it: the
 * triggers' cursors live in the workflow's static data, saved to the database, and each execution
 * may run on either worker. After the initial sync, the worker that ran the latest execution is
 * stopped, so the edits are synced by the other one.
 */
import type { N8nWorker } from './n8n-instance';
import { startQueueModeN8n, type QueueModeN8n } from './queue-mode-n8n';
import { startSyncEnvironment, type ImportedWorkflow, type SyncEnvironment } from './sync-environment';
import { describeTwoWayTemplate } from './two-way-scenario';

jest.setTimeout(16 * 60_000);

const WORKERS = 2;

let env: SyncEnvironment;
let n8n: QueueModeN8n;
let workflow: ImportedWorkflow;

beforeAll(async () => {
	env = await startSyncEnvironment({
		dynamicsContacts: 12,
		googleContacts: 4,
		// Three n8n processes and two servers on a busy machine: start-up can take minutes.
		launchN8n: async (options) => (n8n = await startQueueModeN8n({ ...options, workers: WORKERS, startupTimeoutMs: 6 * 60_000 })),
	});
}, 15 * 60_000);

afterAll(async () => {
	await env?.close();
});

/** Execution ids from log lines such as `Worker finished execution 12 (job 7)`. */
const executionIds = (logs: string, pattern: RegExp) => [...logs.matchAll(pattern)].map((match) => match[1]);
const finishedOn = (worker: N8nWorker) => executionIds(worker.logs(), /Worker finished execution (\d+) \(job \d+\)/g);

/** The worker taken away after the initial sync, and the executions finished by then. */
let handover: { stopped: N8nWorker; survivor: N8nWorker; executionsBefore: Set<string> };

it('runs as a main process and two workers on PostgreSQL and Redis', async () => {
	const settings = await env.n8n.rest<{ executionMode?: string }>('GET', '/rest/settings');
	expect(settings.data.executionMode).toBe('queue');
	expect(n8n.workers).toHaveLength(WORKERS);
	for (const worker of n8n.workers) expect(worker.logs()).toContain('n8n worker is now ready');
});

describeTwoWayTemplate(() => env, {
	onImported: (imported) => (workflow = imported),
	// The worker that ran the latest execution leaves: the edits can only be synced by the other one,
	// from what the database and Redis hold (the triggers' cursors, the links in both apps).
	afterInitialSync: async () => {
		const latest = (worker: N8nWorker) => Math.max(-1, ...finishedOn(worker).map(Number));
		const [stopped, survivor] = [...n8n.workers].sort((a, b) => latest(b) - latest(a));
		expect(finishedOn(stopped).length).toBeGreaterThan(0);
		await stopped.stop();
		handover = { stopped, survivor, executionsBefore: new Set(n8n.workers.flatMap(finishedOn)) };
	},
});

it('ran every execution of the sync on a worker, enqueued by the main process; after the handover, on the remaining worker', async () => {
	const listed = await env.n8n.rest<{ results: Array<{ id: string; status: string }> }>('GET', `/rest/executions?filter=${encodeURIComponent(JSON.stringify({ workflowId: workflow.id }))}&limit=250`);
	const executions = listed.data.results;
	expect(executions.filter((execution) => execution.status !== 'success')).toEqual([]);

	const enqueued = new Set(executionIds(n8n.main.logs(), /Enqueued execution (\d+) \(job \d+\)/g));
	const ranOn = (id: string) => n8n.workers.filter((worker) => finishedOn(worker).includes(id)).map((worker) => worker.name);
	for (const { id } of executions) expect({ execution: id, enqueuedByMain: enqueued.has(id), ranOn: ranOn(id) }).toEqual({ execution: id, enqueuedByMain: true, ranOn: [expect.any(String)] });

	const afterHandover = executions.filter(({ id }) => !handover.executionsBefore.has(id));
	process.stdout.write(
		`queue mode: ${executions.length} executions; before the handover ${n8n.workers.map((worker) => `${worker.name} ran ${finishedOn(worker).filter((id) => handover.executionsBefore.has(id)).length}`).join(', ')}; ${handover.stopped.name} stopped, ${handover.survivor.name} ran the ${afterHandover.length} after\n`,
	);
	expect(afterHandover.length).toBeGreaterThan(0);
	expect(afterHandover.map(({ id }) => ranOn(id))).toEqual(afterHandover.map(() => [handover.survivor.name]));
});
