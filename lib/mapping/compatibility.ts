/**
 * Which pairs of fields can be mapped, and in which direction (DESIGN section 5, after PieSync's
 * and HubSpot data sync's rules):
 * - same type ↔ same type: two-way;
 * - text-like types are text with a format: text ↔ multi-line text, email ↔ text and phone ↔ text
 *   are two-way, because Dataverse and Google store all four as free strings (a value bound for an
 *   email field is still checked to look like an email address); email ↔ phone is incompatible;
 * - number, date, date-and-time, yes/no, choice, multi-select → text: one-way, toward the text field;
 * - a whole number → a decimal or money field: one-way (a decimal can have a fraction); decimal ↔ money two-way;
 * - choice ↔ choice, multi-select ↔ multi-select and text → choice only with an explicit value map
 *   (with one, the pair is two-way); without one, a choice goes one-way to text by its label;
 * - lookups and owners are read-only in mappings: their record name goes one-way to text;
 * - nothing is ever written to a read-only field;
 * - everything else (number ↔ date, number ↔ yes/no, date ↔ date-and-time…) is incompatible, with
 *   the reason. A date and a date-and-time do not mix: a date-and-time has no single calendar date
 *   without a time zone, and birthdays must never shift.
 */
import type { CanonicalType, FieldDescriptor } from '../model/fields';

export type MappingDirectionName = 'both' | 'toTarget' | 'toSource' | 'none';

export interface Compatibility {
	direction: MappingDirectionName;
	reason: string;
}

export interface CompatibilityOptions {
	/** An explicit value map translates between choice options and the other side's values. */
	valueMap?: boolean;
}

export const CANONICAL_TYPES: CanonicalType[] = [
	'text', 'multilineText', 'integer', 'decimal', 'money', 'boolean', 'date', 'datetime',
	'email', 'phone', 'choice', 'multiChoice', 'lookup', 'owner',
];

const NOUNS: Record<CanonicalType, string> = {
	text: 'text',
	multilineText: 'multi-line text',
	integer: 'whole number',
	decimal: 'decimal number',
	money: 'money amount',
	boolean: 'yes/no value',
	date: 'date',
	datetime: 'date and time',
	email: 'email address',
	phone: 'phone number',
	choice: 'choice',
	multiChoice: 'multi-select choice',
	lookup: 'lookup (a link to another record)',
	owner: 'owner (a user or team)',
};

/** The type in words, for pickers and messages: "whole number", "owner (a user or team)". */
export const canonicalTypeNoun = (type: CanonicalType): string => NOUNS[type];

