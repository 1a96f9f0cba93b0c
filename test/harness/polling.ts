/**
 * Polling triggers run the way an active n8n 2.40 workflow runs them: PollContexts built like the
 * CLI's TriggerExecutionContextFactory.getExecutePollFunctions builds them (static data staged per
 * poll in an AsyncLocalStorage scope, saved when the poll emits), and each poll driven by n8n-core's
 * own PollTriggerExecutor, which cron calls every poll interval.
 */
import { Container } from './runtime';
import { AsyncLocalStorage } from 'async_hooks';
import { PollContext, PollTriggerExecutor } from 'n8n-core';
import {
	UnexpectedError,
	UserError,
	Workflow,
	deepCopy,
	isSubMinuteCron,
	toCronExpression,
	type IDataObject,
	type INode,
	type INodeExecutionData,
	type INodeTypes,
	type IPollFunctions,
	type PollCursor,
	type TriggerTime,
	type WorkflowActivateMode,
} from 'n8n-workflow';
import { isDeepStrictEqual } from 'util';
import { recordOutput } from '../security/recording';
import type { HarnessCredentialsHelper } from './credentials-helper';
import {
	StoredStaticData,
	createAdditionalData,
	runExecution,
	type WorkflowJson,
	type WorkflowRunResult,
} from './workflow-runs';

/**
 * Where a poll node's cursor lives between polls. 'staticData' is n8n's default: the node's bucket
 * of the workflow's static data. 'durable' is the opt-in N8N_POLLER_DURABLE_CURSORS_ENABLED store
 * (a poller_state row): the node works on a snapshot, committed only with the execution its emit
 * starts, or on its own when a poll that emitted nothing moved it.
 */
export type CursorStorage = 'staticData' | 'durable';

export interface PollingOptions {
	cursorStorage?: CursorStorage;
	/** What `getPollBudgetMs()` returns; unset, PollContext's own default (5 minutes) applies, as in n8n. */
	pollBudgetMs?: number;
}

/** One poll: what it emitted, and the execution that started (the trigger and every node after it). */
export interface PollTick {
	items: INodeExecutionData[][] | null;
	execution?: WorkflowRunResult;
}

export interface PollingContext {
	nodeTypes: INodeTypes;
	credentialsHelper: HarnessCredentialsHelper;
}

type StagedCursor = { migrated: true; snapshot: PollCursor; seed: PollCursor } | { migrated: false };

/** The poller_state table: one JSON cursor per poll node, once the node has moved to durable cursors. */
class DurableCursors {
	private readonly rows = new Map<string, string>();

	constructor(private readonly enabled: boolean) {}

	/** PollCursorService.resolveCursor: a node with a stored cursor keeps using it; otherwise only when enabled, seeded from its static data. */
	resolve(nodeId: string, nodeStaticData: IDataObject): { migrated: true; cursor: PollCursor } | { migrated: false } {
		if (!this.rows.has(nodeId)) {
			if (!this.enabled) return { migrated: false };
			this.rows.set(nodeId, JSON.stringify(nodeStaticData));
		}
		return { migrated: true, cursor: this.read(nodeId) as PollCursor };
	}

	read(nodeId: string): PollCursor | undefined {
		const row = this.rows.get(nodeId);
		return row === undefined ? undefined : (JSON.parse(row) as PollCursor);
	}

	advance(nodeId: string, cursor: PollCursor): void {
		this.rows.set(nodeId, JSON.stringify(cursor));
	}
}

interface TickRecord {
	items: INodeExecutionData[][] | null;
	execution?: Promise<WorkflowRunResult>;
	error?: Error;
}

interface Poller {
	node: INode;
	executePoll: (testingTrigger?: boolean) => Promise<void>;
}

/**
 * A workflow activated with one Workflow instance for the activation's lifetime, as n8n's
 * in-process scheduler keeps it: the next poll sees the static data the last one left in memory,
 * while only what a poll saved (when it emitted) would survive a restart.
 */
export class ActivePollingWorkflow {
	private readonly workflow: Workflow;

	private readonly durableCursors: DurableCursors;

	private readonly pollers = new Map<string, Poller>();

	/** What the current poll of each node emitted or failed with, by node name. */
	private readonly ticks = new Map<string, TickRecord>();

