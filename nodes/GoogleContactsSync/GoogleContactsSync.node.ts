import { NodeConnectionTypes, NodeOperationError, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription } from 'n8n-workflow';
import { getLinkColumns } from '../shared/columns';
import { GOOGLE_CREDENTIAL } from '../shared/google';
import { DYNAMICS_CREDENTIAL } from '../shared/transport';
import { searchContactGroups } from './groups';
import { OPERATIONS, OPERATION_PROPERTIES } from './operations';

/**
 * The Google Contacts side of a Dynamics 365 sync: the sync-aware upsert of mapped Dynamics 365
 * contacts (lib/sync/google-writer), group tags, and a bulk find by email.
 */
export class GoogleContactsSync implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Google Contacts Sync',
		name: 'googleContactsSync',
		icon: { light: 'file:../../icons/googleContacts.svg', dark: 'file:../../icons/googleContacts.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{ {"upsert": "Create or Update", "addToGroup": "Add to Group", "removeFromGroup": "Remove From Group", "findByEmail": "Find by Email"}[$parameter["operation"]] }}',
		description: 'Sync Dynamics 365 contacts into Google Contacts without duplicates, tag them with groups, find them by email',
		defaults: { name: 'Google Contacts Sync' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		credentials: [
			{ name: GOOGLE_CREDENTIAL, required: true },
			// Optional: the org's custom columns for the mapping, and the Google link written into the Dynamics 365 link column.
			{ name: DYNAMICS_CREDENTIAL, required: false, displayOptions: { show: { operation: ['upsert'] } } },
		],
		properties: OPERATION_PROPERTIES,
	};

	methods = {
		loadOptions: { getLinkColumns },
		listSearch: { searchContactGroups },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const name = this.getNodeParameter('operation', 0) as string;
		const operation = OPERATIONS[name];
		if (!operation) throw new NodeOperationError(this.getNode(), `"${name}" is not an operation of this node`, { description: `Use one of: ${Object.keys(OPERATIONS).join(', ')}.` });
		return operation.execute.call(this);
	}
}
