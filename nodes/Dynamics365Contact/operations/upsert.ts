/**
 * Create or Update (sync from Google Contacts): the sync-aware upsert (lib/sync/dynamics-writer) of the records a
 * Contact Field Mapping (Google Contacts → Dynamics 365) outputs. The node reads its settings,
 * connects both apps, and turns the run's outcomes into items: one per record, or one summary.
 */
import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import type { DynamicsClient } from '../../../lib/dynamics/client';
import { readFields } from '../../../lib/dynamics/metadata';
import type { GoogleContactsClient } from '../../../lib/google/client';
import { TRASH_GROUP } from '../../../lib/sync/decide';
import { DEFAULT_DYNAMICS_WRITER_SETTINGS, deletionTagValue, syncIntoDynamics, type DynamicsDeletionTag, type DynamicsWriterSettings } from '../../../lib/sync/dynamics-writer';
import { MassDeletionError, SyncSetupError, readSyncRecord, type RecordOutcome } from '../../../lib/sync/writer-common';
import type { FieldDescriptor } from '../../../lib/model/fields';
import { GOOGLE_CREDENTIAL, googleContactsClient } from '../../shared/google';
import { dynamicsClient } from '../../shared/transport';
import { nodeError } from '../common';
import type { ContactOperation } from './index';

interface UpsertOptions {
	avoidDuplicates?: boolean;
	blankValuesOverwrite?: boolean;
	linkColumn?: string;
	trashGroup?: string;
	maxDeletionPercent?: number;
	batchSize?: number;
}

export const upsert: ContactOperation = {
	option: {
		name: 'Create or Update',
		value: 'upsert',
		action: 'Sync contacts from Google Contacts (create or update)',
		description: 'Create a new record, or update the current one if it already exists (upsert)',
	},
	properties: [
		{
			displayName:
				'Syncs the output of a Contact Field Mapping set to Google Contacts → Dynamics 365: found by link, then by email (never a duplicate), writing only what differs. The Google Contacts credential is needed too: each Google contact keeps its link and its last synced values.',
			name: 'upsertNotice',
			type: 'notice',
			default: '',
		},
		{
			displayName: 'Winning App on Conflict',
			name: 'winner',
			type: 'options',
			options: [
				{ name: 'Dynamics 365', value: 'dynamics', description: 'A field changed in both apps since the last sync keeps the Dynamics 365 value' },
				{ name: 'Google Contacts', value: 'google', description: 'A field changed in both apps since the last sync takes the Google value' },
			],
			default: 'dynamics',
			description: 'Whose value a field changed in both apps keeps. A field changed in one app only always takes that app\'s value.',
		},
		{
			displayName: 'Deleted in Google',
			name: 'deletions',
			type: 'options',
			options: [
				{ name: 'Deactivate the Contact', value: 'deactivate', description: 'The linked contact becomes inactive; it is never deleted' },
				{ name: 'Set a Column Value', value: 'setValue', description: 'The linked contact gets a value you choose, e.g. a "Deleted in Google" flag' },
				{ name: 'Do Nothing', value: 'off' },
			],
			default: 'deactivate',
			description: 'What a Google contact\'s deletion does to its Dynamics 365 contact. A deletion finds its contact through the Dynamics 365 Link Column (Options).',
		},
		{
			displayName: 'Column Name or ID',
			name: 'deletionColumn',
			type: 'options',
			typeOptions: { loadOptionsMethod: 'getWritableColumns' },
			default: '',
			required: true,
			description: 'The column that marks contacts whose Google contact was deleted. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
			displayOptions: { show: { deletions: ['setValue'] } },
		},
		{
			displayName: 'Value',
			name: 'deletionValue',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. Deleted in Google',
			description: 'The value it gets: text, a number, yes / no, or a choice\'s label',
			displayOptions: { show: { deletions: ['setValue'] } },
		},
		{
			displayName: 'Dry Run',
			name: 'dryRun',
			type: 'boolean',
			default: false,
			description: 'Whether to only report what the sync would create, update and tag, writing nothing',
		},
		{
			displayName: 'Output',
			name: 'output',
			type: 'options',
			options: [
				{ name: 'One Item per Record', value: 'records', description: 'What happened to each record: action, reason, IDs, fields written, conflicts' },
				{ name: 'One Summary Item', value: 'summary', description: 'Counts and IDs of the created, updated, unchanged, conflicting, tagged, skipped and failed records' },
			],
			default: 'records',
		},
		{
			displayName: 'Options',
			name: 'options',
			type: 'collection',
			placeholder: 'Add Option',
			default: {},
			options: [
				{
					displayName: 'Avoid Duplicates',
					name: 'avoidDuplicates',
					type: 'boolean',
					default: true,
					description: 'Whether to create only contacts that have an email (a contact without one could never be matched again)',
				},
				{
					displayName: 'Batch Size',
					name: 'batchSize',
					type: 'number',
					typeOptions: { minValue: 1, maxValue: 1000 },
					default: 100,
					description: 'Writes per $batch request',
				},
				{
					displayName: 'Blank Values Overwrite',
					name: 'blankValuesOverwrite',
					type: 'boolean',
					default: false,
					description: 'Whether a value cleared in Google clears it in Dynamics 365 (turn it on in the Contact Field Mapping too). Off: an empty value never blanks a filled one.',
				},
				{
					displayName: 'Dynamics 365 Link Column Name or ID',
					name: 'linkColumn',
					type: 'options',
					typeOptions: { loadOptionsMethod: 'getLinkColumns' },
					default: '',
					description: 'A text column that keeps the Google contact\'s resource name: it finds pairs whichever side changed, and Google deletions. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
				},
				{
					displayName: 'Google Trash Group',
					name: 'trashGroup',
					type: 'string',
					default: TRASH_GROUP,
					description: 'The Google contact group the Google Contacts Sync node puts deleted contacts\' counterparts in; its members are never synced back',
				},
				{
					displayName: 'Mass-Deletion Guard (%)',
					name: 'maxDeletionPercent',
					type: 'number',
					typeOptions: { minValue: 1, maxValue: 100 },
					default: 10,
					description: 'The run stops, writing nothing, when it would tag more than this share of the linked contacts as deleted in Google (100 turns the guard off)',
				},
			],
		},
	],
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const dynamics = await dynamicsClient(this);
		let catalog: FieldDescriptor[];
		try {
			catalog = await readFields(dynamics, 'contact');
		} catch (error) {
			throw nodeError(this, error);
		}
		const settings = readSettings(this, catalog);
		const google = this.getNode().credentials?.[GOOGLE_CREDENTIAL] ? await googleContactsClient(this) : undefined;
		const run = await sync(this, items.map((item) => readSyncRecord(item.json, 'dynamics')), { dynamics, google, settings, catalog });
		const failures = run.outcomes.flatMap((outcome, itemIndex) => (outcome.error ? [{ outcome, itemIndex }] : []));
		if (failures.length && !this.continueOnFail()) {
			const [{ outcome, itemIndex }] = failures;
			const others = failures.length > 1 ? ` (and ${failures.length - 1} more)` : '';
			throw new NodeOperationError(this.getNode(), `${outcome.sourceId || `Item ${itemIndex + 1}`}: ${outcome.error?.message}${others}`, {
				itemIndex,
				description: `${outcome.error?.fix} The other records were ${this.getNodeParameter('dryRun', 0) ? 'decided (dry run)' : 'written'}; turn on "Continue" (On Error) to get every record's outcome.`,
			});
		}
		if (this.getNodeParameter('output', 0) === 'summary') {
			return [[{ json: run.summary as unknown as IDataObject, pairedItem: items.map((_item, item) => ({ item })) }]];
		}
		return [run.outcomes.map((outcome: RecordOutcome, item) => ({ json: outcome as unknown as IDataObject, pairedItem: { item } }))];
	},
};

