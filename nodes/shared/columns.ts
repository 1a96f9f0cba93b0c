/**
 * The contact columns of the connected org, custom columns included, for multi-select and options
 * pickers: the display name as the option, the logical name as the value, and the logical name and
 * type in the description. Shared by the trigger, the Contact Filter and the Contact Field Mapping.
 */
import { NodeOperationError } from 'n8n-workflow';
import type { ILoadOptionsFunctions, INodeProperties, INodePropertyOptions } from 'n8n-workflow';
import { readFields } from '../../lib/dynamics/metadata';
import { canonicalTypeNoun } from '../../lib/mapping/compatibility';
import type { FieldDescriptor } from '../../lib/model/fields';
import { assertCredentialSelected } from './pickers';
import { DYNAMICS_CREDENTIAL, dynamicsClient } from './transport';

/** One option per column, by display name; the description tells the logical name, the type and what is special. */
export function contactColumnOptions(fields: FieldDescriptor[]): INodePropertyOptions[] {
	return fields.map((field) => {
		const notes = [canonicalTypeNoun(field.type)];
		if (field.custom) notes.push('custom');
		if (!field.writable) notes.push('read-only');
		return { name: field.label, value: field.name, description: `${field.name} · ${notes.join(', ')}` };
	});
}

/** loadOptions method: the contact table's columns from the org's metadata (cached per process for a few minutes). */
export async function getContactColumns(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const client = await dynamicsClient(this);
	try {
		return contactColumnOptions(await readFields(client, 'contact'));
	} catch (error) {
		throw new NodeOperationError(this.getNode(), `Could not load the contact columns from Dynamics 365: ${(error as Error).message}`);
	}
}

/** loadOptions method: the text columns that can hold a Google contact's resource name (custom ones first: that is where a link column lives). */
export async function getLinkColumns(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	assertCredentialSelected(this, DYNAMICS_CREDENTIAL, 'list the columns of Dynamics 365 contacts');
	const columns = (await readFields(await dynamicsClient(this), 'contact')).filter((field) => field.type === 'text' && field.writable);
	columns.sort((a, b) => Number(b.custom === true) - Number(a.custom === true));
	return [{ name: 'None', value: '', description: 'Match Dynamics 365 and Google contacts by the Google contact\'s link and by email' }, ...contactColumnOptions(columns)];
}

/** The link-column picker (getLinkColumns) as a parameter; `purpose` says what this node does with the column. */
export function linkColumnParameter(name: string, purpose: string): INodeProperties {
	return {
		displayName: 'Dynamics 365 Link Column Name or ID',
		name,
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getLinkColumns' },
		default: '',
		description: `${purpose} Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>`,
	};
}
