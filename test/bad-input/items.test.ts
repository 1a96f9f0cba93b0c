/**
 * Bad input, part 3: items. Each case spoils one item of a small run through the chain a user
 * builds (Google Contacts Trigger items → Contact Field Mapping → Dynamics 365 Contact, Create or
 * Update), executed by n8n-core against both simulators:
 * - without "Continue" the run stops at the node that refuses the item, naming the item (its index),
 *   the field and the fix, and nothing is written;
 * - with "Continue" the item goes on as `json.error` with its pairedItem, the other items are written
 *   exactly once, and the spoilt item's contact is not half-written on either side.
 * Inputs a sync must take as they are (IDN emails, emoji, bidi and zero-width characters in names,
 * nulls) are written unchanged. Lengths are counted as Dataverse counts them: UTF-16 units.
 */
import { NodeOperationError, type IDataObject, type INodeExecutionData, type INodeParameters } from 'n8n-workflow';
import type { Person } from '../../lib/google/client';
import { LINK_KEYS } from '../../lib/mapping';
import { dynamicsWrites } from '../e2e-chain/counting';
import { DYNAMICS_CREDENTIAL, GOOGLE_CREDENTIAL, NODE_TYPES, chainWorkflow, startChainTestbed, type ChainTestbed } from '../e2e-chain/testbed';
import { dynamicsTriggerItems, googleTriggerItems } from '../nodes/ContactFieldMapping/testbed';

const MAPPING = 'Contact Field Mapping';
const WRITER = 'Dynamics 365 Contact';

let bed: ChainTestbed;

beforeAll(async () => {
	bed = await startChainTestbed({ nodes: ['filter', 'mapping', 'dynamicsWriter', 'googleWriter'] });
});
afterAll(() => bed?.close());
beforeEach(() => bed.reset());

const PEOPLE = [
	{ givenName: 'Ada', familyName: 'Lovelace', email: 'ada@example.com' },
	{ givenName: 'Grace', familyName: 'Hopper', email: 'grace@example.com' },
	{ givenName: 'Alan', familyName: 'Turing', email: 'alan@example.com' },
];

/** Three Google contacts in the simulator, as the Google Contacts Trigger emits them (Ada, Grace, Alan). */
async function triggerItems(): Promise<IDataObject[]> {
	for (const { givenName, familyName, email } of PEOPLE) bed.google.state.createContact({ names: [{ givenName, familyName }], emailAddresses: [{ value: email }] });
	const items = await googleTriggerItems(bed.google);
	return PEOPLE.map(({ email }) => items.find((item) => JSON.stringify(item.person).includes(email)) as IDataObject);
}

interface ChainRun {
	mapping: { outputs: INodeExecutionData[]; error?: Error };
	writer: { outputs: INodeExecutionData[]; error?: Error } | undefined;
}

/** The chain on `items`, "Continue" (On Error) on the mapping and the writer when asked. */
async function runChain(items: IDataObject[], options: { continueOnFail?: boolean; mapping?: INodeParameters } = {}): Promise<ChainRun> {
	const workflow = chainWorkflow([
		{ name: 'Google Contacts Trigger', type: 'n8n-nodes-base.manualTrigger' },
		{ name: MAPPING, type: NODE_TYPES.mapping, parameters: { direction: 'googleToDynamics', options: options.mapping ?? {} }, credentials: [DYNAMICS_CREDENTIAL] },
		{ name: WRITER, type: NODE_TYPES.dynamicsWriter, parameters: { operation: 'upsert' }, credentials: [DYNAMICS_CREDENTIAL, GOOGLE_CREDENTIAL] },
	]);
	if (options.continueOnFail) for (const node of workflow.nodes.slice(1)) node.onError = 'continueRegularOutput';
	const run = await bed.n8n.runWorkflow(workflow, { triggerItems: items, triggerNode: 'Google Contacts Trigger' });
	const nodeRun = (name: string) => {
		const [first] = run.runs[name] ?? [];
		return first && { outputs: first.outputs[0] ?? [], error: first.error };
	};
	return { mapping: nodeRun(MAPPING) as ChainRun['mapping'], writer: nodeRun(WRITER) };
}

