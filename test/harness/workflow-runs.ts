/**
 * Workflow executions through n8n-core's WorkflowExecute, with the pieces the CLI's WorkflowRunner
 * supplies around it: the additional data (`WorkflowExecuteAdditionalData.getBase`), lifecycle
 * hooks that record what ran and save static data after non-manual runs, and the workflow row's
 * static data column.
 */
import { Container } from './runtime';
import { ExecutionLifecycleHooks, ExternalSecretsProxy, WorkflowExecute } from 'n8n-core';
import {
	ExpressionError,
	NodeApiError,
	NodeOperationError,
	UnexpectedError,
	Workflow,
	createRunExecutionData,
	deepCopy,
	type ExecutionBaseError,
	type ExecutionStatus,
	type IConnections,
	type IDataObject,
	type INode,
	type INodeExecutionData,
	type INodeParameters,
	type INodeTypes,
	type IPinData,
	type IRun,
	type IRunExecutionData,
	type IWorkflowBase,
	type IWorkflowExecuteAdditionalData,
	type IWorkflowSettings,
	type WorkflowExecuteMode,
} from 'n8n-workflow';
import { recordOutput } from '../security/recording';
import type { HarnessCredentialsHelper } from './credentials-helper';

/** A workflow as n8n exports it (nodes, connections, optional settings, pin data and static data). */
export interface WorkflowJson {
	id?: string;
	name?: string;
	nodes: INode[];
	connections: IConnections;
	settings?: IWorkflowSettings;
	pinData?: IPinData;
	staticData?: IDataObject | null;
}

/** One run of one node: the items on each of its outputs, or the error it stopped with. */
export interface NodeRun {
	outputs: INodeExecutionData[][];
	error?: ExecutionBaseError;
}

export interface WorkflowRunResult {
	status: ExecutionStatus;
	/** The error that stopped the execution, if one did. */
	error?: ExecutionBaseError;
	/** Every run of every node that ran, by node name. */
	runs: Record<string, NodeRun[]>;
	/** Node names in the order they finished. */
	executionOrder: string[];
	/** The workflow's static data as stored after the execution (manual runs never store it). */
	staticData: IDataObject;
	/** The execution's in-memory static data at its end, whether or not n8n stored it. */
	inMemoryStaticData: IDataObject;
	raw: IRun;
	/** The items a node put on one output; throws when the node did not run (its error, if any, is in the message). */
	output(nodeName: string, outputIndex?: number, runIndex?: number): INodeExecutionData[];
}

/**
 * The static data column of a workflow row. Stored as JSON, as the database does, so values come
 * back the way a node sees them after a restart (dates as strings, undefined keys gone).
 */
export class StoredStaticData {
	private json: string;

	constructor(initial: IDataObject = {}) {
		this.json = JSON.stringify(initial);
	}

	read(): IDataObject {
		return JSON.parse(this.json) as IDataObject;
	}

	write(staticData: IDataObject): void {
		this.json = JSON.stringify(staticData);
	}

	/** WorkflowStaticDataService.saveStaticData: writes only what the workflow marked as changed. */
	saveIfChanged(workflow: Workflow): void {
		if (workflow.staticData.__dataChanged !== true) return;
		this.write(workflow.staticData);
		workflow.staticData.__dataChanged = false;
	}
}

let executionCounter = 0;

export function nextExecutionId(): string {
	executionCounter += 1;
	return `${executionCounter}`;
}

const instanceUrl = 'http://localhost:5678';

/** What the CLI's WorkflowExecuteAdditionalData.getBase provides, minus sub-workflows and task runners. */
export function createAdditionalData(options: {
	credentialsHelper: HarnessCredentialsHelper;
	workflowId?: string;
	executionId?: string;
	hooks?: ExecutionLifecycleHooks;
	currentNodeParameters?: INodeParameters;
}): IWorkflowExecuteAdditionalData {
	const unsupported = (what: string) => async () => {
		throw new UnexpectedError(`The test harness does not run ${what}.`);
	};
	return {
		currentNodeExecutionIndex: 0,
		credentialsHelper: options.credentialsHelper,
		executeWorkflow: unsupported('sub-workflows'),
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		startRunnerTask: unsupported('task runners (Code node)'),
		logAiEvent: () => {},
		restApiUrl: `${instanceUrl}/rest`,
		instanceBaseUrl: `${instanceUrl}/`,
		formBaseUrl: `${instanceUrl}/form`,
		formWaitingBaseUrl: `${instanceUrl}/form-waiting`,
		formTestBaseUrl: `${instanceUrl}/form-test`,
		webhookBaseUrl: `${instanceUrl}/webhook`,
		webhookWaitingBaseUrl: `${instanceUrl}/webhook-waiting`,
		webhookTestBaseUrl: `${instanceUrl}/webhook-test`,
		mcpBaseUrl: `${instanceUrl}/mcp`,
		mcpTestBaseUrl: `${instanceUrl}/mcp-test`,
		variables: {},
		externalSecretsProxy: Container.get(ExternalSecretsProxy),
		workflowId: options.workflowId,
		executionId: options.executionId,
		hooks: options.hooks,
		currentNodeParameters: options.currentNodeParameters,
	};
}

