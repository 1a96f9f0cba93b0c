import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import { rowsMatching } from '../../../lib/conditions/lookup';
import { contactSelect } from '../../../lib/triggers/dynamics-columns';
import { dynamicsClient } from '../../shared/transport';
import { contactIdProperty, contactIds, failItem, nodeError } from '../common';
import type { ContactOperation } from './index';

/** Read options shared with Get Many: which columns, and whether labels come along. */
export const READ_OPTIONS: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [
		{
			displayName: 'Column Names or IDs',
			name: 'columns',
			type: 'multiOptions',
			typeOptions: { loadOptionsMethod: 'getContactColumns' },
			default: [],
			description: 'The columns to return; none chosen returns every column. Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		},
		{
			displayName: 'Include Labels',
			name: 'includeLabels',
			type: 'boolean',
			default: true,
			description: 'Whether to add the display form of choices, lookups and dates beside their values (as <code>column@OData.Community.Display.V1.FormattedValue</code>)',
		},
	],
};

export interface ReadOptions {
	columns?: string[];
	includeLabels?: boolean;
}

/** The $select for the chosen columns (lookups by their _x_value property), or every column when none is chosen. */
export async function selectOf(client: Parameters<typeof contactSelect>[0], options: ReadOptions): Promise<string[] | undefined> {
	return options.columns?.length ? contactSelect(client, options.columns) : undefined;
}

export const get: ContactOperation = {
	option: { name: 'Get', value: 'get', action: 'Get a contact', description: 'Read one contact by ID' },
	properties: [contactIdProperty, READ_OPTIONS],
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const client = await dynamicsClient(this);
		const options = this.getNodeParameter('options', 0, {}) as ReadOptions;
		const ids = contactIds(this, this.getInputData().length);
		const wanted = [...new Set(ids.filter((id): id is string => typeof id === 'string'))];
		let found: Map<string, IDataObject>;
		try {
			// One request per 100 contacts, however many items ask.
			const select = (await selectOf(client, options)) ?? [];
			const rows = wanted.length ? await rowsMatching(client, 'contactid', wanted.map((guid) => ({ guid })), select, options.includeLabels === false ? {} : { includeAnnotations: true }) : [];
			found = new Map(rows.map((row) => [String(row.contactid).toLowerCase(), row as IDataObject]));
		} catch (error) {
			throw nodeError(this, error);
		}
		return [
			ids.map((id, itemIndex) => {
				if (typeof id !== 'string') return failItem(this, id, itemIndex);
				const contact = found.get(id);
				if (contact) return { json: contact, pairedItem: { item: itemIndex } };
				return failItem(this, new NodeOperationError(this.getNode(), `Contact ${id} does not exist in Dynamics 365`, { itemIndex, description: 'Check the contact ID; it may have been deleted.' }), itemIndex);
			}),
		];
	},
};
