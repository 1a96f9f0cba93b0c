/**
 * The Contact Field Mapping in n8n-core's real execution (the harness) on contacts the simulators
 * seeded, read over their APIs as the triggers emit them: all four directions, with the records the
 * node makes written back through the real APIs (Dataverse validates types, lengths and options; the
 * People API validates Persons); custom mappings, value maps, MaxLength (error or truncate), fixed
 * values and labels, the current target record, and clear errors (or error items with continue on fail).
 */
import { NodeOperationError, type IDataObject, type INodeExecutionData, type INodeParameters } from 'n8n-workflow';
import { DEFAULT_MAPPING_IDS, LINK_KEYS } from '../../../lib/mapping';
import { simulatorClient } from '../../lib/dynamics/simulator-client';
import { peopleApiFor } from '../../simulators/google/testing';
import { HARD_CASES } from '../../simulators/common/seed';
import { CUSTOM_FIELD } from '../../../nodes/ContactFieldMapping/description';
import { MAPPING, PERSON_FIELDS, dynamicsTriggerItems, googleTriggerItems, startTestbed, type Testbed } from './testbed';

let bed: Testbed;
/** The seeded Dynamics contacts as trigger items, in seed order; the first is Jan van der Berg. */
let dynamicsItems: IDataObject[];
let googleItems: IDataObject[];

beforeAll(async () => {
	bed = await startTestbed({ dynamicsContacts: 20, googleContacts: HARD_CASES.length });
	dynamicsItems = await dynamicsTriggerItems(bed.dynamics);
	googleItems = await googleTriggerItems(bed.google);
});
afterAll(() => bed?.close());

const dynamics = () => simulatorClient(bed.dynamics);
const people = () => peopleApiFor(bed.google).api;

async function map(parameters: INodeParameters, inputItems: IDataObject[], options: { continueOnFail?: boolean; offline?: boolean } = {}): Promise<INodeExecutionData[]> {
	const harness = options.offline ? bed.offline : bed.n8n;
	const { outputs } = await harness.executeNode(MAPPING, { parameters, inputItems, continueOnFail: options.continueOnFail });
	return outputs[0] ?? [];
}

async function mapJson(parameters: INodeParameters, inputItems: IDataObject[], options: { offline?: boolean } = {}): Promise<IDataObject[]> {
	return (await map(parameters, inputItems, options)).map((item) => item.json);
}

async function mappingError(parameters: INodeParameters, inputItems: IDataObject[], options: { offline?: boolean } = {}): Promise<NodeOperationError> {
	const failure = await map(parameters, inputItems, options).then(
		() => undefined,
		(error: unknown) => error,
	);
	expect(failure).toBeInstanceOf(NodeOperationError);
	return failure as NodeOperationError;
}

