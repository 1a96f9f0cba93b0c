/**
 * The Contact Field Mapping's pickers in n8n-core's LoadOptionsContext (the harness) against the
 * simulators: the org's columns with their types (custom ones included), only the fields that fit a
 * column, each with the direction the pair allows, the target's writable fields for fixed values,
 * Google labels; and without a Dynamics credential, the standard columns with no request made.
 */
import type { INodeParameters, INodePropertyOptions } from 'n8n-workflow';
import { DEFAULT_MAPPING_IDS } from '../../../lib/mapping';
import { peopleApiFor } from '../../simulators/google/testing';
import { CUSTOM_FIELD } from '../../../nodes/ContactFieldMapping/description';
import { MAPPING, startTestbed, type Testbed } from './testbed';

let bed: Testbed;

beforeAll(async () => {
	bed = await startTestbed();
});
afterAll(() => bed?.close());
beforeEach(() => bed.dynamics.counters.reset());

const columns = (parameters: INodeParameters, harness = bed.n8n) => harness.loadOptions(MAPPING, 'getMappableColumns', { parameters });
const pairedFields = (parameters: INodeParameters, dynamicsField: string) =>
	bed.n8n.loadOptions(MAPPING, 'getPairedFields', {
		parameters: { ...parameters, customMappings: { mapping: [{ dynamicsField }] } },
		path: 'parameters.customMappings.mapping[0].otherField',
	});
const targetFields = (parameters: INodeParameters) => bed.n8n.loadOptions(MAPPING, 'getTargetFields', { parameters, path: 'parameters.fixedValues.value[0].field' });
const values = (options: INodePropertyOptions[]) => options.map((option) => option.value);
const option = (options: INodePropertyOptions[], value: string) => options.find((entry) => entry.value === value);
const requestCount = () => Object.values(bed.dynamics.counters.snapshot() as Record<string, number>).reduce((sum, count) => sum + count, 0);

describe('Dynamics 365 columns', () => {
	it('lists the org\'s columns with their types, custom ones included, and each choice column\'s options', async () => {
		const options = await columns({ direction: 'dynamicsToGoogle' });
		expect(option(options, 'new_loyaltypoints')).toEqual({ name: 'Loyalty Points', value: 'new_loyaltypoints', description: 'new_loyaltypoints · whole number, custom' });
		expect(option(options, 'new_preferredchannel')).toEqual({
			name: 'Preferred Channel',
			value: 'new_preferredchannel',
			description: 'new_preferredchannel · choice, custom · options: 100000000 Email, 100000001 Phone, 100000002 Text Message, 100000003 Post',
		});
		expect(option(options, 'new_interests')?.description).toMatch(/^new_interests · multi-select choice, custom · options: 100000000 Newsletter, /);
		expect(option(options, 'createdon')?.description).toBe('createdon · date and time, read-only');
		expect(requestCount()).toBeGreaterThan(0);
	});

	it('leaves out the columns a default mapping in use takes, until that default is switched off', async () => {
		const withDefaults = values(await columns({ direction: 'dynamicsToGoogle' }));
		for (const taken of ['firstname', 'lastname', 'emailaddress1', 'telephone1', 'jobtitle', 'birthdate']) expect(withDefaults).not.toContain(taken);
		const withoutNames = values(await columns({ direction: 'dynamicsToGoogle', defaultMappings: DEFAULT_MAPPING_IDS.filter((id) => id !== 'names') }));
		expect(withoutNames).toEqual(expect.arrayContaining(['firstname', 'lastname', 'middlename']));
		expect(withoutNames).not.toContain('emailaddress1');
	});

	it('writing into Dynamics 365, read-only columns are not offered', async () => {
		const intoDynamics = values(await columns({ direction: 'googleToDynamics' }));
		const fromDynamics = values(await columns({ direction: 'dynamicsToGoogle' }));
		for (const readOnly of ['fullname', 'createdon', 'modifiedon', 'ownerid', 'accountid', 'versionnumber']) {
			expect(fromDynamics).toContain(readOnly);
			expect(intoDynamics).not.toContain(readOnly);
		}
		expect(intoDynamics).toEqual(expect.arrayContaining(['new_preferredchannel', 'new_customernumber', 'donotemail', 'nickname']));
	});

	it('without a Dynamics 365 credential: the standard columns, and no request', async () => {
		const options = await columns({ direction: 'dynamicsToGoogle' }, bed.offline);
		expect(values(options)).toEqual(expect.arrayContaining(['nickname', 'fullname', 'preferredcontactmethodcode']));
		expect(values(options).filter((value) => String(value).startsWith('new_'))).toEqual([]);
		expect(requestCount()).toBe(0);
	});
});