const article = (noun: string) => (/^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`);
const fieldOf = (type: CanonicalType) => `${article(NOUNS[type])} field`;
/** "text" and "multi-line text" are mass nouns: no article. */
const valueOf = (type: CanonicalType) => (TEXT_TYPES.has(type) ? NOUNS[type] : article(NOUNS[type]));

const TEXT_TYPES = new Set<CanonicalType>(['text', 'multilineText']);
const TEXT_LIKE_TYPES = new Set<CanonicalType>(['text', 'multilineText', 'email', 'phone']);
const LINK_TYPES = new Set<CanonicalType>(['lookup', 'owner']);
const VALUE_MAPPED_TYPES = new Set<CanonicalType>(['choice', 'multiChoice']);
/** Types whose values have one faithful text form, so they can be shown in a text field. */
const TEXT_RENDERABLE_TYPES = new Set<CanonicalType>(['integer', 'decimal', 'money', 'boolean', 'date', 'datetime', 'choice', 'multiChoice', 'lookup', 'owner']);

interface Flow {
	ok: boolean;
	reason: string;
}

/** Can a value of type `from` be written into a field of type `to`? */
function flow(from: CanonicalType, to: CanonicalType, valueMap: boolean): Flow {
	const cannot = (reason = `${valueOf(from)} cannot be stored in ${fieldOf(to)}`): Flow => ({ ok: false, reason });
	if (LINK_TYPES.has(to)) return cannot(`${article(NOUNS[to])} is read-only in mappings`);
	if (VALUE_MAPPED_TYPES.has(from) && from === to) {
		return valueMap
			? { ok: true, reason: 'the value map translates each option' }
			: cannot(`two ${NOUNS[from]} fields need an explicit value map (which option is which); without one, map the ${NOUNS[from]} to a text field (one-way, by label)`);
	}
	if (from === to) return { ok: true, reason: `both are ${NOUNS[from]} fields` };
	if (TEXT_LIKE_TYPES.has(from) && TEXT_LIKE_TYPES.has(to)) {
		if (TEXT_TYPES.has(from) || TEXT_TYPES.has(to)) return { ok: true, reason: `${valueOf(from)} is text, which ${fieldOf(to)} holds` };
		return cannot();
	}
	if (TEXT_RENDERABLE_TYPES.has(from) && TEXT_TYPES.has(to)) {
		const how = LINK_TYPES.has(from) ? 'by the linked record\'s name' : VALUE_MAPPED_TYPES.has(from) ? (valueMap ? 'through the value map' : 'by label') : 'as text';
		return { ok: true, reason: `${valueOf(from)} can be written to ${fieldOf(to)} ${how}` };
	}
	if (TEXT_TYPES.has(from) && to === 'choice') {
		return valueMap
			? { ok: true, reason: 'the value map turns each text value into an option' }
			: cannot(`text can only be written to a choice field through a value map (which text is which option)`);
	}
	if (from === 'integer' && (to === 'decimal' || to === 'money')) return { ok: true, reason: `every whole number is ${article(NOUNS[to])}` };
	if ((from === 'decimal' && to === 'money') || (from === 'money' && to === 'decimal')) return { ok: true, reason: 'both are decimal numbers' };
	if ((from === 'decimal' || from === 'money') && to === 'integer') return cannot(`${valueOf(from)} can have a fraction, which a whole-number field cannot hold`);
	if ((from === 'date' && to === 'datetime') || (from === 'datetime' && to === 'date')) {
		return cannot('dates and dates with time do not mix: a date and time has no single calendar date without a time zone, and a date must never shift');
	}
	return cannot();
}

/**
 * The direction a pair of field types can be mapped in: `toTarget` (source → target only),
 * `toSource` (target → source only), `both`, or `none`, with the reason in words.
 */
export function compatibility(sourceType: CanonicalType, targetType: CanonicalType, options: CompatibilityOptions = {}): Compatibility {
	const valueMap = options.valueMap === true;
	const forward = flow(sourceType, targetType, valueMap);
	const backward = flow(targetType, sourceType, valueMap);
	if (forward.ok && backward.ok) return { direction: 'both', reason: `two-way: ${forward.reason}` };
	if (forward.ok) return { direction: 'toTarget', reason: `one-way toward ${fieldOf(targetType)}: ${forward.reason}, but ${backward.reason}` };
	if (backward.ok) return { direction: 'toSource', reason: `one-way toward ${fieldOf(sourceType)}: ${backward.reason}, but ${forward.reason}` };
	return { direction: 'none', reason: forward.reason === backward.reason ? forward.reason : `${forward.reason}, and ${backward.reason}` };
}

/** Nothing is written to read-only fields, lookups or owners. */
export function isWritable(field: FieldDescriptor): boolean {
	return field.writable && !LINK_TYPES.has(field.type);
}

const quoted = (field: FieldDescriptor) => `"${field.label}" (${field.name})`;

/**
 * The direction two concrete fields can be mapped in: the type rules, then read-only fields and
 * lists. `toTarget` means from `source` into `target`.
 */
export function mappingDirection(source: FieldDescriptor, target: FieldDescriptor, options: CompatibilityOptions = {}): Compatibility {
	if (source.multiple !== target.multiple) {
		const [list, single] = source.multiple ? [source, target] : [target, source];
		return {
			direction: 'none',
			reason: `${quoted(list)} holds a list of values and ${quoted(single)} holds one; map one item of the list instead (e.g. the first one)`,
		};
	}
	const byType = compatibility(source.type, target.type, options);
	let toTarget = byType.direction === 'both' || byType.direction === 'toTarget';
	let toSource = byType.direction === 'both' || byType.direction === 'toSource';
	const readOnly: string[] = [];
	if (!isWritable(target)) {
		if (toTarget) readOnly.push(`${quoted(target)} is read-only`);
		toTarget = false;
	}
	if (!isWritable(source)) {
		if (toSource) readOnly.push(`${quoted(source)} is read-only`);
		toSource = false;
	}
	if (readOnly.length === 0) return byType;
	const direction: MappingDirectionName = toTarget ? 'toTarget' : toSource ? 'toSource' : 'none';
	const notes = readOnly.join(' and ');
	if (direction === 'none') {
		const typeNote = byType.direction === 'both' ? '' : ` (${byType.reason})`;
		return { direction, reason: `nothing can be written: ${notes}${typeNote}` };
	}
	const [from, to] = direction === 'toTarget' ? [source, target] : [target, source];
	return { direction, reason: `one-way from ${quoted(from)} to ${quoted(to)}: ${notes}` };
}

export interface CompatibleField {
	field: FieldDescriptor;
	direction: Exclude<MappingDirectionName, 'none'>;
	reason: string;
}

/** The fields of `catalog` that `source` can be mapped with, and in which direction (for pickers). */
export function compatibleTargets(source: FieldDescriptor, catalog: FieldDescriptor[], options: CompatibilityOptions = {}): CompatibleField[] {
	const result: CompatibleField[] = [];
	for (const field of catalog) {
		const { direction, reason } = mappingDirection(source, field, options);
		if (direction !== 'none') result.push({ field, direction, reason });
	}
	return result;
}
