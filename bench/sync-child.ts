/**
 * The n8n side of the initial-sync scenario, in a process of its own so that its peak RSS is n8n's
 * alone (the simulators run in the parent): n8n-core (the harness) activates our one-way template and
 * polls it until every contact has gone through the chain. Prints one JSON line.
 *
 * Input (env BENCH_SYNC): { contacts, credentials: { microsoftDynamics365Api, googleContactsSyncOAuth2Api } }.
 */
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';
import { N8nHarness } from '../test/harness/n8n';
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
	const started = performance.now();
	const { workflow, activationPolls } = await n8n.activateWorkflow(template);
	let tick = activationPolls[triggerName];
	let polls = 1;
	let emitted = 0;
	let written = 0;
	for (;;) {
		if (tick.execution && tick.execution.status !== 'success') throw new Error(`poll ${polls} failed: ${tick.execution.error?.message}`);
		emitted += tick.items?.[0]?.length ?? 0;
		written += tick.execution?.output(writerName).length ?? 0;
		// Stop at the last poll of the initial sync: the next would be the first incremental one.
		if (emitted >= input.contacts || !tick.items) break;
		tick = await workflow.poll(triggerName);
		polls++;
	}
	const wallMs = performance.now() - started;
	const result: SyncChildResult = { wallMs, polls, emitted, written, peakRssBytes: process.resourceUsage().maxRSS * 1024 };
	process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
	process.exit(1);
});
