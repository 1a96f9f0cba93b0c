/**
 * Create or Update (sync from Google Contacts): the sync-aware upsert (lib/sync/dynamics-writer) of the records a
 * Contact Field Mapping (Google Contacts → Dynamics 365) outputs. The node reads its settings,
 * connects both apps, and turns the run's outcomes into items: one per record, or one summary.
 */
import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import type { DynamicsClient } from '../../../lib/dynamics/client';
import { readFields } from '../../../lib/dynamics/metadata';
import type { GoogleContactsClient } from '../../../lib/google/client';
import { TRASH_GROUP } from '../../../lib/sync/decide';
import { DEFAULT_DYNAMICS_WRITER_SETTINGS, deletionTagValue, syncIntoDynamics, type DynamicsDeletionTag, type DynamicsWriterSettings } from '../../../lib/sync/dynamics-writer';
import { SyncSetupError, readSyncRecord } from '../../../lib/sync/writer-common';
import type { FieldDescriptor } from '../../../lib/model/fields';
import { GOOGLE_CREDENTIAL, googleContactsClient } from '../../shared/google';
import { DRY_RUN_PARAMETER, OUTPUT_PARAMETER, WINNER_PARAMETER, writerItems, writerOptions, writerRunError, type WriterOptions } from '../../shared/sync-writer';
import { dynamicsClient } from '../../shared/transport';
import { nodeError } from '../common';
import type { ContactOperation } from './index';

interface UpsertOptions extends WriterOptions {
	trashGroup?: string;
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
		WINNER_PARAMETER,
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
		DRY_RUN_PARAMETER,
		OUTPUT_PARAMETER,
		{
			displayName: 'Options',
			name: 'options',
			type: 'collection',
			placeholder: 'Add Option',
			default: {},
			options: [
				...writerOptions('Google Contacts', 'Dynamics 365'),
				{
					displayName: 'Batch Size',
					name: 'batchSize',
					type: 'number',
					typeOptions: { minValue: 1, maxValue: 1000 },
					default: 100,
					description: 'Writes per $batch request',
				},
				{
					displayName: 'Google Trash Group',
					name: 'trashGroup',
					type: 'string',
					default: TRASH_GROUP,
					description: 'The Google contact group the Google Contacts Sync node puts deleted contacts\' counterparts in; its members are never synced back',
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
		return writerItems(this, run);
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
		if (error instanceof SyncSetupError) throw new NodeOperationError(context.getNode(), error.message);
		// A failure of a whole request (the connection, an outage outlasting the retries) stops the run.
		throw writerRunError(context, error, (failure) => nodeError(context, failure));
	}
}