/** The org's contacts: their column values, with contactid. */
const contacts = () => bed.dynamics.state.listContacts().map((record) => ({ ...record.values, contactid: record.id }) as Record<string, unknown>);
const linkOf = (resourceName: string) => (bed.google.state.getFull(resourceName) as Person | undefined)?.clientData?.find((entry) => entry.key === LINK_KEYS.googleDynamicsContactId)?.value;
const personOf = (item: IDataObject) => item.person as IDataObject;

function expectText(actual: string | undefined, expected: string | RegExp): void {
	if (typeof expected === 'string') expect(actual).toContain(expected);
	else expect(actual).toMatch(expected);
}

interface ItemCase {
	/** The second trigger item, spoilt. */
	spoil: (item: IDataObject) => IDataObject;
	/** The mapping's options for the run. */
	mapping?: INodeParameters;
	/** The field the error names (its `field`, and in the message where the field has a label). */
	field: string;
	message: string | RegExp;
	fix: string | RegExp;
}

const withPerson = (item: IDataObject, changes: IDataObject): IDataObject => ({ ...item, person: { ...personOf(item), ...changes } });
const named = (item: IDataObject, names: IDataObject): IDataObject => withPerson(item, { names: [{ ...((personOf(item).names as IDataObject[])[0] ?? {}), ...names }] });
const emailed = (item: IDataObject, value: string): IDataObject => withPerson(item, { emailAddresses: [{ value }] });
const born = (item: IDataObject, date: IDataObject): IDataObject => withPerson(item, { birthdays: [{ date }] });
const described = (item: IDataObject, value: string): IDataObject => withPerson(item, { biographies: [{ value, contentType: 'TEXT_PLAIN' }] });

const LENGTH_FIX = 'Shorten the value, or choose "truncate" for over-long text.';
const ONE_CONTACT_PER_ITEM = /^Pass one contact per item, as the Google Contacts trigger emits it/;

