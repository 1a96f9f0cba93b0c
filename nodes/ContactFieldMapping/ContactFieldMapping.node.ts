import { NodeConnectionTypes, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription } from 'n8n-workflow';
import { GOOGLE_CREDENTIAL } from '../shared/google';
import { getContactGroups } from '../shared/pickers';
import { DYNAMICS_CREDENTIAL } from '../shared/transport';
import { getLinkColumns } from '../shared/columns';
import { CONTACT_FIELD_MAPPING_PROPERTIES } from './description';
import { executeContactFieldMapping } from './execute';
import { getMappableColumns, getPairedFields, getTargetFields } from './methods';

/**
 * PieSync's field mapping for n8n: turns Dynamics 365, Google Contacts or plain contacts into
 * target-ready records (Dynamics 365 columns, People API Person fields or plain fields) with their
 * match keys, by the default mappings, custom mappings and fixed values. The mapping is lib/mapping's.
 */
export class ContactFieldMapping implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Contact Field Mapping',
		name: 'contactFieldMapping',
		icon: { light: 'file:../../icons/contactFieldMapping.svg', dark: 'file:../../icons/contactFieldMapping.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{{"dynamicsToGoogle": "Dynamics 365 → Google Contacts", "googleToDynamics": "Google Contacts → Dynamics 365", "dynamicsToPlain": "Dynamics 365 → Plain Fields", "plainToDynamics": "Plain Fields → Dynamics 365"}[$parameter["direction"]]}}',
		description: 'Map Dynamics 365 contacts to Google Contacts or plain fields and back: default and custom field mappings, name join and split, fixed values',
		defaults: { name: 'Contact Field Mapping' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		credentials: [
			// Optional: the org's own columns (custom ones, their types and lengths); without it, the standard contact columns.
			{ name: DYNAMICS_CREDENTIAL, required: false },
			// Optional: only the list of labels for "Add to Labels".
			{ name: GOOGLE_CREDENTIAL, required: false, displayOptions: { show: { direction: ['dynamicsToGoogle'] } } },
		],
		properties: CONTACT_FIELD_MAPPING_PROPERTIES,
	};

	methods = {
		loadOptions: {
			getMappableColumns,
			getPairedFields,
			getTargetFields,
			getContactGroups,
			getLinkColumns,
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return executeContactFieldMapping.call(this);
	}
}
