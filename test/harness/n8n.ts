/**
 * Runs our nodes through n8n-core's real execution machinery: node and credential types loaded by
 * its directory loaders, executions by WorkflowExecute, polls by PollTriggerExecutor and PollContext,
 * option lists by LoadOptionsContext, credential tests by RoutingNode, HTTP by its request helpers.
 * The harness supplies only what the n8n CLI normally supplies (see the module of each piece):
 * node and credential registries, an in-memory credentials table, the additional data, lifecycle
 * hooks and the workflow's static data column.
 *
 *   const n8n = await N8nHarness.create({
 *   	packages: [{ packageName: 'n8n-nodes-dynamics365-sync', nodes: ['nodes/X/X.node.ts'], credentials: [...] }],
 *   	credentials: { microsoftDynamics365Api: { ... } },
 *   });
 *   const first = await n8n.pollNode('n8n-nodes-dynamics365-sync.x', { parameters: { ... } });
 *   const second = await n8n.pollNode('n8n-nodes-dynamics365-sync.x', { staticData: first.staticData });
 */
import { randomUUID } from 'crypto';
import { LoadOptionsContext, normalizeItems } from 'n8n-core';
import {
	NodeHelpers,
	UserError,
	Workflow,
	deepCopy,
	type ICredentialDataDecryptedObject,
	type IDataObject,
	type INode,
	type INodeCredentialTestResult,
	type INodeExecutionData,
	type INodeListSearchResult,
	type INodeParameters,
	type INodePropertyOptions,
	type INodeType,
	type IVersionedNodeType,
	type WorkflowActivateMode,
} from 'n8n-workflow';
import { recordOutput } from '../security/recording';
import { runCredentialTest } from './credential-tester';
import { HarnessCredentialsHelper, createCredentialsHelper } from './credentials-helper';
import { NodeTypeRegistry, type NodePackage } from './node-registry';
import { ActivePollingWorkflow, type PollTick, type PollingOptions } from './polling';
import {
	StoredStaticData,
	createAdditionalData,
	runExecution,
	type WorkflowJson,
	type WorkflowRunResult,
} from './workflow-runs';

export { createCredentialsHelper, HarnessCredentialsHelper } from './credentials-helper';
export { NodeTypeRegistry, type NodePackage, type PackageFolder, type SourceFilesPackage } from './node-registry';
export { ActivePollingWorkflow, type CursorStorage, type PollTick, type PollingOptions } from './polling';
export type { NodeRun, WorkflowJson, WorkflowRunResult } from './workflow-runs';

/** Loads node and credential packages (always with the harness's n8n-nodes-base stand-ins). */
export async function loadNodeTypes(...packages: NodePackage[]): Promise<NodeTypeRegistry> {
	return await NodeTypeRegistry.load(packages);
}

/** A node type name, or a node with its name, version, id and parameters chosen. */
export type NodeSpec =
	| string
	| { type: string; typeVersion?: number; name?: string; id?: string; parameters?: INodeParameters };

/** Credential values by credential type name; each call saves (replaces) them before running. */
export type CredentialValues = Record<string, ICredentialDataDecryptedObject>;

export type InputItems = Array<INodeExecutionData | IDataObject>;

export interface PollNodeOptions extends PollingOptions {
	parameters?: INodeParameters;
	credentials?: CredentialValues;
	/** The node's static data as stored before this poll (`getWorkflowStaticData('node')`). */
	staticData?: IDataObject;
	/** 'trigger': a scheduled poll of the active workflow; 'manual': the editor's "Fetch test event". */
	mode?: 'trigger' | 'manual';
}

export interface PollNodeResult {
	/** What the poll returned; null when it found nothing. */
	items: INodeExecutionData[][] | null;
	/** The node's static data as n8n stored it: what the next poll reads, even after a restart. */
	staticData: IDataObject;
	/** The static data the poll left in memory (n8n stores it only when the poll emitted, never in manual mode). */
	inMemoryStaticData: IDataObject;
}

export interface ExecuteNodeOptions {
	parameters?: INodeParameters;
	credentials?: CredentialValues;
	inputItems?: InputItems;
	/** The node's "On Error: Continue" setting. */
	continueOnFail?: boolean;
	/** 'trigger' (default): a production execution; 'manual': the editor, with the input pinned. */
	mode?: 'trigger' | 'manual';
}

