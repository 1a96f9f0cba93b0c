import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { batchOperations } from '../../../lib/dynamics/batch';
import { dynamicsClient } from '../../shared/transport';
import { contactIdProperty, writeEachContact } from '../common';
import type { ContactOperation } from './index';

export const deleteContact: ContactOperation = {
	option: { name: 'Delete', value: 'delete', action: 'Delete a contact', description: 'Delete a contact for good (the sync itself never deletes)' },
	properties: [contactIdProperty],
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const client = await dynamicsClient(this);
		return [await writeEachContact(this, client, (id) => batchOperations.delete('contacts', id), (contactId) => ({ contactId, deleted: true }))];
	},
};
