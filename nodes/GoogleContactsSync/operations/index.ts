/** The Google Contacts Sync node's operations, one module each: its option, its parameters, its run. */
import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import * as addToGroup from './addToGroup';
import * as findByEmail from './findByEmail';
import * as removeFromGroup from './removeFromGroup';
import * as upsert from './upsert';

interface Operation {
	description: { name: string; value: string; action: string; description: string };
	properties: INodeProperties[];
	execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]>;
}

export const OPERATIONS: Record<string, Operation> = { upsert, addToGroup, removeFromGroup, findByEmail };

export const OPERATION_PROPERTIES: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: Object.values(OPERATIONS).map((operation) => operation.description),
		default: 'upsert',
	},
	...Object.values(OPERATIONS).flatMap((operation) => operation.properties),
];
