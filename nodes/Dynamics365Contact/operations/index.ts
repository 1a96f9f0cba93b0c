/**
 * The node's operations, one file each: what an operation shows (its option and its parameters) and
 * what it does. The registry builds the Operation parameter and shows each operation's parameters
 * only when it is chosen.
 */
import type { IExecuteFunctions, INodeExecutionData, INodeProperties, INodePropertyOptions } from 'n8n-workflow';
import { deactivate } from './deactivate';
import { deleteContact } from './delete';
import { get } from './get';
import { getMany } from './getMany';
import { upsert } from './upsert';

export interface ContactOperation {
	option: INodePropertyOptions & { value: string; action: string };
	properties: INodeProperties[];
	execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]>;
}

export const OPERATIONS: ContactOperation[] = [upsert, get, getMany, deactivate, deleteContact];

export const OPERATION_PROPERTIES: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: OPERATIONS.map((operation) => operation.option).sort((a, b) => a.name.localeCompare(b.name)),
		default: 'upsert',
	},
	...OPERATIONS.flatMap((operation) =>
		operation.properties.map((property) => ({ ...property, displayOptions: { ...property.displayOptions, show: { ...property.displayOptions?.show, operation: [operation.option.value] } } })),
	),
];

export function operationNamed(value: string): ContactOperation | undefined {
	return OPERATIONS.find((operation) => operation.option.value === value);
}