export interface ExecuteNodeResult {
	/** The items on each of the node's outputs. */
	outputs: INodeExecutionData[][];
	run: WorkflowRunResult;
}

export interface RunWorkflowOptions {
	credentials?: CredentialValues;
	/** Start with these items coming out of the trigger node, as its emit would. */
	triggerItems?: InputItems;
	/** The trigger node to start from, when the workflow has several. */
	triggerNode?: string;
	/** Default: 'trigger' with triggerItems, otherwise 'manual' (from the start node, pinned data applied). */
	mode?: 'trigger' | 'manual';
	/** The workflow's static data as stored before the run (default: the JSON's `staticData`). */
	staticData?: IDataObject;
}

export interface ActivateWorkflowOptions extends PollingOptions {
	credentials?: CredentialValues;
	staticData?: IDataObject;
	/** 'activate' (default): switched on in the editor; 'init': n8n starting up with it active (it polls at once too). */
	activation?: WorkflowActivateMode;
}

export interface LoadOptionsOptions {
	parameters?: INodeParameters;
	credentials?: CredentialValues;
	/** The path of the parameter whose options are loaded (default `parameters.<methodName>`). */
	path?: string;
}

function latestVersion(nodeType: INodeType | IVersionedNodeType): number {
	if ('nodeVersions' in nodeType) return nodeType.currentVersion;
	const { version } = nodeType.description;
	return Array.isArray(version) ? version[version.length - 1] : version;
}

export class N8nHarness {
	private workflowCount = 0;

	private constructor(
		readonly registry: NodeTypeRegistry,
		readonly credentials: HarnessCredentialsHelper,
	) {}

	static async create(options: { packages: NodePackage[]; credentials?: CredentialValues }): Promise<N8nHarness> {
		const registry = await NodeTypeRegistry.load(options.packages);
		return new N8nHarness(registry, await createCredentialsHelper(registry.credentialTypes, options.credentials));
	}

	/**
	 * Runs one poll of a polling node: a scheduled poll of its active workflow rebuilt from the
	 * stored static data ('trigger'), or the editor's "Fetch test event" ('manual').
	 */
	async pollNode(spec: NodeSpec, options: PollNodeOptions = {}): Promise<PollNodeResult> {
		await this.saveCredentials(options.credentials);
		const node = this.buildNode(spec, options.parameters);
		const workflowJson: WorkflowJson = { nodes: [node], connections: {} };
		const staticDataKey = `node:${node.name}`;
		const stored = new StoredStaticData({ [staticDataKey]: options.staticData ?? {} });
		if (options.mode === 'manual') {
			const run = await this.execute(workflowJson, stored, 'manual', { destinationNodeName: node.name });
			const nodeRun = run.runs[node.name]?.[0];
			if (!nodeRun) throw run.error ?? new UserError(`"${node.name}" did not run.`);
			if (nodeRun.error) throw nodeRun.error;
			return {
				items: nodeRun.outputs.length > 0 ? nodeRun.outputs : null,
				staticData: (stored.read()[staticDataKey] as IDataObject) ?? {},
				inMemoryStaticData: (run.inMemoryStaticData[staticDataKey] as IDataObject) ?? {},
			};
		}
		const active = ActivePollingWorkflow.fromStoredWorkflow(this.pollingContext(), workflowJson, this.nextWorkflowId(), stored, options);
		const { items } = await active.poll();
		return { items, staticData: active.storedNodeStaticData(), inMemoryStaticData: active.inMemoryNodeStaticData() };
	}

	/**
	 * Activates a workflow with polling triggers: each one polls once now, as activation does; then
	 * `workflow.poll()` runs a scheduled poll, and what a poll emits runs the rest of the workflow.
	 */
	async activateWorkflow(
		workflowJson: WorkflowJson,
		options: ActivateWorkflowOptions = {},
	): Promise<{ workflow: ActivePollingWorkflow; activationPolls: Record<string, PollTick> }> {
		await this.saveCredentials(options.credentials);
		const stored = new StoredStaticData(options.staticData ?? workflowJson.staticData ?? {});
		return await ActivePollingWorkflow.activate(
			this.pollingContext(),
			this.withSavedCredentials(workflowJson),
			this.nextWorkflowId(),
			stored,
			options,
		);
	}

