/**
 * The Contact Filter in n8n-core's real execution (the harness) against both simulators: its pickers
 * list what the org and the Google account have; Dynamics 365 and Google contacts land on "Kept" or
 * "Not Kept" with their pairedItem; bad items and bad rules fail with messages that name them (or go
 * on as error items with "continue on fail"); "exists in the other app" for 1,000 items costs a
 * bounded number of requests, counted by the simulators.
 */
import { NodeOperationError, type ICredentialDataDecryptedObject, type IDataObject, type INodeExecutionData, type INodeParameters } from 'n8n-workflow';
import { LINK_KEYS } from '../../../lib/mapping';
import { N8nHarness, type CredentialValues } from '../../harness/n8n';
import { startDynamicsSimulator, type DynamicsSimulator } from '../../simulators/dynamics';
import { CONTACT, attributeOf } from '../../simulators/dynamics/schema';
import { startGoogleSimulator, type GoogleSimulator } from '../../simulators/google';
import { n8nCredentialFor } from '../../simulators/google/testing';
import { simulatorClient, simulatorCredential } from '../../lib/dynamics/simulator-client';

const FILTER = 'n8n-nodes-dynamics365-sync.contactFilter';
const PACKAGE = {
	packageName: 'n8n-nodes-dynamics365-sync',
	nodes: ['nodes/ContactFilter/ContactFilter.node.ts'],
	credentials: ['credentials/MicrosoftDynamics365Api.credentials.ts', 'credentials/GoogleContactsSyncOAuth2Api.credentials.ts'],
};
const ON_HOLD = { value: 100000000, label: 'On Hold' };

let dynamics: DynamicsSimulator;
let google: GoogleSimulator;
let credentials: CredentialValues;
let n8n: N8nHarness;
/** The org's contacts as the Web API returns them with annotations, as the Dynamics trigger emits them. */
let contacts: IDataObject[];
/** The one contact with 250 loyalty points who prefers the phone (two custom columns). */
let loyalPhoneContactId: string;

function conditions(source: 'dynamics' | 'google', list: IDataObject[], extra: INodeParameters = {}): INodeParameters {
	return { source, combine: 'all', [`${source}Conditions`]: { condition: list }, ...extra } as INodeParameters;
}

async function filter(parameters: INodeParameters, inputItems: IDataObject[], options: { continueOnFail?: boolean } = {}) {
	const { outputs } = await n8n.executeNode(FILTER, { parameters, inputItems, ...options });
	const [kept = [], notKept = []] = outputs;
	return { kept, notKept };
}

const jsons = (items: INodeExecutionData[]) => items.map((item) => item.json);
const pairedItems = (items: INodeExecutionData[]) => items.map((item) => item.pairedItem);
const ids = (items: Array<INodeExecutionData | IDataObject>) => items.map((item) => ('json' in item ? (item.json as IDataObject) : item).contactid);

beforeAll(async () => {
	dynamics = await startDynamicsSimulator({ contacts: 40 });
	google = await startGoogleSimulator();
	// The org added a status reason of its own (as an admin would under Status Reason → New choice).
	attributeOf(CONTACT, 'statuscode')?.options?.push({ ...ON_HOLD, state: 0 });
	const seeded = dynamics.state.listContacts();
	for (const record of seeded.slice(0, 5)) dynamics.state.updateContact(record.id, { statuscode: ON_HOLD.value });
	// Owned by the application user, as contacts the sync created are.
	for (const record of seeded.slice(5, 8)) dynamics.state.updateContact(record.id, { 'ownerid@odata.bind': `/systemusers(${dynamics.applicationUserId})` });
	loyalPhoneContactId = dynamics.state.updateContact(seeded[8].id, { new_loyaltypoints: 250, new_preferredchannel: 100000001 }).id;
	credentials = { microsoftDynamics365Api: simulatorCredential(dynamics) as ICredentialDataDecryptedObject, googleContactsSyncOAuth2Api: await n8nCredentialFor(google) };
	n8n = await N8nHarness.create({ packages: [PACKAGE], credentials });
	contacts = await simulatorClient(dynamics).getAll<IDataObject>('contacts', { includeAnnotations: true });
});

