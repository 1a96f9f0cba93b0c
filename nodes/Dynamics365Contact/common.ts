/**
 * What the Dynamics 365 Contact operations share: the contact picker (a resource locator searching
 * the org by name or email), reading each item's contact id, errors as n8n errors, and per-record
 * $batch writes (deactivate, delete) with a result per item.
 */
import { NodeApiError, NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties, type JsonObject } from 'n8n-workflow';
import { executeBatch, type BatchOperation } from '../../lib/dynamics/batch';
import type { DynamicsClient } from '../../lib/dynamics/client';
import { DynamicsApiError } from '../../lib/dynamics/errors';
import { assertGuid } from '../../lib/dynamics/odata';
import { GooglePeopleError } from '../../lib/google/errors';

const GUID_REGEX = '^\\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\}?$';

/** The contact an operation acts on: picked from a search of the org, or given by its id (usually an expression). */
export const contactIdProperty: INodeProperties = {
	displayName: 'Contact',
	name: 'contactId',
	type: 'resourceLocator',
	default: { mode: 'list', value: '' },
	required: true,
	description: 'The Dynamics 365 contact',
	modes: [
		{
			displayName: 'From List',
			name: 'list',
			type: 'list',
			placeholder: 'Search by name or email…',
			typeOptions: { searchListMethod: 'searchContacts', searchable: true },
		},
		{
			displayName: 'By ID',
			name: 'id',
			type: 'string',
			placeholder: 'e.g. 49b0be2e-d01c-ed11-b83e-000d3a572421',
			validation: [{ type: 'regex', properties: { regex: GUID_REGEX, errorMessage: 'Not a contact ID: it looks like 49b0be2e-d01c-ed11-b83e-000d3a572421' } }],
		},
	],
};

/** Each item's contact id, or the item's error. */
export function contactIds(context: IExecuteFunctions, count: number): Array<string | NodeOperationError> {
	return Array.from({ length: count }, (_, itemIndex) => {
		const value = context.getNodeParameter('contactId', itemIndex, '', { extractValue: true });
		try {
			return assertGuid(value, 'The contact ID');
		} catch (error) {
			return new NodeOperationError(context.getNode(), (error as Error).message, { itemIndex, description: 'Pick the contact from the list, or give its contactid (e.g. {{ $json.contactId }} after the trigger).' });
		}
	});
}

/** Any failure as an n8n error: API errors keep their status, everything else names the node (and the item). */
export function nodeError(context: IExecuteFunctions, error: unknown, itemIndex?: number): NodeOperationError | NodeApiError {
	if (error instanceof NodeOperationError || error instanceof NodeApiError) return error;
	if (error instanceof DynamicsApiError || error instanceof GooglePeopleError) {
		const status = error instanceof DynamicsApiError ? error.status : error.httpStatus;
		return new NodeApiError(context.getNode(), { message: error.message } as JsonObject, { message: error.message, itemIndex, httpCode: status === undefined ? undefined : String(status) });
	}
	return new NodeOperationError(context.getNode(), error as Error, { itemIndex });
}

/** An item's failure: thrown, or (with "Continue" on) its error item. */
export function failItem(context: IExecuteFunctions, error: NodeOperationError | NodeApiError, itemIndex: number): INodeExecutionData {
	if (!context.continueOnFail()) throw error;
	return { json: { error: error.message, ...(error.description ? { fix: error.description } : {}) }, pairedItem: { item: itemIndex } };
}

/**
 * One write per item, sent in $batch requests (`batchSize` a request); each item gets its own
 * result: `done(contactId)` on success, its error otherwise (a contact that does not exist says so).
 */
export async function writeEachContact(
	context: IExecuteFunctions,
	client: DynamicsClient,
	operationFor: (contactId: string) => BatchOperation,
	done: (contactId: string) => IDataObject,
	batchSize?: number,
): Promise<INodeExecutionData[]> {
	const ids = contactIds(context, context.getInputData().length);
	const sent = ids.flatMap((id, itemIndex) => (typeof id === 'string' ? [{ id, itemIndex }] : []));
	const results = await executeBatch(client, sent.map(({ id }) => operationFor(id)), { batchSize });
	const resultOf = new Map(sent.map((entry, index) => [entry.itemIndex, { ...entry, result: results[index] }]));
	return ids.map((id, itemIndex) => {
		if (typeof id !== 'string') return failItem(context, id, itemIndex);
		const { result } = resultOf.get(itemIndex) as { result: (typeof results)[number] };
		if (result.ok) return { json: done(id), pairedItem: { item: itemIndex } };
		const missing = result.status === 404;
		const message = missing ? `Contact ${id} does not exist in Dynamics 365` : `Dynamics 365 refused the change to contact ${id} (HTTP ${result.status}): ${result.error?.message ?? 'no reason given'}`;
		const description = missing ? 'Check the contact ID; it may have been deleted already.' : 'The other items were written; fix this one and run it again.';
		return failItem(context, new NodeOperationError(context.getNode(), message, { itemIndex, description }), itemIndex);
	});
}
