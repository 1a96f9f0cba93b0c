/**
 * Bad input, part 2: node parameters. Each case is a configuration a user could give the Contact
 * Field Mapping, the Dynamics 365 Contact writer or the Contact Filter (typed in, or an expression
 * whose result does not fit), run by n8n-core against both simulators on real trigger items. A
 * configuration that cannot work stops the node before any item is mapped or written, naming the
 * parameter as the editor shows it and the fix; with "Continue" every item carries that error with
 * its pairedItem; nothing is written on either side.
 */
import { NodeOperationError, type IDataObject, type INodeExecutionData, type INodeParameters } from 'n8n-workflow';
import { CUSTOM_FIELD } from '../../nodes/ContactFieldMapping/description';
import { dynamicsWrites, googleWrites } from '../e2e-chain/counting';
import { DYNAMICS_CREDENTIAL, GOOGLE_CREDENTIAL, NODE_TYPES, chainWorkflow, startChainTestbed, type ChainTestbed } from '../e2e-chain/testbed';
import { googleTriggerItems } from '../nodes/ContactFieldMapping/testbed';

let bed: ChainTestbed;
/** Two Google contacts as the Google Contacts Trigger emits them. */
let items: IDataObject[];

beforeAll(async () => {
	bed = await startChainTestbed({ nodes: ['mapping', 'dynamicsWriter', 'filter'] });
	bed.google.state.createContact({ names: [{ givenName: 'Ada', familyName: 'Lovelace' }], emailAddresses: [{ value: 'ada@example.com' }] });
	bed.google.state.createContact({ names: [{ givenName: 'Grace', familyName: 'Hopper' }], emailAddresses: [{ value: 'grace@example.com' }] });
	items = await googleTriggerItems(bed.google);
});
afterAll(() => bed?.close());
beforeEach(() => {
	bed.dynamics.state.reset();
	bed.dynamics.counters.reset();
	bed.google.counters.reset();
});

const custom = (mapping: INodeParameters): INodeParameters => ({ customMappings: { mapping: [mapping] } });
const fixed = (field: string, value: string): INodeParameters => ({ fixedValues: { value: [{ field, value }] } });
const CHANNEL_MAP = (valueMap: string): INodeParameters => custom({ dynamicsField: 'new_preferredchannel', otherField: CUSTOM_FIELD, customFieldName: 'Channel', valueMap });
const PICK_COMPATIBLE = 'Pick fields of compatible types (the picker offers only those), or map to a text field.';

interface ParameterCase {
	/** The Contact Field Mapping's parameters (direction included). */
	parameters: INodeParameters;
	/** The parameter as the editor names it, then the problem. */
	message: string | RegExp;
	fix: string | RegExp;
	/** The spec path the error item's `field` holds. */
	field: string;
}

const G2D = { direction: 'googleToDynamics' } as const;