afterAll(async () => {
	await dynamics?.close();
	await google?.close();
});

beforeEach(() => {
	dynamics.counters.reset();
	google.counters.reset();
});

describe('pickers list what the org and the Google account have', () => {
	it('owners: the enabled users and the teams, by name, with their ids as values', async () => {
		const options = await n8n.loadOptions(FILTER, 'getOwners');
		const users = dynamics.state.records('systemuser').filter((user) => user.values.isdisabled !== true);
		const teams = dynamics.state.records('team');
		expect(options.map((option) => option.value).sort()).toEqual([...users, ...teams].map((record) => record.id).sort());
		expect(options.map((option) => option.name)).toEqual(expect.arrayContaining(['Megan Bowen', 'Alex Wilber', 'Sales Team (Team)']));
		expect(options.find((option) => option.name === 'Megan Bowen')?.description).toBe('User · megan.bowen@simorg.onmicrosoft.com');
		expect(options.map((option) => option.name)).not.toContain('Former Employee');
	});

	it('status reasons: the labels and values of the org\'s metadata, its own included', async () => {
		const options = await n8n.loadOptions(FILTER, 'getStatusReasons');
		expect(options.map(({ name, value }) => ({ name, value }))).toEqual([
			{ name: 'Active', value: 1 },
			{ name: 'Inactive', value: 2 },
			{ name: ON_HOLD.label, value: ON_HOLD.value },
		]);
	});

	it('labels: the account\'s contact groups, its own first, with their resource names as values', async () => {
		const vip = google.state.createGroup({ name: 'VIP' }, new Set(['name']));
		const options = await n8n.loadOptions(FILTER, 'getContactGroups', { parameters: { source: 'google' } });
		expect(options[0]).toEqual({ name: 'VIP', value: vip.resourceName, description: '0 contacts' });
		expect(options).toContainEqual({ name: 'My Contacts', value: 'contactGroups/myContacts', description: 'System label' });
	});

	it('fields: every contact column, custom ones included; operators and choices follow the picked column', async () => {
		const columns = await n8n.loadOptions(FILTER, 'getDynamicsColumns');
		expect(columns).toContainEqual({ name: 'Preferred Channel', value: 'new_preferredchannel', description: 'new_preferredchannel · choice, custom' });
		expect(columns.map((column) => column.value)).toEqual(expect.arrayContaining(['emailaddress1', 'birthdate', 'new_loyaltypoints', 'new_vip', 'ownerid']));
		const editing = (field: string, name: string) => ({
			parameters: conditions('dynamics', [{ type: 'field', field }]),
			path: `parameters.dynamicsConditions.condition[0].${name}`,
		});
		const operators = await n8n.loadOptions(FILTER, 'getFieldOperators', editing('new_preferredchannel', 'operator'));
		expect(operators.map((operator) => operator.name)).toEqual(['Is Empty', 'Is Not Empty', 'Equals', 'Does Not Equal', 'Is One Of', 'Is None Of']);
		const choices = await n8n.loadOptions(FILTER, 'getFieldChoices', editing('new_preferredchannel', 'values'));
		expect(choices.map((choice) => choice.name)).toEqual(['Email', 'Phone', 'Text Message', 'Post']);
		const dateOperators = await n8n.loadOptions(FILTER, 'getFieldOperators', editing('birthdate', 'operator'));
		expect(dateOperators.map((operator) => operator.value)).toContain('greaterThan');
		expect(await n8n.loadOptions(FILTER, 'getFieldChoices', editing('birthdate', 'values'))).toEqual([]);
		const linkColumns = await n8n.loadOptions(FILTER, 'getLinkColumns', { path: 'parameters.options.dynamicsLinkColumn' });
		expect(linkColumns.slice(0, 3).map((column) => column.value)).toEqual(['', 'new_customernumber', 'new_googleresourcename']);
		expect(linkColumns.map((column) => column.value)).not.toContain('fullname');
	});

	it('Google fields: the catalog and a custom field; its operators are text operators', async () => {
		const fields = await n8n.loadOptions(FILTER, 'getGoogleFields', { parameters: { source: 'google' } });
		expect(fields.map((field) => field.value)).toEqual(expect.arrayContaining(['names.givenName', 'emailAddresses', 'memberships', 'userDefined:']));
		const operators = await n8n.loadOptions(FILTER, 'getFieldOperators', {
			parameters: conditions('google', [{ type: 'field', field: 'userDefined:' }]),
			path: 'parameters.googleConditions.condition[0].operator',
		});
		expect(operators.map((operator) => operator.value)).toContain('notContains');
	});
});

