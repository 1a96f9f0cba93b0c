import { compileMapping, validateMappingSpec, MAPPING_DIRECTIONS, type MappingDirection, type MappingSpec } from '../../../lib/mapping';
import { DYNAMICS_CONTACT_FIELDS } from '../../../lib/dynamics/contact-fields';
import { describeDynamicsAttribute, type FieldDescriptor } from '../../../lib/model/fields';

const catalogs = {
	dynamics: [
		...DYNAMICS_CONTACT_FIELDS,
		describeDynamicsAttribute({ LogicalName: 'new_source', AttributeType: 'String', MaxLength: 20, IsCustomAttribute: true }) as FieldDescriptor,
		describeDynamicsAttribute({ LogicalName: 'new_score', AttributeType: 'Integer', IsCustomAttribute: true }) as FieldDescriptor,
	],
};

const errorsOf = (spec: MappingSpec) => validateMappingSpec({ catalogs, ...spec });

describe('validateMappingSpec', () => {
	it.each(Object.keys(MAPPING_DIRECTIONS))('accepts the defaults alone (%s)', (direction) => {
		expect(errorsOf({ direction: direction as MappingDirection })).toEqual([]);
	});

	it('refuses an unknown direction and unknown default ids', () => {
		expect(validateMappingSpec({ direction: 'dynamicsToOutlook' as MappingDirection })).toEqual([
			{ field: 'direction', message: '"dynamicsToOutlook" is not a mapping direction', fix: 'Use one of: dynamicsToGoogle, googleToDynamics, dynamicsToPlain, plainToDynamics.' },
		]);
		expect(errorsOf({ direction: 'dynamicsToGoogle', disabledDefaults: ['phones', 'nicknames'] })).toEqual([
			{ field: 'disabledDefaults[1]', message: '"nicknames" is not a default mapping', fix: 'Use one of: names, emails, phones, address, company, jobTitle, department, birthday, notes.' },
		]);
	});

	it('refuses unknown fields on either side', () => {
		expect(errorsOf({ direction: 'dynamicsToGoogle', customMappings: [{ dynamicsField: 'new_sorce', otherField: 'userDefined:Source' }] })).toEqual([
			{
				field: 'customMappings[0].dynamicsField',
				message: '"new_sorce" is not a contact column of this Dynamics org',
				fix: "Pick a column from the list (loaded from the org's metadata), or check the logical name (lower case, e.g. new_source).",
			},
		]);
		expect(errorsOf({ direction: 'dynamicsToGoogle', customMappings: [{ dynamicsField: 'new_source', otherField: 'source' }] })).toEqual([
			{ field: 'customMappings[0].otherField', message: '"source" is not a Google Contacts field', fix: 'Use names.givenName, phoneNumbers:mobile, addresses:work.city or userDefined:<key>.' },
		]);
		expect(errorsOf({ direction: 'dynamicsToPlain', customMappings: [{ dynamicsField: 'new_source', otherField: ' source' }] })[0].field).toBe('customMappings[0].otherField');
	});

	it('refuses an incompatible pair, saying why', () => {
		expect(errorsOf({ direction: 'dynamicsToGoogle', disabledDefaults: ['birthday'], customMappings: [{ dynamicsField: 'new_score', otherField: 'birthdays[0].date' }] })).toEqual([
			{
				field: 'customMappings[0]',
				message: 'new_score ↔ birthdays[0].date cannot be mapped: a whole number cannot be stored in a date field, and a date cannot be stored in a whole number field',
				fix: 'Pick fields of compatible types (the picker offers only those), or map to a text field.',
			},
		]);
	});

	it('refuses a one-way pair in a node going the other way, unless the pair is set to that other way', () => {
		const company = { dynamicsField: 'parentcustomerid', otherField: 'userDefined:Company' };
		expect(errorsOf({ direction: 'googleToDynamics', customMappings: [company] })).toEqual([
			{
				field: 'customMappings[0]',
				message: expect.stringMatching(/^parentcustomerid ↔ userDefined:Company can only be mapped from Dynamics only \(.*read-only.*\), but this node maps Google Contacts → Dynamics 365$/),
				fix: 'Map the pair in a node going the other way.',
			},
		]);
		expect(errorsOf({ direction: 'googleToDynamics', customMappings: [{ ...company, direction: 'dynamicsToOther' }] })).toEqual([]);
		const compiled = compileMapping({ catalogs, direction: 'googleToDynamics', customMappings: [{ ...company, direction: 'dynamicsToOther' }] });
		expect(compiled.ok && compiled.mapping.links.some((link) => link.id === 'customMappings[0]')).toBe(false);
	});

	it('refuses a direction the pair does not allow, and an unknown direction', () => {
		expect(errorsOf({ direction: 'dynamicsToGoogle', customMappings: [{ dynamicsField: 'new_score', otherField: 'userDefined:Score', direction: 'both' }] })).toEqual([
			{ field: 'customMappings[0]', message: expect.stringContaining('can only be mapped from Dynamics only: one-way toward a text field'), fix: 'Set the direction to "dynamicsToOther".' },
		]);
		expect(errorsOf({ direction: 'dynamicsToGoogle', customMappings: [{ dynamicsField: 'new_source', otherField: 'userDefined:Source', direction: 'sideways' as 'both' }] })[0]).toMatchObject({ field: 'customMappings[0].direction' });
	});

	it('refuses broken value maps', () => {
		const mapping = { dynamicsField: 'preferredcontactmethodcode', otherField: 'userDefined:Contact by' };
		expect(errorsOf({ direction: 'dynamicsToGoogle', customMappings: [{ ...mapping, valueMap: { '2': 'Email', '9': 'Telegram' } }] })).toEqual([
			{ field: 'customMappings[0].valueMap', message: '"9" is not an option of preferredcontactmethodcode', fix: 'Use the option values: 1 (Any), 2 (Email), 3 (Phone), 4 (Fax), 5 (Mail).' },
		]);
		expect(errorsOf({ direction: 'dynamicsToGoogle', customMappings: [{ ...mapping, valueMap: { '2': '' } }] })[0].message).toBe('Option "2" maps to "", not to a text value');
		expect(errorsOf({ direction: 'dynamicsToGoogle', customMappings: [{ ...mapping, valueMap: {} }] })[0].message).toBe('The value map is empty or not an object');
		expect(errorsOf({ direction: 'dynamicsToGoogle', customMappings: [{ ...mapping, valueMap: { '2': 'Mail', '5': 'mail' } }] })).toEqual([
			{ field: 'customMappings[0].valueMap', message: 'Options "2" and "5" both map to "mail", so "mail" cannot be mapped back', fix: 'Give each option its own value, or map the pair one way (from Dynamics only).' },
		]);
		expect(errorsOf({ direction: 'dynamicsToGoogle', customMappings: [{ ...mapping, valueMap: { '2': 'Mail', '5': 'mail' }, direction: 'dynamicsToOther' }] })).toEqual([]);
		expect(errorsOf({ direction: 'dynamicsToGoogle', customMappings: [{ dynamicsField: 'new_source', otherField: 'userDefined:Source', valueMap: { '1': 'x' } }] })[0].message).toBe(
			'"new_source" (new_source) is not a choice column, so a value map does not apply',
		);
	});

	it('keeps custom mappings off fields a default mapping uses, until that default is switched off', () => {
		const work = { dynamicsField: 'telephone3', otherField: 'phoneNumbers:work' };
		expect(errorsOf({ direction: 'dynamicsToGoogle', customMappings: [work] })).toEqual([
			{ field: 'customMappings[0]', message: 'phoneNumbers:work is already mapped by a default mapping', fix: 'Switch that default mapping off to map the field yourself.' },
		]);
		expect(errorsOf({ direction: 'dynamicsToGoogle', disabledDefaults: ['phones'], customMappings: [work] })).toEqual([]);
		expect(errorsOf({ direction: 'dynamicsToGoogle', customMappings: [{ dynamicsField: 'new_source', otherField: 'emailAddresses[0]' }] })[0]?.message).toBe('emailAddresses is already mapped by a default mapping');
		expect(errorsOf({ direction: 'dynamicsToGoogle', customMappings: [{ dynamicsField: 'jobtitle', otherField: 'userDefined:Title' }] })[0]?.message).toBe('jobtitle is already mapped by a default mapping');
	});

	it('refuses a target field mapped twice', () => {
		expect(errorsOf({ direction: 'googleToDynamics', customMappings: [
			{ dynamicsField: 'new_source', otherField: 'userDefined:Source' },
			{ dynamicsField: 'new_source', otherField: 'userDefined:Origin' },
		] })).toEqual([{ field: 'customMappings[1]', message: 'new_source is already mapped by customMappings[0]', fix: 'Map each target field once.' }]);
	});

	it('checks fixed values against the target field', () => {
		expect(errorsOf({ direction: 'googleToDynamics', fixedValues: [
			{ field: 'new_source', value: 'Google Contacts' },
			{ field: 'new_origin', value: 'x' },
			{ field: 'fullname', value: 'x' },
			{ field: 'preferredcontactmethodcode', value: 'Pigeon' },
			{ field: 'new_source', value: 'Google Contacts via n8n, Berlin office' },
			{ field: 'new_score', value: 'high' },
		] })).toEqual([
			{ field: 'fixedValues[1].field', message: '"new_origin" is not a field of the target (Dynamics 365)', fix: "Pick a field from the list of the target app's fields." },
			{ field: 'fixedValues[2].field', message: '"Full Name" (fullname) is read-only; nothing can be written to it', fix: 'Pick a writable field.' },
			{ field: 'fixedValues[3].value', message: '"Pigeon" is not an option of preferredcontactmethodcode', fix: 'Use one of: Any, Email, Phone, Fax, Mail.' },
			{ field: 'fixedValues[4].value', message: '"new_source" (new_source) holds at most 20 characters; this value has 38', fix: 'Shorten the value, or choose "truncate" for over-long text.' },
			{ field: 'fixedValues[5].value', message: '"fixed value for new_score" (new_score) holds "high", which is not a number', fix: 'Use a number, with "." for decimals (e.g. 52000.50).' },
		]);
		expect(errorsOf({ direction: 'dynamicsToGoogle', fixedValues: [{ field: 'names.displayName', value: 'x' }] })[0].field).toBe('fixedValues[0].field');
	});

	it('checks labels and the link column', () => {
		expect(errorsOf({ direction: 'googleToDynamics', addToLabels: ['contactGroups/abc'] })[0]).toMatchObject({ field: 'addToLabels', message: expect.stringContaining('does not write to Google Contacts') });
		expect(errorsOf({ direction: 'dynamicsToGoogle', addToLabels: ['Unsubscribes'] })).toEqual([
			{ field: 'addToLabels[0]', message: '"Unsubscribes" is not a contact group resource name', fix: 'Pick the label from the list (its resource name looks like contactGroups/1a2b3c).' },
		]);
		expect(errorsOf({ direction: 'googleToDynamics', linkField: 'new_score' })[0]).toMatchObject({ field: 'linkField', message: '"new_score" is not a writable text column of the contact table' });
		expect(errorsOf({ direction: 'googleToDynamics', linkField: 'new_source' })).toEqual([]);
	});

	it('checks the options', () => {
		expect(errorsOf({ direction: 'dynamicsToGoogle', overLengthText: 'cut' as 'truncate', emptyValues: 'blank' as 'clear' }).map((error) => error.field)).toEqual(['overLengthText', 'emptyValues']);
	});

	it('reports every problem at once', () => {
		const errors = errorsOf({
			direction: 'dynamicsToGoogle',
			disabledDefaults: ['x'],
			customMappings: [{ dynamicsField: 'nope', otherField: 'userDefined:A' }, { dynamicsField: 'new_score', otherField: 'phoneNumbers:main' }],
			addToLabels: ['bad'],
		});
		expect(errors.map((error) => error.field)).toEqual(['disabledDefaults[0]', 'customMappings[0].dynamicsField', 'customMappings[1]', 'addToLabels[0]']);
	});
});