describe('fields that fit a column', () => {
	it('a whole-number column: Google text fields only, one way out of Dynamics; nothing back from Google', async () => {
		const options = await pairedFields({ direction: 'dynamicsToGoogle' }, 'new_loyaltypoints');
		expect(values(options)).toEqual(expect.arrayContaining(['nicknames[0].value', 'urls[0].value', 'addresses:home.city', CUSTOM_FIELD]));
		for (const unfit of ['birthdays[0].date', 'emailAddresses', 'phoneNumbers:mobile', 'memberships', 'names.givenName']) expect(values(options)).not.toContain(unfit);
		expect(option(options, 'nicknames[0].value')).toEqual({
			name: 'Nickname',
			value: 'nicknames[0].value',
			description: 'One-way: Dynamics 365 → Google Contacts (whole number → text) · nicknames[0].value',
		});
		expect(option(options, CUSTOM_FIELD)).toEqual({ name: 'Custom Field', value: CUSTOM_FIELD, description: 'A custom field by its label · One-way: Dynamics 365 → Google Contacts (whole number → text)' });
		expect(await pairedFields({ direction: 'googleToDynamics' }, 'new_loyaltypoints')).toEqual([]);
	});

	it('a plain key of its own takes the column\'s type, both ways', async () => {
		expect(await pairedFields({ direction: 'plainToDynamics' }, 'new_loyaltypoints')).toEqual([
			{ name: 'Custom Key', value: CUSTOM_FIELD, description: 'A key of your own · Two-way (whole number ↔ whole number)' },
		]);
	});

	it('a choice column: text one way by label, or two ways with a value map', async () => {
		const out = await pairedFields({ direction: 'dynamicsToGoogle' }, 'new_preferredchannel');
		expect(option(out, CUSTOM_FIELD)?.description).toBe('A custom field by its label · One-way: Dynamics 365 → Google Contacts (choice → text); two-way with a value map');
		const back = await pairedFields({ direction: 'googleToDynamics' }, 'new_preferredchannel');
		expect(option(back, 'nicknames[0].value')?.description).toBe('Two-way (choice ↔ text); needs a value map · nicknames[0].value');
	});

	it('a date column: Google\'s birthday once its default is off, and text one way', async () => {
		const withDefaults = await pairedFields({ direction: 'dynamicsToGoogle' }, 'anniversary');
		expect(values(withDefaults)).not.toContain('birthdays[0].date');
		const freed = await pairedFields({ direction: 'dynamicsToGoogle', defaultMappings: DEFAULT_MAPPING_IDS.filter((id) => id !== 'birthday') }, 'anniversary');
		expect(option(freed, 'birthdays[0].date')?.description).toBe('Two-way (date ↔ date) · birthdays[0].date');
	});

	it('no column picked yet, or an expression: nothing to list', async () => {
		expect(await pairedFields({ direction: 'dynamicsToGoogle' }, '')).toEqual([]);
		expect(await pairedFields({ direction: 'dynamicsToGoogle' }, '={{ $json.column }}')).toEqual([]);
	});
});

describe('fixed values, labels and the link column', () => {
	it('the target\'s writable fields', async () => {
		const dynamicsTarget = values(await targetFields({ direction: 'googleToDynamics' }));
		expect(dynamicsTarget).toEqual(expect.arrayContaining(['new_customernumber', 'new_preferredchannel', 'donotbulkemail', 'firstname']));
		for (const readOnly of ['fullname', 'createdon', 'ownerid']) expect(dynamicsTarget).not.toContain(readOnly);

		const googleTarget = values(await targetFields({ direction: 'dynamicsToGoogle' }));
		expect(googleTarget).toEqual(expect.arrayContaining(['names.givenName', 'organizations[0].name', CUSTOM_FIELD]));
		for (const excluded of ['resourceName', 'names.displayName', 'metadata.deleted', 'memberships']) expect(googleTarget).not.toContain(excluded);

		const plainTarget = await targetFields({ direction: 'dynamicsToPlain' });
		expect(values(plainTarget)).toEqual(expect.arrayContaining(['firstName', 'email', 'birthday', CUSTOM_FIELD]));
		expect(option(plainTarget, CUSTOM_FIELD)?.name).toBe('Custom Key');
	});

	it('labels: the Google account\'s contact groups', async () => {
		const { api } = peopleApiFor(bed.google);
		const { data: group } = await api.contactGroups.create({ requestBody: { contactGroup: { name: 'Dynamics 365 Sync' } } });
		const options = await bed.n8n.loadOptions(MAPPING, 'getContactGroups', { parameters: { direction: 'dynamicsToGoogle' } });
		expect(option(options, group.resourceName as string)).toMatchObject({ name: 'Dynamics 365 Sync' });
	});

	it('link columns: the org\'s text columns, custom ones first', async () => {
		const options = await bed.n8n.loadOptions(MAPPING, 'getLinkColumns', { parameters: { direction: 'googleToDynamics' } });
		expect(options[0]).toMatchObject({ value: '' });
		expect(values(options).slice(1, 3)).toEqual(expect.arrayContaining(['new_googleresourcename']));
	});
});
