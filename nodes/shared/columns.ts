/**
 * The contact columns of the connected org, custom columns included, for multi-select and options
 * pickers: the display name as the option, the logical name as the value, and the logical name and
 * type in the description. Shared by the trigger, the Contact Filter and the Contact Field Mapping.
 */
import { NodeOperationError } from 'n8n-workflow';
import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';
import { readFields } from '../../lib/dynamics/metadata';
import { canonicalTypeNoun } from '../../lib/mapping/compatibility';
import type { FieldDescriptor } from '../../lib/model/fields';
import { dynamicsClient } from './transport';

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
