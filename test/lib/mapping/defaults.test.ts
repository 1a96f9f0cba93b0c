import { compileMapping, DEFAULT_MAPPING_IDS, defaultMappings, MAPPING_DIRECTIONS, type MappingDirection } from '../../../lib/mapping';
import { linkFieldNames } from '../../../lib/mapping/defaults';
import { DYNAMICS_CONTACT_FIELDS, STANDARD_CONTACT_ATTRIBUTES } from '../../../lib/dynamics/contact-fields';
import { describeGoogleField } from '../../../lib/google/fields';
import { describePlainField } from '../../../lib/plain/fields';

const dynamicsField = (name: string) => DYNAMICS_CONTACT_FIELDS.find((field) => field.name === name);

describe('the standard Dynamics contact catalogue', () => {
	it('describes the columns as the contact reference does', () => {
		expect(dynamicsField('firstname')).toMatchObject({ type: 'text', maxLength: 50, writable: true, label: 'First Name' });
		expect(dynamicsField('fullname')).toMatchObject({ type: 'text', maxLength: 160, writable: false });
		expect(dynamicsField('emailaddress1')).toMatchObject({ type: 'email', maxLength: 100 });
		expect(dynamicsField('telephone1')).toMatchObject({ type: 'phone', maxLength: 50, label: 'Business Phone' });
		expect(dynamicsField('company')).toMatchObject({ type: 'phone', label: 'Company Phone' });
		expect(dynamicsField('fax')).toMatchObject({ type: 'text', maxLength: 50 });
		expect(dynamicsField('address1_postalcode')).toMatchObject({ type: 'text', maxLength: 20 });
		expect(dynamicsField('address2_name')).toMatchObject({ maxLength: 100 });
		expect(dynamicsField('address1_composite')).toMatchObject({ type: 'multilineText', writable: false });
		expect(dynamicsField('description')).toMatchObject({ type: 'multilineText', maxLength: 2000, writable: true });
		expect(dynamicsField('birthdate')).toMatchObject({ type: 'date', writable: true });
		expect(dynamicsField('createdon')).toMatchObject({ type: 'datetime', writable: false });
		expect(dynamicsField('parentcustomerid')).toMatchObject({ type: 'lookup', writable: false, label: 'Company Name' });
		expect(dynamicsField('ownerid')).toMatchObject({ type: 'owner', writable: false });
		expect(dynamicsField('donotbulkemail')).toMatchObject({ type: 'boolean', writable: true });
		expect(dynamicsField('statecode')).toMatchObject({ type: 'choice', options: [{ value: 0, label: 'Active' }, { value: 1, label: 'Inactive' }] });
		expect(dynamicsField('versionnumber')).toMatchObject({ type: 'integer', writable: false });
		expect(dynamicsField('contactid')).toBeUndefined();
		expect(STANDARD_CONTACT_ATTRIBUTES.some((attribute) => attribute.LogicalName === 'contactid')).toBe(true);
	});

	it('names each column once', () => {
		const names = DYNAMICS_CONTACT_FIELDS.map((field) => field.name);
		expect(new Set(names).size).toBe(names.length);
	});
});

describe('default mappings', () => {
	it.each(['google', 'plain'] as const)('every %s default names real fields on both sides, each field once', (other) => {
		const describeOther = other === 'google' ? describeGoogleField : describePlainField;
		const mappings = defaultMappings(other);
		expect(mappings.map((mapping) => mapping.id)).toEqual(DEFAULT_MAPPING_IDS);
		const used = { dynamics: [] as string[], other: [] as string[] };
		for (const link of mappings.flatMap((mapping) => mapping.links)) {
			const names = linkFieldNames(link);
			for (const name of names.dynamics) expect([name, dynamicsField(name)?.name]).toEqual([name, name]);
			for (const name of names.other) expect([name, describeOther(name)?.name]).toEqual([name, name]);
			used.dynamics.push(...names.dynamics);
			used.other.push(...names.other);
		}
		expect(new Set(used.dynamics).size).toBe(used.dynamics.length);
		expect(new Set(used.other).size).toBe(used.other.length);
	});

	it.each(Object.keys(MAPPING_DIRECTIONS) as MappingDirection[])('%s carries the defaults its direction allows (company only out of Dynamics)', (direction) => {
		const compiled = compileMapping({ direction });
		if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
		const ids = [...new Set(compiled.mapping.links.map((link) => link.id))];
		const expected = MAPPING_DIRECTIONS[direction].fromDynamics ? DEFAULT_MAPPING_IDS : DEFAULT_MAPPING_IDS.filter((id) => id !== 'company');
		expect(ids).toEqual(expected);
	});

	it('leaves out the defaults switched off', () => {
		const compiled = compileMapping({ direction: 'dynamicsToGoogle', disabledDefaults: ['phones', 'notes', 'company'] });
		expect(compiled.ok && [...new Set(compiled.mapping.links.map((link) => link.id))]).toEqual(['names', 'emails', 'address', 'jobTitle', 'department', 'birthday']);
	});
});
