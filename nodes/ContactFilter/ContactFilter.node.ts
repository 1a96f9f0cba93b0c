import { NodeConnectionTypes, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription } from 'n8n-workflow';
import { getContactGroups, getOwners, getStatusReasons } from '../shared/pickers';
import { DYNAMICS_CREDENTIAL } from '../shared/transport';
import { GOOGLE_CREDENTIAL } from '../shared/google';
import { CONTACT_FILTER_PROPERTIES } from './description';
import { executeContactFilter } from './execute';
import { getLinkColumns } from '../shared/columns';
import { getDynamicsColumns, getFieldChoices, getFieldOperators, getGoogleFields } from './methods';

/**
 * PieSync's IF for n8n: keeps the Dynamics 365 or Google contacts that meet all (or any) of the
 * conditions on "Kept", the others on "Not Kept". The conditions are evaluated by lib/conditions.
 */
export class ContactFilter implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Contact Filter',
		name: 'contactFilter',
		icon: { light: 'file:../../icons/contactFilter.svg', dark: 'file:../../icons/contactFilter.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["source"] === "google" ? "Google Contacts" : "Dynamics 365"}}',
		description: 'Keep the Dynamics 365 or Google contacts that meet conditions: ownership, opt-in, status, existence in the other app, any field',
		defaults: { name: 'Contact Filter' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Kept', 'Not Kept'],
		usableAsTool: true,
		// Each is needed only by some conditions (see the condition types); the node says which when one is missing.
		credentials: [
			{ name: DYNAMICS_CREDENTIAL, required: false },
			{ name: GOOGLE_CREDENTIAL, required: false },
		],
		properties: CONTACT_FILTER_PROPERTIES,
	};

	methods = {
		loadOptions: {
			getOwners,
			getStatusReasons,
			getContactGroups,
			getDynamicsColumns,
			getGoogleFields,
			getFieldOperators,
			getFieldChoices,
			getLinkColumns,
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return executeContactFilter.call(this);
	}
}
