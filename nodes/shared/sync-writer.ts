/**
 * What the Create or Update (sync) operations of the two writers, Dynamics 365 Contact and Google
 * Contacts Sync, share in n8n: the parameters both have, so they read alike and a template sets them
 * alike, and the way a run's outcomes become items (one per record, or one summary; a failed record
 * stops the node unless failed items may go on).
 */
import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import type { SyncSummary } from '../../lib/sync/summary';
import { MassDeletionError, type RecordOutcome } from '../../lib/sync/writer-common';
import { linkColumnParameter } from './columns';

export const WINNER_PARAMETER: INodeProperties = {
	displayName: 'Winning App on Conflict',
	name: 'winner',
	type: 'options',
	options: [
		{ name: 'Dynamics 365', value: 'dynamics', description: 'A field changed in both apps since the last sync keeps the Dynamics 365 value' },
		{ name: 'Google Contacts', value: 'google', description: 'A field changed in both apps since the last sync keeps the Google value' },
	],
	default: 'dynamics',
	description: 'Whose value a field changed in both apps keeps. A field changed in one app only always takes that app\'s value.',
};

export const DRY_RUN_PARAMETER: INodeProperties = {
	displayName: 'Dry Run',
	name: 'dryRun',
	type: 'boolean',
	default: false,
	description: 'Whether to only report what the sync would create, update and tag, writing nothing',
};

export const OUTPUT_PARAMETER: INodeProperties = {
	displayName: 'Output',
	name: 'output',
	type: 'options',
	options: [
		{ name: 'One Item per Record', value: 'records', description: 'What happened to each record: action, reason, IDs, fields written, conflicts' },
		{ name: 'One Summary Item', value: 'summary', description: 'Counts and IDs of the created, updated, unchanged, conflicting, tagged, skipped and failed records, for notifications' },
	],
	default: 'records',
};

/** The Options both writers have (each adds its own); `from` and `to` are the app names in the writer's direction. */
export function writerOptions(from: string, to: string): INodeProperties[] {
	return [
		{
			displayName: 'Avoid Duplicates',
			name: 'avoidDuplicates',
			type: 'boolean',
			default: true,
			description: 'Whether to create only contacts that have an email (a contact without one could never be matched again)',
		},
		{
			displayName: 'Blank Values Overwrite',
			name: 'blankValuesOverwrite',
			type: 'boolean',
			default: false,
			description: `Whether a value cleared in ${from} clears it in ${to}. Off: an empty value never blanks a filled one.`,
		},
		linkColumnParameter('linkColumn', 'A text column of the contact table that keeps the Google contact\'s resource name: pairs are found by it whichever side changed, and Google deletions reach their contact. Pick the same column in the Contact Field Mapping.'),
		{
			displayName: 'Mass-Deletion Guard (%)',
			name: 'maxDeletionPercent',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 100 },
			// DEFAULT_DELETION_SHARE as a percentage (n8n wants a literal here).
			default: 10,
			description: `The run stops, writing nothing, when it would tag more than this share of the linked contacts as deleted in ${to} (100 turns the guard off)`,
		},
	];
}

/** The shared Options' values. */
export interface WriterOptions {
	avoidDuplicates?: boolean;
	blankValuesOverwrite?: boolean;
	linkColumn?: string;
	maxDeletionPercent?: number;
}

/** A failure of the whole run as a node error: the guard's says how many and why; others as `nodeError` makes them. */
export function writerRunError(context: IExecuteFunctions, error: unknown, nodeError: (error: unknown) => Error): Error {
	if (error instanceof MassDeletionError) {
		return new NodeOperationError(context.getNode(), error.message, { description: 'Raise "Mass-Deletion Guard (%)" under Options for this run if the deletions are intended.' });
	}
	return nodeError(error);
}

/**
 * The run's items: one per record paired with its input, or (Output: One Summary Item) the summary
 * paired with every input. A failed record stops the node, naming it, unless failed items may go on.
 */
export function writerItems(context: IExecuteFunctions, run: { outcomes: RecordOutcome[]; summary: SyncSummary }): INodeExecutionData[][] {
	const failures = run.outcomes.flatMap((outcome, itemIndex) => (outcome.error ? [{ outcome, itemIndex }] : []));
	if (failures.length && !context.continueOnFail()) {
		const [{ outcome, itemIndex }] = failures;
		const others = failures.length > 1 ? ` (and ${failures.length - 1} more)` : '';
		throw new NodeOperationError(context.getNode(), `${outcome.sourceId || `Item ${itemIndex}`}: ${outcome.error?.message}${others}`, {
			itemIndex,
			description: `${outcome.error?.fix} The other records were ${run.summary.dryRun ? 'decided (dry run)' : 'written'}; turn on "Continue" (On Error) to get every record's outcome.`,
		});
	}
	if (context.getNodeParameter('output', 0) === 'summary') {
		return [[{ json: run.summary as unknown as IDataObject, pairedItem: run.outcomes.map((_outcome, item) => ({ item })) }]];
	}
	return [run.outcomes.map((outcome, item) => ({ json: outcome as unknown as IDataObject, pairedItem: { item } }))];
}