	/** Runs a node's execute() on the input items (as if a trigger had emitted them) and returns every output. */
	async executeNode(spec: NodeSpec, options: ExecuteNodeOptions = {}): Promise<ExecuteNodeResult> {
		await this.saveCredentials(options.credentials);
		const node = this.buildNode(spec, options.parameters);
		if (options.continueOnFail) node.onError = 'continueRegularOutput';
		const input = this.buildNode({ type: 'n8n-nodes-base.manualTrigger', name: 'Input' });
		const workflowJson: WorkflowJson = {
			nodes: [input, node],
			connections: { [input.name]: { main: [[{ node: node.name, type: 'main', index: 0 }]] } },
		};
		const run = await this.runWorkflow(workflowJson, {
			triggerItems: options.inputItems ?? [{}],
			triggerNode: input.name,
			mode: options.mode,
		});
		const nodeRun = run.runs[node.name]?.[0];
		if (!nodeRun) throw run.error ?? new UserError(`"${node.name}" did not run.`);
		if (nodeRun.error) throw nodeRun.error;
		return { outputs: nodeRun.outputs, run };
	}

	/** Executes workflow JSON (as exported by n8n); credential references are pointed at the saved credentials. */
	async runWorkflow(workflowJson: WorkflowJson, options: RunWorkflowOptions = {}): Promise<WorkflowRunResult> {
		await this.saveCredentials(options.credentials);
		const stored = new StoredStaticData(options.staticData ?? workflowJson.staticData ?? {});
		const mode = options.mode ?? (options.triggerItems ? 'trigger' : 'manual');
		const triggerNode = options.triggerNode ?? (options.triggerItems ? this.findTriggerNode(workflowJson) : undefined);
		const start = triggerNode
			? { nodeName: triggerNode, outputs: options.triggerItems && [normalizeItems(options.triggerItems as INodeExecutionData[])] }
			: undefined;
		return await this.execute(this.withSavedCredentials(workflowJson), stored, mode, { start });
	}

	/** Calls a node's `methods.loadOptions[methodName]` as the editor does when it opens an options list. */
	async loadOptions(spec: NodeSpec, methodName: string, options: LoadOptionsOptions = {}): Promise<INodePropertyOptions[]> {
		return (await this.callMethod(spec, 'loadOptions', methodName, options)) as INodePropertyOptions[];
	}

	/** Calls a node's `methods.listSearch[methodName]` as the editor does when a resource locator's list opens (or is filtered). */
	async listSearch(spec: NodeSpec, methodName: string, options: LoadOptionsOptions & { filter?: string } = {}): Promise<INodeListSearchResult> {
		return (await this.callMethod(spec, 'listSearch', methodName, options, options.filter)) as INodeListSearchResult;
	}

