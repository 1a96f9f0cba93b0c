import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';
import type { IDataObject, INodeExecutionData, INodePropertyOptions, INodeType, INodeTypeDescription, IPollFunctions } from 'n8n-workflow';
import {
	DEFAULT_TRIGGER_PERSON_FIELDS,
	READABLE_PERSON_FIELDS,
	parseGoogleChangesCursor,
	pollGoogleChanges,
	sampleGoogleChanges,
	type GoogleChange,
	type GoogleChangeEvent,
	type GoogleChangesOptions,
} from '../../lib/triggers/google-changes';
import { googleContactsClient, googleNodeError } from '../shared/google';
import { maxContactsParameter, startWithParameter } from '../shared/trigger-parameters';

/** "phoneNumbers" → "Phone Numbers". */
function fieldLabel(field: string): string {
	return field.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (first) => first.toUpperCase());
}

const PERSON_FIELD_OPTIONS: INodePropertyOptions[] = READABLE_PERSON_FIELDS.map((field) => ({ name: fieldLabel(field), value: field })).sort((a, b) => a.name.localeCompare(b.name));

function items(context: IPollFunctions, changes: GoogleChange[]): INodeExecutionData[] {
	return context.helpers.returnJsonArray(changes as unknown as IDataObject[]);
}

export class GoogleContactsTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Google Contacts Trigger',
		name: 'googleContactsTrigger',
		icon: { light: 'file:../../icons/googleContacts.svg', dark: 'file:../../icons/googleContacts.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{"Contacts " + $parameter["events"].join(", ")}}',
		description: 'Starts the workflow when contacts are created, updated or deleted in Google Contacts',
		defaults: { name: 'Google Contacts Trigger' },
		credentials: [{ name: 'googleContactsSyncOAuth2Api', required: true }],
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		properties: [
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				options: [
					{
						name: 'Created',
						value: 'created',
						description: 'A contact new to the sync was added or changed: it is not linked to a Dynamics 365 contact yet (Google does not tell when a contact was created)',
					},
					{ name: 'Updated', value: 'updated', description: 'A contact linked to a Dynamics 365 contact by the sync was changed' },
					{ name: 'Deleted', value: 'deleted', description: 'A contact was deleted' },
				],
				default: ['created', 'updated', 'deleted'],
				description: 'Which changes start the workflow. Each item has "event", "resourceName" and the "person".',
			},
			startWithParameter(''),
			{
				displayName: 'Person Fields',
				name: 'personFields',
				type: 'multiOptions',
				options: PERSON_FIELD_OPTIONS,
				default: [...DEFAULT_TRIGGER_PERSON_FIELDS],
				description:
					'Contact fields to return. The default is what the default field mapping and the Contact Filter use; Client Data holds the link to the Dynamics 365 contact.',
			},
			maxContactsParameter('account'),
			{
				displayName: 'Ignore Our Own Sync Writes',
				name: 'ignoreOwnWrites',
				type: 'boolean',
				default: true,
				description:
					'Whether to leave out contacts whose synced values still equal the fingerprint the last sync stored on them: the sync\'s own writes coming back, so a two-way sync does not loop. A synced contact whose only change is to fields the sync does not carry (labels, nickname) is left out too.',
			},
		],
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const events = this.getNodeParameter('events', []) as GoogleChangeEvent[];
		const personFields = this.getNodeParameter('personFields', DEFAULT_TRIGGER_PERSON_FIELDS) as string[];
		const client = await googleContactsClient(this);
		try {
			if (this.getMode() === 'manual') {
				// "Fetch test event": a sample of recently changed contacts; the stored cursor is neither read nor moved.
				const sample = await sampleGoogleChanges(client, { events, personFields });
				if (sample.length) return [items(this, sample)];
				if (!events.some((event) => event !== 'deleted')) {
					throw new NodeOperationError(this.getNode(), 'Deleted contacts cannot be fetched as a test event', {
						description: 'Google reports deletions only to the polls of an active workflow. Select Created or Updated too to see a sample, or activate the workflow and delete a contact.',
					});
				}
				throw new NodeOperationError(this.getNode(), 'No matching contacts found in Google Contacts', {
					description: 'The test event shows recently changed contacts of the selected events (Created: not linked to Dynamics 365 yet; Updated: linked). Create or change a contact in Google Contacts, then fetch again.',
				});
			}
			const staticData = this.getWorkflowStaticData('node');
			const logContext = { node: this.getNode().name, workflowId: this.getWorkflow().id };
			const options: GoogleChangesOptions = {
				events,
				startWith: this.getNodeParameter('startWith', 'now') as GoogleChangesOptions['startWith'],
				personFields,
				maxContacts: this.getNodeParameter('maxContacts', 1000) as number,
				ignoreOwnWrites: this.getNodeParameter('ignoreOwnWrites', true) as boolean,
				// Older n8n versions have no poll budget.
				budgetMs: typeof this.getPollBudgetMs === 'function' ? this.getPollBudgetMs() : undefined,
				log: { info: (message) => this.logger.info(message, logContext), warn: (message) => this.logger.warn(message, logContext) },
			};
			const result = await pollGoogleChanges(client, parseGoogleChangesCursor(staticData.cursor), options);
			this.logger.debug(
				`Google Contacts Trigger: ${result.requests} requests, ${result.contactsRead} contacts read, ${result.echoesSkipped} own sync writes left out, ${result.changes.length} changes emitted`,
				logContext,
			);
			// Written only now: a failed poll leaves the cursor where it was, and the next poll repeats its pages.
			staticData.cursor = result.cursor as unknown as IDataObject;
			return result.changes.length ? [items(this, result.changes)] : null;
		} catch (error) {
			throw googleNodeError(this, error);
		}
	}
}
