/**
 * The Contact Filter's parameters as the rule lib/conditions evaluates: each condition entry of the
 * node becomes one Condition, "Is Not" its negation. The field operators the node offers are the
 * lib's, plus the negated text and list operators users expect to pick directly ("does not contain").
 */
import type { ContactRecord } from '../../lib/conditions/record';
import { OPERATOR_WORDS, operatorsFor } from '../../lib/conditions/operators';
import { RuleError, type CombineMode, type Condition, type ConditionValue, type ContactRule, type FieldOperator, type GoogleLabelRef } from '../../lib/conditions/types';
import type { FieldDescriptor } from '../../lib/model/fields';

export type ContactApp = ContactRecord['app'];

/** The Google field picker's entry for a custom field; the key comes from its own parameter. */
export const CUSTOM_GOOGLE_FIELD = 'userDefined:';

const NEGATED_OPERATORS = {
	notContains: 'contains',
	notStartsWith: 'startsWith',
	notEndsWith: 'endsWith',
	isNoneOf: 'isOneOf',
} as const satisfies Partial<Record<string, FieldOperator>>;

type NegatedOperator = keyof typeof NEGATED_OPERATORS;

/** An operator as the node's Operator parameter holds it. */
export type NodeOperator = FieldOperator | NegatedOperator;

const NEGATED_WORDS: Record<NegatedOperator, string> = {
	notContains: 'does not contain',
	notStartsWith: 'does not start with',
	notEndsWith: 'does not end with',
	isNoneOf: 'is none of',
};

/** The operators that take a single value (the Value parameter); the list operators take Values. */
export const SINGLE_VALUE_OPERATORS: NodeOperator[] = [
	'equals',
	'notEquals',
	'contains',
	'notContains',
	'startsWith',
	'notStartsWith',
	'endsWith',
	'notEndsWith',
	'greaterThan',
	'lessThan',
];

export const LIST_OPERATORS: NodeOperator[] = ['isOneOf', 'isNoneOf'];

function capitalise(words: string): string {
	return words.replace(/\b\w/g, (letter) => letter.toUpperCase());
}

/** The Operator options for a field, in the lib's order, each negatable operator followed by its negation. */
export function operatorOptions(field: FieldDescriptor): Array<{ name: string; value: NodeOperator }> {
	const dates = field.type === 'date' || field.type === 'datetime';
	const wordsFor = (operator: NodeOperator): string => {
		if (dates && operator === 'greaterThan') return 'is after';
		if (dates && operator === 'lessThan') return 'is before';
		return operator in NEGATED_WORDS ? NEGATED_WORDS[operator as NegatedOperator] : OPERATOR_WORDS[operator as FieldOperator];
	};
	const negations = Object.entries(NEGATED_OPERATORS) as Array<[NegatedOperator, FieldOperator]>;
	return operatorsFor(field.type).flatMap((operator) => {
		const negation = negations.find(([, base]) => base === operator)?.[0];
		return (negation ? [operator, negation] : [operator]).map((value) => ({ name: capitalise(wordsFor(value)), value }));
	});
}

/** One entry of the node's Conditions parameter, as n8n hands it over. */
export interface ConditionParameters {
	type?: string;
	match?: string;
	ownerMatch?: string;
	owners?: unknown;
	statusReasons?: unknown;
	labels?: unknown;
	field?: string;
	customFieldKey?: string;
	operator?: string;
	value?: unknown;
	values?: unknown;
}

/** A list parameter's values: a picked list, or a comma-separated text or array from an expression. */
export function listOf(value: unknown): ConditionValue[] {
	const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : value === undefined || value === null || value === '' ? [] : [value];
	return items
		.map((item) => (typeof item === 'string' ? item.trim() : item))
		.filter((item): item is ConditionValue => (typeof item === 'string' && item !== '') || typeof item === 'number' || typeof item === 'boolean');
}