	private constructor(
		private readonly context: PollingContext,
		private readonly workflowJson: WorkflowJson,
		readonly workflowId: string,
		private readonly storedStaticData: StoredStaticData,
		private readonly options: PollingOptions,
		activation: WorkflowActivateMode,
	) {
		this.durableCursors = new DurableCursors(options.cursorStorage === 'durable');
		this.workflow = new Workflow({
			id: workflowId,
			name: workflowJson.name,
			nodes: deepCopy(workflowJson.nodes),
			connections: workflowJson.connections,
			active: true,
			nodeTypes: context.nodeTypes,
			staticData: storedStaticData.read(),
			settings: workflowJson.settings ?? {},
		});
		const additionalData = createAdditionalData({ credentialsHelper: context.credentialsHelper, workflowId });
		const executor = Container.get(PollTriggerExecutor);
		for (const node of Object.values(this.workflow.nodes)) {
			const nodeType = context.nodeTypes.getByNameAndVersion(node.type, node.typeVersion);
			if (node.disabled || !nodeType.poll) continue;
			const pollFunctions = this.createPollContext(node, additionalData, activation);
			this.pollers.set(node.name, { node, executePoll: executor.create(this.workflow, node, pollFunctions, () => true) });
		}
		if (this.pollers.size === 0) throw new UserError('The workflow has no enabled polling trigger.');
	}

	/** Activates the workflow: checks each poll node's poll times and runs its first poll, as activation does. */
	static async activate(
		context: PollingContext,
		workflowJson: WorkflowJson,
		workflowId: string,
		storedStaticData: StoredStaticData,
		options: PollingOptions & { activation?: WorkflowActivateMode } = {},
	): Promise<{ workflow: ActivePollingWorkflow; activationPolls: Record<string, PollTick> }> {
		const active = new ActivePollingWorkflow(context, workflowJson, workflowId, storedStaticData, options, options.activation ?? 'activate');
		const activationPolls: Record<string, PollTick> = {};
		for (const nodeName of active.pollers.keys()) {
			active.assertPollTimes(nodeName);
			activationPolls[nodeName] = await active.runPoll(nodeName, true);
		}
		return { workflow: active, activationPolls };
	}

	/**
	 * An active workflow rebuilt from its stored row for a scheduled poll, as n8n's durable scheduler
	 * rebuilds it for every poll (activation mode 'update'); no activation poll.
	 */
	static fromStoredWorkflow(
		context: PollingContext,
		workflowJson: WorkflowJson,
		workflowId: string,
		storedStaticData: StoredStaticData,
		options: PollingOptions = {},
	): ActivePollingWorkflow {
		return new ActivePollingWorkflow(context, workflowJson, workflowId, storedStaticData, options, 'update');
	}

	/** One scheduled poll of a poll node (the only one, when the name is left out). Rejects with the poll's error. */
	async poll(nodeName?: string): Promise<PollTick> {
		return await this.runPoll(this.pollerName(nodeName), false);
	}

	/**
	 * What the node reads from `getWorkflowStaticData('node')` on its next poll after a restart: its
	 * durable cursor, or its bucket of the stored workflow static data.
	 */
	storedNodeStaticData(nodeName?: string): IDataObject {
		const { node } = this.pollerFor(nodeName);
		return this.durableCursors.read(node.id) ?? ((this.storedStaticData.read()[`node:${node.name}`] as IDataObject) ?? {});
	}

	/** What the node's next poll in this activation reads (the in-memory bucket, or its durable cursor). */
	inMemoryNodeStaticData(nodeName?: string): IDataObject {
		const { node } = this.pollerFor(nodeName);
		return this.durableCursors.read(node.id) ?? JSON.parse(JSON.stringify(this.workflow.getStaticData('node', node)));
	}

	/** The workflow's static data as stored. */
	get staticData(): IDataObject {
		return this.storedStaticData.read();
	}

	private pollerName(nodeName?: string): string {
		if (nodeName !== undefined) return nodeName;
		if (this.pollers.size > 1) {
			throw new UserError(`The workflow has several polling triggers (${[...this.pollers.keys()].join(', ')}): name the one to poll.`);
		}
		return [...this.pollers.keys()][0];
	}

