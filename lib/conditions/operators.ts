/**
 * The field condition's operators, typed by the column's canonical type: text compared case-insensitively,
 * trimmed and NFC-normalised; phones by their digits; numbers as numbers; date-only columns as calendar
 * dates (never shifted by a time zone); datetimes as instants; choices by value or by label.
 */

import { formatDateOnly, parseDateOnly } from '../mapping/dates';
import { normalizePhone } from '../mapping/normalize';
import type { CanonicalType, FieldDescriptor } from '../model/fields';
import { guidOf, type FieldReading } from './record';
import { RuleError, type ConditionValue, type FieldCondition, type FieldOperator } from './types';

type Family = 'text' | 'phone' | 'number' | 'date' | 'datetime' | 'boolean' | 'choice' | 'multiChoice' | 'lookup';

const FAMILIES: Record<CanonicalType, Family> = {
	text: 'text',
	multilineText: 'text',
	email: 'text',
	phone: 'phone',
	integer: 'number',
	decimal: 'number',
	money: 'number',
	boolean: 'boolean',
	date: 'date',
	datetime: 'datetime',
	choice: 'choice',
	multiChoice: 'multiChoice',
	lookup: 'lookup',
	owner: 'lookup',
};

const TYPE_WORDS: Record<CanonicalType, string> = {
	text: 'a text column',
	multilineText: 'a multiline text column',
	email: 'an email column',
	phone: 'a phone column',
	integer: 'a whole number column',
	decimal: 'a decimal number column',
	money: 'a currency column',
	boolean: 'a yes/no column',
	date: 'a date-only column',
	datetime: 'a date and time column',
	choice: 'a choice column',
	multiChoice: 'a multi-select choice column',
	lookup: 'a lookup column',
	owner: 'an owner column',
};

const EMPTINESS: readonly FieldOperator[] = ['isEmpty', 'isNotEmpty'];
const EQUALITY: readonly FieldOperator[] = ['equals', 'notEquals'];
const TEXT_SEARCH: readonly FieldOperator[] = ['contains', 'startsWith', 'endsWith'];
const ORDER: readonly FieldOperator[] = ['greaterThan', 'lessThan'];

const FAMILY_OPERATORS: Record<Family, readonly FieldOperator[]> = {
	text: [...EMPTINESS, ...EQUALITY, ...TEXT_SEARCH],
	phone: [...EMPTINESS, ...EQUALITY, ...TEXT_SEARCH],
	number: [...EMPTINESS, ...EQUALITY, ...ORDER],
	date: [...EMPTINESS, ...EQUALITY, ...ORDER],
	datetime: [...EMPTINESS, ...EQUALITY, ...ORDER],
	boolean: [...EMPTINESS, 'isTrue', 'isFalse'],
	choice: [...EMPTINESS, ...EQUALITY, 'isOneOf'],
	multiChoice: [...EMPTINESS, 'isOneOf'],
	lookup: [...EMPTINESS, ...EQUALITY, 'isOneOf', ...TEXT_SEARCH],
};

/** The operators that fit a column of this type, in the order a picker shows them. */
export function operatorsFor(type: CanonicalType): readonly FieldOperator[] {
	return FAMILY_OPERATORS[FAMILIES[type]];
}

/** Operators as users read them, e.g. in "use one of: …". */
export const OPERATOR_WORDS: Record<FieldOperator, string> = {
	isEmpty: 'is empty',
	isNotEmpty: 'is not empty',
	equals: 'equals',
	notEquals: 'does not equal',
	contains: 'contains',
	startsWith: 'starts with',
	endsWith: 'ends with',
	greaterThan: 'greater than',
	lessThan: 'less than',
	isTrue: 'is true',
	isFalse: 'is false',
	isOneOf: 'is one of',
};

/** The operators that carry a meaning of their own; `isNotEmpty` and `notEquals` are their negations. */
type BaseOperator = Exclude<FieldOperator, 'isNotEmpty' | 'notEquals'>;

const INVERSES: Partial<Record<FieldOperator, BaseOperator>> = { isNotEmpty: 'isEmpty', notEquals: 'equals' };

/** [as is, negated] wording of each base operator; dates read as after / before. */
const PHRASES: Record<BaseOperator, [string, string]> = {
	isEmpty: ['is empty', 'is not empty'],
	equals: ['equals', 'does not equal'],
	contains: ['contains', 'does not contain'],
	startsWith: ['starts with', 'does not start with'],
	endsWith: ['ends with', 'does not end with'],
	greaterThan: ['is greater than', 'is not greater than'],
	lessThan: ['is less than', 'is not less than'],
	isTrue: ['is true', 'is not true'],
	isFalse: ['is false', 'is not false'],
	isOneOf: ['is one of', 'is none of'],
};

