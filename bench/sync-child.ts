/**
 * The n8n side of the initial-sync scenario, in a process of its own so that its peak RSS is n8n's
 * alone (the simulators run in the parent): n8n-core (the harness) activates our one-way template and
 * polls it until every contact has gone through the chain. Prints one JSON line, with where the
 * time went: each node's own time (n8n's executionTime of each run), the trigger's polls (the time
 * of a poll before its execution starts) and the rest (n8n between the nodes, activation).
 *
 * Input (env BENCH_SYNC): { contacts, credentials: { microsoftDynamics365Api, googleContactsSyncOAuth2Api } }.
 */
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';
import { N8nHarness, type PollTick, type WorkflowRunResult } from '../test/harness/n8n';
import { oneWayTemplate } from './template';

export interface SyncChildInput {
	contacts: number;
	credentials: Record<string, ICredentialDataDecryptedObject>;
}

export interface SyncChildResult {
	wallMs: number;
	polls: number;
	emitted: number;
	written: number;
	peakRssBytes: number;
	/** The child's CPU time (user + system, all threads: garbage collection included). */
	cpuMs: number;
	/** Where the wall time went: the trigger's polls, each other node by name, and n8n around them. */
	timeByPart: Record<string, number>;
}

/** The trigger's part of a poll: from its start until the execution of what it emitted starts (or the poll ends). */
function triggerPollMs(tick: PollTick, pollStarted: number): number {
	const executionStarted = tick.execution?.raw.startedAt;
	const pollEnded = executionStarted ? new Date(executionStarted).getTime() - performance.timeOrigin : performance.now();
	return pollEnded - pollStarted;
}

/** Time spent in each node of one execution (n8n's executionTime of each of its runs). */
function nodeTimes(execution: WorkflowRunResult): Record<string, number> {
	const runData = execution.raw.data.resultData.runData;
	return Object.fromEntries(Object.entries(runData).map(([name, runs]) => [name, runs.reduce((sum, run) => sum + (run.executionTime ?? 0), 0)]));
}

const PACKAGE = {
	packageName: 'n8n-nodes-dynamics365-sync',
	nodes: [
		'nodes/Dynamics365ContactTrigger/Dynamics365ContactTrigger.node.ts',
		'nodes/ContactFilter/ContactFilter.node.ts',
		'nodes/ContactFieldMapping/ContactFieldMapping.node.ts',
		'nodes/GoogleContactsSync/GoogleContactsSync.node.ts',
	],
	credentials: ['credentials/MicrosoftDynamics365Api.credentials.ts', 'credentials/GoogleContactsSyncOAuth2Api.credentials.ts'],
};

async function main(): Promise<void> {
	const input = JSON.parse(process.env.BENCH_SYNC ?? '') as SyncChildInput;
	const n8n = await N8nHarness.create({ packages: [PACKAGE], credentials: input.credentials });
	const { triggerName, ...template } = oneWayTemplate();
	const writerName = template.nodes[template.nodes.length - 1].name;
	const cpuBefore = process.cpuUsage();
	const started = performance.now();
	let pollStarted = started;
	const { workflow, activationPolls } = await n8n.activateWorkflow(template);
	let tick: PollTick = activationPolls[triggerName];
	let polls = 1;
	let emitted = 0;
	let written = 0;
	const timeByPart: Record<string, number> = { [triggerName]: 0 };
	for (;;) {
		timeByPart[triggerName] += triggerPollMs(tick, pollStarted);
		const execution = tick.execution;
		if (execution && execution.status !== 'success') throw new Error(`poll ${polls} failed: ${execution.error?.message}`);
		emitted += tick.items?.[0]?.length ?? 0;
		written += execution?.output(writerName).length ?? 0;
		if (execution) {
			for (const [name, ms] of Object.entries(nodeTimes(execution))) if (name !== triggerName) timeByPart[name] = (timeByPart[name] ?? 0) + ms;
		}
		// Stop at the last poll of the initial sync: the next would be the first incremental one.
		if (emitted >= input.contacts || !tick.items) break;
		pollStarted = performance.now();
		tick = await workflow.poll(triggerName);
		polls++;
	}
	const wallMs = performance.now() - started;
	const cpu = process.cpuUsage(cpuBefore);
	const accounted = Object.values(timeByPart).reduce((sum, ms) => sum + ms, 0);
	timeByPart['n8n around the nodes'] = wallMs - accounted;
	const result: SyncChildResult = { wallMs, polls, emitted, written, peakRssBytes: process.resourceUsage().maxRSS * 1024, cpuMs: (cpu.user + cpu.system) / 1000, timeByPart };
	process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
	process.exit(1);
});