	private pollerFor(nodeName?: string): Poller {
		const name = this.pollerName(nodeName);
		const poller = this.pollers.get(name);
		if (!poller) throw new UserError(`"${name}" is not an enabled polling trigger of this workflow.`);
		return poller;
	}

	private async runPoll(nodeName: string, testingTrigger: boolean): Promise<PollTick> {
		const poller = this.pollerFor(nodeName);
		const tick: TickRecord = { items: null };
		this.ticks.set(poller.node.name, tick);
		await poller.executePoll(testingTrigger);
		const { items, execution, error } = tick;
		recordOutput(`poll of "${nodeName}"`, { items, error });
		if (error) throw error;
		return { items, execution: execution && (await execution) };
	}

	/** ActiveWorkflowTriggers.activatePollTrigger refuses poll intervals under a minute. */
	private assertPollTimes(nodeName: string): void {
		const { node } = this.pollerFor(nodeName);
		const pollTimes = node.parameters.pollTimes as { item?: TriggerTime[] } | undefined;
		if ((pollTimes?.item ?? []).map(toCronExpression).some(isSubMinuteCron)) {
			throw new UserError('The polling interval is too short. It has to be at least a minute.');
		}
	}

	/** Mirrors TriggerExecutionContextFactory.getExecutePollFunctions (n8n 2.40). */
	private createPollContext(
		node: INode,
		additionalData: ReturnType<typeof createAdditionalData>,
		activation: WorkflowActivateMode,
	): IPollFunctions {
		const { workflow, durableCursors } = this;
		const currentTick = () => {
			const tick = this.ticks.get(node.name);
			if (!tick) throw new UnexpectedError(`"${node.name}" reported a poll result outside of a poll.`);
			return tick;
		};
		const stagedCursorStore = new AsyncLocalStorage<StagedCursor>();
		const runPoll = async <T>(poll: () => Promise<T>): Promise<T> => {
			const resolved = durableCursors.resolve(node.id, workflow.getStaticData('node', node));
			const staged: StagedCursor = resolved.migrated
				? { migrated: true, snapshot: deepCopy(resolved.cursor), seed: resolved.cursor }
				: { migrated: false };
			return await stagedCursorStore.run(staged, poll);
		};
		// A copy of the snapshot when the poll changed it, so one advance is committed once.
		const takeStagedCursor = (): PollCursor | null => {
			const staged = stagedCursorStore.getStore();
			if (staged === undefined || !staged.migrated || isDeepStrictEqual(staged.snapshot, staged.seed)) return null;
			const cursor = deepCopy(staged.snapshot);
			staged.seed = cursor;
			return cursor;
		};
		const emit = (data: INodeExecutionData[][]) => {
			const cursor = takeStagedCursor();
			this.storedStaticData.saveIfChanged(workflow);
			// The durable path commits the cursor together with the execution it starts.
			if (cursor !== null) durableCursors.advance(node.id, cursor);
			const tick = currentTick();
			tick.items = data;
			tick.execution = runExecution({
				workflowJson: this.workflowJson,
				workflowId: this.workflowId,
				nodeTypes: this.context.nodeTypes,
				credentialsHelper: this.context.credentialsHelper,
				storedStaticData: this.storedStaticData,
				mode: 'trigger',
				start: { nodeName: node.name, outputs: data },
			});
		};
		const emitError = (error: Error) => {
			currentTick().error = error;
		};
		const commitCursor = async () => {
			const cursor = takeStagedCursor();
			if (cursor !== null) durableCursors.advance(node.id, cursor);
		};
		const resolveNodeStaticData = () => {
			const staged = stagedCursorStore.getStore();
			if (staged === undefined) {
				throw new UnexpectedError('Poll node read its static data outside of a poll; __runPoll was not entered');
			}
			return staged.migrated ? staged.snapshot : workflow.getStaticData('node', node);
		};
		const { pollBudgetMs } = this.options;
		return new PollContext(
			workflow,
			node,
			additionalData,
			'trigger',
			activation,
			emit,
			emitError,
			commitCursor,
			runPoll,
			resolveNodeStaticData,
			pollBudgetMs === undefined ? undefined : () => pollBudgetMs,
		);
	}
}
