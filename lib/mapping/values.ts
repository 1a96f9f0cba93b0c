/**
 * Values in their canonical form (per field type): how they are compared, and how a value of one
 * type becomes a value of another when a mapping carries it across. Conversions follow the
 * compatibility rules; they also check values that come from untyped places (plain JSON from other
 * nodes: "42" for a number, "true" for a yes/no, "1990-05-01" for a date).
 */
import type { CanonicalType, FieldDescriptor } from '../model/fields';
import { formatDateOnly, parseDateOnly } from './dates';
import { normalizeEmail, normalizePhone } from './normalize';

/** An explicit map from a Dynamics option value ("1") to the other side's value ("Email"). */
export type ValueMap = Record<string, string>;

/**
 * The keys a JSON object's text names more than once (JSON.parse silently keeps the last). Walks the
 * string literals in order, so a colon inside a value is never taken for a key; meant for flat maps.
 */
export function repeatedJsonKeys(json: string): string[] {
	const seen = new Set<string>();
	const repeated = new Set<string>();
	for (const [, literal, colon] of json.matchAll(/("(?:[^"\\]|\\.)*")(\s*:)?/g)) {
		if (!colon) continue;
		const key = JSON.parse(literal) as string;
		if (seen.has(key)) repeated.add(key);
		seen.add(key);
	}
	return [...repeated];
}

export function isEmptyValue(value: unknown): boolean {
	return value === undefined || value === null || (typeof value === 'string' && value.trim() === '') || (Array.isArray(value) && value.length === 0);
}

const NUMBER_TYPES = new Set<CanonicalType>(['integer', 'decimal', 'money']);
const TEXT_LIKE_TYPES = new Set<CanonicalType>(['text', 'multilineText', 'email', 'phone']);

const normalizeLineBreaks = (text: string) => text.replace(/\r\n?/g, '\n').trim();

function toBoolean(value: unknown): boolean | undefined {
	if (typeof value === 'boolean') return value;
	if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
	return undefined;
}

function toNumber(value: unknown): number | undefined {
	if (typeof value === 'number' && Number.isFinite(value)) return value;
	if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
	return undefined;
}

function scalarEqual(type: CanonicalType, a: unknown, b: unknown): boolean {
	switch (type) {
		case 'email':
			return normalizeEmail(String(a)) === normalizeEmail(String(b));
		case 'phone':
			return normalizePhone(String(a)) === normalizePhone(String(b));
		case 'integer':
		case 'decimal':
		case 'money':
			return toNumber(a) !== undefined && toNumber(a) === toNumber(b);
		case 'boolean':
			return toBoolean(a) !== undefined && toBoolean(a) === toBoolean(b);
		case 'date': {
			const [dateA, dateB] = [parseDateOnly(String(a)), parseDateOnly(String(b))];
			return dateA !== undefined && dateB !== undefined && formatDateOnly(dateA) === formatDateOnly(dateB);
		}
		case 'datetime':
			return Date.parse(String(a)) === Date.parse(String(b));
		default:
			return typeof a === 'object' || typeof b === 'object' ? JSON.stringify(a) === JSON.stringify(b) : normalizeLineBreaks(String(a)) === normalizeLineBreaks(String(b));
	}
}

/**
 * Are two canonical values of `field` the same value? Emails compare trimmed and case-insensitively,
 * phones by their digits, text ignoring surrounding space and line-break style, lists in order
 * (multi-select choices and labels as sets), and every kind of empty equals every other.
 */
export function valuesEqual(field: Pick<FieldDescriptor, 'type' | 'multiple'>, a: unknown, b: unknown): boolean {
	if (isEmptyValue(a) || isEmptyValue(b)) return isEmptyValue(a) && isEmptyValue(b);
	if (Array.isArray(a) || Array.isArray(b)) {
		const [listA, listB] = [a, b].map((value) => (Array.isArray(value) ? value : [value]));
		if (listA.length !== listB.length) return false;
		if (field.type === 'multiChoice') return listA.every((item) => listB.some((other) => scalarEqual(field.type, item, other)));
		return listA.every((item, index) => scalarEqual(field.type, item, listB[index]));
	}
	return scalarEqual(field.type, a, b);
}

/** Why a value could not be carried into a field, in words for an item error. */
export class ValueError extends Error {
	constructor(
		message: string,
		readonly fix: string,
	) {
		super(message);
	}
}

