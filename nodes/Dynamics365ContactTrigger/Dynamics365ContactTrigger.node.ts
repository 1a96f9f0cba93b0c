import { NodeApiError, NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';
import type { IDataObject, INodeExecutionData, INodeType, INodeTypeDescription, IPollFunctions, JsonObject } from 'n8n-workflow';
import type { ChangeEvent } from '../../lib/conditions/record';
import { DynamicsApiError } from '../../lib/dynamics/errors';
import { DEFAULT_SETTLE_SECONDS, pollContactChanges, sampleContacts, type ChangeDetection, type StartWith } from '../../lib/triggers/dynamics-changes';
import { DEFAULT_CONTACT_COLUMNS, contactSelect } from '../../lib/triggers/dynamics-columns';
import { getContactColumns } from '../shared/columns';
import { DYNAMICS_CREDENTIAL, dynamicsClient } from '../shared/transport';
import { maxContactsParameter, startWithParameter } from '../shared/trigger-parameters';

const SAMPLE_SIZE = 5;

/** n8n's error types as they are; API errors keep their status; anything else names the node. */
function nodeError(context: IPollFunctions, error: unknown): Error {
	if (error instanceof NodeOperationError || error instanceof NodeApiError) return error;
	if (error instanceof DynamicsApiError) {
		return new NodeApiError(context.getNode(), { message: error.message } as JsonObject, { message: error.message, httpCode: String(error.status) });
	}
	return new NodeOperationError(context.getNode(), error as Error);
}

export class Dynamics365ContactTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Dynamics 365 Contact Trigger',
		name: 'dynamics365ContactTrigger',
		icon: { light: 'file:../../icons/dynamics365.svg', dark: 'file:../../icons/dynamics365.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["changeDetection"] === "modifiedOn" ? "by Modified On" : "by change tracking"}}',
		description: 'Starts the workflow when contacts are created, updated or deleted in Microsoft Dynamics 365',
		defaults: { name: 'Dynamics 365 Contact Trigger' },
		credentials: [{ name: 'microsoftDynamics365Api', required: true }],
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		properties: [
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				options: [
					{ name: 'Created', value: 'created', description: 'A contact was added' },
					{ name: 'Updated', value: 'updated', description: 'A contact was changed' },
					{ name: 'Deleted', value: 'deleted', description: 'A contact was deleted (change tracking only)' },
				],
				default: ['created', 'updated', 'deleted'],
				description: 'Which changes start the workflow. Each item has "event", "contactId", "modifiedOn" and the "contact".',
			},
			{
				displayName: 'Change Detection',
				name: 'changeDetection',
				type: 'options',
				options: [
					{
						name: 'Change Tracking (Recommended)',
						value: 'changeTracking',
						description: 'Dataverse delta links: sees creations, updates and deletions. Needs "Track changes" on the Contact table.',
					},
					{
						name: 'Modified On (Cannot See Deletions)',
						value: 'modifiedOn',
						description: 'Reads contacts by their Modified On time. Works without change tracking, but deleted contacts are never reported.',
					},
				],
				default: 'changeTracking',
			},
			startWithParameter(' (as "created")'),
			{
				displayName: 'Column Names or IDs',
				name: 'columns',
				type: 'multiOptions',
				typeOptions: { loadOptionsMethod: 'getContactColumns' },
				default: [],
				description: `Contact columns to return, custom columns included; option-set labels and owner and lookup names come as formatted values. Empty: the columns the default field mapping and the Contact Filter use (${DEFAULT_CONTACT_COLUMNS.join(', ')}). Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.`,
			},
			maxContactsParameter('org'),
			{
				displayName: 'Ignore Changes Made by This Connection',
				name: 'ignoreOwnChanges',
				type: 'boolean',
				default: true,
				description:
					"Whether to leave out changes whose last modifier is this credential's application user, such as the sync's own writes, so a two-way sync does not loop. Initial syncs and full passes still emit every contact.",
			},
			{
				displayName: 'Read Delay (Seconds)',
				name: 'settleSeconds',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: DEFAULT_SETTLE_SECONDS,
				description: 'Changes are read once they are this old, so a change saved by a slow transaction is not passed by',
				displayOptions: { show: { changeDetection: ['modifiedOn'] } },
			},
		],
	};

	methods = { loadOptions: { getContactColumns } };

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const client = await dynamicsClient(this);
		try {
			const select = await contactSelect(client, this.getNodeParameter('columns', []) as string[]);
			if (this.getMode() === 'manual') {
				// "Fetch test event": a sample of recent contacts; the stored cursor is neither read nor moved.
				const sample = await sampleContacts(client, select, SAMPLE_SIZE);
				if (!sample.length) {
					throw new NodeOperationError(this.getNode(), 'No contacts found in Dynamics 365', {
						description: 'The test event shows the most recently changed contacts. Create or change a contact in Dynamics 365, then fetch again.',
					});
				}
				return [this.helpers.returnJsonArray(sample as unknown as IDataObject[])];
			}
			const staticData = this.getWorkflowStaticData('node');
			const credentials = await this.getCredentials(DYNAMICS_CREDENTIAL);
			const result = await pollContactChanges(client, staticData.cursor, {
				detection: this.getNodeParameter('changeDetection', 'changeTracking') as ChangeDetection,
				startWith: this.getNodeParameter('startWith', 'now') as StartWith,
				events: this.getNodeParameter('events', []) as ChangeEvent[],
				select,
				maxContacts: this.getNodeParameter('maxContacts', 1000) as number,
				ignoreOwnChanges: this.getNodeParameter('ignoreOwnChanges', true) as boolean,
				// The application user behind the credential: its id (WhoAmI) is kept with the cursor.
				connection: `${String(credentials.tenantId)}|${String(credentials.clientId)}`,
				settleSeconds: this.getNodeParameter('settleSeconds', DEFAULT_SETTLE_SECONDS) as number,
				// Older n8n versions have no poll budget.
				budgetMs: typeof this.getPollBudgetMs === 'function' ? this.getPollBudgetMs() : undefined,
			});
			for (const warning of result.warnings) this.logger.warn(warning, { node: this.getNode().name, workflowId: this.getWorkflow().id });
			// Written only now: a failed poll leaves the cursor where it was, and the next poll replays its window.
			staticData.cursor = result.cursor as unknown as IDataObject;
			return result.changes.length ? [this.helpers.returnJsonArray(result.changes as unknown as IDataObject[])] : null;
		} catch (error) {
			throw nodeError(this, error);
		}
	}
}
