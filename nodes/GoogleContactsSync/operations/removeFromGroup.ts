/** Remove From Group: takes contacts out of a contact group (label); the contacts stay. */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { changeMembership, membershipProperties } from '../groups';

export const description = {
	name: 'Remove From Group',
	value: 'removeFromGroup',
	action: 'Remove contacts from a group',
	description: 'Take Google contacts out of a group (label); the contacts themselves stay',
};

export const properties = membershipProperties('removeFromGroup', 'remove');

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return changeMembership(this, false);
}
