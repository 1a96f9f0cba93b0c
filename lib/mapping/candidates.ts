/**
 * What a custom mapping can pair, for pickers: the Dynamics columns that can be mapped in a node's
 * direction, and for a chosen column the other app's fields it pairs with, each with the direction
 * the pair allows in words ("One-way: Dynamics 365 → Google Contacts (whole number → text)").
 *
 * The mapping compiler is the judge: a pair is offered only when a spec holding it compiles (types,
 * read-only fields, value maps, fields the default mappings in use already map, the node's
 * direction), so what a picker offers and what a run accepts cannot disagree. A type check runs
 * first and spares the compiler the pairs that cannot work anyway.
 */
import type { FieldDescriptor } from '../model/fields';
import { GOOGLE_FIELDS, describeGoogleField } from '../google/fields';
import { PLAIN_FIELDS, describePlainField } from '../plain/fields';
import { canonicalTypeNoun, isWritable, mappingDirection, type MappingDirectionName } from './compatibility';
import { defaultMappings, linkFieldNames } from './defaults';
import { APP_NAMES, compileMapping, MAPPING_DIRECTIONS, type MappingDirection } from './spec';
import type { ValueMap } from './values';

export interface PairCandidate {
	/** The other app's field. */
	field: FieldDescriptor;
	/** Offered only with a value map (a choice column and a text field, both ways). */
	needsValueMap: boolean;
	/** The direction the pair allows, in words, e.g. "Two-way (text ↔ text)". */
	summary: string;
}

export interface CandidateOptions {
	/** Default mappings switched off: their fields are free for custom mappings. */
	disabledDefaults?: string[];
}

/** A key no standard plain field has: it stands for a custom key, whose type follows the column. */
const PLAIN_CUSTOM_SAMPLE = 'customKey';

/** The other app's field a custom field or key would be, mapped with `column` (Google's userDefined:<key>, or a plain key). */
export function customFieldSample(direction: MappingDirection, column: FieldDescriptor): FieldDescriptor {
	const other = MAPPING_DIRECTIONS[direction].other;
	return (other === 'google' ? describeGoogleField('userDefined:key') : describePlainField(PLAIN_CUSTOM_SAMPLE, column)) as FieldDescriptor;
}

/** The other app's standard fields a custom mapping may name. */
export function otherAppFields(direction: MappingDirection): FieldDescriptor[] {
	return MAPPING_DIRECTIONS[direction].other === 'google' ? GOOGLE_FIELDS : PLAIN_FIELDS;
}

const isChoice = (field: FieldDescriptor) => field.type === 'choice' || field.type === 'multiChoice';

/** A value map a choice column's pairs are tried with: each option to its label. */
function sampleValueMap(column: FieldDescriptor): ValueMap {
	const options = column.options?.length ? column.options : [{ value: 0, label: 'value' }];
	return Object.fromEntries(options.map((option) => [String(option.value), option.label]));
}

function compiles(direction: MappingDirection, column: FieldDescriptor, field: FieldDescriptor, options: CandidateOptions, valueMap?: ValueMap): boolean {
	return compileMapping({
		direction,
		disabledDefaults: options.disabledDefaults,
		customMappings: [{ dynamicsField: column.name, otherField: field.name, valueMap }],
		// The column alone is enough: default mappings are checked by field name.
		catalogs: { dynamics: [column] },
	}).ok;
}

function arrow(direction: MappingDirection, allowed: MappingDirectionName, types: [string, string]): string {
	const other = APP_NAMES[MAPPING_DIRECTIONS[direction].other];
	if (allowed === 'both') return `Two-way (${types[0]} ↔ ${types[1]})`;
	if (allowed === 'toTarget') return `One-way: Dynamics 365 → ${other} (${types[0]} → ${types[1]})`;
	return `One-way: ${other} → Dynamics 365 (${types[1]} → ${types[0]})`;
}

/** The direction a pair allows in words; read-only fields and value maps are named. */
function summarize(direction: MappingDirection, column: FieldDescriptor, field: FieldDescriptor, needsValueMap: boolean): string {
	const allowed = mappingDirection(column, field, { valueMap: needsValueMap }).direction;
	const text = arrow(direction, allowed, [canonicalTypeNoun(column.type), canonicalTypeNoun(field.type)]);
	const notes: string[] = [];
	if (needsValueMap) notes.push('needs a value map');
	else if (isChoice(column) && allowed !== 'both' && mappingDirection(column, field, { valueMap: true }).direction === 'both') notes.push('two-way with a value map');
	if (!isWritable(column)) notes.push(`${column.label} is read-only`);
	if (!isWritable(field)) notes.push(`${field.label} is read-only`);
	return notes.length ? `${text}; ${notes.join('; ')}` : text;
}

/** How `column` and `field` pair in a node going `direction`, or undefined when a custom mapping of them would not compile. */
export function pairCandidate(direction: MappingDirection, column: FieldDescriptor, field: FieldDescriptor, options: CandidateOptions = {}): PairCandidate | undefined {
	const choice = isChoice(column);
	if (mappingDirection(column, field, { valueMap: choice }).direction === 'none') return undefined;
	if (compiles(direction, column, field, options)) return { field, needsValueMap: false, summary: summarize(direction, column, field, false) };
	if (choice && compiles(direction, column, field, options, sampleValueMap(column))) return { field, needsValueMap: true, summary: summarize(direction, column, field, true) };
	return undefined;
}

/** The other app's standard fields `column` can be mapped with in a node going `direction`. */
export function pairCandidates(direction: MappingDirection, column: FieldDescriptor, options: CandidateOptions = {}): PairCandidate[] {
	return otherAppFields(direction)
		.map((field) => pairCandidate(direction, column, field, options))
		.filter((candidate): candidate is PairCandidate => candidate !== undefined);
}

/** The Dynamics columns the default mappings in use map (no custom mapping can take them). */
function columnsOfDefaults(direction: MappingDirection, options: CandidateOptions): Set<string> {
	const enabled = defaultMappings(MAPPING_DIRECTIONS[direction].other).filter((mapping) => !options.disabledDefaults?.includes(mapping.id));
	return new Set(enabled.flatMap((mapping) => mapping.links.flatMap((link) => linkFieldNames(link).dynamics)));
}

/** The columns of `columns` that some field of the other app (a custom one included) can be mapped with in a node going `direction`. */
export function mappableColumns(direction: MappingDirection, columns: FieldDescriptor[], options: CandidateOptions = {}): FieldDescriptor[] {
	// Only a shortcut: the compiler would refuse every pair of these columns, one by one.
	const taken = columnsOfDefaults(direction, options);
	return columns.filter(
		(column) =>
			!taken.has(column.name) &&
			[customFieldSample(direction, column), ...otherAppFields(direction)].some((field) => pairCandidate(direction, column, field, options) !== undefined),
	);
}
