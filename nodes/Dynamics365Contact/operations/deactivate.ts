import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { batchOperations } from '../../../lib/dynamics/batch';
import { dynamicsClient } from '../../shared/transport';
import { contactIdProperty, writeEachContact } from '../common';
import type { ContactOperation } from './index';

/** SetState: Inactive, with its default status reason (the contact stays, read-only in Dynamics 365). */
const INACTIVE = { statecode: 1, statuscode: 2 };

export const deactivate: ContactOperation = {
	option: { name: 'Deactivate', value: 'deactivate', action: 'Deactivate a contact', description: 'Set a contact inactive (it stays in Dynamics 365)' },
	properties: [contactIdProperty],
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const client = await dynamicsClient(this);
		return [await writeEachContact(this, client, (id) => batchOperations.update('contacts', id, INACTIVE), (contactId) => ({ contactId, deactivated: true }))];
	},
};
