/**
 * The two-way template in n8n's queue mode: a main process (editor, REST API, the triggers' polls) and
 * two `n8n worker` processes taking the executions from Redis, on one PostgreSQL database, with Redis
 * and PostgreSQL from Debian's packages started by the test on free loopback ports (.ci/run installs
 * them when missing). The scenario and its assertions are the single-process test's
 * (two-way-scenario.ts); passing here shows the sync keeps no state in the process that runs it: the
 * triggers' cursors live in the workflow's static data, saved to the database, and each execution
 * may run on either worker.
 */
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

it('runs as a main process and two workers on PostgreSQL and Redis', async () => {
	const settings = await env.n8n.rest<{ executionMode?: string }>('GET', '/rest/settings');
	expect(settings.data.executionMode).toBe('queue');
	expect(n8n.workers).toHaveLength(WORKERS);
	for (const worker of n8n.workers) expect(worker.logs()).toContain('n8n worker is now ready');
});

describeTwoWayTemplate(
	() => env,
	(imported) => (workflow = imported),
);

it('ran every execution of the sync on a worker: the main process enqueued them, each worker took some', async () => {
	const listed = await env.n8n.rest<{ results: Array<{ id: string; status: string }> }>('GET', `/rest/executions?filter=${encodeURIComponent(JSON.stringify({ workflowId: workflow.id }))}&limit=250`);
	const executions = listed.data.results;
	expect(executions.length).toBeGreaterThan(0);
	expect(executions.filter((execution) => execution.status !== 'success')).toEqual([]);

	const enqueued = new Set(executionIds(n8n.main.logs(), /Enqueued execution (\d+) \(job \d+\)/g));
	const ranOn = n8n.workers.map((worker) => ({ worker: worker.name, executions: executionIds(worker.logs(), /Worker finished execution (\d+) \(job \d+\)/g) }));
	for (const { id } of executions) {
		expect({ execution: id, enqueuedByMain: enqueued.has(id) }).toEqual({ execution: id, enqueuedByMain: true });
		// Exactly one worker ran it.
		expect({ execution: id, workers: ranOn.filter((worker) => worker.executions.includes(id)).map((worker) => worker.worker) }).toEqual({ execution: id, workers: [expect.any(String)] });
	}
	process.stdout.write(`queue mode: ${executions.length} executions, ${ranOn.map((worker) => `${worker.worker} ran ${worker.executions.length}`).join(', ')}\n`);
	// Bull hands each job to the longest-waiting worker: over a sync's dozen executions both take some.
	expect(ranOn.filter((worker) => worker.executions.length > 0).map((worker) => worker.worker)).toEqual(n8n.workers.map((worker) => worker.name));
});
