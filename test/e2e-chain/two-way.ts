/**
 * The two-way sync as a user builds it, and a driver for it: two active workflows in the harness,
 *   Dynamics 365 Contact Trigger → Contact Filter → Contact Field Mapping → Google Contacts Sync
 *   Google Contacts Trigger → Contact Filter → Contact Field Mapping → Dynamics 365 Contact
 * polled in turns, with the writes each turn makes counted on the simulators' wires.
 *
 * The filters are ones a user would set ("not owned by the Internal team", "not labelled Personal")
 * and let deletions through (a deletion has no owner and no label).
 */
import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';
import { DEFAULT_CONTACT_COLUMNS } from '../../lib/triggers/dynamics-columns';
import type { ActivePollingWorkflow, PollTick } from '../harness/n8n';
import { dynamicsWrites, googleWrites } from './counting';
import { DYNAMICS_CREDENTIAL, GOOGLE_CREDENTIAL, NODE_TYPES, chainWorkflow, type ChainTestbed } from './testbed';

export const LINK_COLUMN = 'new_googleresourcename';
const BOTH = [DYNAMICS_CREDENTIAL, GOOGLE_CREDENTIAL];

export interface TwoWayOptions {
	/** "now" (default): only later changes sync; "allContacts": the initial sync. */
	startWith?: 'now' | 'allContacts';
	/** The Dynamics 365 link column (both writers, the mapping and the Dynamics trigger use it). */
	linkColumn?: boolean;
	/** Parameters both writers' Create or Update get (winner, dry run...). */
	writers?: INodeParameters;
	/** The writers' Options (guard share...). */
	writerOptions?: IDataObject;
	/** Contacts per poll (the triggers' Max Contacts per Poll). */
	maxContacts?: number;
	/** The team whose contacts stay out of Google (the Dynamics filter). */
	excludedTeam: string;
	/** The Google label whose contacts stay out of Dynamics 365 (the Google filter). */
	excludedLabel: string;
	/** "On Error: Continue" on the filters, mappings and writers: a failed item goes on as an error item. */
	continueOnFail?: boolean;
}

export interface Turn {
	/** What the trigger emitted (null: nothing changed). */
	emitted: INodeExecutionData[] | null;
	/** The writer's output items (one per record that got through the filter). */
	written: IDataObject[];
	dynamicsWrites: number;
	googleWrites: number;
}

const WRITER_NAMES = { toGoogle: 'Google Contacts Sync', toDynamics: 'Dynamics 365 Contact' };

function workflows(options: TwoWayOptions) {
	const link = options.linkColumn ? { linkColumn: LINK_COLUMN } : {};
	// The link column is picked in both mappings too: they read and write the link.
	const mappingOptions = options.linkColumn ? { dynamicsLinkColumn: LINK_COLUMN } : {};
	const writer = (name: string, type: string) => ({
		name,
		type,
		parameters: { operation: 'upsert', ...options.writers, options: { ...link, ...options.writerOptions } },
		credentials: BOTH,
	});
	const toGoogle = chainWorkflow([
		{
			name: 'Dynamics 365 Contact Trigger',
			type: NODE_TYPES.dynamicsTrigger,
			parameters: { startWith: options.startWith ?? 'now', maxContacts: options.maxContacts ?? 1000, ...(options.linkColumn ? { columns: [...DEFAULT_CONTACT_COLUMNS, LINK_COLUMN] } : {}) },
			credentials: [DYNAMICS_CREDENTIAL],
		},
		{
			name: 'Contact Filter',
			type: NODE_TYPES.filter,
			parameters: { source: 'dynamics', combine: 'all', dynamicsConditions: { condition: [{ type: 'ownership', match: 'isNot', ownerMatch: 'chosen', owners: [options.excludedTeam] }] } },
			credentials: [DYNAMICS_CREDENTIAL],
		},
		{ name: 'Contact Field Mapping', type: NODE_TYPES.mapping, parameters: { direction: 'dynamicsToGoogle', options: mappingOptions }, credentials: [DYNAMICS_CREDENTIAL] },
		writer(WRITER_NAMES.toGoogle, NODE_TYPES.googleWriter),
	]);
	const toDynamics = chainWorkflow([
		{ name: 'Google Contacts Trigger', type: NODE_TYPES.googleTrigger, parameters: { startWith: options.startWith ?? 'now', maxContacts: options.maxContacts ?? 1000 }, credentials: [GOOGLE_CREDENTIAL] },
		{
			name: 'Contact Filter',
			type: NODE_TYPES.filter,
			parameters: { source: 'google', combine: 'all', googleConditions: { condition: [{ type: 'hasLabel', match: 'isNot', labels: [options.excludedLabel] }] } },
			credentials: [GOOGLE_CREDENTIAL],
		},
		{ name: 'Contact Field Mapping', type: NODE_TYPES.mapping, parameters: { direction: 'googleToDynamics', options: mappingOptions }, credentials: [DYNAMICS_CREDENTIAL] },
		writer(WRITER_NAMES.toDynamics, NODE_TYPES.dynamicsWriter),
	]);
	if (options.continueOnFail) {
		for (const node of [...toGoogle.nodes.slice(1), ...toDynamics.nodes.slice(1)]) node.onError = 'continueRegularOutput';
	}
	return { toGoogle, toDynamics };
}