const contactOf = (item: IDataObject) => item.contact as IDataObject;
const jan = () => dynamicsItems.find((item) => contactOf(item).emailaddress1 === 'jan.vanderberg@example.nl') as IDataObject;
const janPerson = () => googleItems.find((item) => JSON.stringify(item.person).includes('jan.vanderberg@example.nl')) as IDataObject;
const valuesOf = (json: IDataObject) => json.values as IDataObject;
const plainRecord = (values: IDataObject) => ({ id: 'row-1', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', ...values });
const withoutDefault = (id: string) => DEFAULT_MAPPING_IDS.filter((entry) => entry !== id);

describe('all four directions, on seeded contacts', () => {
	it('Dynamics 365 → Google Contacts: Persons the People API takes, with the link, match keys, source id and event', async () => {
		const output = await map({ direction: 'dynamicsToGoogle' }, dynamicsItems);
		expect(output).toHaveLength(dynamicsItems.length);
		expect(output.map((item) => item.pairedItem)).toEqual(dynamicsItems.map((_item, index) => ({ item: index })));
		const janOut = output[dynamicsItems.indexOf(jan())].json;
		const janId = contactOf(jan()).contactid;
		expect(janOut).toMatchObject({
			target: 'google',
			sourceApp: 'dynamics',
			sourceId: janId,
			event: 'updated',
			matchKeys: { emails: ['jan.vanderberg@example.nl'] },
			values: {
				names: [{ givenName: 'Jan', familyName: 'van der Berg' }],
				organizations: [{ name: 'Berg & Zonen', title: 'Directeur' }],
				birthdays: [{ date: { year: 1975, month: 4, day: 30 } }],
				clientData: [{ key: LINK_KEYS.googleDynamicsContactId, value: janId }],
			},
		});
		for (const item of output) await people().people.createContact({ requestBody: valuesOf(item.json), personFields: 'names' });
		const created = bed.google.state.listAll().filter((person) => person.clientData?.some((entry) => entry.value === janId));
		expect(created).toHaveLength(1);
		expect(created[0].names?.[0]).toMatchObject({ displayName: 'Jan van der Berg', givenName: 'Jan', familyName: 'van der Berg' });
	});

	it('Google Contacts → Dynamics 365: columns Dataverse accepts, the Google link in the link column', async () => {
		const output = await mapJson({ direction: 'googleToDynamics', options: { dynamicsLinkColumn: 'new_googleresourcename' } }, googleItems);
		expect(output).toHaveLength(HARD_CASES.length);
		const janOut = output[googleItems.indexOf(janPerson())];
		expect(janOut).toMatchObject({
			target: 'dynamics',
			sourceApp: 'google',
			sourceId: janPerson().resourceName,
			matchKeys: { emails: ['jan.vanderberg@example.nl'] },
			values: { firstname: 'Jan', lastname: 'van der Berg', jobtitle: 'Directeur', birthdate: '1975-04-30', new_googleresourcename: janPerson().resourceName },
		});
		expect(janOut.matchKeys).not.toHaveProperty('linkId');
		const ids: string[] = [];
		for (const json of output) ids.push((await dynamics().create('contacts', valuesOf(json))).id as string);
		const stored = await dynamics().find<IDataObject>('contacts', ids[output.indexOf(janOut)], { select: ['fullname', 'address1_city', 'new_googleresourcename'] });
		expect(stored).toMatchObject({ fullname: 'Jan van der Berg', address1_city: 'Amsterdam', new_googleresourcename: janPerson().resourceName });
	});

	it('Dynamics 365 → plain fields, and plain fields → Dynamics 365 back: the same column values, written as an update', async () => {
		const plain = await mapJson({ direction: 'dynamicsToPlain' }, [jan()]);
		expect(plain[0]).toMatchObject({
			target: 'plain',
			values: { firstName: 'Jan', lastName: 'van der Berg', fullName: 'Jan van der Berg', email: 'jan.vanderberg@example.nl', company: 'Berg & Zonen', birthday: '1975-04-30', dynamicsContactId: contactOf(jan()).contactid },
		});
		const [back] = await mapJson({ direction: 'plainToDynamics' }, [valuesOf(plain[0])]);
		expect(back).toMatchObject({ target: 'dynamics', sourceApp: 'plain', matchKeys: { linkId: contactOf(jan()).contactid, emails: ['jan.vanderberg@example.nl'] } });
		const original = contactOf(jan());
		for (const [column, value] of Object.entries(valuesOf(back))) expect([column, value]).toEqual([column, original[column] ?? null]);
		await dynamics().update('contacts', contactOf(jan()).contactid as string, valuesOf(back));
	});

	it('a default mapping switched off maps nothing; an unknown one named by an expression fails before any item', async () => {
		const [out] = await mapJson({ direction: 'dynamicsToGoogle', defaultMappings: withoutDefault('phones').filter((id) => id !== 'address') }, [jan()]);
		expect(Object.keys(valuesOf(out)).sort()).toEqual(['birthdays', 'clientData', 'emailAddresses', 'names', 'organizations']);
		const error = await mappingError({ direction: 'dynamicsToGoogle', defaultMappings: '={{ "names,emial" }}' }, [jan()]);
		expect(error.message).toBe('Default Mappings: "emial" is not a default mapping');
		expect(error.description).toBe(`Use these ids: ${DEFAULT_MAPPING_IDS.join(', ')}.`);
	});

	it('a Dynamics contact with a Google link column: the link is the match key', async () => {
		const id = contactOf(jan()).contactid as string;
		await dynamics().update('contacts', id, { new_googleresourcename: 'people/c42' });
		const contact = await dynamics().find<IDataObject>('contacts', id, { includeAnnotations: true });
		const [out] = await mapJson({ direction: 'dynamicsToGoogle', options: { dynamicsLinkColumn: 'new_googleresourcename' } }, [contact as IDataObject]);
		expect(out.matchKeys).toEqual({ linkId: 'people/c42', emails: ['jan.vanderberg@example.nl'] });
		expect(out).not.toHaveProperty('event');
	});
});

describe('custom mappings and value maps', () => {
	const channelMapping = (valueMap: string) => ({ customMappings: { mapping: [{ dynamicsField: 'new_preferredchannel', otherField: CUSTOM_FIELD, customFieldName: 'Channel', valueMap }] } });
	const VALUE_MAP = '{ "100000000": "E-mail", "100000001": "Call me" }';

	it('an incompatible pair typed in by hand fails before any item, saying why; with continue on fail every item says so', async () => {
		const parameters = { direction: 'dynamicsToGoogle', defaultMappings: withoutDefault('birthday'), customMappings: { mapping: [{ dynamicsField: 'new_loyaltypoints', otherField: 'birthdays[0].date' }] } };
		const message = 'Custom Mapping 1: new_loyaltypoints ↔ birthdays[0].date cannot be mapped: a whole number cannot be stored in a date field, and a date cannot be stored in a whole number field';
		const fix = 'Pick fields of compatible types (the picker offers only those), or map to a text field.';
		const error = await mappingError(parameters, dynamicsItems);
		expect(error.message).toBe(message);
		expect(error.description).toBe(fix);
		// Not n8n's fallback, which would pass the Dynamics contacts on to the Google writer.
		expect(await map(parameters, dynamicsItems.slice(0, 2), { continueOnFail: true })).toEqual(
			[0, 1].map((item) => ({ json: { error: { message, field: 'customMappings[0]', fix } }, pairedItem: { item } })),
		);
	});

	it('a read-only column cannot be written, and a column of the org is unknown without the credential', async () => {
		const readOnly = await mappingError({ direction: 'googleToDynamics', customMappings: { mapping: [{ dynamicsField: 'fullname', otherField: CUSTOM_FIELD, customFieldName: 'Full name' }] } }, googleItems);
		expect(readOnly.message).toMatch(/^Custom Mapping 1: fullname ↔ userDefined:Full name can only be mapped from Dynamics only \(.*read-only.*\), but this node maps Google Contacts → Dynamics 365$/);
		const offline = await mappingError({ direction: 'dynamicsToPlain', customMappings: { mapping: [{ dynamicsField: 'new_loyaltypoints', otherField: CUSTOM_FIELD, customFieldName: 'points' }] } }, [jan()], { offline: true });
		expect(offline.message).toBe('Custom Mapping 1 › Dynamics 365 Column: "new_loyaltypoints" is not a contact column of this Dynamics org');
		expect(offline.description).toMatch(/Without a Microsoft Dynamics 365 API credential the node knows only the standard contact columns; select one to map custom columns\.$/);
	});

	it('a custom column to a plain key of its own keeps its type', async () => {
		const id = contactOf(jan()).contactid as string;
		await dynamics().update('contacts', id, { new_loyaltypoints: 250, new_vip: true });
		const contact = (await dynamics().find<IDataObject>('contacts', id, { includeAnnotations: true })) as IDataObject;
		const mappings = [
			{ dynamicsField: 'new_loyaltypoints', otherField: CUSTOM_FIELD, customFieldName: 'points' },
			{ dynamicsField: 'new_vip', otherField: CUSTOM_FIELD, customFieldName: 'vip' },
		];
		const [out] = await mapJson({ direction: 'dynamicsToPlain', customMappings: { mapping: mappings } }, [contact]);
		expect(valuesOf(out)).toMatchObject({ points: 250, vip: true });
		const [back] = await mapJson({ direction: 'plainToDynamics', customMappings: { mapping: mappings } }, [{ ...valuesOf(out), points: '300' }]);
		expect(valuesOf(back)).toMatchObject({ new_loyaltypoints: 300, new_vip: true });
	});

	it('a choice column through a value map, both ways; an option the map lacks fails the item', async () => {
		const id = contactOf(jan()).contactid as string;
		await dynamics().update('contacts', id, { new_preferredchannel: 100000001 });
		const contact = (await dynamics().find<IDataObject>('contacts', id, { includeAnnotations: true })) as IDataObject;
		const [out] = await mapJson({ direction: 'dynamicsToGoogle', ...channelMapping(VALUE_MAP) }, [contact]);
		expect(valuesOf(out).userDefined).toEqual([{ key: 'Channel', value: 'Call me' }]);

		const person: IDataObject = { ...(janPerson().person as IDataObject), userDefined: [{ key: 'Channel', value: 'call me' }] };
		const [back] = await mapJson({ direction: 'googleToDynamics', ...channelMapping(VALUE_MAP) }, [{ event: 'updated', resourceName: person.resourceName, person }]);
		expect(valuesOf(back).new_preferredchannel).toBe(100000001);
		await dynamics().update('contacts', id, valuesOf(back));

		const unmapped = await mappingError({ direction: 'googleToDynamics', ...channelMapping(VALUE_MAP) }, [{ ...person, userDefined: [{ key: 'Channel', value: 'Fax' }] }]);
		expect(unmapped.message).toBe('value "Fax" of "Custom field "Channel"" (userDefined:Channel) has no entry in the value map for "Preferred Channel" (new_preferredchannel)');
		expect(unmapped.description).toBe('Add it to the value map, or correct the value.');
		expect(unmapped.context.itemIndex).toBe(0);
	});

	it('a value map that is not JSON, or names no option of the column, fails before any item', async () => {
		const broken = await mappingError({ direction: 'dynamicsToGoogle', ...channelMapping('{ "100000000": "E-mail", ') }, [jan()]);
		expect(broken.message).toMatch(/^Custom Mapping 1 › Value Map: The value map is not valid JSON \(/);
		const wrongOption = await mappingError({ direction: 'dynamicsToGoogle', ...channelMapping('{ "7": "E-mail" }') }, [jan()]);
		expect(wrongOption.message).toBe('Custom Mapping 1 › Value Map: "7" is not an option of new_preferredchannel');
		expect(wrongOption.description).toBe('Use the option values: 100000000 (Email), 100000001 (Phone), 100000002 (Text Message), 100000003 (Post).');
	});
});

describe('text longer than the column allows', () => {
	const LONG_TITLE = 'Chief '.repeat(20).trim();

	it('fails the item, naming the column and its length from the org\'s metadata', async () => {
		const error = await mappingError({ direction: 'plainToDynamics' }, [plainRecord({ jobTitle: LONG_TITLE })]);
		expect(error.message).toBe(`"Job Title" (jobtitle) holds at most 100 characters; this value has ${LONG_TITLE.length}`);
		expect(error.description).toBe('Shorten the value, or choose "truncate" for over-long text.');
		const custom = await mappingError(
			{ direction: 'plainToDynamics', customMappings: { mapping: [{ dynamicsField: 'new_customernumber', otherField: CUSTOM_FIELD, customFieldName: 'customerNumber' }] } },
			[plainRecord({ customerNumber: 'CUST-0000-0000-0000-0001' })],
		);
		expect(custom.message).toBe('"Customer Number" (new_customernumber) holds at most 20 characters; this value has 24');
	});

	it('is cut to fit when the user chose Truncate, and Dataverse takes it', async () => {
		const [out] = await mapJson({ direction: 'plainToDynamics', options: { overLengthText: 'truncate' } }, [plainRecord({ jobTitle: LONG_TITLE })]);
		expect(valuesOf(out).jobtitle).toBe(LONG_TITLE.slice(0, 100));
		const { id } = await dynamics().create('contacts', valuesOf(out));
		expect(await dynamics().find<IDataObject>('contacts', id as string, { select: ['jobtitle'] })).toMatchObject({ jobtitle: LONG_TITLE.slice(0, 100) });
	});

	it('with continue on fail, the item becomes { error: { message, field, fix } } and the others go on', async () => {
		const output = await map({ direction: 'plainToDynamics' }, [plainRecord({}), plainRecord({ jobTitle: LONG_TITLE }), plainRecord({ id: 'row-3' })], { continueOnFail: true });
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(output[1].json).toEqual({
			error: {
				message: `"Job Title" (jobtitle) holds at most 100 characters; this value has ${LONG_TITLE.length}`,
				field: 'jobtitle',
				fix: 'Shorten the value, or choose "truncate" for over-long text.',
			},
		});
		expect(output[2].json).toMatchObject({ sourceId: 'row-3', values: { firstname: 'Ada', lastname: 'Lovelace' } });
	});
});

describe('fixed values and labels (PieSync\'s THEN)', () => {
	it('sets Dynamics columns on every record: choices by label, yes/no, text', async () => {
		const fixedValues = {
			value: [
				{ field: 'new_preferredchannel', value: 'Email' },
				{ field: 'donotbulkemail', value: 'true' },
				{ field: 'new_customernumber', value: 'from Google' },
			],
		};
		const output = await mapJson({ direction: 'googleToDynamics', fixedValues }, googleItems.slice(0, 3));
		for (const json of output) {
			expect(valuesOf(json)).toMatchObject({ new_preferredchannel: 100000000, donotbulkemail: true, new_customernumber: 'from Google' });
			const { id } = await dynamics().create('contacts', valuesOf(json));
			expect(await dynamics().find<IDataObject>('contacts', id as string, { select: ['new_preferredchannel', 'donotbulkemail'] })).toMatchObject({ new_preferredchannel: 100000000, donotbulkemail: true });
		}
	});

	it('a fixed value that does not fit its column fails before any item', async () => {
		const error = await mappingError({ direction: 'googleToDynamics', fixedValues: { value: [{ field: 'new_preferredchannel', value: 'Pigeon' }] } }, googleItems);
		expect(error.message).toBe('Fixed Value 1 › Value: "Pigeon" is not an option of new_preferredchannel');
	});

	it('parameters may be expressions: each item gets its own value, and one that does not fit fails only its item', async () => {
		const fixedValues = { value: [{ field: 'new_preferredchannel', value: '={{ $json.channel }}' }] };
		const inputs = [plainRecord({ channel: 'Email' }), plainRecord({ channel: 'Pigeon' }), plainRecord({ channel: 'Post' })];
		const output = await map({ direction: 'plainToDynamics', fixedValues }, inputs, { continueOnFail: true });
		expect(valuesOf(output[0].json).new_preferredchannel).toBe(100000000);
		expect(output[1]).toEqual({
			json: { error: { message: 'Fixed Value 1 › Value: "Pigeon" is not an option of new_preferredchannel', field: 'fixedValues[0].value', fix: 'Use one of: Email, Phone, Text Message, Post.' } },
			pairedItem: { item: 1 },
		});
		expect(valuesOf(output[2].json).new_preferredchannel).toBe(100000003);
	});

	it('sets a Google custom field and adds the contact to a label, which the People API keeps', async () => {
		const { data: group } = await people().contactGroups.create({ requestBody: { contactGroup: { name: 'From Dynamics 365' } } });
		const parameters = {
			direction: 'dynamicsToGoogle',
			fixedValues: { value: [{ field: CUSTOM_FIELD, customFieldName: 'Source', value: 'Dynamics 365' }] },
			addToLabels: [group.resourceName as string],
		};
		const [out] = await mapJson(parameters, [jan()]);
		expect(valuesOf(out).userDefined).toEqual([{ key: 'Source', value: 'Dynamics 365' }]);
		const { data: created } = await people().people.createContact({ requestBody: valuesOf(out), personFields: PERSON_FIELDS });
		const labels = created.memberships?.map((membership) => membership.contactGroupMembership?.contactGroupResourceName);
		expect(labels).toEqual(expect.arrayContaining(['contactGroups/myContacts', group.resourceName]));
	});
});

describe('items', () => {
	it('bare records map as trigger items do; deletions carry who, and no values', async () => {
		const [wrapped, bare] = await mapJson({ direction: 'dynamicsToGoogle' }, [jan(), contactOf(jan())]);
		expect(bare).toEqual({ ...wrapped, event: undefined });
		const id = contactOf(jan()).contactid;
		expect(await mapJson({ direction: 'dynamicsToGoogle' }, [{ event: 'deleted', contactId: id }])).toEqual([
			{ target: 'google', values: {}, matchKeys: { emails: [] }, sourceId: id, sourceApp: 'dynamics', event: 'deleted' },
		]);
		const linked = { resourceName: 'people/c7', metadata: { deleted: true }, clientData: [{ key: LINK_KEYS.googleDynamicsContactId, value: id }] };
		expect(await mapJson({ direction: 'googleToDynamics' }, [{ event: 'deleted', resourceName: 'people/c7', person: linked }])).toEqual([
			{ target: 'dynamics', values: {}, matchKeys: { linkId: id, emails: [] }, sourceId: 'people/c7', sourceApp: 'google', event: 'deleted' },
		]);
	});

	it('an item from the other app fails, naming the Direction to choose', async () => {
		const error = await mappingError({ direction: 'googleToDynamics' }, [jan()]);
		expect(error.message).toBe('The item is a Dynamics 365 contact, but the Direction maps Google Contacts → Dynamics 365');
		expect(error.description).toBe('Set the Direction to start from Dynamics 365, or connect this node to the Google Contacts trigger or node.');
		const plain = await mappingError({ direction: 'plainToDynamics' }, [janPerson()]);
		expect(plain.message).toBe('The item is a Google Contacts contact, but the Direction maps plain fields → Dynamics 365');
	});

	it('the current target record anchors the name split and keeps its phone format', async () => {
		const record = plainRecord({ firstName: '', lastName: '', fullName: 'Anna Maria Lopez Garcia', businessPhone: '425.555.0100' });
		const current = { firstname: 'Anna', lastname: 'Maria Lopez', telephone1: '(425) 555-0100' };
		const [anchored] = await mapJson({ direction: 'plainToDynamics' }, [{ ...record, current }]);
		expect(valuesOf(anchored)).toMatchObject({ firstname: 'Anna', lastname: 'Maria Lopez Garcia', telephone1: '(425) 555-0100' });
		const [elsewhere] = await mapJson({ direction: 'plainToDynamics', options: { currentRecordField: 'lookup.contact' } }, [{ ...record, lookup: { contact: current } }]);
		expect(valuesOf(elsewhere)).toEqual(valuesOf(anchored));
		const [alone] = await mapJson({ direction: 'plainToDynamics' }, [record]);
		expect(valuesOf(alone)).toMatchObject({ firstname: 'Anna Maria', lastname: 'Lopez Garcia', telephone1: '425.555.0100' });
		const notARecord = await mappingError({ direction: 'plainToDynamics' }, [{ ...record, current: 'Anna' }]);
		expect(notARecord.message).toBe('The current target record at "current" is a string, not a record');
	});
});
