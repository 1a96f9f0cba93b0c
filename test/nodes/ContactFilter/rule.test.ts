/**
 * The Contact Filter's parameters → lib/conditions rule: each condition type, Is / Is Not, the negated
 * operators the node offers, list values from pickers and expressions, and label names resolved.
 */
import { validateRule } from '../../../lib/conditions/evaluate';
import { RuleError } from '../../../lib/conditions/types';
import { GOOGLE_FIELDS } from '../../../lib/google/fields';
import {
	conditionFromParameters,
	labelNamesIn,
	listOf,
	operatorOptions,
	resolveLabels,
	ruleFromParameters,
} from '../../../nodes/ContactFilter/rule';
import { CONTACT_FIELDS, contactField } from '../../lib/conditions/fixtures';

describe('conditionFromParameters', () => {
	it('turns each Dynamics 365 condition type into its lib condition, "Is Not" into negate', () => {
		expect(conditionFromParameters({ type: 'active', match: 'is' })).toEqual({ kind: 'active', negate: false });
		expect(conditionFromParameters({ type: 'allowsEmail', match: 'isNot' })).toEqual({ kind: 'emailOptIn', channel: 'email', negate: true });
		expect(conditionFromParameters({ type: 'allowsBulkEmail' })).toEqual({ kind: 'emailOptIn', channel: 'bulkEmail', negate: false });
		expect(conditionFromParameters({ type: 'statusReason', statusReasons: [1, 100000000] })).toEqual({ kind: 'statusReason', values: [1, 100000000], negate: false });
		expect(conditionFromParameters({ type: 'existsInOtherApp', match: 'isNot' })).toEqual({ kind: 'existsInOtherApp', negate: true });
		expect(conditionFromParameters({ type: 'ownership', ownerMatch: 'chosen', owners: ['a', 'b'], match: 'isNot' })).toEqual({
			kind: 'ownership',
			match: 'oneOf',
			ownerIds: ['a', 'b'],
			negate: true,
		});
		expect(conditionFromParameters({ type: 'ownership', ownerMatch: 'connectionUser', owners: ['ignored'] })).toEqual({ kind: 'ownership', match: 'connectionUser', negate: false });
	});

	it('turns the Google Contacts condition types into theirs', () => {
		expect(conditionFromParameters({ type: 'isDeleted', match: 'is' })).toEqual({ kind: 'googleDeleted', negate: false });
		expect(conditionFromParameters({ type: 'hasLabel', labels: ['contactGroups/starred', 'VIP'] })).toEqual({
			kind: 'googleLabel',
			labels: [{ resourceName: 'contactGroups/starred' }, { resourceName: 'VIP' }],
			negate: false,
		});
		expect(conditionFromParameters({ type: 'field', field: 'userDefined:', customFieldKey: ' Customer Number ', operator: 'startsWith', value: 'C-' })).toEqual({
			kind: 'field',
			field: 'userDefined:Customer Number',
			operator: 'startsWith',
			value: 'C-',
			negate: false,
		});
	});

	it('maps the negated operators onto the lib operator with negate, and takes Value or Values as the operator needs', () => {
		expect(conditionFromParameters({ type: 'field', field: 'emailaddress1', operator: 'notEndsWith', value: '@example.com', values: ['x'] })).toEqual({
			kind: 'field',
			field: 'emailaddress1',
			operator: 'endsWith',
			value: '@example.com',
			negate: true,
		});
		expect(conditionFromParameters({ type: 'field', field: 'new_tier', operator: 'isNoneOf', values: 'Gold, Silver', value: 'x' })).toEqual({
			kind: 'field',
			field: 'new_tier',
			operator: 'isOneOf',
			values: ['Gold', 'Silver'],
			negate: true,
		});
		expect(conditionFromParameters({ type: 'field', field: 'telephone1', operator: 'isEmpty', value: 'ignored' })).toEqual({
			kind: 'field',
			field: 'telephone1',
			operator: 'isEmpty',
			negate: false,
		});
		expect(conditionFromParameters({ type: 'field', field: 'new_loyaltypoints', operator: 'greaterThan', value: 100 })).toMatchObject({ value: 100 });
	});

	it('names what is missing', () => {
		expect(() => conditionFromParameters({ type: 'field', operator: 'isEmpty' })).toThrow(new RuleError('names no field; pick one under "Field"'));
		expect(() => conditionFromParameters({ type: 'field', field: 'userDefined:', customFieldKey: ' ' })).toThrow('names no key');
		expect(() => conditionFromParameters({ type: 'teleport' })).toThrow('unknown condition type "teleport"');
	});
});