function deletionTag(context: IExecuteFunctions, catalog: FieldDescriptor[]): DynamicsDeletionTag {
	const kind = context.getNodeParameter('deletions', 0) as DynamicsDeletionTag['kind'];
	if (kind !== 'setValue') return kind === 'off' ? { kind: 'off' } : { kind: 'deactivate' };
	const field = context.getNodeParameter('deletionColumn', 0) as string;
	const column = catalog.find((candidate) => candidate.name === field);
	if (!column) {
		throw new NodeOperationError(context.getNode(), `Deleted in Google › Column: "${field}" is not a column of the contact table`, { description: 'Pick the column from the list.' });
	}
	try {
		return { kind: 'setValue', field, value: deletionTagValue(column, context.getNodeParameter('deletionValue', 0) as string) };
	} catch (error) {
		throw new NodeOperationError(context.getNode(), (error as Error).message, { description: 'Enter a value the column takes.' });
	}
}

/** The writer's settings from the node's parameters (one configuration for the whole run). */
function readSettings(context: IExecuteFunctions, catalog: FieldDescriptor[]): DynamicsWriterSettings {
	const options = context.getNodeParameter('options', 0, {}) as UpsertOptions;
	return {
		...DEFAULT_DYNAMICS_WRITER_SETTINGS,
		winner: context.getNodeParameter('winner', 0) as DynamicsWriterSettings['winner'],
		emptyOverwrites: options.blankValuesOverwrite ?? false,
		avoidDuplicates: options.avoidDuplicates ?? true,
		deletions: deletionTag(context, catalog),
		maxDeletionShare: (options.maxDeletionPercent ?? 10) / 100,
		trashGroup: options.trashGroup ?? TRASH_GROUP,
		...(options.linkColumn ? { linkColumn: options.linkColumn } : {}),
	};
}

async function sync(
	context: IExecuteFunctions,
	inputs: ReturnType<typeof readSyncRecord>[],
	connections: { dynamics: DynamicsClient; google?: GoogleContactsClient; settings: DynamicsWriterSettings; catalog: FieldDescriptor[] },
) {
	const options = context.getNodeParameter('options', 0, {}) as UpsertOptions;
	try {
		return await syncIntoDynamics(inputs, { ...connections, dryRun: context.getNodeParameter('dryRun', 0) as boolean, batchSize: options.batchSize });
	} catch (error) {
		if (error instanceof MassDeletionError) {
			throw new NodeOperationError(context.getNode(), error.message, { description: 'Raise "Mass-Deletion Guard (%)" under Options for this run if the deletions are intended.' });
		}
		if (error instanceof SyncSetupError) throw new NodeOperationError(context.getNode(), error.message);
		// A failure of a whole request (the connection, an outage outlasting the retries) stops the run.
		throw nodeError(context, error);
	}
}