describe('Dynamics 365 contacts', () => {
	const megan = () => dynamics.state.userId('Megan Bowen');
	const salesTeam = () => dynamics.state.records('team').find((team) => team.values.name === 'Sales Team')?.id as string;

	it('all conditions: active, allows email, owned by one of the chosen; both outputs keep their pairedItem and the json as it came', async () => {
		const owners = [megan(), salesTeam()];
		const { kept, notKept } = await filter(
			conditions('dynamics', [
				{ type: 'active' },
				{ type: 'allowsEmail' },
				{ type: 'ownership', ownerMatch: 'chosen', owners },
			]),
			contacts,
		);
		const expected = contacts.filter((contact) => contact.statecode === 0 && contact.donotemail === false && owners.includes(contact._ownerid_value as string));
		expect(expected.length).toBeGreaterThan(3);
		expect(ids(kept)).toEqual(ids(expected));
		expect(kept.length + notKept.length).toBe(contacts.length);
		expect(jsons(kept)).toEqual(expected);
		const position = (item: INodeExecutionData) => contacts.indexOf(contacts.find((contact) => contact.contactid === item.json.contactid) as IDataObject);
		expect(pairedItems([...kept, ...notKept])).toEqual([...kept, ...notKept].map((item) => ({ item: position(item) })));
	});

	it('any condition, with Is Not and a custom status reason by label; reasons on request', async () => {
		const { kept, notKept } = await filter(
			{
				...conditions('dynamics', [
					{ type: 'active', match: 'isNot' },
					{ type: 'statusReason', statusReasons: 'On Hold' },
				]),
				combine: 'any',
				options: { addReasons: true },
			},
			contacts,
		);
		const expected = contacts.filter((contact) => contact.statecode === 1 || contact.statuscode === ON_HOLD.value);
		expect(ids(kept)).toEqual(ids(expected));
		expect(kept.find((item) => item.json.statuscode === ON_HOLD.value)?.json._filter).toEqual({
			kept: true,
			reasons: ['Status Reason (statuscode) is one of "On Hold": yes (100000000 ("On Hold"))'],
		});
		expect(notKept[0].json._filter).toMatchObject({ kept: false, reasons: [expect.stringMatching(/^is not active: no/), expect.stringMatching(/^Status Reason/)] });
	});

	it('owned by the connection\'s user (WhoAmI), and fields of custom columns', async () => {
		const own = await filter(conditions('dynamics', [{ type: 'ownership', ownerMatch: 'connectionUser' }]), contacts);
		expect(ids(own.kept)).toEqual(ids(contacts.filter((contact) => contact._ownerid_value === dynamics.applicationUserId)));
		expect(own.kept.length).toBeGreaterThanOrEqual(3);
		expect(dynamics.counters.snapshot().whoami).toBe(1);

		const custom = await filter(
			conditions('dynamics', [
				{ type: 'field', field: 'new_loyaltypoints', operator: 'greaterThan', value: '100' },
				{ type: 'field', field: 'new_preferredchannel', operator: 'isOneOf', values: ['Phone'] },
			]),
			contacts,
		);
		expect(ids(custom.kept)).toEqual([loyalPhoneContactId]);
	});

	it('takes the trigger\'s items too: a deletion has only its id, so it passes on to be tagged', async () => {
		const [first, second] = contacts;
		const items = [
			{ event: 'updated', contactId: first.contactid, modifiedOn: first.modifiedon, contact: first },
			{ event: 'deleted', contactId: second.contactid, modifiedOn: second.modifiedon },
		];
		const { kept, notKept } = await filter(conditions('dynamics', [{ type: 'active' }]), items);
		expect(jsons(kept)).toEqual(first.statecode === 0 ? items : [items[1]]);
		expect(jsons(notKept)).not.toContainEqual(items[1]);
	});

	it('reads the columns the conditions test and the items lack, in bulk, leaving the items as they came', async () => {
		const slim = contacts.map((contact) => ({ contactid: contact.contactid, fullname: contact.fullname }));
		const { kept } = await filter(
			conditions('dynamics', [
				{ type: 'active' },
				{ type: 'ownership', ownerMatch: 'chosen', owners: [megan()] },
				{ type: 'field', field: 'emailaddress1', operator: 'isNotEmpty' },
			]),
			slim,
		);
		const expected = contacts.filter((contact) => contact.statecode === 0 && contact._ownerid_value === megan() && contact.emailaddress1);
		expect(expected.length).toBeGreaterThan(1);
		expect(jsons(kept)).toEqual(slim.filter((contact) => ids(expected).includes(contact.contactid)));
		// 41 contacts, at most 100 ids a filter: one request (plus the metadata, read once per process).
		expect(dynamics.counters.snapshot()['contacts.list']).toBe(1);
	});

	it('a malformed item stops the node with an error that names the item; the rule is checked before any item', async () => {
		const items = [contacts[0], { accountid: contacts[1].contactid, name: 'Contoso' }, contacts[2]];
		const failure = await filter(conditions('dynamics', [{ type: 'active' }]), items).catch((error: unknown) => error);
		expect(failure).toBeInstanceOf(NodeOperationError);
		expect(failure).toMatchObject({
			message: 'Item 1 looks like a Dynamics 365 account row (accountid), not a contact. The Contact Filter takes items from the Dynamics 365 and Google Contacts triggers and nodes.',
			context: { itemIndex: 1 },
		});

		const badRule = await filter(conditions('dynamics', [{ type: 'field', field: 'birthdate', operator: 'contains', value: '19' }, { type: 'existsInOtherApp' }]), contacts).catch((error: unknown) => error);
		expect(badRule).toMatchObject({
			message: 'Condition 1: "contains" does not fit Birthday (birthdate), a date-only column; use one of: is empty, is not empty, equals, does not equal, greater than, less than',
			context: { itemIndex: 0 },
		});
		expect(google.counters.total()).toBe(0);
	});

	it('with continue on fail, bad items become error items on "Not Kept" and the rest are filtered', async () => {
		const person = { resourceName: 'people/c1', names: [{ givenName: 'Ann' }] };
		const items = [contacts[0], 'not an object' as unknown as IDataObject, person, contacts[1]];
		const { kept, notKept } = await filter(conditions('dynamics', [{ type: 'allowsEmail' }]), items, { continueOnFail: true });
		expect([...kept, ...notKept].filter((item) => item.json.error)).toEqual([
			{ json: { error: 'Item 1 is a string, not a contact object. The Contact Filter takes items from the Dynamics 365 and Google Contacts triggers and nodes.' }, pairedItem: { item: 1 } },
			{ json: { error: 'Item 2 is a Google Contacts contact, but "Contacts From" is Dynamics 365' }, pairedItem: { item: 2 } },
		]);
		expect(pairedItems([...kept, ...notKept].filter((item) => !item.json.error)).map((paired) => (paired as { item: number }).item).sort()).toEqual([0, 3]);
	});

	it('says which credential a condition needs when it is not selected', async () => {
		const withoutGoogle = await N8nHarness.create({ packages: [PACKAGE], credentials: { microsoftDynamics365Api: credentials.microsoftDynamics365Api } });
		await expect(
			withoutGoogle.executeNode(FILTER, { parameters: conditions('dynamics', [{ type: 'existsInOtherApp' }]), inputItems: contacts.slice(0, 2) }),
		).rejects.toThrow('Select a Google Contacts (Sync) OAuth2 API credential to check "Exists in Google Contacts"');
		await expect(withoutGoogle.loadOptions(FILTER, 'getContactGroups')).rejects.toThrow('Select a Google Contacts (Sync) OAuth2 API credential to list the labels of Google Contacts');
	});
});