function fieldCondition(parameters: ConditionParameters, errorPrefix: string): Condition {
	const picked = typeof parameters.field === 'string' ? parameters.field.trim() : '';
	if (picked === '') throw new RuleError(`${errorPrefix}names no field; pick one under "Field"`);
	let field = picked;
	if (picked === CUSTOM_GOOGLE_FIELD) {
		const key = typeof parameters.customFieldKey === 'string' ? parameters.customFieldKey.trim() : '';
		if (key === '') throw new RuleError(`${errorPrefix}is about a custom field but names no key; enter the custom field's name under "Custom Field Key"`);
		field = `${CUSTOM_GOOGLE_FIELD}${key}`;
	}
	const chosen = (parameters.operator ?? 'isNotEmpty') as NodeOperator;
	const operator = (Object.hasOwn(NEGATED_OPERATORS, chosen) ? NEGATED_OPERATORS[chosen as NegatedOperator] : chosen) as FieldOperator;
	const condition: Condition = { kind: 'field', field, operator, negate: operator !== chosen };
	if (operator === 'isOneOf') condition.values = listOf(parameters.values);
	else if (SINGLE_VALUE_OPERATORS.includes(chosen)) condition.value = typeof parameters.value === 'number' ? parameters.value : String(parameters.value ?? '');
	return condition;
}

/** Label values are group resource names from the picker; anything else is a label's name, resolved before the run. */
function labelRefs(value: unknown): GoogleLabelRef[] {
	return listOf(value).map((label) => ({ resourceName: String(label) }));
}

/** A condition of the node's parameters; one that cannot be read throws a RuleError starting with errorPrefix (e.g. "Condition 2: "). */
export function conditionFromParameters(parameters: ConditionParameters, errorPrefix = ''): Condition {
	const negate = parameters.match === 'isNot';
	switch (parameters.type) {
		case 'ownership':
			return parameters.ownerMatch === 'connectionUser'
				? { kind: 'ownership', match: 'connectionUser', negate }
				: { kind: 'ownership', match: 'oneOf', ownerIds: listOf(parameters.owners).map(String), negate };
		case 'allowsEmail':
			return { kind: 'emailOptIn', channel: 'email', negate };
		case 'allowsBulkEmail':
			return { kind: 'emailOptIn', channel: 'bulkEmail', negate };
		case 'active':
			return { kind: 'active', negate };
		case 'statusReason':
			return { kind: 'statusReason', values: listOf(parameters.statusReasons), negate };
		case 'existsInOtherApp':
			return { kind: 'existsInOtherApp', negate };
		case 'hasLabel':
			return { kind: 'googleLabel', labels: labelRefs(parameters.labels), negate };
		case 'isDeleted':
			return { kind: 'googleDeleted', negate };
		case 'field':
			return fieldCondition(parameters, errorPrefix);
		default:
			throw new RuleError(`${errorPrefix}has an unknown condition type ${JSON.stringify(parameters.type)}; pick one from the list`);
	}
}

/** The rule of the node's parameters; a condition that cannot be read throws a RuleError naming it. */
export function ruleFromParameters(combine: string, entries: ConditionParameters[]): ContactRule {
	const conditions = entries.map((entry, index) => conditionFromParameters(entry, `Condition ${index + 1}: `));
	return { combine: combine as CombineMode, conditions };
}

const GROUP_RESOURCE_NAME = /^contactGroups\/[^/\s]+$/;

/** The label values of a rule that are names rather than group resource names (typed in or from an expression). */
export function labelNamesIn(rule: ContactRule): string[] {
	return rule.conditions.flatMap((condition) =>
		condition.kind === 'googleLabel' ? condition.labels.map((label) => label.resourceName).filter((value) => !GROUP_RESOURCE_NAME.test(value)) : [],
	);
}

export interface NamedGroup {
	resourceName: string;
	name: string;
}

/**
 * Points label conditions at the account's groups: names (case-insensitive) become resource names, and
 * every label gets its group's name for the reasons. A name no group has is a RuleError listing the labels.
 */
export function resolveLabels(rule: ContactRule, groups: NamedGroup[]): ContactRule {
	const byName = new Map(groups.map((group) => [group.name.trim().toLowerCase(), group]));
	const byResourceName = new Map(groups.map((group) => [group.resourceName, group]));
	const conditions = rule.conditions.map((condition, index) => {
		if (condition.kind !== 'googleLabel') return condition;
		const labels = condition.labels.map((label) => {
			const group = byResourceName.get(label.resourceName) ?? byName.get(label.resourceName.trim().toLowerCase());
			if (group) return { resourceName: group.resourceName, name: group.name };
			if (GROUP_RESOURCE_NAME.test(label.resourceName)) return label;
			const known = groups.map((candidate) => JSON.stringify(candidate.name)).join(', ') || 'none';
			throw new RuleError(`Condition ${index + 1}: Google Contacts has no label named ${JSON.stringify(label.resourceName)}; its labels are ${known}`);
		});
		return { ...condition, labels };
	});
	return { ...rule, conditions };
}
