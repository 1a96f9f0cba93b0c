import { compileMapping, type MappingDirection } from '../../../lib/mapping';
import { customFieldSample, mappableColumns, pairCandidate, pairCandidates } from '../../../lib/mapping/candidates';
import { DYNAMICS_CONTACT_FIELDS } from '../../../lib/dynamics/contact-fields';
import { GOOGLE_FIELDS } from '../../../lib/google/fields';
import { PLAIN_FIELDS } from '../../../lib/plain/fields';
import { describeDynamicsAttribute, type FieldDescriptor } from '../../../lib/model/fields';

const custom = (attribute: Parameters<typeof describeDynamicsAttribute>[0]) => describeDynamicsAttribute({ IsCustomAttribute: true, ...attribute }) as FieldDescriptor;
const score = custom({ LogicalName: 'new_score', AttributeType: 'Integer' });
const channel = custom({
	LogicalName: 'new_channel',
	AttributeType: 'Picklist',
	OptionSet: { Options: [1, 2].map((value) => ({ Value: value, Label: { UserLocalizedLabel: { Label: value === 1 ? 'Email' : 'Phone' } } })) },
});
const columns = [...DYNAMICS_CONTACT_FIELDS, score, channel];
const column = (name: string) => columns.find((field) => field.name === name) as FieldDescriptor;
const DIRECTIONS: MappingDirection[] = ['dynamicsToGoogle', 'googleToDynamics', 'dynamicsToPlain', 'plainToDynamics'];
const names = (fields: Array<{ name: string } | { field: { name: string } }>) => fields.map((entry) => ('field' in entry ? entry.field.name : entry.name));

describe('pairCandidates', () => {
	it('offers a whole number only text fields of Google, one way out of Dynamics, and nothing the other way', () => {
		const candidates = pairCandidates('dynamicsToGoogle', score);
		expect(candidates.length).toBeGreaterThan(10);
		for (const candidate of candidates) {
			expect(['text', 'multilineText']).toContain(candidate.field.type);
			expect(candidate.summary).toMatch(/^One-way: Dynamics 365 → Google Contacts \(whole number → (multi-line )?text\)$/);
		}
		// Default-mapped fields stay out until their default is switched off.
		expect(names(candidates)).not.toContain('names.givenName');
		expect(names(pairCandidates('dynamicsToGoogle', score, { disabledDefaults: ['names'] }))).toContain('names.givenName');
		expect(pairCandidates('googleToDynamics', score)).toEqual([]);
	});

	it('pairs a choice column with text two ways only with a value map, and says so', () => {
		expect(pairCandidate('dynamicsToGoogle', channel, customFieldSample('dynamicsToGoogle', channel))).toMatchObject({
			needsValueMap: false,
			summary: 'One-way: Dynamics 365 → Google Contacts (choice → text); two-way with a value map',
		});
		expect(pairCandidate('googleToDynamics', channel, customFieldSample('googleToDynamics', channel))).toMatchObject({
			needsValueMap: true,
			summary: 'Two-way (choice ↔ text); needs a value map',
		});
	});

	it('names a read-only side', () => {
		expect(pairCandidate('dynamicsToPlain', column('fullname'), customFieldSample('dynamicsToPlain', column('fullname')))?.summary).toBe(
			'One-way: Dynamics 365 → plain fields (text → text); Full Name is read-only',
		);
		expect(pairCandidate('plainToDynamics', column('fullname'), customFieldSample('plainToDynamics', column('fullname')))).toBeUndefined();
	});

	it('a plain custom key takes the column\'s type, so it pairs two ways', () => {
		expect(pairCandidate('plainToDynamics', score, customFieldSample('plainToDynamics', score))?.summary).toBe('Two-way (whole number ↔ whole number)');
	});

	it.each(DIRECTIONS)('offers exactly the pairs the compiler accepts (%s)', (direction) => {
		const others = direction.includes('Google') ? GOOGLE_FIELDS : PLAIN_FIELDS;
		for (const dynamics of [score, channel, column('jobtitle'), column('nickname'), column('birthdate'), column('donotemail'), column('createdon')]) {
			const offered = new Set(names(pairCandidates(direction, dynamics)));
			for (const other of others) {
				const plain = compileMapping({ direction, catalogs: { dynamics: columns }, customMappings: [{ dynamicsField: dynamics.name, otherField: other.name }] }).ok;
				const mapped = compileMapping({ direction, catalogs: { dynamics: columns }, customMappings: [{ dynamicsField: dynamics.name, otherField: other.name, valueMap: { 1: 'Email', 2: 'Phone' } }] }).ok;
				expect([dynamics.name, other.name, offered.has(other.name)]).toEqual([dynamics.name, other.name, plain || (dynamics === channel && mapped)]);
			}
		}
	});
});

describe('mappableColumns', () => {
	it('leaves out the columns of default mappings in use, and read-only columns for a node writing Dynamics', () => {
		const fromDynamics = names(mappableColumns('dynamicsToGoogle', columns));
		expect(fromDynamics).toEqual(expect.arrayContaining(['new_score', 'new_channel', 'fullname', 'createdon', 'ownerid', 'nickname']));
		expect(fromDynamics).not.toContain('firstname');
		expect(fromDynamics).not.toContain('emailaddress1');
		expect(names(mappableColumns('dynamicsToGoogle', columns, { disabledDefaults: ['emails'] }))).toContain('emailaddress1');

		const intoDynamics = names(mappableColumns('googleToDynamics', columns));
		expect(intoDynamics).toEqual(expect.arrayContaining(['new_channel', 'nickname', 'donotemail']));
		for (const readOnly of ['fullname', 'createdon', 'ownerid', 'parentcustomerid']) expect(intoDynamics).not.toContain(readOnly);
		// No Google field takes a whole number back into Dynamics; a plain key of its own does.
		expect(intoDynamics).not.toContain('new_score');
		expect(names(mappableColumns('plainToDynamics', columns))).toContain('new_score');
	});
});
