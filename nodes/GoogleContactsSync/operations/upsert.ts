/**
 * Create or Update (the sync): the sync-aware upsert of Dynamics 365 contacts into Google Contacts. The records come
 * from the Contact Field Mapping (Dynamics 365 → Google Contacts); lib/sync/google-writer does the
 * lookup, the decisions and the bulk writes. This file reads the parameters and shapes the output.
 */
import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import { TRASH_GROUP, UNSUBSCRIBES_GROUP } from '../../../lib/sync/decide';
import { DEFAULT_DELETION_SHARE } from '../../../lib/sync/guard';
import { writeToGoogle, type GoogleWriterSettings } from '../../../lib/sync/google-writer';
import { MassDeletionError, readSyncRecord, type RecordOutcome, type RecordProblem } from '../../../lib/sync/writer-common';
import { dynamicsColumns } from '../../ContactFieldMapping/methods';
import { googleContactsClient, googleNodeError } from '../../shared/google';
import { DYNAMICS_CREDENTIAL, dynamicsClient } from '../../shared/transport';

export const description = {
	name: 'Create or Update',
	value: 'upsert',
	action: 'Sync contacts into Google Contacts',
	description: 'Create a new record, or update the current one if it already exists (upsert)',
};

const show = { show: { operation: ['upsert'] } };

export const properties: INodeProperties[] = [
	{
		displayName:
			'Takes the records of a Contact Field Mapping with Direction "Dynamics 365 → Google Contacts". Each is matched by its link, then by email; only fields that differ are written.',
		name: 'upsertNotice',
		type: 'notice',
		default: '',
		displayOptions: show,
	},
	{
		displayName: 'Winning App on Conflict',
		name: 'winner',
		type: 'options',
		options: [
			{ name: 'Dynamics 365', value: 'dynamics', description: 'A field changed on both sides since the last sync takes the Dynamics 365 value' },
			{ name: 'Google Contacts', value: 'google', description: 'A field changed on both sides since the last sync keeps the Google value' },
		],
		default: 'dynamics',
		displayOptions: show,
	},
	{
		displayName: 'Deleted in Dynamics 365',
		name: 'deletions',
		type: 'options',
		options: [
			{ name: 'Add the Google Contact to a Group', value: 'group', description: 'The counterpart goes into a group (label) such as "Dynamics 365 Trash"; it is never deleted, and never re-created' },
			{ name: 'Do Nothing', value: 'off' },
		],
		default: 'group',
		description: 'What a deletion from the Dynamics 365 Contact Trigger does to the linked Google contact',
		displayOptions: show,
	},
	{
		displayName: 'Deletions Group Name',
		name: 'trashGroup',
		type: 'string',
		default: TRASH_GROUP,
		description: 'The Google group (label) deleted contacts\' counterparts go into; created when missing',
		displayOptions: { show: { operation: ['upsert'], deletions: ['group'] } },
	},
	{
		displayName: 'Tag Bulk Email Opt-Outs',
		name: 'tagUnsubscribes',
		type: 'boolean',
		default: true,
		description: 'Whether a Dynamics 365 contact that does not allow bulk email puts its Google counterpart into a group, and allowing it again takes it out',
		displayOptions: show,
	},
	{
		displayName: 'Unsubscribes Group Name',
		name: 'unsubscribeGroup',
		type: 'string',
		default: UNSUBSCRIBES_GROUP,
		description: 'The Google group (label) for opted-out contacts; created when missing',
		displayOptions: { show: { operation: ['upsert'], tagUnsubscribes: [true] } },
	},
	{
		displayName: 'Dry Run',
		name: 'dryRun',
		type: 'boolean',
		default: false,
		description: 'Whether to only report what would be created, updated and tagged, writing nothing',
		displayOptions: show,
	},
	{
		displayName: 'Output',
		name: 'output',
		type: 'options',
		options: [
			{ name: 'One Item per Record', value: 'records', description: 'What was done to each record, with the Google contact and the fields written' },
			{ name: 'One Summary Item', value: 'summary', description: 'Created, updated, unchanged, conflicts, tagged, skipped and failed, with the contact IDs: for notifications' },
		],
		default: 'records',
		displayOptions: show,
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: show,
		options: [
			{
				displayName: 'Avoid Duplicates',
				name: 'avoidDuplicates',
				type: 'boolean',
				default: true,
				description: 'Whether a Dynamics 365 contact without an email is left out instead of created: without an email it could never be matched again',
			},
			{
				displayName: 'Blank Values Overwrite',
				name: 'blankValuesOverwrite',
				type: 'boolean',
				default: false,
				description: 'Whether a value cleared in Dynamics 365 clears it in Google Contacts. Off, an empty value never blanks a filled one.',
			},
			{
				displayName: 'Dynamics 365 Link Column Name or ID',
				name: 'dynamicsLinkColumn',
				type: 'options',
				typeOptions: { loadOptionsMethod: 'getLinkColumns' },
				default: '',
				description:
					'A text column of the contact table that keeps the Google contact\'s resource name; the sync writes it (needs the Microsoft Dynamics 365 API credential). Pick the same column in the Contact Field Mapping. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
			},
			{
				displayName: 'Mass-Deletion Guard (%)',
				name: 'maxDeletionPercent',
				type: 'number',
				typeOptions: { minValue: 0.1, maxValue: 100, numberPrecision: 1 },
				// DEFAULT_DELETION_SHARE as a percentage (n8n wants a literal here).
				default: 10,
				description: 'A run that would tag more than this share of the linked contacts as deleted stops with an error, tagging nothing. 100 turns the guard off.',
			},
		],
	},
];

