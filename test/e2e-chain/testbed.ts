/**
 * The whole-chain test bed: both simulators, an n8n harness loading the package's nodes with a
 * Dynamics 365 and a Google Contacts credential pointed at them, and small builders for workflow
 * JSON (nodes in a chain, each with the credentials its type takes).
 */
import { randomUUID } from 'crypto';
import type { ICredentialDataDecryptedObject, IDataObject, INode, INodeParameters } from 'n8n-workflow';
import { N8nHarness, type WorkflowJson } from '../harness/n8n';
import { simulatorCredential } from '../lib/dynamics/simulator-client';
import { startDynamicsSimulator, type DynamicsSimulator } from '../simulators/dynamics';
import { startGoogleSimulator, type GoogleSimulator } from '../simulators/google';
import { n8nCredentialFor } from '../simulators/google/testing';

const PACKAGE_NAME = 'n8n-nodes-dynamics365-sync';

export const NODE_TYPES = {
	dynamicsTrigger: `${PACKAGE_NAME}.dynamics365ContactTrigger`,
	googleTrigger: `${PACKAGE_NAME}.googleContactsTrigger`,
	filter: `${PACKAGE_NAME}.contactFilter`,
	mapping: `${PACKAGE_NAME}.contactFieldMapping`,
	dynamicsWriter: `${PACKAGE_NAME}.dynamics365Contact`,
	googleWriter: `${PACKAGE_NAME}.googleContactsSync`,
} as const;

const NODE_FILES: Record<keyof typeof NODE_TYPES, string> = {
	dynamicsTrigger: 'nodes/Dynamics365ContactTrigger/Dynamics365ContactTrigger.node.ts',
	googleTrigger: 'nodes/GoogleContactsTrigger/GoogleContactsTrigger.node.ts',
	filter: 'nodes/ContactFilter/ContactFilter.node.ts',
	mapping: 'nodes/ContactFieldMapping/ContactFieldMapping.node.ts',
	dynamicsWriter: 'nodes/Dynamics365Contact/Dynamics365Contact.node.ts',
	googleWriter: 'nodes/GoogleContactsSync/GoogleContactsSync.node.ts',
};

export const DYNAMICS_CREDENTIAL = 'microsoftDynamics365Api';
export const GOOGLE_CREDENTIAL = 'googleContactsSyncOAuth2Api';

export interface ChainTestbed {
	dynamics: DynamicsSimulator;
	google: GoogleSimulator;
	n8n: N8nHarness;
	/** Both simulators empty again (seeded contacts gone), their faults and request counters cleared. */
	reset(): void;
	close(): Promise<void>;
}

export async function startChainTestbed(options: { nodes: Array<keyof typeof NODE_TYPES>; dynamicsContacts?: number; googleContacts?: number }): Promise<ChainTestbed> {
	const [dynamics, google] = await Promise.all([startDynamicsSimulator({ contacts: options.dynamicsContacts ?? 0 }), startGoogleSimulator({ contacts: options.googleContacts ?? 0 })]);
	const n8n = await N8nHarness.create({
		packages: [
			{
				packageName: PACKAGE_NAME,
				nodes: options.nodes.map((node) => NODE_FILES[node]),
				credentials: ['credentials/MicrosoftDynamics365Api.credentials.ts', 'credentials/GoogleContactsSyncOAuth2Api.credentials.ts'],
			},
		],
		credentials: {
			[DYNAMICS_CREDENTIAL]: simulatorCredential(dynamics) as ICredentialDataDecryptedObject,
			[GOOGLE_CREDENTIAL]: (await n8nCredentialFor(google)) as ICredentialDataDecryptedObject,
		},
	});
	return {
		dynamics,
		google,
		n8n,
		reset: () => {
			dynamics.state.reset();
			google.reset();
			for (const sim of [dynamics, google]) {
				sim.faults.clear();
				sim.counters.reset();
			}
		},
		close: async () => {
			await dynamics.close();
			await google.close();
		},
	};
}

export interface ChainNode {
	name: string;
	type: string;
	parameters?: INodeParameters;
	/** Credential types the node uses (the harness points them at the saved credentials). */
	credentials?: string[];
}

/** A node of the workflow JSON, with placeholder credential references. */
export function workflowNode(node: ChainNode, index: number): INode {
	return {
		id: randomUUID(),
		name: node.name,
		type: node.type,
		typeVersion: 1,
		position: [index * 220, 0],
		parameters: node.parameters ?? {},
		...(node.credentials?.length ? { credentials: Object.fromEntries(node.credentials.map((type) => [type, { id: type, name: type }])) } : {}),
	};
}

/** Workflow JSON running the nodes one after the other (each into the next's input; `branch` picks an output of the previous node). */
export function chainWorkflow(nodes: Array<ChainNode & { branch?: number }>, staticData?: IDataObject): WorkflowJson {
	const connections: WorkflowJson['connections'] = {};
	nodes.slice(1).forEach((node, index) => {
		const from = nodes[index];
		const main: WorkflowJson['connections'][string]['main'] = [];
		main[node.branch ?? 0] = [{ node: node.name, type: 'main', index: 0 }];
		connections[from.name] = { main };
	});
	return { nodes: nodes.map(workflowNode), connections, ...(staticData ? { staticData } : {}) };
}