const DATE_PHRASES: Partial<Record<BaseOperator, [string, string]>> = {
	greaterThan: ['is after', 'is not after'],
	lessThan: ['is before', 'is not before'],
};

/** "Business Phone (telephone1)": how messages and reasons name a column. */
export function fieldSubject(field: FieldDescriptor): string {
	return field.label && field.label !== field.name ? `${field.label} (${field.name})` : field.name;
}

function normaliseText(text: string): string {
	return text.normalize('NFC').trim().toLowerCase();
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function toNumber(value: unknown): number | undefined {
	if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
	if (typeof value === 'string' && NUMBER.test(value.trim())) return Number(value.trim());
	return undefined;
}

/** A calendar date with its year ("YYYY-MM-DD"), from a date-only value or the date part of an ISO datetime. */
function calendarDate(value: unknown): string | undefined {
	const date = typeof value === 'string' ? parseDateOnly(value) : undefined;
	return date?.year === undefined ? undefined : formatDateOnly(date);
}

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

interface ParsedDate {
	/** YYYY-MM-DD as written. */
	date: string;
	/** Milliseconds since the epoch when a time was given (no offset means UTC, as the Web API writes). */
	instant?: number;
}

/** "2024-01-31", "2024-01-31T09:30:00Z", "2024-01-31 09:30+01:00"; undefined for anything else. */
function parseDateTime(value: unknown): ParsedDate | undefined {
	const match = typeof value === 'string' ? DATE_TIME.exec(value.trim()) : null;
	const date = match ? calendarDate(match[1]) : undefined;
	if (!match || !date) return undefined;
	const [, , hours, minutes, seconds = '00', fraction = '', offset = 'Z'] = match;
	if (hours === undefined) return { date };
	const isoOffset = offset.toUpperCase() === 'Z' ? 'Z' : `${offset.slice(0, 3)}:${offset.slice(-2)}`;
	const instant = Date.parse(`${date}T${hours}:${minutes}:${seconds}${fraction}${isoOffset}`);
	return Number.isNaN(instant) ? undefined : { date, instant };
}

function isBlank(value: unknown): boolean {
	return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/**
 * The values a reading holds: none when absent or empty, several for multi-valued fields (Google lists)
 * and for Dynamics multi-select choices, which arrive as "1,3".
 */
function elementsOf(field: FieldDescriptor, reading: FieldReading): unknown[] {
	// The common case, one value: no list to flatten, split or filter.
	if (!Array.isArray(reading.value) && field.type !== 'multiChoice') return isBlank(reading.value) ? [] : [reading.value];
	const values = Array.isArray(reading.value) ? reading.value.flat(Infinity) : [reading.value];
	const elements = field.type === 'multiChoice'
		? values.flatMap((value) => (typeof value === 'string' ? value.split(',') : [value]))
		: values;
	return elements.filter((element) => !isBlank(element));
}

/** A value for messages: text quoted and cut at 60 characters, numbers and booleans as they are. */
function quote(value: unknown): string {
	if (typeof value !== 'string') return JSON.stringify(value);
	return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
}

/** What a record holds for a column, for reasons: `"ann@example.com"`, `2 ("Inactive")`, `empty`. */
export function describeReading(field: FieldDescriptor, reading: FieldReading): string {
	if (!reading.present) return 'not in the record';
	const elements = elementsOf(field, reading);
	if (elements.length === 0) return 'empty';
	const shown = elements.slice(0, 3).map(quote).join(', ') + (elements.length > 3 ? `, … (${elements.length} values)` : '');
	return reading.formatted && reading.formatted !== String(reading.value) ? `${shown} (${quote(reading.formatted)})` : shown;
}

/** Tests one of a record's values (with the record's formatted label, if any) against the prepared operand. */
type ElementTest = (element: unknown, formatted: string | undefined) => boolean;

interface OperatorContext {
	field: FieldDescriptor;
	operator: BaseOperator;
	operands: ConditionValue[];
}

function phrasesOf(field: FieldDescriptor, operator: BaseOperator): [string, string] {
	const family = FAMILIES[field.type];
	return ((family === 'date' || family === 'datetime') && DATE_PHRASES[operator]) || PHRASES[operator];
}

function fail(context: OperatorContext, problem: string): never {
	throw new RuleError(`${fieldSubject(context.field)} ${phrasesOf(context.field, context.operator)[0]}: ${problem}`);
}

function singleOperand(context: OperatorContext): ConditionValue {
	const [operand] = context.operands;
	if (context.operands.length !== 1 || isBlank(operand)) {
		fail(context, 'needs a value. To test for an empty column, use "is empty"');
	}
	return operand;
}

function textSearch(operator: BaseOperator, needle: string): (text: string) => boolean {
	if (operator === 'contains') return (text) => text.includes(needle);
	if (operator === 'startsWith') return (text) => text.startsWith(needle);
	if (operator === 'endsWith') return (text) => text.endsWith(needle);
	return (text) => text === needle;
}

function textTest(context: OperatorContext): ElementTest {
	const search = textSearch(context.operator, normaliseText(String(singleOperand(context))));
	return (element) => search(normaliseText(String(element)));
}

/**
 * Phones compare in the sync's normalised form ("0049 30 1234568" equals "+49 (0)30 1234568");
 * contains / starts with / ends with look at its digits alone.
 */
function phoneTest(context: OperatorContext): ElementTest {
	const operand = String(singleOperand(context));
	if (!/\d/.test(operand)) fail(context, `${quote(operand)} has no digits; phone numbers are compared by their digits`);
	const digitsOf = (phone: string) => normalizePhone(phone).replace(/\D/g, '');
	if (context.operator === 'equals') {
		const number = normalizePhone(operand);
		return (element) => normalizePhone(String(element)) === number;
	}
	const search = textSearch(context.operator, digitsOf(operand));
	return (element) => search(digitsOf(String(element)));
}

function ordering(operator: BaseOperator): (left: number | string, right: number | string) => boolean {
	if (operator === 'greaterThan') return (left, right) => left > right;
	if (operator === 'lessThan') return (left, right) => left < right;
	return (left, right) => left === right;
}

/** Compares each value, read as the column's type, with the operand; a value that does not read never matches. */
function orderedTest<T extends number | string>(context: OperatorContext, operand: T, read: (element: unknown) => T | undefined): ElementTest {
	const compare = ordering(context.operator);
	return (element) => {
		const value = read(element);
		return value !== undefined && compare(value, operand);
	};
}

function numberTest(context: OperatorContext): ElementTest {
	const operand = toNumber(singleOperand(context));
	if (operand === undefined) {
		fail(context, `${quote(context.operands[0])} is not a number (write 42, -3.5 or 1e6, with a dot for decimals)`);
	}
	return orderedTest(context, operand, toNumber);
}

function parseDateOperand(context: OperatorContext): ParsedDate {
	const operand = singleOperand(context);
	const parsed = parseDateTime(operand);
	if (!parsed) fail(context, `${quote(operand)} is not a date; write 2024-01-31 or 2024-01-31T09:30:00Z`);
	return parsed;
}

/** Date-only columns compare calendar dates as written: a birthday is the same day in every time zone. */
function dateTest(context: OperatorContext): ElementTest {
	return orderedTest(context, parseDateOperand(context).date, calendarDate);
}

/** Datetimes compare as instants; a date-only operand compares the instant's UTC calendar day. */
function datetimeTest(context: OperatorContext): ElementTest {
	const operand = parseDateOperand(context);
	const compare = ordering(context.operator);
	return (element) => {
		const value = parseDateTime(element);
		if (!value) return false;
		const instant = value.instant ?? Date.parse(`${value.date}T00:00:00Z`);
		if (operand.instant !== undefined) return compare(instant, operand.instant);
		return compare(new Date(instant).toISOString().slice(0, 10), operand.date);
	};
}

function booleanTest(context: OperatorContext): ElementTest {
	const expected = context.operator === 'isTrue';
	return (element) => element === expected;
}

function operandsOf(context: OperatorContext): ConditionValue[] {
	const operands = context.operator === 'isOneOf' ? context.operands : [singleOperand(context)];
	if (operands.length === 0 || operands.every(isBlank)) fail(context, 'needs at least one value');
	return operands.filter((operand) => !isBlank(operand));
}

/**
 * Choice operands become option values: a number (or "3") that is an option's value, else a label.
 * With the column's options known (Dynamics metadata) an operand that is neither is a rule error;
 * without them it is kept as text and matched against the value or the record's formatted label.
 */
function choiceValues(context: OperatorContext): Set<string> {
	const options = context.field.options;
	const values = new Set<string>();
	for (const operand of operandsOf(context)) {
		const text = normaliseText(String(operand));
		if (!options?.length) {
			values.add(text);
			continue;
		}
		const byValue = options.find((option) => normaliseText(String(option.value)) === text);
		const byLabel = options.filter((option) => normaliseText(option.label) === text);
		if (!byValue && byLabel.length === 0) {
			const choices = options.map((option) => `${option.label} (${option.value})`).join(', ');
			fail(context, `${quote(operand)} is neither a value nor a label of its choices: ${choices}`);
		}
		for (const option of byValue ? [byValue] : byLabel) values.add(normaliseText(String(option.value)));
	}
	return values;
}

function choiceTest(context: OperatorContext): ElementTest {
	const values = choiceValues(context);
	// Without known options an operand may be a label: compare it with the record's formatted value,
	// which Dynamics writes as "Red; Blue" for a multi-select choice.
	const matchesLabels = !context.field.options?.length;
	const labelsOf = (formatted: string): string[] => (context.field.type === 'multiChoice' ? formatted.split(';') : [formatted]);
	return (element, formatted) =>
		values.has(normaliseText(String(element))) ||
		(matchesLabels && formatted !== undefined && labelsOf(formatted).some((label) => values.has(normaliseText(label))));
}

/** Lookups (owner, parent company…) match by GUID or by the record's formatted name. */
function lookupTest(context: OperatorContext): ElementTest {
	if (context.operator !== 'equals' && context.operator !== 'isOneOf') {
		const search = textSearch(context.operator, normaliseText(String(singleOperand(context))));
		return (element, formatted) => search(normaliseText(formatted ?? String(element)));
	}
	const operands = operandsOf(context);
	const ids = new Set(operands.map(guidOf).filter((id) => id !== undefined));
	const names = new Set(operands.filter((operand) => !guidOf(operand)).map((operand) => normaliseText(String(operand))));
	return (element, formatted) =>
		ids.has(guidOf(element) ?? '') || (formatted !== undefined && names.has(normaliseText(formatted)));
}

const FAMILY_TESTS: Record<Family, (context: OperatorContext) => ElementTest> = {
	text: textTest,
	phone: phoneTest,
	number: numberTest,
	date: dateTest,
	datetime: datetimeTest,
	boolean: booleanTest,
	choice: choiceTest,
	multiChoice: choiceTest,
	lookup: lookupTest,
};

export interface FieldTest {
	/** The condition in words, negation included: `contains "example.com"`, `is not empty`. */
	wording: string;
	/** Whether a record's reading satisfies the condition, negation included. */
	matches(reading: FieldReading): boolean;
}

/**
 * Checks that the operator fits the column and parses the operand(s) once; throws a RuleError that
 * names the column and the fix. Multi-valued readings match when any of their values does.
 */
export function prepareFieldTest(field: FieldDescriptor, condition: Omit<FieldCondition, 'kind' | 'field'>): FieldTest {
	const family = FAMILIES[field.type];
	if (!FAMILY_OPERATORS[family].includes(condition.operator)) {
		const fitting = FAMILY_OPERATORS[family].map((operator) => OPERATOR_WORDS[operator]).join(', ');
		const named = Object.hasOwn(OPERATOR_WORDS, condition.operator) ? OPERATOR_WORDS[condition.operator] : String(condition.operator);
		throw new RuleError(
			`"${named}" does not fit ${fieldSubject(field)}, ${TYPE_WORDS[field.type]}; use one of: ${fitting}`,
		);
	}
	const operator = INVERSES[condition.operator] ?? (condition.operator as BaseOperator);
	const negated = (condition.negate === true) !== (operator !== condition.operator);
	const listed = condition.operator === 'isOneOf' ? condition.values : condition.value;
	const operands = listed === undefined ? [] : Array.isArray(listed) ? listed : [listed];
	const phrase = phrasesOf(field, operator);
	const takesOperands = !['isEmpty', 'isTrue', 'isFalse'].includes(operator);
	const wording = takesOperands ? `${phrase[negated ? 1 : 0]} ${operands.map(quote).join(', ')}` : phrase[negated ? 1 : 0];
	if (operator === 'isEmpty') {
		return { wording, matches: (reading) => (elementsOf(field, reading).length === 0) !== negated };
	}
	const test = FAMILY_TESTS[family]({ field, operator, operands });
	return {
		wording,
		matches(reading) {
			for (const element of elementsOf(field, reading)) if (test(element, reading.formatted)) return !negated;
			return negated;
		},
	};
}
