/**
 * Create or Update (the sync): the sync-aware upsert of Dynamics 365 contacts into Google Contacts. The records come
 * from the Contact Field Mapping (Dynamics 365 → Google Contacts); lib/sync/google-writer does the
 * lookup, the decisions and the bulk writes. This file reads the parameters and shapes the output.
 */
import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import { TRASH_GROUP, UNSUBSCRIBES_GROUP } from '../../../lib/sync/decide';
import { DEFAULT_DELETION_SHARE } from '../../../lib/sync/guard';
import { writeToGoogle, type GoogleWriterSettings } from '../../../lib/sync/google-writer';
import { readSyncRecord, type RecordProblem } from '../../../lib/sync/writer-common';
import { needsOrgColumns } from '../../../lib/mapping/org-columns';
import { dynamicsColumns } from '../../ContactFieldMapping/methods';
import { googleContactsClient, googleNodeError } from '../../shared/google';
import { DRY_RUN_PARAMETER, OUTPUT_PARAMETER, WINNER_PARAMETER, writerItems, writerOptions, writerRunError, type WriterOptions } from '../../shared/sync-writer';
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
	{ ...WINNER_PARAMETER, displayOptions: show },
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
	{ ...DRY_RUN_PARAMETER, displayOptions: show },
	{ ...OUTPUT_PARAMETER, displayOptions: show },
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: show,
		options: writerOptions('Dynamics 365', 'Google Contacts'),
	},
];

function readSettings(context: IExecuteFunctions): GoogleWriterSettings {
	const options = context.getNodeParameter('options', 0, {}) as WriterOptions;
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

function recordError(context: IExecuteFunctions, itemIndex: number, problem: RecordProblem): NodeOperationError {
	return new NodeOperationError(context.getNode(), `${problem.field}: ${problem.message}`, { itemIndex, description: problem.fix });
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
	const linkColumn = (this.getNodeParameter('options', 0, {}) as WriterOptions).linkColumn || undefined;
	if (linkColumn && !this.getNode().credentials?.[DYNAMICS_CREDENTIAL]) {
		throw new NodeOperationError(this.getNode(), 'The Dynamics 365 Link Column needs the Microsoft Dynamics 365 API credential', {
			description: 'Select the credential so the sync can store each Google contact\'s link in Dynamics 365, or clear the link column.',
		});
	}
	const google = await googleContactsClient(this);
	const dynamicsLink = linkColumn ? { client: await dynamicsClient(this), column: linkColumn } : undefined;
	// The org's columns only when a record's mapping needs them (the standard ones otherwise: no metadata request).
	const orgColumns = reads.some((read) => read.ok && needsOrgColumns({ direction: 'dynamicsToGoogle', ...read.record.mapping }));
	const catalog = orgColumns ? await dynamicsColumns(this) : undefined;
	let run;
	try {
		run = await writeToGoogle(reads, { google, dynamicsLink, settings, catalog });
	} catch (error) {
		throw writerRunError(this, error, (failure) => googleNodeError(this, failure));
	}
	return writerItems(this, run);
}