/** Items a sync into Dynamics 365 cannot take: each fails alone, at the Contact Field Mapping. */
const REFUSED: Record<string, ItemCase> = {
	'not a contact: the person is text': {
		spoil: () => ({ event: 'updated', resourceName: 'people/c1', person: 'Grace Hopper' }),
		field: 'person',
		message: 'The item\'s "person" is the text "Grace Hopper", not a Google Contacts contact',
		fix: ONE_CONTACT_PER_ITEM,
	},
	'not a contact: the person is a list': {
		spoil: (item) => ({ ...item, person: [personOf(item)] }),
		field: 'person',
		message: 'The item\'s "person" is a list, not a Google Contacts contact',
		fix: ONE_CONTACT_PER_ITEM,
	},
	'not a contact: an empty object': {
		spoil: () => ({}),
		field: 'resourceName',
		message: 'The Google Contacts contact has no resourceName',
		fix: 'Connect this node to the Google Contacts Trigger or the Google Contacts Sync node: their items carry the contact with its resourceName "people/…" (in "person", or the item itself).',
	},
	'not a contact: a Person without its resource name': {
		spoil: (item) => ({ event: 'updated', person: { ...personOf(item), resourceName: undefined } }),
		field: 'resourceName',
		message: 'has no resourceName',
		fix: 'Google Contacts Trigger',
	},
	'not a contact: a Dynamics 365 contact in a Google → Dynamics 365 run': {
		spoil: () => ({ event: 'updated', contactId: '8b0c3c55-5a2b-4c8e-9f00-000000000001', contact: { contactid: '8b0c3c55-5a2b-4c8e-9f00-000000000001', lastname: 'Hopper' } }),
		field: 'item',
		message: 'The item is a Dynamics 365 contact, but the Direction maps Google Contacts → Dynamics 365',
		fix: 'Set the Direction to start from Dynamics 365',
	},
	'email: not an address': {
		spoil: (item) => emailed(item, 'grace at example.com'),
		field: 'emailaddress1',
		message: '"grace at example.com" is not an email address, so it cannot go into "Email" (emailaddress1)',
		fix: 'Correct the email address.',
	},
	'email: a space inside': {
		spoil: (item) => emailed(item, 'grace hopper@example.com'),
		field: 'emailaddress1',
		message: '"grace hopper@example.com" is not an email address',
		fix: 'Correct the email address.',
	},
	'email: a control character (BEL) inside': {
		spoil: (item) => emailed(item, 'grace\u0007@example.com'),
		field: 'emailaddress1',
		message: 'is not an email address, so it cannot go into "Email" (emailaddress1)',
		fix: 'Correct the email address.',
	},
	'email: a zero-width space making a look-alike of another address': {
		spoil: (item) => emailed(item, 'ada\u200B@example.com'),
		field: 'emailaddress1',
		message: '"ada\u200B@example.com" is not an email address',
		fix: 'Correct the email address.',
	},
	'email: two @': {
		spoil: (item) => emailed(item, 'grace@@example.com'),
		field: 'emailaddress1',
		message: 'is not an email address',
		fix: 'Correct the email address.',
	},
	'email: longer than the column (100)': {
		spoil: (item) => emailed(item, `${'g'.repeat(95)}@example.com`),
		field: 'emailaddress1',
		message: '"Email" (emailaddress1) holds at most 100 characters; this value has 107',
		fix: LENGTH_FIX,
	},
	'date: before the first date Dataverse stores (1753-01-01)': {
		spoil: (item) => born(item, { year: 1700, month: 3, day: 4 }),
		field: 'birthdate',
		message: '"Birthday" (birthdate) takes dates from 1753-01-01 to 9999-12-31; "1700-03-04" is outside that range',
		fix: 'Correct the date in the source app.',
	},
	'date: the year 0001 (a year-less birthday typed as year 1)': {
		spoil: (item) => born(item, { year: 1, month: 12, day: 24 }),
		field: 'birthdate',
		message: '"0001-12-24" is outside that range',
		fix: 'Correct the date in the source app.',
	},
	'text over MaxLength: a 51-character last name': {
		spoil: (item) => named(item, { familyName: 'H'.repeat(51) }),
		field: 'lastname',
		message: '"Last Name" (lastname) holds at most 50 characters; this value has 51',
		fix: LENGTH_FIX,
	},
	'text over MaxLength: 26 emoji are 52 UTF-16 units for a 50-unit column': {
		spoil: (item) => named(item, { givenName: '🎉'.repeat(26) }),
		field: 'firstname',
		message: '"First Name" (firstname) holds at most 50 characters; this value has 52 (emoji and other characters outside the Basic Multilingual Plane count as 2)',
		fix: LENGTH_FIX,
	},
	'text over MaxLength: a 1 MB note': {
		spoil: (item) => described(item, 'x'.repeat(1024 * 1024)),
		field: 'description',
		message: `"Description" (description) holds at most 2000 characters; this value has ${1024 * 1024}`,
		fix: LENGTH_FIX,
	},
	'control character: NUL in a name': {
		spoil: (item) => named(item, { familyName: 'Hop\u0000per' }),
		field: 'lastname',
		message: '"Last Name" (lastname) cannot hold the control character U+0000 (at position 4 of "Hop\\u0000per")',
		fix: 'Remove the control character from the value in the source app.',
	},
	'control character: an escape sequence in a note': {
		spoil: (item) => described(item, 'Call \u001B[31mnow\u001B[0m'),
		field: 'description',
		message: 'cannot hold the control character U+001B (at position 6',
		fix: 'Remove the control character from the value in the source app.',
	},
	'a phone number that is an object': {
		spoil: (item) => withPerson(item, { phoneNumbers: [{ value: { digits: '5550100' }, type: 'mobile' }] }),
		field: 'mobilephone',
		message: 'which is not text',
		fix: 'Use text, not a list or an object.',
	},
};

