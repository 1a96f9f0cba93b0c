/** Add to Group: puts contacts into a contact group (label), created when missing. */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { changeMembership, membershipProperties } from '../groups';

export const description = {
	name: 'Add to Group',
	value: 'addToGroup',
	action: 'Add contacts to a group',
	description: 'Put Google contacts into a group (label) such as "Dynamics 365 Unsubscribes"; the group is created when missing',
};

export const properties = membershipProperties('addToGroup', 'add');

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return changeMembership(this, true);
}
