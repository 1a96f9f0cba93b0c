import { NodeConnectionTypes, NodeOperationError, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription } from 'n8n-workflow';
import { GOOGLE_CREDENTIAL } from '../shared/google';
import { DYNAMICS_CREDENTIAL } from '../shared/transport';
import { methods } from './methods';
import { OPERATION_PROPERTIES, operationNamed } from './operations';

/**
 * Dynamics 365 contacts: the sync's writer (Create or Update from Google Contacts, lib/sync/dynamics-writer),
 * and get, get many, deactivate and delete. Each operation lives in operations/.
 */
export class Dynamics365Contact implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Dynamics 365 Contact',
		name: 'dynamics365Contact',
		icon: { light: 'file:../../icons/dynamics365.svg', dark: 'file:../../icons/dynamics365.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{ {"upsert": "Create or Update", "get": "Get", "getMany": "Get Many", "deactivate": "Deactivate", "delete": "Delete"}[$parameter["operation"]] }}',
		description: 'Sync contacts into Microsoft Dynamics 365, and read, deactivate or delete them',
		defaults: { name: 'Dynamics 365 Contact' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		credentials: [
			{ name: DYNAMICS_CREDENTIAL, required: true },
			// The sync stores each link and the last synced values on the Google contact.
			{ name: GOOGLE_CREDENTIAL, required: false, displayOptions: { show: { operation: ['upsert'] } } },
		],
		properties: OPERATION_PROPERTIES,
	};

	methods = methods;

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const name = this.getNodeParameter('operation', 0) as string;
		const operation = operationNamed(name);
		if (!operation) throw new NodeOperationError(this.getNode(), `"${name}" is not an operation of this node`, { description: 'Pick an operation from the list.' });
		return operation.execute.call(this);
	}
}