describe.each(Object.entries(REFUSED))('refused: %s', (_name, { spoil, mapping, field, message, fix }) => {
	it('stops the run at the mapping, naming the item, the field and the fix; nothing is written', async () => {
		const items = await triggerItems();
		const { mapping: mapped, writer } = await runChain([items[0], spoil(items[1]), items[2]], { mapping });

		expect(mapped.error).toBeInstanceOf(NodeOperationError);
		const error = mapped.error as NodeOperationError;
		expect(error.context.itemIndex).toBe(1);
		expectText(error.message, message);
		expectText(error.description ?? undefined, fix);
		expect(writer).toBeUndefined();
		expect(contacts()).toHaveLength(0);
		expect(dynamicsWrites(bed.dynamics)).toBe(0);
	});

	it('with "Continue", the item carries json.error with its pairedItem; the others are written once', async () => {
		const items = await triggerItems();
		const { mapping: mapped, writer } = await runChain([items[0], spoil(items[1]), items[2]], { mapping, continueOnFail: true });

		expect(mapped.outputs.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		const mappingError = mapped.outputs[1].json.error as IDataObject;
		expect(mappingError.field).toBe(field);
		expectText(mappingError.message as string, message);
		expectText(mappingError.fix as string, fix);

		const outputs = writer?.outputs ?? [];
		expect(outputs.map((item) => [item.json.action, item.pairedItem])).toEqual([
			['create', { item: 0 }],
			['failed', { item: 1 }],
			['create', { item: 2 }],
		]);
		expect((outputs[1].json.error as IDataObject).field).toBe(field);
		expectText((outputs[1].json.error as IDataObject).message as string, message);
		// Nothing half-written: the good contacts once each, linked back; the spoilt one's Google contact untouched.
		expect(contacts().map((contact) => contact.emailaddress1).sort()).toEqual(['ada@example.com', 'alan@example.com']);
		expect(linkOf(items[0].resourceName as string)).toBe(outputs[0].json.targetId);
		expect(linkOf(items[2].resourceName as string)).toBe(outputs[2].json.targetId);
		expect(linkOf(items[1].resourceName as string)).toBeUndefined();
	});
});

interface AcceptedCase {
	spoil: (item: IDataObject) => IDataObject;
	mapping?: INodeParameters;
	/** Columns of the created Dynamics 365 contact. */
	stored: Record<string, unknown>;
}

/** Inputs a sync must take as they are: written once, unchanged. */
const ACCEPTED: Record<string, AcceptedCase> = {
	'an internationalised email address (IDN)': {
		spoil: (item) => emailed(item, 'grâce@bücher.example'),
		stored: { emailaddress1: 'grâce@bücher.example' },
	},
	'emoji and other astral-plane characters within the column\'s length': {
		spoil: (item) => named(item, { givenName: '𝒢race 🎉', familyName: 'Hopper 👩🏽‍💻' }),
		stored: { firstname: '𝒢race 🎉', lastname: 'Hopper 👩🏽‍💻' },
	},
	'exactly 50 UTF-16 units with emoji (25 emoji)': {
		spoil: (item) => named(item, { familyName: '🎉'.repeat(25) }),
		stored: { lastname: '🎉'.repeat(25) },
	},
	'a right-to-left override and Arabic script in a name': {
		spoil: (item) => named(item, { givenName: '\u202Eecarg', familyName: 'حسين' }),
		stored: { firstname: '\u202Eecarg', lastname: 'حسين' },
	},
	'zero-width joiners and non-joiners in a name': {
		spoil: (item) => named(item, { givenName: 'Gr\u200Dace', familyName: 'می\u200Cخواهم' }),
		stored: { firstname: 'Gr\u200Dace', lastname: 'می\u200Cخواهم' },
	},
	'tab and line breaks in a note': {
		spoil: (item) => described(item, 'Line one\r\n\tindented'),
		stored: { description: 'Line one\r\n\tindented' },
	},
	'text over MaxLength with Truncate: cut to 50 units without splitting an emoji': {
		spoil: (item) => named(item, { familyName: `H${'🎉'.repeat(30)}` }),
		mapping: { overLengthText: 'truncate' },
		stored: { lastname: `H${'🎉'.repeat(24)}` },
	},
	'a 1 MB note with Truncate: the first 2000 characters': {
		spoil: (item) => described(item, 'y'.repeat(1024 * 1024)),
		mapping: { overLengthText: 'truncate' },
		stored: { description: 'y'.repeat(2000) },
	},
	'a 1 MB item whose bulk is in fields the mapping does not carry': {
		spoil: (item) => ({ ...item, attachment: 'z'.repeat(1024 * 1024), person: { ...personOf(item), coverPhotos: [{ url: `https://example.com/${'p'.repeat(1024)}` }] } }),
		stored: { lastname: 'Hopper', emailaddress1: 'grace@example.com' },
	},
	'null and missing fields: no names, a null organization, an email entry without a value': {
		spoil: (item) => withPerson(item, { names: null, organizations: [null], emailAddresses: [{ value: null }, { value: 'grace@example.com' }] }),
		stored: { firstname: null, lastname: null, emailaddress1: 'grace@example.com' },
	},
	'a birthday on the last day Dataverse stores (9999-12-31)': {
		spoil: (item) => born(item, { year: 9999, month: 12, day: 31 }),
		stored: { birthdate: '9999-12-31' },
	},
	'a birthday at the first day Dataverse stores (1753-01-01)': {
		spoil: (item) => born(item, { year: 1753, month: 1, day: 1 }),
		stored: { birthdate: '1753-01-01' },
	},
	'a birthday without a year (Google allows it; Dataverse cannot store it): left out': {
		spoil: (item) => born(item, { month: 2, day: 29 }),
		stored: { birthdate: null, lastname: 'Hopper' },
	},
};

describe.each(Object.entries(ACCEPTED))('accepted: %s', (_name, { spoil, mapping, stored }) => {
	it('is written once, as it is', async () => {
		const items = await triggerItems();
		const { writer } = await runChain([items[0], spoil(items[1]), items[2]], { mapping });

		expect(writer?.error).toBeUndefined();
		expect(writer?.outputs.map((item) => item.json.action)).toEqual(['create', 'create', 'create']);
		expect(contacts()).toHaveLength(3);
		const created = contacts().find((contact) => contact.contactid === writer?.outputs[1].json.targetId) as Record<string, unknown>;
		for (const [column, value] of Object.entries(stored)) expect([column, created[column] ?? null]).toEqual([column, value]);
	});
});

interface RecordCase {
	/** The second mapped record, spoilt (or replaced) before it reaches the writer. */
	spoil: (record: IDataObject, triggerItem: IDataObject) => IDataObject;
	field: string;
	message: string | RegExp;
	fix: string | RegExp;
}

const MAP_FIRST = 'Connect the Contact Field Mapping node before this one: it turns trigger items into the records the sync writes.';

/** Records a Dynamics 365 writer gets from something else than a Contact Field Mapping (Google → Dynamics 365), or edited after it. */
const RECORDS: Record<string, RecordCase> = {
	'a trigger item without the mapping': {
		spoil: (_record, triggerItem) => triggerItem,
		field: 'item',
		message: 'The item is not a mapped contact record (it has no "target" and "values")',
		fix: MAP_FIRST,
	},
	'a record mapped for Google Contacts': {
		spoil: (record) => ({ ...record, target: 'google' }),
		field: 'target',
		message: 'The record is mapped for Google Contacts, not for Dynamics 365',
		fix: 'Set the Contact Field Mapping\'s Direction to one ending in Dynamics 365.',
	},
	'a record mapped from plain fields': {
		spoil: (record) => ({ ...record, sourceApp: 'plain', sourceId: 'row-7' }),
		field: 'sourceApp',
		message: 'The record comes from plain fields; the sync upsert takes contacts mapped from Google Contacts',
		fix: 'Map with the direction Google Contacts → Dynamics 365.',
	},
	'values that are text': {
		spoil: (record) => ({ ...record, values: 'Grace Hopper' }),
		field: 'values',
		message: 'The record\'s values are not an object',
		fix: MAP_FIRST,
	},
	'an event the triggers never send': {
		spoil: (record) => ({ ...record, event: 'modified' }),
		field: 'event',
		message: '"modified" is not a change event',
		fix: 'Use one of created, updated, deleted, resync (the triggers set it), or leave it out.',
	},
	'match emails that are not text': {
		spoil: (record) => ({ ...record, matchKeys: { emails: [{ value: 'grace@example.com' }] } }),
		field: 'matchKeys.emails',
		message: 'The match emails are not all text',
		fix: MAP_FIRST,
	},
	'a value edited after the mapping, too long for its column': {
		spoil: (record) => ({ ...record, values: { ...(record.values as IDataObject), lastname: 'H'.repeat(60) } }),
		field: 'values',
		message: /Dynamics 365 refused the write \(HTTP 400.*The length of the 'lastname' attribute of the 'contact' entity exceeded the maximum allowed length of '50'/,
		fix: 'Correct the value in Google Contacts or change the mapping (a column\'s type or length); the other records were written.',
	},
	'a column the org does not have, added after the mapping': {
		spoil: (record) => ({ ...record, values: { ...(record.values as IDataObject), new_doesnotexist: 'x' } }),
		field: 'values',
		message: /Dynamics 365 refused the write \(HTTP 400.*new_doesnotexist/,
		fix: 'Correct the value in Google Contacts or change the mapping',
	},
};

describe.each(Object.entries(RECORDS))('records handed to the writer: %s', (_name, { spoil, field, message, fix }) => {
	/** The three mapped records, the second spoilt. */
	async function records(): Promise<IDataObject[]> {
		const triggered = await triggerItems();
		const { outputs } = await bed.n8n.executeNode(NODE_TYPES.mapping, { parameters: { direction: 'googleToDynamics' }, inputItems: triggered });
		const mapped = outputs[0].map((item) => item.json);
		return [mapped[0], spoil(mapped[1], triggered[1]), mapped[2]];
	}

	it('fails that record, naming it, the field and the fix; the others are written once', async () => {
		const failure = await bed.n8n.executeNode(NODE_TYPES.dynamicsWriter, { parameters: { operation: 'upsert' }, inputItems: await records() }).then(
			() => undefined,
			(error: unknown) => error,
		);
		expect(failure).toBeInstanceOf(NodeOperationError);
		const error = failure as NodeOperationError;
		expect(error.context.itemIndex).toBe(1);
		expect(error.message).toMatch(/^(people\/c\d+|Item 1|row-7): /);
		expectText(error.message, message);
		expectText(error.description ?? undefined, fix);
		expect(error.description).toContain('The other records were written');
		expect(contacts().map((contact) => contact.emailaddress1).sort()).toEqual(['ada@example.com', 'alan@example.com']);
	});

	it('with "Continue", the record carries json.error with its pairedItem', async () => {
		const inputs = await records();
		const { outputs } = await bed.n8n.executeNode(NODE_TYPES.dynamicsWriter, { parameters: { operation: 'upsert' }, inputItems: inputs, continueOnFail: true });
		expect(outputs[0].map((item) => [item.json.action, item.pairedItem])).toEqual([
			['create', { item: 0 }],
			['failed', { item: 1 }],
			['create', { item: 2 }],
		]);
		const problem = outputs[0][1].json.error as IDataObject;
		expect(problem.field).toBe(field);
		expectText(problem.message as string, message);
		expectText(problem.fix as string, fix);
		expect(contacts()).toHaveLength(2);
		// Nothing half-written: no Dynamics 365 contact for Grace, and no link stored on her Google contact.
		const grace = PEOPLE[1].email;
		expect(contacts().some((contact) => contact.emailaddress1 === grace)).toBe(false);
		const gracePerson = bed.google.state.listAll().find((person) => person.emailAddresses?.some((entry) => entry.value === grace));
		expect(linkOf(gracePerson?.resourceName as string)).toBeUndefined();
	});
});

describe('the way back: Dynamics 365 Contact Trigger items → Contact Field Mapping → Google Contacts Sync', () => {
	const GOOGLE_WRITER = 'Google Contacts Sync';

	/** Ada, Grace and Alan as Dynamics 365 contacts, as the Dynamics 365 trigger emits them. */
	async function dynamicsItems(grace: Record<string, unknown> = {}): Promise<IDataObject[]> {
		const ids = PEOPLE.map(({ givenName, familyName, email }, index) => bed.dynamics.state.createContact({ firstname: givenName, lastname: familyName, emailaddress1: email, ...(index === 1 ? grace : {}) }).id);
		const items = await dynamicsTriggerItems(bed.dynamics);
		return ids.map((id) => items.find((item) => item.contactId === id) as IDataObject);
	}

	async function runBack(inputs: IDataObject[], continueOnFail: boolean) {
		const workflow = chainWorkflow([
			{ name: 'Dynamics 365 Contact Trigger', type: 'n8n-nodes-base.manualTrigger' },
			{ name: MAPPING, type: NODE_TYPES.mapping, parameters: { direction: 'dynamicsToGoogle' }, credentials: [DYNAMICS_CREDENTIAL] },
			{ name: GOOGLE_WRITER, type: NODE_TYPES.googleWriter, parameters: { operation: 'upsert' }, credentials: [DYNAMICS_CREDENTIAL, GOOGLE_CREDENTIAL] },
		]);
		if (continueOnFail) for (const node of workflow.nodes.slice(1)) node.onError = 'continueRegularOutput';
		return await bed.n8n.runWorkflow(workflow, { triggerItems: inputs, triggerNode: 'Dynamics 365 Contact Trigger' });
	}

	const emailsInGoogle = () => bed.google.state.listAll().flatMap((person) => (person.emailAddresses ?? []).map((entry) => entry.value)).sort();

	it.each([
		['the contact is text', () => ({ event: 'updated', contactId: 'x', contact: 'Grace Hopper' }), 'contact', 'The item\'s "contact" is the text "Grace Hopper", not a Dynamics 365 contact'],
		['the contact is a list', (item: IDataObject) => ({ ...item, contact: [item.contact] }), 'contact', 'The item\'s "contact" is a list, not a Dynamics 365 contact'],
		['the contact has no contactid', (item: IDataObject) => ({ event: 'updated', contact: { ...(item.contact as IDataObject), contactid: undefined } }), 'contactid', 'has no contactid'],
		['an email with a zero-width space', (item: IDataObject) => ({ ...item, contact: { ...(item.contact as IDataObject), emailaddress1: 'grace\u200B@example.com' } }), 'emailAddresses', '"grace\u200B@example.com" is not an email address, so it cannot go into "Emails (all)" (emailAddresses)'],
		['a Google contact in a Dynamics 365 → Google run', () => ({ event: 'updated', resourceName: 'people/c9', person: { resourceName: 'people/c9', names: [{ givenName: 'Grace' }] } }), 'item', 'The item is a Google Contacts contact, but the Direction maps Dynamics 365 → Google Contacts'],
	])('not a contact (%s): refused at the mapping with its index; with "Continue" the others reach Google once', async (_name, spoil, field, message) => {
		const items = await dynamicsItems();
		const inputs = [items[0], spoil(items[1]), items[2]];

		const stopped = await runBack(inputs, false);
		const error = stopped.runs[MAPPING]?.[0]?.error as NodeOperationError;
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.context.itemIndex).toBe(1);
		expect(error.message).toContain(message);
		expect(error.description).toEqual(expect.any(String));
		expect(bed.google.state.listAll()).toHaveLength(0);

		const kept = await runBack(inputs, true);
		const outputs = kept.output(GOOGLE_WRITER);
		expect(outputs.map((item) => [item.json.action, item.pairedItem])).toEqual([
			['create', { item: 0 }],
			['failed', { item: 1 }],
			['create', { item: 2 }],
		]);
		expect(outputs[1].json.error).toMatchObject({ field, message: expect.stringContaining(message) });
		expect(emailsInGoogle()).toEqual(['ada@example.com', 'alan@example.com']);
	});

	it('names with emoji, a right-to-left override, zero-width joiners and an IDN email reach Google Contacts unchanged', async () => {
		const grace = { firstname: '\u202Eecarg 🎉', lastname: 'Hop\u200Dper 👩🏽‍💻', emailaddress1: 'grâce@bücher.example' };
		const items = await dynamicsItems(grace);
		const run = await runBack(items, false);
		expect(run.output(GOOGLE_WRITER).map((item) => item.json.action)).toEqual(['create', 'create', 'create']);
		const created = bed.google.state.listAll().find((person) => person.emailAddresses?.[0]?.value === grace.emailaddress1);
		expect(created?.names?.[0]).toMatchObject({ givenName: grace.firstname, familyName: grace.lastname });
	});
});

describe('the Contact Filter on items that are not contacts', () => {
	const FILTER = { source: 'google', combine: 'all', googleConditions: { condition: [{ type: 'isDeleted', match: 'isNot' }] } };

	it.each([
		['an empty object', () => ({}), 'Item 1 is neither a Dynamics 365 contact (no contactid) nor a Google contact (no resourceName people/…)'],
		['a person that is text', () => ({ event: 'updated', person: 'Grace Hopper' }), 'Item 1 has a person that is a string, not a Google contact object'],
		['a Dynamics 365 contact in a Google filter', () => ({ event: 'updated', contactId: '8b0c3c55-5a2b-4c8e-9f00-000000000001', contact: { contactid: '8b0c3c55-5a2b-4c8e-9f00-000000000001' } }), 'Item 1 is a Dynamics 365 contact, but "Contacts From" is Google Contacts'],
	])('%s: named with its index and the fix; with "Continue" it goes to "Not Kept" with its pairedItem', async (_name, spoil, message) => {
		const items = await triggerItems();
		const inputs = [items[0], spoil(), items[2]];
		const failure = await bed.n8n.executeNode(NODE_TYPES.filter, { parameters: FILTER, inputItems: inputs }).then(
			() => undefined,
			(error: unknown) => error as NodeOperationError,
		);
		expect(failure).toBeInstanceOf(NodeOperationError);
		expect(failure?.context.itemIndex).toBe(1);
		expect(failure?.message).toContain(message);
		expect(failure?.description).toMatch(/^(Connect the Contact Filter to a Dynamics 365 or Google Contacts trigger or node|Set "Contacts From" to Dynamics 365)/);

		const { outputs } = await bed.n8n.executeNode(NODE_TYPES.filter, { parameters: FILTER, inputItems: inputs, continueOnFail: true });
		expect(outputs[0].map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 2 }]);
		expect(outputs[1]).toEqual([{ json: { error: expect.stringContaining(message) }, pairedItem: { item: 1 } }]);
	});
});