	private async callMethod(spec: NodeSpec, kind: 'loadOptions' | 'listSearch', methodName: string, options: LoadOptionsOptions, ...args: unknown[]): Promise<unknown> {
		await this.saveCredentials(options.credentials);
		// The names the CLI gives the temporary node it loads options for.
		const node = { ...this.buildNode(spec, options.parameters), name: 'Temp-Node', id: 'uuid-1234' };
		const nodeType = this.registry.nodeTypes.getByNameAndVersion(node.type, node.typeVersion);
		const methods = nodeType.methods?.[kind] as Record<string, (this: LoadOptionsContext, ...args: unknown[]) => Promise<unknown>> | undefined;
		const method = methods?.[methodName];
		if (!method) {
			const available = Object.keys(methods ?? {}).join(', ') || 'none';
			throw new UserError(`Node type "${node.type}" has no ${kind} method named "${methodName}" (available: ${available}).`);
		}
		const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes: this.registry.nodeTypes });
		const workflowNode = workflow.nodes[node.name];
		const additionalData = createAdditionalData({
			credentialsHelper: this.credentials,
			currentNodeParameters: workflowNode.parameters,
		});
		const context = new LoadOptionsContext(workflow, workflowNode, additionalData, options.path ?? `parameters.${methodName}`);
		const source = `${kind} ${methodName} of ${node.type}`;
		try {
			const result = await workflow.expression.withIsolate(async () => await method.call(context, ...args));
			recordOutput(source, result);
			return result;
		} catch (error) {
			recordOutput(source, error);
			throw error;
		}
	}

	/** Saves the values and tests them as the credential dialog does; resolves with n8n's verdict. */
	async testCredential(type: string, values: ICredentialDataDecryptedObject): Promise<INodeCredentialTestResult> {
		const reference = await this.credentials.save(type, values);
		const data = await this.credentials.read(type);
		const result = await runCredentialTest(this.registry, this.credentials, { id: reference.id, name: reference.name, type, data });
		recordOutput(`credential test of ${type}`, result);
		return result;
	}

	private pollingContext() {
		return { nodeTypes: this.registry.nodeTypes, credentialsHelper: this.credentials };
	}

	private async execute(
		workflowJson: WorkflowJson,
		storedStaticData: StoredStaticData,
		mode: 'trigger' | 'manual',
		request: { start?: { nodeName: string; outputs?: INodeExecutionData[][] }; destinationNodeName?: string },
	): Promise<WorkflowRunResult> {
		return await runExecution({
			workflowJson,
			workflowId: this.nextWorkflowId(),
			nodeTypes: this.registry.nodeTypes,
			credentialsHelper: this.credentials,
			storedStaticData,
			mode,
			...request,
		});
	}

	private nextWorkflowId(): string {
		this.workflowCount += 1;
		return `harness-${this.workflowCount}`;
	}

	private async saveCredentials(values: CredentialValues = {}): Promise<void> {
		for (const [type, data] of Object.entries(values)) await this.credentials.save(type, data);
	}

	/** A node of the given type with the latest version, its default name, and every saved credential it accepts. */
	private buildNode(spec: NodeSpec, parameters?: INodeParameters): INode {
		const { type, typeVersion, name, id, parameters: specParameters } = typeof spec === 'string' ? { type: spec } : spec;
		const nodeType = this.registry.nodeTypes.getByName(type);
		const version = typeVersion ?? latestVersion(nodeType);
		const { description } = NodeHelpers.getVersionedNodeType(nodeType, version);
		const node: INode = {
			id: id ?? randomUUID(),
			name: name ?? description.defaults.name ?? description.displayName,
			type,
			typeVersion: version,
			position: [0, 0],
			parameters: deepCopy({ ...specParameters, ...parameters }),
		};
		for (const { name: credentialType } of description.credentials ?? []) {
			const reference = this.credentials.referenceFor(credentialType);
			if (reference) node.credentials = { ...node.credentials, [credentialType]: reference };
		}
		return node;
	}

	/** Template JSON references credentials by ids from another instance; point them at ours, as importing does. */
	private withSavedCredentials(workflowJson: WorkflowJson): WorkflowJson {
		const nodes = deepCopy(workflowJson.nodes).map((node) => {
			for (const type of Object.keys(node.credentials ?? {})) {
				const reference = this.credentials.referenceFor(type);
				if (reference && node.credentials) node.credentials[type] = reference;
			}
			return node;
		});
		return { ...workflowJson, nodes };
	}

	/** The one enabled node without inputs from other nodes that n8n can start an execution from. */
	private findTriggerNode(workflowJson: WorkflowJson): string {
		const fed = new Set(
			Object.values(workflowJson.connections).flatMap((byType) =>
				(byType.main ?? []).flatMap((targets) => (targets ?? []).map((target) => target.node)),
			),
		);
		const candidates = workflowJson.nodes.filter((node) => {
			if (node.disabled || fed.has(node.name)) return false;
			const nodeType = this.registry.nodeTypes.getByNameAndVersion(node.type, node.typeVersion);
			return Boolean(nodeType.poll || nodeType.trigger || nodeType.webhook);
		});
		if (candidates.length !== 1) {
			throw new UserError(
				`Cannot tell which trigger to start from (found: ${candidates.map((node) => node.name).join(', ') || 'none'}); pass triggerNode.`,
			);
		}
		return candidates[0].name;
	}
}
