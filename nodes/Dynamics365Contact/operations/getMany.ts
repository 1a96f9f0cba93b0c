import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { MAX_PAGE_SIZE } from '../../../lib/dynamics/client';
import { buildQuery } from '../../../lib/dynamics/odata';
import { dynamicsClient } from '../../shared/transport';
import { failItem, nodeError } from '../common';
import { READ_OPTIONS, selectOf, type ReadOptions } from './get';
import type { ContactOperation } from './index';

interface Filters {
	activeOnly?: boolean;
	filter?: string;
}

export const getMany: ContactOperation = {
	option: { name: 'Get Many', value: 'getMany', action: 'Get many contacts', description: 'Read contacts, every page of them when asked' },
	properties: [
		{
			displayName: 'Return All',
			name: 'returnAll',
			type: 'boolean',
			default: false,
			description: 'Whether to return all results or only up to a given limit',
		},
		{
			displayName: 'Limit',
			name: 'limit',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 50,
			description: 'Max number of results to return',
			displayOptions: { show: { returnAll: [false] } },
		},
		{
			displayName: 'Filters',
			name: 'filters',
			type: 'collection',
			placeholder: 'Add Filter',
			default: {},
			options: [
				{
					displayName: 'Active Contacts Only',
					name: 'activeOnly',
					type: 'boolean',
					default: false,
					description: 'Whether to leave out inactive contacts',
				},
				{
					displayName: 'OData Filter',
					name: 'filter',
					type: 'string',
					default: '',
					placeholder: "e.g. address1_city eq 'Amsterdam'",
					description: 'A Web API <code>$filter</code> expression on the contact table (logical names; text in single quotes, with quotes doubled)',
				},
			],
		},
		READ_OPTIONS,
	],
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const client = await dynamicsClient(this);
		const output: INodeExecutionData[] = [];
		const items = this.getInputData();
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			const returnAll = this.getNodeParameter('returnAll', itemIndex, false) as boolean;
			const limit = returnAll ? Infinity : (this.getNodeParameter('limit', itemIndex, 50) as number);
			const filters = this.getNodeParameter('filters', itemIndex, {}) as Filters;
			const options = this.getNodeParameter('options', itemIndex, {}) as ReadOptions;
			const clauses = [filters.activeOnly ? 'statecode eq 0' : '', filters.filter?.trim() ? `(${filters.filter.trim()})` : ''].filter(Boolean);
			try {
				const path = 'contacts' + buildQuery({ select: await selectOf(client, options), filter: clauses.join(' and ') || undefined, orderby: 'createdon asc' });
				// Pages follow @odata.nextLink; a limit only shrinks the page size and stops early ($top would turn paging off).
				const pages = client.pages<IDataObject>(path, { maxPageSize: Math.min(MAX_PAGE_SIZE, limit), includeAnnotations: options.includeLabels === false ? undefined : true });
				let taken = 0;
				for await (const page of pages) {
					for (const contact of page.value.slice(0, limit - taken)) output.push({ json: contact, pairedItem: { item: itemIndex } });
					taken += page.value.length;
					if (taken >= limit) break;
				}
			} catch (error) {
				output.push(failItem(this, nodeError(this, error, itemIndex), itemIndex));
			}
		}
		return [output];
	},
};