/** Both workflows, active; each `turn` polls one trigger and runs what it emits through its chain. */
export class TwoWaySync {
	private constructor(
		private readonly bed: ChainTestbed,
		private readonly toGoogle: ActivePollingWorkflow,
		private readonly toDynamics: ActivePollingWorkflow,
		/** The activation polls (what an initial sync emitted first). */
		readonly activation: { toGoogle: Turn; toDynamics: Turn },
	) {}

	/** Activates the Dynamics → Google workflow, then the Google → Dynamics one (each polls once, as activation does). */
	static async start(bed: ChainTestbed, options: TwoWayOptions): Promise<TwoWaySync> {
		const { toGoogle, toDynamics } = workflows(options);
		const measure = async (writer: string, activate: () => Promise<{ workflow: ActivePollingWorkflow; activationPolls: Record<string, PollTick> }>) => {
			const before = TwoWaySync.counts(bed);
			const { workflow, activationPolls } = await activate();
			return { workflow, turn: TwoWaySync.turnOf(bed, Object.values(activationPolls)[0], writer, before) };
		};
		const google = await measure(WRITER_NAMES.toGoogle, () => bed.n8n.activateWorkflow(toGoogle));
		const dynamics = await measure(WRITER_NAMES.toDynamics, () => bed.n8n.activateWorkflow(toDynamics));
		return new TwoWaySync(bed, google.workflow, dynamics.workflow, { toGoogle: google.turn, toDynamics: dynamics.turn });
	}

	private static counts(bed: ChainTestbed) {
		return { dynamics: dynamicsWrites(bed.dynamics), google: googleWrites(bed.google) };
	}

	private static turnOf(bed: ChainTestbed, tick: PollTick, writer: string, before: { dynamics: number; google: number }): Turn {
		const run = tick.execution?.runs[writer]?.[0];
		if (run?.error) throw run.error;
		const after = TwoWaySync.counts(bed);
		return {
			emitted: tick.items?.[0] ?? null,
			written: (run?.outputs[0] ?? []).map((item) => item.json),
			dynamicsWrites: after.dynamics - before.dynamics,
			googleWrites: after.google - before.google,
		};
	}

	/** One scheduled poll of the Dynamics trigger, and the chain into Google. */
	async pollDynamics(): Promise<Turn> {
		const before = TwoWaySync.counts(this.bed);
		return TwoWaySync.turnOf(this.bed, await this.toGoogle.poll(), WRITER_NAMES.toGoogle, before);
	}

	/** One scheduled poll of the Google trigger, and the chain into Dynamics 365. */
	async pollGoogle(): Promise<Turn> {
		const before = TwoWaySync.counts(this.bed);
		return TwoWaySync.turnOf(this.bed, await this.toDynamics.poll(), WRITER_NAMES.toDynamics, before);
	}

	/** Polls both sides in turn until a round emits nothing; returns the rounds it took (throws when it never settles: a loop). */
	async settle(maxRounds = 6): Promise<Turn[]> {
		const turns: Turn[] = [];
		for (let round = 1; round <= maxRounds; round++) {
			const roundTurns = [await this.pollDynamics(), await this.pollGoogle()];
			turns.push(...roundTurns);
			if (roundTurns.every((turn) => turn.emitted === null)) return turns;
		}
		throw new Error(`The sync did not settle in ${maxRounds} rounds: ${JSON.stringify(turns.map((turn) => [turn.emitted?.length ?? 0, turn.dynamicsWrites, turn.googleWrites]))}`);
	}
}