test('listOf takes picked lists, comma-separated text and single values from expressions', () => {
	expect(listOf([' Gold ', '', 3, null, true])).toEqual(['Gold', 3, true]);
	expect(listOf('On Hold, Moved Away,')).toEqual(['On Hold', 'Moved Away']);
	expect(listOf(100000000)).toEqual([100000000]);
	expect(listOf(undefined)).toEqual([]);
	expect(listOf('')).toEqual([]);
});

describe('ruleFromParameters', () => {
	it('numbers the condition a problem is in, and the rule validates against the org metadata', () => {
		expect(() => ruleFromParameters('all', [{ type: 'active' }, { type: 'field' }])).toThrow('Condition 2: names no field');
		const rule = ruleFromParameters('any', [
			{ type: 'statusReason', statusReasons: ['On Hold', 2] },
			{ type: 'field', field: 'new_interests', operator: 'isOneOf', values: ['Events'] },
		]);
		expect(rule.combine).toBe('any');
		expect(validateRule(rule, CONTACT_FIELDS)).toEqual([]);
		const wrong = ruleFromParameters('all', [{ type: 'field', field: 'birthdate', operator: 'contains', value: '1975' }]);
		expect(validateRule(wrong, CONTACT_FIELDS)).toEqual([
			'Condition 1: "contains" does not fit Birthday (birthdate), a date-only column; use one of: is empty, is not empty, equals, does not equal, greater than, less than',
		]);
	});
});

describe('operatorOptions', () => {
	it('lists what fits the field type, each negatable operator followed by its negation', () => {
		expect(operatorOptions(contactField('emailaddress1')).map((option) => option.value)).toEqual([
			'isEmpty', 'isNotEmpty', 'equals', 'notEquals', 'contains', 'notContains', 'startsWith', 'notStartsWith', 'endsWith', 'notEndsWith',
		]);
		expect(operatorOptions(contactField('new_tier')).map((option) => option.name)).toEqual(['Is Empty', 'Is Not Empty', 'Equals', 'Does Not Equal', 'Is One Of', 'Is None Of']);
		expect(operatorOptions(contactField('new_vip')).map((option) => option.value)).toEqual(['isEmpty', 'isNotEmpty', 'isTrue', 'isFalse']);
	});

	it('words order comparisons of dates as before / after', () => {
		expect(operatorOptions(contactField('birthdate')).map((option) => option.name)).toEqual(['Is Empty', 'Is Not Empty', 'Equals', 'Does Not Equal', 'Is After', 'Is Before']);
		expect(operatorOptions(contactField('new_loyaltypoints')).slice(-2).map((option) => option.name)).toEqual(['Greater Than', 'Less Than']);
	});

	it('every offered operator makes a rule that validates for its field', () => {
		for (const field of [...CONTACT_FIELDS, ...GOOGLE_FIELDS]) {
			const fields = field.app === 'google' ? GOOGLE_FIELDS : CONTACT_FIELDS;
			for (const { value: operator } of operatorOptions(field)) {
				const choice = field.options?.[0]?.label ?? 'Contoso';
				const value = field.options ? choice : field.type === 'date' || field.type === 'datetime' ? '2024-01-31' : field.type === 'phone' ? '+1 555 0100' : '42';
				const rule = ruleFromParameters('all', [{ type: 'field', field: field.name, operator, value, values: [choice] }]);
				expect([field.name, operator, validateRule(rule, fields)]).toEqual([field.name, operator, []]);
			}
		}
	});
});

describe('labels', () => {
	const groups = [
		{ resourceName: 'contactGroups/myContacts', name: 'My Contacts' },
		{ resourceName: 'contactGroups/1a2b', name: 'VIP' },
	];

	it('finds the values that are names, and resolves them (case-insensitive) to the groups, naming every label', () => {
		const rule = ruleFromParameters('all', [{ type: 'hasLabel', labels: ['contactGroups/myContacts', 'vip', 'contactGroups/gone'] }, { type: 'isDeleted' }]);
		expect(labelNamesIn(rule)).toEqual(['vip']);
		expect(resolveLabels(rule, groups).conditions[0]).toEqual({
			kind: 'googleLabel',
			labels: [
				{ resourceName: 'contactGroups/myContacts', name: 'My Contacts' },
				{ resourceName: 'contactGroups/1a2b', name: 'VIP' },
				{ resourceName: 'contactGroups/gone' },
			],
			negate: false,
		});
	});

	it('a name no group has is an error that lists the labels', () => {
		const rule = ruleFromParameters('all', [{ type: 'isDeleted' }, { type: 'hasLabel', labels: 'Customers' }]);
		expect(() => resolveLabels(rule, groups)).toThrow('Condition 2: Google Contacts has no label named "Customers"; its labels are "My Contacts", "VIP"');
	});
});