/** Contact Field Mapping configurations that cannot work (Google Contacts → Dynamics 365 unless said). */
const MAPPING_CASES: Record<string, ParameterCase> = {
	'unknown column': {
		parameters: { ...G2D, ...custom({ dynamicsField: 'new_loyalty', otherField: CUSTOM_FIELD, customFieldName: 'Loyalty' }) },
		message: 'Custom Mapping 1 › Dynamics 365 Column: "new_loyalty" is not a contact column of this Dynamics org',
		fix: 'Pick a column from the list (loaded from the org\'s metadata), or check the logical name (lower case, e.g. new_source).',
		field: 'customMappings[0].dynamicsField',
	},
	'a column\'s display name instead of its logical name': {
		parameters: { ...G2D, ...custom({ dynamicsField: 'Job Title', otherField: CUSTOM_FIELD, customFieldName: 'Title' }) },
		message: 'Custom Mapping 1 › Dynamics 365 Column: "Job Title" is not a contact column of this Dynamics org',
		fix: 'check the logical name (lower case, e.g. new_source)',
		field: 'customMappings[0].dynamicsField',
	},
	'unknown Google field': {
		parameters: { ...G2D, ...custom({ dynamicsField: 'nickname', otherField: 'names.nickname' }) },
		message: 'Custom Mapping 1 › Other Field: "names.nickname" is not a Google Contacts field',
		fix: 'Use names.givenName, phoneNumbers:mobile, addresses:work.city or userDefined:<key>.',
		field: 'customMappings[0].otherField',
	},
	'a column of an incompatible type (a number with a date)': {
		parameters: { ...G2D, defaultMappings: ['names', 'emails', 'phones', 'address', 'company', 'notes'], ...custom({ dynamicsField: 'new_loyaltypoints', otherField: 'birthdays[0].date' }) },
		message: 'Custom Mapping 1: new_loyaltypoints ↔ birthdays[0].date cannot be mapped: a whole number cannot be stored in a date field, and a date cannot be stored in a whole number field',
		fix: PICK_COMPATIBLE,
		field: 'customMappings[0]',
	},
	'a choice column from a text field without a value map': {
		parameters: { ...G2D, ...custom({ dynamicsField: 'new_preferredchannel', otherField: CUSTOM_FIELD, customFieldName: 'Channel' }) },
		message: /^Custom Mapping 1: new_preferredchannel ↔ userDefined:Channel can only be mapped from Dynamics only \(.*\), but this node maps Google Contacts → Dynamics 365$/,
		fix: 'Map the pair in a node going the other way.',
		field: 'customMappings[0]',
	},
	'a read-only column as the target': {
		parameters: { ...G2D, ...custom({ dynamicsField: 'fullname', otherField: CUSTOM_FIELD, customFieldName: 'Full name' }) },
		message: /^Custom Mapping 1: fullname ↔ userDefined:Full name can only be mapped from Dynamics only \(.*read-only.*\)/,
		fix: 'Map the pair in a node going the other way.',
		field: 'customMappings[0]',
	},
	'a lookup column as the target': {
		parameters: { ...G2D, ...custom({ dynamicsField: 'parentcustomerid', otherField: CUSTOM_FIELD, customFieldName: 'Company id' }) },
		message: /^Custom Mapping 1: parentcustomerid ↔ userDefined:Company id can only be mapped from Dynamics only/,
		fix: 'Map the pair in a node going the other way.',
		field: 'customMappings[0]',
	},
	'a read-only column as a fixed value': {
		parameters: { ...G2D, ...fixed('fullname', 'Ada Lovelace') },
		message: 'Fixed Value 1 › Field: "Full Name" (fullname) is read-only; nothing can be written to it',
		fix: 'Pick a writable field.',
		field: 'fixedValues[0].field',
	},
	'a target column mapped twice': {
		parameters: {
			...G2D,
			customMappings: {
				mapping: [
					{ dynamicsField: 'new_customernumber', otherField: CUSTOM_FIELD, customFieldName: 'Customer' },
					{ dynamicsField: 'new_customernumber', otherField: CUSTOM_FIELD, customFieldName: 'Account' },
				],
			},
		},
		message: 'Custom Mapping 2: new_customernumber is already mapped by customMappings[0]',
		fix: 'Map each target field once.',
		field: 'customMappings[1]',
	},
	'a column a default mapping already carries': {
		parameters: { ...G2D, ...custom({ dynamicsField: 'jobtitle', otherField: CUSTOM_FIELD, customFieldName: 'Title' }) },
		message: 'Custom Mapping 1: jobtitle is already mapped by a default mapping',
		fix: 'Switch that default mapping off to map the field yourself.',
		field: 'customMappings[0]',
	},
	'a custom field without a name': {
		parameters: { ...G2D, ...custom({ dynamicsField: 'new_customernumber', otherField: CUSTOM_FIELD, customFieldName: '  ' }) },
		message: 'Custom Mapping 1 › Custom Field Name: The custom field has no name',
		fix: 'Enter the custom field\'s name, or pick a field from the list.',
		field: 'customMappings[0].customFieldName',
	},
	'value map: not JSON': {
		parameters: { direction: 'dynamicsToGoogle', ...CHANNEL_MAP('{ "100000000": "Email", ') },
		message: /^Custom Mapping 1 › Value Map: The value map is not valid JSON \(/,
		fix: 'Write it as { "<option value>": "<other value>" }, e.g. { "100000000": "Email" }.',
		field: 'customMappings[0].valueMap',
	},
	'value map: an option the column does not have': {
		parameters: { direction: 'dynamicsToGoogle', ...CHANNEL_MAP('{ "7": "Email" }') },
		message: 'Custom Mapping 1 › Value Map: "7" is not an option of new_preferredchannel',
		fix: 'Use the option values: 100000000 (Email), 100000001 (Phone), 100000002 (Text Message), 100000003 (Post).',
		field: 'customMappings[0].valueMap',
	},
	'value map: an option label instead of its value': {
		parameters: { direction: 'dynamicsToGoogle', ...CHANNEL_MAP('{ "Email": "E-mail" }') },
		message: 'Custom Mapping 1 › Value Map: "Email" is not an option of new_preferredchannel',
		fix: 'Use the option values: 100000000 (Email)',
		field: 'customMappings[0].valueMap',
	},
	'value map: the same option twice (JSON keeps only the last)': {
		parameters: { direction: 'dynamicsToGoogle', ...CHANNEL_MAP('{ "100000000": "Email", "100000001": "Phone", "100000000": "Mail" }') },
		message: 'Custom Mapping 1 › Value Map: option "100000000" is listed twice; JSON keeps only the last ("Mail")',
		fix: 'List each option value once.',
		field: 'customMappings[0].valueMap',
	},
	'value map: two options with the same value, both ways': {
		parameters: { direction: 'dynamicsToGoogle', ...CHANNEL_MAP('{ "100000000": "Contact me", "100000001": "contact me" }') },
		message: 'Custom Mapping 1 › Value Map: Options "100000000" and "100000001" both map to "contact me", so "contact me" cannot be mapped back',
		fix: 'Give each option its own value, or map the pair one way (from Dynamics only).',
		field: 'customMappings[0].valueMap',
	},
	'value map: a number as the other value': {
		parameters: { direction: 'dynamicsToGoogle', ...CHANNEL_MAP('{ "100000000": 5 }') },
		message: 'Custom Mapping 1 › Value Map: Option "100000000" maps to 5, not to a text value',
		fix: 'Give every option a non-empty text value.',
		field: 'customMappings[0].valueMap',
	},
	'value map: on a column that is not a choice': {
		parameters: { direction: 'dynamicsToGoogle', defaultMappings: ['names', 'emails', 'phones', 'address', 'birthday', 'notes'], ...custom({ dynamicsField: 'jobtitle', otherField: CUSTOM_FIELD, customFieldName: 'Title', valueMap: '{ "1": "CEO" }' }) },
		message: 'Custom Mapping 1 › Value Map: "Job Title" (jobtitle) is not a choice column, so a value map does not apply',
		fix: 'Remove the value map, or pick a choice column.',
		field: 'customMappings[0].valueMap',
	},
	'fixed value: a choice label the column does not have': {
		parameters: { ...G2D, ...fixed('new_preferredchannel', 'Pigeon') },
		message: 'Fixed Value 1 › Value: "Pigeon" is not an option of new_preferredchannel',
		fix: 'Use one of: Email, Phone, Text Message, Post.',
		field: 'fixedValues[0].value',
	},
	'fixed value: an expression giving an object where text is expected': {
		parameters: { ...G2D, ...fixed('new_customernumber', '={{ { number: 42 } }}') },
		message: 'Fixed Value 1 › Value: "fixed value for Customer Number" (new_customernumber) holds {"number":42}, which is not text',
		fix: 'Use text, not a list or an object.',
		field: 'fixedValues[0].value',
	},
	'fixed value: an expression giving a list where text is expected': {
		parameters: { ...G2D, ...fixed('new_customernumber', '={{ ["C-1", "C-2"] }}') },
		message: 'Fixed Value 1 › Value: "fixed value for Customer Number" (new_customernumber) holds ["C-1","C-2"], which is not text',
		fix: 'Use text, not a list or an object.',
		field: 'fixedValues[0].value',
	},
	'fixed value: an expression giving a number for an email column': {
		parameters: { ...G2D, defaultMappings: ['names', 'phones', 'address', 'company', 'birthday', 'notes'], ...fixed('emailaddress1', '={{ 42 }}') },
		message: 'Fixed Value 1 › Value: "42" is not an email address, so it cannot go into "Email" (emailaddress1)',
		fix: 'Correct the email address.',
		field: 'fixedValues[0].value',
	},
	'fixed value: text for a whole-number column': {
		parameters: { ...G2D, ...fixed('new_loyaltypoints', 'lots') },
		message: 'Fixed Value 1 › Value: "fixed value for Loyalty Points" (new_loyaltypoints) holds "lots", which is not a number',
		fix: 'Use a number, with "." for decimals (e.g. 52000.50).',
		field: 'fixedValues[0].value',
	},
	'fixed value: a Google field that does not exist': {
		parameters: { direction: 'dynamicsToGoogle', ...fixed('names.nickname', 'Ada') },
		message: 'Fixed Value 1 › Field: "names.nickname" is not a field of the target (Google Contacts)',
		fix: 'Pick a field from the list of the target app\'s fields.',
		field: 'fixedValues[0].field',
	},
	'an expression naming the column that gives a number': {
		parameters: { ...G2D, ...custom({ dynamicsField: '={{ 42 }}', otherField: CUSTOM_FIELD, customFieldName: 'Answer' }) },
		message: 'Custom Mapping 1 › Dynamics 365 Column: "42" is not a contact column of this Dynamics org',
		fix: 'Pick a column from the list',
		field: 'customMappings[0].dynamicsField',
	},
	'link column: not a text column': {
		parameters: { ...G2D, options: { dynamicsLinkColumn: 'new_loyaltypoints' } },
		message: 'Options › Dynamics 365 Link Column: "new_loyaltypoints" is not a writable text column of the contact table',
		fix: 'Create a text column (e.g. new_googleresourcename, 100 characters) and pick it, or leave the link column empty.',
		field: 'linkField',
	},
	'link column: a read-only text column': {
		parameters: { ...G2D, options: { dynamicsLinkColumn: 'fullname' } },
		message: 'Options › Dynamics 365 Link Column: "fullname" is not a writable text column of the contact table',
		fix: 'Create a text column',
		field: 'linkField',
	},
	'default mappings: an id that does not exist (from an expression)': {
		parameters: { ...G2D, defaultMappings: '={{ "names,emial" }}' },
		message: 'Default Mappings: "emial" is not a default mapping',
		fix: /^Use these ids: /,
		field: 'defaultMappings',
	},
	'labels: a label name instead of its resource name': {
		parameters: { direction: 'dynamicsToGoogle', addToLabels: ['Friends'] },
		message: 'Add to Labels: label 1: "Friends" is not a contact group resource name',
		fix: 'Pick the label from the list (its resource name looks like contactGroups/1a2b3c).',
		field: 'addToLabels[0]',
	},
};

async function mapItems(parameters: INodeParameters, inputItems: IDataObject[], continueOnFail = false): Promise<INodeExecutionData[]> {
	const { outputs } = await bed.n8n.executeNode(NODE_TYPES.mapping, { parameters, inputItems, continueOnFail });
	return outputs[0] ?? [];
}

describe.each(Object.entries(MAPPING_CASES))('Contact Field Mapping, %s', (_name, { parameters, message, fix, field }) => {
	it('stops before any item, naming the parameter and the fix', async () => {
		const failure = await mapItems(parameters, items).then(
			() => undefined,
			(error: unknown) => error,
		);
		expect(failure).toBeInstanceOf(NodeOperationError);
		const error = failure as NodeOperationError;
		expect(error.context.itemIndex).toBe(0);
		if (typeof message === 'string') expect(error.message).toBe(message);
		else expect(error.message).toMatch(message);
		if (typeof fix === 'string') expect(error.description).toContain(fix);
		else expect(error.description).toMatch(fix);
	});

	it('with "Continue", every item carries the error with its pairedItem', async () => {
		const output = await mapItems(parameters, items, true);
		expect(output.map((item) => item.pairedItem)).toEqual(items.map((_item, index) => ({ item: index })));
		for (const item of output) expect(item.json.error).toMatchObject({ field, fix: expect.any(String) });
	});
});

describe('the Dynamics 365 Contact writer\'s settings', () => {
	const WRITER = 'Dynamics 365 Contact';

	/** The chain as a user builds it; the writer gets `parameters`; returns the writer's error. */
	async function writerError(parameters: INodeParameters): Promise<NodeOperationError> {
		const workflow = chainWorkflow([
			{ name: 'Google Contacts Trigger', type: 'n8n-nodes-base.manualTrigger' },
			{ name: 'Contact Field Mapping', type: NODE_TYPES.mapping, parameters: G2D, credentials: [DYNAMICS_CREDENTIAL] },
			{ name: WRITER, type: NODE_TYPES.dynamicsWriter, parameters: { operation: 'upsert', ...parameters }, credentials: [DYNAMICS_CREDENTIAL, GOOGLE_CREDENTIAL] },
		]);
		const run = await bed.n8n.runWorkflow(workflow, { triggerItems: items, triggerNode: 'Google Contacts Trigger' });
		const error = run.runs[WRITER]?.[0]?.error;
		expect(error).toBeInstanceOf(NodeOperationError);
		return error as NodeOperationError;
	}

	it.each([
		['a link column that is not a text column', { options: { linkColumn: 'new_loyaltypoints' } }, 'Dynamics 365 Link Column: "new_loyaltypoints" is not a text column; pick a text column (e.g. new_googleresourcename, 100 characters).'],
		['a link column that does not exist', { options: { linkColumn: 'new_googlelink' } }, 'Dynamics 365 Link Column: "new_googlelink" is not a writable column of the contact table; pick one from the list.'],
		['a deletion column that does not exist', { deletions: 'setValue', deletionColumn: 'new_deleted', deletionValue: 'yes' }, 'Deleted in Google › Column: "new_deleted" is not a column of the contact table'],
		['a deletion value a yes/no column cannot take', { deletions: 'setValue', deletionColumn: 'donotemail', deletionValue: 'maybe' }, 'Deleted in Google › Value: "maybe" is not yes or no (true or false) for Do not allow Emails (donotemail).'],
		['a deletion value that is not an option', { deletions: 'setValue', deletionColumn: 'new_preferredchannel', deletionValue: 'Pigeon' }, 'Deleted in Google › Value: "Pigeon" is not an option (Email, Phone, Text Message, Post) for Preferred Channel (new_preferredchannel).'],
		['a mass-deletion guard of 0% (from an expression)', { options: { maxDeletionPercent: '={{ 0 }}' } }, 'Mass-Deletion Guard: the share must be above 0% and at most 100% (got 0%); 10% is the default.'],
		['an empty Google trash group', { options: { trashGroup: ' ' } }, 'Google Trash Group: the name is empty; name the group the Google Contacts writer puts deleted contacts\' counterparts in (default "Dynamics 365 Trash").'],
	])('%s stops the run before anything is written, naming the setting and the fix', async (_name, parameters, message) => {
		const error = await writerError(parameters as INodeParameters);
		expect(error.message).toBe(message);
		expect(dynamicsWrites(bed.dynamics)).toBe(0);
		expect(googleWrites(bed.google)).toBe(0);
		expect(bed.dynamics.state.listContacts()).toHaveLength(0);
	});

	it('Get with a contact id that is not a GUID fails that item only, with "Continue"', async () => {
		const known = bed.dynamics.state.createContact({ lastname: 'Known', emailaddress1: 'known@example.com' }).id;
		const { outputs } = await bed.n8n.executeNode(NODE_TYPES.dynamicsWriter, {
			parameters: { operation: 'get', contactId: { __rl: true, mode: 'id', value: '={{ $json.id }}' } },
			inputItems: [{ id: known }, { id: 'Known' }],
			continueOnFail: true,
		});
		expect(outputs[0].map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(outputs[0][0].json).toMatchObject({ contactid: known });
		expect(outputs[0][1].json).toEqual({
			error: expect.stringMatching(/^The contact ID.*"Known"/),
			fix: 'Pick the contact from the list, or give its contactid (e.g. {{ $json.contactId }} after the trigger).',
		});
	});
});

describe('the Contact Filter\'s conditions', () => {
	async function filterError(parameters: INodeParameters): Promise<NodeOperationError> {
		const failure = await bed.n8n.executeNode(NODE_TYPES.filter, { parameters: { source: 'google', combine: 'all', ...parameters }, inputItems: items }).then(
			() => undefined,
			(error: unknown) => error,
		);
		expect(failure).toBeInstanceOf(NodeOperationError);
		return failure as NodeOperationError;
	}

	it.each([
		['a field that Google Contacts does not have', { googleConditions: { condition: [{ type: 'field', match: 'is', field: 'names.nickname', operator: 'isEmpty' }] } }, /^Condition 1: .*names\.nickname/],
		['a custom field condition without a key', { googleConditions: { condition: [{ type: 'field', match: 'is', field: 'userDefined:', customFieldKey: '', operator: 'isEmpty' }] } }, 'is about a custom field but names no key; enter the custom field\'s name under "Custom Field Key"'],
		['a label named by an expression that no contact group has', { googleConditions: { condition: [{ type: 'hasLabel', match: 'is', labels: '={{ ["VIP Customers"] }}' }] } }, 'Condition 1: Google Contacts has no label named "VIP Customers"; its labels are'],
		['an operator that does not fit the field\'s type', { googleConditions: { condition: [{ type: 'field', match: 'is', field: 'birthdays[0].date', operator: 'contains', value: '12' }] } }, 'Condition 1: "contains" does not fit Birthday (birthdays[0].date), a date-only column; use one of: is empty'],
	])('%s stops the node, naming the condition', async (_name, parameters, message) => {
		const error = await filterError(parameters as INodeParameters);
		if (typeof message === 'string') expect(error.message).toContain(message);
		else expect(error.message).toMatch(message);
		expect(error.description).toEqual(expect.any(String));
	});
});