/** How a conversion labels options and yes/no values of the source record. */
export interface ConversionContext {
	valueMap?: ValueMap;
	/** True when the value comes from Dynamics (value map keys are Dynamics option values). */
	fromDynamics: boolean;
	/** The display label of a source value (option label, yes/no label), when the source has one. */
	labelOf(field: FieldDescriptor, value: unknown): string | undefined;
	/** The target's current value, so a value-mapped multi-select keeps its unmapped entries. */
	current?: unknown;
}

/** A value carried across, or `undefined` when there is nothing to write (a birthday without a year, for Dynamics). */
export type Converted = { value: unknown } | undefined;

const describe = (field: FieldDescriptor) => `"${field.label}" (${field.name})`;
const shown = (value: unknown) => JSON.stringify(value);

function optionLabel(field: FieldDescriptor, value: unknown, context: ConversionContext): string {
	const option = field.options?.find((candidate) => String(candidate.value) === String(value));
	return option?.label ?? context.labelOf(field, value) ?? String(value);
}

function asList(value: unknown): unknown[] {
	if (Array.isArray(value)) return value;
	if (typeof value === 'string') return value.split(',').map((part) => part.trim()).filter((part) => part !== '');
	return [value];
}

const sameText = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** Value-mapped conversion: Dynamics option values (the map's keys) ↔ the other side's values. */
function convertWithValueMap(value: unknown, from: FieldDescriptor, to: FieldDescriptor, context: ConversionContext): Converted {
	const map = context.valueMap ?? {};
	const multi = from.type === 'multiChoice' || to.type === 'multiChoice';
	const mapped: unknown[] = [];
	for (const item of multi ? asList(value) : [value]) {
		const target = context.fromDynamics
			? map[String(item)]
			: Object.keys(map).find((key) => sameText(map[key], String(item)));
		if (target !== undefined) {
			mapped.push(context.fromDynamics ? target : Number(target));
		} else if (!multi) {
			const known = context.fromDynamics ? `option ${shown(item)} (${optionLabel(from, item, context)})` : `value ${shown(item)}`;
			throw new ValueError(`${known} of ${describe(from)} has no entry in the value map for ${describe(to)}`, 'Add it to the value map, or correct the value.');
		}
	}
	if (!multi) return { value: mapped[0] };
	if (to.type !== 'multiChoice') return { value: mapped.join(', ') };
	// Entries the map does not speak about (other labels, other options) stay as they are.
	const mappedRange = new Set(context.fromDynamics ? Object.values(map).map((entry) => entry.toLowerCase()) : Object.keys(map));
	const kept = isEmptyValue(context.current) ? [] : asList(context.current).filter((entry) => !mappedRange.has(String(entry).toLowerCase()));
	return { value: [...kept, ...mapped.filter((entry) => !kept.some((other) => String(other) === String(entry)))] };
}

/** The text form of a value of a non-text type (numbers as written, dates as YYYY-MM-DD, options by label). */
function asText(value: unknown, from: FieldDescriptor, context: ConversionContext): string {
	switch (from.type) {
		case 'choice':
			return optionLabel(from, value, context);
		case 'multiChoice':
			return asList(value).map((item) => optionLabel(from, item, context)).join(', ');
		case 'boolean':
			return context.labelOf(from, value) ?? String(value);
		default:
			return String(value);
	}
}

/** The error for a value that is not of the type its target takes (made only when a value is wrong). */
const notA = (value: unknown, from: FieldDescriptor, expected: string, fix: string) => new ValueError(`${describe(from)} holds ${shown(value)}, which is not ${expected}`, fix);

/** Checks a value that arrives for `type`, as it may come from an untyped source. */
function sameTypeValue(value: unknown, from: FieldDescriptor, to: FieldDescriptor): Converted {
	switch (to.type) {
		case 'integer':
		case 'decimal':
		case 'money': {
			const number = toNumber(value);
			if (number === undefined) throw notA(value, from, 'a number', 'Use a number, with "." for decimals (e.g. 52000.50).');
			if (to.type === 'integer' && !Number.isInteger(number)) throw notA(value, from, 'a whole number', 'Use a whole number.');
			return { value: number };
		}
		case 'boolean': {
			const flag = toBoolean(value);
			if (flag === undefined) throw notA(value, from, 'a yes/no value', 'Use true or false.');
			return { value: flag };
		}
		case 'date': {
			const date = typeof value === 'string' ? parseDateOnly(value) : undefined;
			if (!date) throw notA(value, from, 'a date', 'Write the date as YYYY-MM-DD (e.g. 1975-04-30).');
			// Dataverse cannot store a date without a year: such a birthday stays out of Dynamics.
			if (date.year === undefined && to.app === 'dynamics') return undefined;
			return { value: formatDateOnly(date) };
		}
		case 'choice':
		case 'multiChoice':
		case 'datetime':
			return { value };
		default:
			if (typeof value === 'object') throw notA(value, from, 'text', 'Use text, not a list or an object.');
			// Space around a name, an email or a phone number is never part of it.
			return { value: String(value).trim() };
	}
}

/**
 * Carries a non-empty canonical value of `from` into `to`. The pair is known to be compatible in
 * this direction; values that still do not fit (an unmapped option, "abc" for a number) throw a
 * ValueError naming the field and the fix.
 */
export function convertValue(value: unknown, from: FieldDescriptor, to: FieldDescriptor, context: ConversionContext): Converted {
	if (context.valueMap) return convertWithValueMap(value, from, to, context);
	if (from.type === to.type || (NUMBER_TYPES.has(from.type) && NUMBER_TYPES.has(to.type))) return sameTypeValue(value, from, to);
	if (TEXT_LIKE_TYPES.has(to.type)) return sameTypeValue(TEXT_LIKE_TYPES.has(from.type) ? value : asText(value, from, context), from, to);
	throw new ValueError(`${describe(from)} cannot be carried into ${describe(to)}`, 'Map fields of compatible types.');
}

/** One @, and no space, control or invisible formatting character (zero-width, bidi overrides) that would make a look-alike address. */
const LOOKS_LIKE_EMAIL = /^[^\s@\p{Cc}\p{Cf}]+@[^\s@\p{Cc}\p{Cf}]+$/u;
/** Control characters Dataverse does not store in text (tab and line breaks are fine). */
const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
/** Dataverse's DateTimeAttributeMetadata MinSupportedValue and MaxSupportedValue, as dates. */
const DYNAMICS_DATES = { min: '1753-01-01', max: '9999-12-31' };
const ASTRAL = /[\uD800-\uDBFF][\uDC00-\uDFFF]/;

/** Cuts text to `maxLength` UTF-16 units (as Dataverse counts) without splitting a surrogate pair. */
function truncateText(text: string, maxLength: number): string {
	const cut = text.slice(0, maxLength);
	return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

const isNotEmail = (item: unknown) => typeof item === 'string' && !LOOKS_LIKE_EMAIL.test(item.trim());

export type OverLengthText = 'error' | 'truncate';

/**
 * Checks a value about to be written into `field`: a Dynamics or Google email takes only email
 * addresses (both are match keys: a look-alike would create an unmatched contact), and text for Dynamics fits the column's MaxLength, or is
 * cut when the user chose "truncate". Returns the value to write; throws a ValueError naming the
 * field and the fix.
 */
export function fitTargetValue(field: FieldDescriptor, value: unknown, overLength: OverLengthText): unknown {
	if (field.type === 'email' && field.app !== 'plain') {
		const bad = Array.isArray(value) ? value.find(isNotEmail) : isNotEmail(value) ? value : undefined;
		if (bad !== undefined) throw new ValueError(`${shown(bad)} is not an email address, so it cannot go into ${describe(field)}`, 'Correct the email address.');
	}
	if (field.app !== 'dynamics' || typeof value !== 'string') return value;
	const control = CONTROL_CHARACTER.exec(value);
	if (control) {
		const code = `U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
		throw new ValueError(`${describe(field)} cannot hold the control character ${code} (at position ${control.index + 1} of ${shown(value.slice(0, 40))})`, 'Remove the control character from the value in the source app.');
	}
	if ((field.type === 'date' || field.type === 'datetime') && (value.slice(0, 10) < DYNAMICS_DATES.min || value.slice(0, 10) > DYNAMICS_DATES.max)) {
		throw new ValueError(`${describe(field)} takes dates from ${DYNAMICS_DATES.min} to ${DYNAMICS_DATES.max}; ${shown(value)} is outside that range`, 'Correct the date in the source app.');
	}
	if (field.maxLength === undefined || value.length <= field.maxLength) return value;
	if (overLength === 'truncate') return truncateText(value, field.maxLength);
	// Dataverse counts UTF-16 units: an emoji takes two of them.
	const units = ASTRAL.test(value) ? ' (emoji and other characters outside the Basic Multilingual Plane count as 2)' : '';
	throw new ValueError(
		`${describe(field)} holds at most ${field.maxLength} characters; this value has ${value.length}${units}`,
		'Shorten the value, or choose "truncate" for over-long text.',
	);
}