describe('"Exists in Google Contacts" for 1,000 contacts', () => {
	it('finds counterparts by link and by email (any case) with a bounded number of Google requests', async () => {
		google.reset({ contacts: 1200 });
		const people = google.state.listAll();
		const deleted = people[1199].resourceName as string;
		google.state.deleteContact(deleted);
		const rows: IDataObject[] = [];
		const expected: boolean[] = [];
		for (let index = 0; index < 1000; index++) {
			const person = people[index];
			const email = person.emailAddresses?.[0]?.value;
			// As a trigger returns them: every selected column present, empty ones as null.
			const row: IDataObject = {
				contactid: `10000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
				emailaddress1: `nobody.${index}@elsewhere.example`,
				emailaddress2: null,
				emailaddress3: null,
				new_googleresourcename: null,
			};
			if (index % 4 === 0) row.new_googleresourcename = person.resourceName; // linked
			else if (index % 4 === 1 && email) row.emailaddress2 = ` ${email.toUpperCase()} `; // same email, other case and column
			else if (index % 4 === 2) row.new_googleresourcename = index % 8 === 2 ? deleted : `people/c${9_000_000 + index}`; // a stale link
			expected.push(index % 4 === 0 || (index % 4 === 1 && Boolean(email)));
			rows.push(row);
		}
		google.counters.reset();
		const { kept, notKept } = await filter(
			conditions('dynamics', [{ type: 'existsInOtherApp' }], { options: { dynamicsLinkColumn: 'new_googleresourcename', addReasons: true } }),
			rows,
		);

		expect(ids(kept)).toEqual(ids(rows.filter((_row, index) => expected[index])));
		expect(kept.length + notKept.length).toBe(1000);
		expect(kept[0].json._filter).toEqual({ kept: true, reasons: [`already exists in the app you sync with: yes (linked to ${people[0].resourceName})`] });
		expect(kept[1].json._filter).toMatchObject({ reasons: [expect.stringMatching(/: yes \(email .+ found\)$/)] });
		// 376 distinct links (250 good, 126 stale) → 2 batchGets (200 a call); the emails of the 750 rows no link
		// resolved → a probe of the contact count, then the cheaper of searching (a request per email) and
		// listing the 1,199 contacts (2 pages). Nothing per item.
		const distinctLinks = new Set(rows.map((row) => row.new_googleresourcename).filter(Boolean)).size;
		expect(distinctLinks).toBe(376);
		const { token = 0, ...requests } = google.counters.snapshot();
		expect(requests).toEqual({ 'people.getBatchGet': Math.ceil(distinctLinks / 200), 'people.connections.list': 1 + Math.ceil(1199 / 1000) });
		expect(token).toBeLessThanOrEqual(1);
		// The rows have every column the condition reads, so Dynamics 365 is not asked.
		// Nothing is looked up in Dynamics: the org's metadata may be read (once per process), its contacts never.
		expect(dynamics.counters.total('contacts')).toBe(0);
	});
});

describe('Google contacts', () => {
	let vip: string;
	let persons: IDataObject[];

	beforeAll(() => {
		google.reset();
		vip = google.state.createGroup({ name: 'Key Accounts' }, new Set(['name'])).resourceName as string;
		const [linkedContact, backLinked, byEmail] = dynamics.state.listContacts().slice(20, 23);
		dynamics.state.updateContact(backLinked.id, { new_googleresourcename: 'people/c42' });
		const inGroup = { contactGroupMembership: { contactGroupResourceName: vip } };
		const create = (person: IDataObject) => google.state.createContact(person) as IDataObject;
		persons = [
			create({ names: [{ givenName: 'Linked' }], clientData: [{ key: LINK_KEYS.googleDynamicsContactId, value: linkedContact.id }], memberships: [inGroup] }),
			{ ...create({ names: [{ givenName: 'Back' }], userDefined: [{ key: 'Customer Number', value: 'C-1001' }] }), resourceName: 'people/c42' },
			create({ names: [{ givenName: 'Email' }], emailAddresses: [{ value: String(byEmail.values.emailaddress1).toUpperCase() }], memberships: [inGroup] }),
			create({ names: [{ givenName: 'Nobody' }], emailAddresses: [{ value: 'nobody@example.org' }] }),
		];
	});

	it('has label, picked or named in an expression; the names only cost one listing of the labels', async () => {
		const picked = await filter(conditions('google', [{ type: 'hasLabel', labels: [vip] }]), persons);
		expect(jsons(picked.kept).map((person) => person.resourceName)).toEqual([persons[0].resourceName, persons[2].resourceName]);
		expect(google.counters.total()).toBe(0);

		const named = await filter(conditions('google', [{ type: 'hasLabel', match: 'isNot', labels: '={{ "key accounts" }}' }], { options: { addReasons: true } }), persons);
		expect(jsons(named.kept).map((person) => person.resourceName)).toEqual([persons[1].resourceName, persons[3].resourceName]);
		expect(named.kept[0].json._filter).toEqual({ kept: true, reasons: ['does not have label "Key Accounts": yes (memberships: "contactGroups/myContacts")'] });
		expect(google.counters.snapshot()['contactGroups.list']).toBe(1);

		await expect(filter(conditions('google', [{ type: 'hasLabel', labels: 'Customers' }]), persons)).rejects.toThrow(
			/^Condition 1: Google Contacts has no label named "Customers"; its labels are .*"Key Accounts"/,
		);
	});

	it('gets deleted: the Google trigger\'s tombstones, and custom fields by key', async () => {
		const items = [
			{ event: 'deleted', resourceName: 'people/c9' },
			{ event: 'updated', resourceName: persons[1].resourceName, person: persons[1] },
		];
		const deletedOnly = await filter(conditions('google', [{ type: 'isDeleted' }]), items);
		expect(pairedItems(deletedOnly.kept)).toEqual([{ item: 0 }]);
		const custom = await filter(conditions('google', [{ type: 'field', field: 'userDefined:', customFieldKey: 'Customer Number', operator: 'startsWith', value: 'c-10' }]), items);
		// The deletion passes a field condition it cannot be judged by; "is not deleted" keeps it out.
		expect(pairedItems(custom.kept)).toEqual([{ item: 0 }, { item: 1 }]);
		const liveOnly = await filter(conditions('google', [{ type: 'isDeleted', match: 'isNot' }]), items);
		expect(pairedItems(liveOnly.kept)).toEqual([{ item: 1 }]);
	});

	it('exists in Dynamics 365: by the clientData link, the link column (back link) and email, in a few Dataverse requests', async () => {
		const { kept, notKept } = await filter(
			conditions('google', [{ type: 'existsInOtherApp' }], { options: { dynamicsLinkColumn: 'new_googleresourcename' } }),
			persons,
		);
		expect(jsons(kept).map((person) => person.resourceName)).toEqual(persons.slice(0, 3).map((person) => person.resourceName));
		expect(jsons(notKept).map((person) => person.resourceName)).toEqual([persons[3].resourceName]);
		// One contactid filter, one link column filter, one email filter.
		expect(dynamics.counters.snapshot()['contacts.list']).toBe(3);
	});
});