interface UpsertOptions {
	avoidDuplicates?: boolean;
	blankValuesOverwrite?: boolean;
	dynamicsLinkColumn?: string;
	maxDeletionPercent?: number;
}

function readSettings(context: IExecuteFunctions): GoogleWriterSettings {
	const options = context.getNodeParameter('options', 0, {}) as UpsertOptions;
	const groupName = (parameter: string) => {
		const name = (context.getNodeParameter(parameter, 0, '') as string).trim();
		if (name === '') throw new NodeOperationError(context.getNode(), 'A group name is empty', { description: 'Name the Google group (label) contacts go into, or switch the tag off.' });
		return name;
	};
	return {
		winner: context.getNodeParameter('winner', 0, 'dynamics') as GoogleWriterSettings['winner'],
		emptyOverwrites: options.blankValuesOverwrite ?? false,
		avoidDuplicates: options.avoidDuplicates ?? true,
		trashGroup: context.getNodeParameter('deletions', 0, 'group') === 'group' ? groupName('trashGroup') : undefined,
		unsubscribeGroup: context.getNodeParameter('tagUnsubscribes', 0, true) ? groupName('unsubscribeGroup') : undefined,
		maxDeletionShare: (options.maxDeletionPercent ?? DEFAULT_DELETION_SHARE * 100) / 100,
		dryRun: context.getNodeParameter('dryRun', 0, false) as boolean,
	};
}

function recordError(context: IExecuteFunctions, itemIndex: number, problem: RecordProblem, others = ''): NodeOperationError {
	return new NodeOperationError(context.getNode(), `${problem.field}: ${problem.message}`, { itemIndex, description: `${problem.fix}${others}` });
}

function outcomeJson(outcome: RecordOutcome): IDataObject {
	return outcome as unknown as IDataObject;
}

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const reads = items.map((item) => readSyncRecord(item.json, 'google'));
	// Unreadable input stops the run before anything is written, unless failed items may go on.
	const unreadable = reads.findIndex((read) => !read.ok);
	if (unreadable >= 0 && !this.continueOnFail()) {
		const read = reads[unreadable];
		if (!read.ok) throw recordError(this, unreadable, read.problem);
	}
	const settings = readSettings(this);
	const linkColumn = (this.getNodeParameter('options', 0, {}) as UpsertOptions).dynamicsLinkColumn || undefined;
	if (linkColumn && !this.getNode().credentials?.[DYNAMICS_CREDENTIAL]) {
		throw new NodeOperationError(this.getNode(), 'The Dynamics 365 Link Column needs the Microsoft Dynamics 365 API credential', {
			description: 'Select the credential so the sync can store each Google contact\'s link in Dynamics 365, or clear the link column.',
		});
	}
	const google = await googleContactsClient(this);
	const dynamicsLink = linkColumn ? { client: await dynamicsClient(this), column: linkColumn } : undefined;
	let result;
	try {
		result = await writeToGoogle(reads, { google, dynamicsLink, settings, catalog: await dynamicsColumns(this) });
	} catch (error) {
		if (error instanceof MassDeletionError) {
			throw new NodeOperationError(this.getNode(), 'Mass-deletion guard: nothing was written', { description: error.message });
		}
		throw googleNodeError(this, error);
	}
	const failed = result.outcomes.findIndex((outcome) => outcome.error !== undefined);
	if (failed >= 0 && !this.continueOnFail()) {
		const { counts } = result.summary;
		const done = settings.dryRun ? '' : ` The other records were synced (${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged, ${counts.tagged} tagged).`;
		throw recordError(this, failed, result.outcomes[failed].error as RecordProblem, done);
	}
	if (this.getNodeParameter('output', 0, 'records') === 'summary') {
		return [[{ json: result.summary as unknown as IDataObject, pairedItem: items.map((_item, item) => ({ item })) }]];
	}
	return [result.outcomes.map((outcome, item) => ({ json: outcomeJson(outcome), pairedItem: { item } }))];
}