describe('dates from plain records (the same checks, Plain Fields → Dynamics 365)', () => {
	const plain = (birthday: string | number): IDataObject => ({ id: 'row-1', firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.com', birthday });

	it.each([
		['an impossible date', '1990-02-30', 'holds "1990-02-30", which is not a date', 'Write the date as YYYY-MM-DD (e.g. 1975-04-30).'],
		['a day-first date', '31/12/1990', 'holds "31/12/1990", which is not a date', 'Write the date as YYYY-MM-DD'],
		['a number', 19901231, 'holds 19901231, which is not a date', 'Write the date as YYYY-MM-DD'],
		['the year 10000', '10000-01-01', 'holds "10000-01-01", which is not a date', 'Write the date as YYYY-MM-DD'],
	])('%s is refused, naming the field and the fix', async (_name, birthday, message, fix) => {
		const error = await bed.n8n.executeNode(NODE_TYPES.mapping, { parameters: { direction: 'plainToDynamics' }, inputItems: [plain('1990-01-01'), plain(birthday)] }).then(
			() => undefined,
			(failure: NodeOperationError) => failure,
		);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error?.context.itemIndex).toBe(1);
		expect(error?.message).toContain('(birthday)');
		expect(error?.message).toContain(message);
		expect(error?.description).toContain(fix);
	});

	it('a birthday sent with a time and a zone keeps its calendar date: no zone moves it a day', async () => {
		const { outputs } = await bed.n8n.executeNode(NODE_TYPES.mapping, {
			parameters: { direction: 'plainToDynamics' },
			inputItems: [plain('1990-05-01T23:30:00-05:00'), plain('1990-05-01T00:30:00+14:00')],
		});
		expect(outputs[0].map((item) => (item.json.values as IDataObject).birthdate)).toEqual(['1990-05-01', '1990-05-01']);
	});
});

describe('a huge batch', () => {
	const COUNT = 1000;
	const BAD = 613;

	it(`${COUNT} contacts with one bad item: ${COUNT - 1} written once each in $batch requests, the bad one reported with its pairedItem`, async () => {
		for (let index = 0; index < COUNT; index++) {
			bed.google.state.createContact({ names: [{ givenName: `Person${index}`, familyName: `Batch${index}` }], emailAddresses: [{ value: `person${index}@example.com` }] });
		}
		const items = await googleTriggerItems(bed.google);
		expect(items).toHaveLength(COUNT);
		items[BAD] = emailed(items[BAD], 'not-an-address');

		const { writer } = await runChain(items, { continueOnFail: true });

		const outputs = writer?.outputs ?? [];
		expect(outputs).toHaveLength(COUNT);
		expect(outputs.map((item) => item.pairedItem)).toEqual(items.map((_item, index) => ({ item: index })));
		expect(outputs.filter((item) => item.json.action === 'create')).toHaveLength(COUNT - 1);
		expect(outputs[BAD].json).toMatchObject({ action: 'failed', error: { field: 'emailaddress1', message: expect.stringContaining('"not-an-address" is not an email address') } });
		const emails = contacts().map((contact) => contact.emailaddress1 as string);
		expect(emails).toHaveLength(COUNT - 1);
		expect(new Set(emails).size).toBe(COUNT - 1);
		expect(emails).not.toContain('not-an-address');
		expect(linkOf(items[BAD].resourceName as string)).toBeUndefined();
		// Writes go 100 to a $batch request (the writer's default), not one request per contact.
		expect(bed.dynamics.counters.snapshot().batch).toBeLessThanOrEqual(Math.ceil(COUNT / 100) + 2);
	});
});
