/**
 * The node's pickers: the contact columns (shared), the text columns a Google link can live in
 * (shared), the columns a deletion tag can set, and a contact search by name or email.
 */
import type { ILoadOptionsFunctions, INodeListSearchResult, INodePropertyOptions } from 'n8n-workflow';
import { readFields } from '../../lib/dynamics/metadata';
import { buildQuery, textMatch } from '../../lib/dynamics/odata';
import { contactColumnOptions, getContactColumns, getLinkColumns } from '../shared/columns';
import { dynamicsClient } from '../shared/transport';

/** Column types a deletion tag can write from a typed value. */
const TAGGABLE_TYPES = new Set(['text', 'multilineText', 'choice', 'boolean', 'integer', 'decimal', 'money']);
const SEARCH_RESULTS = 50;

/** The writable columns a deletion tag can set: text, choice, yes / no and number columns, custom ones first. */
async function getWritableColumns(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const columns = (await readFields(await dynamicsClient(this), 'contact')).filter((field) => field.writable && TAGGABLE_TYPES.has(field.type) && !['statecode', 'statuscode'].includes(field.name));
	columns.sort((a, b) => Number(b.custom === true) - Number(a.custom === true));
	return contactColumnOptions(columns);
}

/** Contacts whose name or email contains the text typed (all contacts, by name, without one). */
async function searchContacts(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
	const client = await dynamicsClient(this);
	const text = filter?.trim();
	const query = buildQuery({
		select: ['contactid', 'fullname', 'emailaddress1'],
		filter: text ? ['fullname', 'emailaddress1'].map((column) => textMatch('contains', column, text)).join(' or ') : undefined,
		orderby: 'fullname asc',
		top: SEARCH_RESULTS,
	});
	const { value } = await client.getJson<{ value: Array<{ contactid: string; fullname?: string; emailaddress1?: string }> }>(`contacts${query}`);
	return {
		results: value.map((contact) => ({
			name: [contact.fullname || '(no name)', contact.emailaddress1 ? `<${contact.emailaddress1}>` : ''].filter(Boolean).join(' '),
			value: contact.contactid,
		})),
	};
}

export const methods = {
	loadOptions: { getContactColumns, getLinkColumns, getWritableColumns },
	listSearch: { searchContacts },
};