export interface ExecutionRequest {
	workflowJson: WorkflowJson;
	workflowId: string;
	nodeTypes: INodeTypes;
	credentialsHelper: HarnessCredentialsHelper;
	storedStaticData: StoredStaticData;
	mode: WorkflowExecuteMode;
	/**
	 * The node to start from, with what it outputs: a production run puts the outputs on the execution
	 * stack (as a trigger's emit does); a manual run pins the first output, as the editor does.
	 * Without it, a manual run starts from the workflow's start node.
	 */
	start?: { nodeName: string; outputs?: INodeExecutionData[][] };
	/** Manual runs: stop after this node, as "Execute step" does. */
	destinationNodeName?: string;
}

/** Runs an execution the way the CLI's WorkflowRunner does, on a fresh Workflow built from the stored row. */
export async function runExecution(request: ExecutionRequest): Promise<WorkflowRunResult> {
	const { workflowJson, workflowId, mode, start, storedStaticData } = request;
	const isManual = mode === 'manual';
	const nodes = deepCopy(workflowJson.nodes);
	const workflow = new Workflow({
		id: workflowId,
		name: workflowJson.name,
		nodes,
		connections: workflowJson.connections,
		active: !isManual,
		nodeTypes: request.nodeTypes,
		staticData: storedStaticData.read(),
		settings: workflowJson.settings ?? {},
		// Pinned data only stands in for node output in the editor.
		pinData: isManual ? workflowJson.pinData : undefined,
	});
	const executionId = nextExecutionId();
	const workflowData: IWorkflowBase = {
		id: workflowId,
		name: workflowJson.name ?? 'Harness workflow',
		active: !isManual,
		activeVersionId: null,
		isArchived: false,
		createdAt: new Date(0),
		updatedAt: new Date(0),
		nodes,
		connections: workflowJson.connections,
	};
	const hooks = new ExecutionLifecycleHooks(mode, executionId, workflowData);
	const executionOrder: string[] = [];
	hooks.addHandler('nodeExecuteAfter', (nodeName) => {
		executionOrder.push(nodeName);
	});
	// The CLI's save hook: static data changed by a production execution is written back whole.
	hooks.addHandler('workflowExecuteAfter', (_run, newStaticData) => {
		if (!isManual && newStaticData) storedStaticData.write(newStaticData);
	});
	const additionalData = createAdditionalData({
		credentialsHelper: request.credentialsHelper,
		workflowId,
		executionId,
		hooks,
	});
	const startNode = start && workflow.getNode(start.nodeName);
	if (start && !startNode) throw new UnexpectedError(`The workflow has no node named "${start.nodeName}".`);
	let run: IRun;
	if (startNode && start?.outputs && !isManual) {
		const executionData: IRunExecutionData = createRunExecutionData({
			executionData: { nodeExecutionStack: [{ node: startNode, data: { main: start.outputs }, source: null }] },
		});
		run = await new WorkflowExecute(additionalData, mode, executionData).processRunExecutionData(workflow);
	} else {
		const pinData = start?.outputs ? { ...workflow.pinData, [start.nodeName]: start.outputs[0] } : workflow.pinData;
		const destinationNode = request.destinationNodeName
			? { nodeName: request.destinationNodeName, mode: 'inclusive' as const }
			: undefined;
		run = await new WorkflowExecute(additionalData, mode).run({
			workflow,
			startNode: startNode ?? undefined,
			destinationNode,
			pinData,
		});
	}
	recordOutput(`execution of "${workflowData.name}" (${mode})`, run.data.resultData);
	return toRunResult(run, executionOrder, storedStaticData.read(), JSON.parse(JSON.stringify(workflow.staticData)));
}

const storedErrorClasses: Record<string, new (...args: never[]) => ExecutionBaseError> = {
	NodeApiError,
	NodeOperationError,
	ExpressionError,
};

/**
 * WorkflowExecute keeps node errors in the run data as plain copies (as n8n stores them); give
 * them back their class by name, so tests can use `toThrow` and `instanceof`.
 */
function restoreError(stored: ExecutionBaseError | undefined): ExecutionBaseError | undefined {
	if (stored === undefined || Object.getPrototypeOf(stored) !== Object.prototype) return stored;
	const errorClass = storedErrorClasses[stored.name] ?? Error;
	return Object.assign(Object.create(errorClass.prototype) as ExecutionBaseError, stored);
}

function toRunResult(
	run: IRun,
	executionOrder: string[],
	staticData: IDataObject,
	inMemoryStaticData: IDataObject,
): WorkflowRunResult {
	const runs: Record<string, NodeRun[]> = {};
	for (const [nodeName, taskData] of Object.entries(run.data.resultData.runData)) {
		runs[nodeName] = taskData.map((task) => ({
			outputs: (task.data?.main ?? []).map((items) => items ?? []),
			error: restoreError(task.error),
		}));
	}
	return {
		status: run.status,
		error: restoreError(run.data.resultData.error),
		runs,
		executionOrder,
		staticData,
		inMemoryStaticData,
		raw: run,
		output(nodeName, outputIndex = 0, runIndex = 0) {
			const nodeRun = runs[nodeName]?.[runIndex];
			if (!nodeRun) {
				throw new UnexpectedError(
					`Node "${nodeName}" has no run ${runIndex} (ran: ${Object.keys(runs).join(', ') || 'nothing'}${run.data.resultData.error ? `; execution error: ${run.data.resultData.error.message}` : ''}).`,
				);
			}
			if (nodeRun.error) throw nodeRun.error;
			return nodeRun.outputs[outputIndex] ?? [];
		},
	};
}
