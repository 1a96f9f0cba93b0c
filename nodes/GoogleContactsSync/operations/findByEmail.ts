/**
 * Find by Email: the Google contacts having each item's email, for all items in one bulk lookup (a
 * few emails are searched, many are found by one listing of the account).
 */
import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import { normalizeEmail } from '../../../lib/mapping/normalize';
import { SYNC_PERSON_FIELDS } from '../../../lib/sync/google-writer';
import { googleContactsClient, googleNodeError } from '../../shared/google';

export const description = {
	name: 'Find by Email',
	value: 'findByEmail',
	action: 'Find contacts by email',
	description: 'Look up the Google contacts with each item\'s email address, ignoring case, in bulk',
};

const show = { show: { operation: ['findByEmail'] } };

export const properties: INodeProperties[] = [
	{
		displayName: 'Email',
		name: 'email',
		type: 'string',
		placeholder: 'name@email.com',
		required: true,
		default: '={{ $json.email }}',
		description: 'The email address to look for; case and surrounding spaces do not matter',
		displayOptions: show,
	},
	{
		displayName: 'Read All Contacts',
		name: 'readAll',
		type: 'boolean',
		default: false,
		description:
			'Whether to list the whole account instead of searching. Google\'s search index can lag a few minutes behind writes: read all to find contacts created moments ago.',
		displayOptions: show,
	},
];

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const results: INodeExecutionData[] = new Array(items.length);
	const emails: Array<{ item: number; email: string }> = [];
	for (let item = 0; item < items.length; item++) {
		const email = normalizeEmail(String(this.getNodeParameter('email', item, '')));
		if (email.includes('@')) {
			emails.push({ item, email });
			continue;
		}
		const error = new NodeOperationError(this.getNode(), `Email: "${email}" is not an email address`, { itemIndex: item, description: 'Give an address such as name@example.com, or map the field that holds it.' });
		if (!this.continueOnFail()) throw error;
		results[item] = { json: { error: { message: error.message, description: error.description } }, pairedItem: { item } };
	}
	const strategy = this.getNodeParameter('readAll', 0, false) ? 'list' : 'auto';
	try {
		const google = await googleContactsClient(this);
		const found = await google.findContactsByEmail([...new Set(emails.map((entry) => entry.email))], SYNC_PERSON_FIELDS, { strategy });
		for (const { item, email } of emails) {
			const contacts = found.get(email) ?? [];
			results[item] = { json: { email, found: contacts.length, contacts: contacts as IDataObject[] }, pairedItem: { item } };
		}
	} catch (error) {
		throw googleNodeError(this, error);
	}
	return [results];
}
