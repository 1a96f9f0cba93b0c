/**
 * The Contact Field Mapping's run: the parameters become a mapping spec, compiled once (per distinct
 * spec, since parameters may be expressions), then each item's contact is mapped by lib/mapping into
 * a target-ready record with its match keys and source id.
 *
 * Errors: a spec that does not compile stops the node before any item is mapped, naming the
 * parameter and why; an item whose values do not fit (text too long for its column, a bad email, an
 * option missing from a value map) fails alone, naming the field and the fix. With "Continue" on,
 * failures become items `{ error: { message, field, fix } }` instead (n8n's own fallback would pass
 * the source contacts on to the writer).
 */
import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import {
	compileMapping,
	mapContact,
	MAPPING_DIRECTIONS,
	type CompiledMapping,
	type CustomMapping,
	type MappingDirection,
	type MappingError,
	type MappingSpec,
	type TargetRecord,
	type ValueMap,
} from '../../lib/mapping';
import type { DirectionInfo } from '../../lib/mapping/spec';
import type { FieldDescriptor } from '../../lib/model/fields';
import { DYNAMICS_CREDENTIAL } from '../shared/transport';
import { CUSTOM_FIELD } from './description';
import { disabledDefaults, dynamicsColumns } from './methods';

interface CustomMappingParameters {
	dynamicsField?: string;
	otherField?: string;
	customFieldName?: string;
	valueMap?: string | IDataObject;
	syncDirection?: 'auto' | 'dynamicsToOther' | 'otherToDynamics';
}

interface FixedValueParameters {
	field?: string;
	customFieldName?: string;
	value?: unknown;
}

interface MappingOptions {
	blankValuesOverwrite?: boolean;
	currentRecordField?: string;
	dynamicsLinkColumn?: string;
	plainIdField?: string;
	overLengthText?: 'error' | 'truncate';
}

/** A spec from one item's parameters, with the problems found before compiling it. */
interface ItemSpec {
	spec: MappingSpec;
	problems: MappingError[];
	options: MappingOptions;
}

/** Where the target's current record is looked for unless the options say otherwise. */
const CURRENT_RECORD_FIELD = 'current';

const APP_NAMES = { dynamics: 'Dynamics 365', google: 'Google Contacts', plain: 'plain fields' } as const;

/** A field the user names ("Custom Field"): a Google custom field is `userDefined:<label>`, a plain one its key. */
function namedField(sides: DirectionInfo, picked: string | undefined, customName: string | undefined, where: string, problems: MappingError[]): string {
	if (picked !== CUSTOM_FIELD) return picked ?? '';
	const name = (customName ?? '').trim();
	if (name === '') problems.push({ field: `${where}.customFieldName`, message: 'The custom field has no name', fix: 'Enter the custom field\'s name, or pick a field from the list.' });
	return sides.other === 'google' ? `userDefined:${name}` : name;
}

function parseValueMap(value: CustomMappingParameters['valueMap'], where: string, problems: MappingError[]): ValueMap | undefined {
	let parsed: unknown = value;
	if (typeof value === 'string') {
		if (value.trim() === '') return undefined;
		try {
			parsed = JSON.parse(value);
		} catch (error) {
			problems.push({ field: `${where}.valueMap`, message: `The value map is not valid JSON (${(error as Error).message})`, fix: 'Write it as { "<option value>": "<other value>" }, e.g. { "100000000": "Email" }.' });
			return undefined;
		}
	}
	// {} is the parameter's default: no value map.
	if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && Object.keys(parsed).length === 0) return undefined;
	return parsed as ValueMap;
}

/** One item's mapping spec, from the node's parameters (which may be expressions). */
function readItemSpec(context: IExecuteFunctions, direction: MappingDirection, itemIndex: number, catalog: FieldDescriptor[]): ItemSpec {
	const sides = MAPPING_DIRECTIONS[direction];
	const problems: MappingError[] = [];
	const selectedDefaults = context.getNodeParameter('defaultMappings', itemIndex, []);
	const customs = context.getNodeParameter('customMappings.mapping', itemIndex, []) as CustomMappingParameters[];
	const fixed = context.getNodeParameter('fixedValues.value', itemIndex, []) as FixedValueParameters[];
	const options = context.getNodeParameter('options', itemIndex, {}) as MappingOptions;
	const spec: MappingSpec = {
		direction,
		disabledDefaults: disabledDefaults(selectedDefaults),
		customMappings: customs.map((mapping, index) => {
			const where = `customMappings[${index}]`;
			const custom: CustomMapping = {
				dynamicsField: (mapping.dynamicsField ?? '').trim(),
				otherField: namedField(sides, mapping.otherField, mapping.customFieldName, where, problems),
			};
			const valueMap = parseValueMap(mapping.valueMap, where, problems);
			if (valueMap !== undefined) custom.valueMap = valueMap;
			if (mapping.syncDirection && mapping.syncDirection !== 'auto') custom.direction = mapping.syncDirection;
			return custom;
		}),
		fixedValues: fixed.map((entry, index) => ({
			field: namedField(sides, entry.field, entry.customFieldName, `fixedValues[${index}]`, problems),
			value: entry.value,
		})),
		addToLabels: sides.target === 'google' ? (context.getNodeParameter('addToLabels', itemIndex, []) as string[]) : [],
		overLengthText: options.overLengthText,
		emptyValues: options.blankValuesOverwrite ? 'clear' : 'keep',
		linkField: options.dynamicsLinkColumn || undefined,
		catalogs: { dynamics: catalog },
	};
	return { spec, problems, options };
}

const PARTS: Record<string, string> = {
	dynamicsField: 'Dynamics 365 Column',
	otherField: 'Other Field',
	customFieldName: 'Custom Field Name',
	valueMap: 'Value Map',
	direction: 'Sync Direction',
	field: 'Field',
	value: 'Value',
};
const LISTS: Record<string, string> = { customMappings: 'Custom Mapping', fixedValues: 'Fixed Value', addToLabels: 'Add to Labels: label', disabledDefaults: 'Default Mappings: entry' };
const SETTINGS: Record<string, string> = {
	direction: 'Direction',
	linkField: 'Options › Dynamics 365 Link Column',
	overLengthText: 'Options › Text Longer Than the Column Allows',
	emptyValues: 'Options › Blank Values Overwrite',
};

/** A spec path ("customMappings[0].valueMap") as the parameter users see ("Custom Mapping 1 › Value Map"). */
export function parameterInWords(path: string): string {
	const [, list, index, part] = /^(\w+)(?:\[(\d+)\])?(?:\.(\w+))?$/.exec(path) ?? [];
	if (list === undefined) return path;
	const base = index === undefined ? SETTINGS[list] ?? list : `${LISTS[list] ?? list} ${Number(index) + 1}`;
	return part === undefined ? base : `${base} › ${PARTS[part] ?? part}`;
}

/** The spec's problems as one node error: the first in the message, the others in the description. */
function specError(context: IExecuteFunctions, problems: MappingError[], itemIndex: number): NodeOperationError {
	const [first, ...others] = problems;
	const description = [first.fix, ...others.map((problem) => `Also, ${parameterInWords(problem.field)}: ${problem.message}. ${problem.fix}`)].join('\n');
	return new NodeOperationError(context.getNode(), `${parameterInWords(first.field)}: ${first.message}`, { itemIndex, description });
}

/** Without the credential, only the standard columns are known: a custom column's problem says so. */
function withCredentialHint(context: IExecuteFunctions, problems: MappingError[]): MappingError[] {
	if (context.getNode().credentials?.[DYNAMICS_CREDENTIAL]) return problems;
	return problems.map((problem) =>
		/\.dynamicsField$|^linkField$/.test(problem.field) || (problem.field.startsWith('fixedValues') && problem.message.includes('is not a field of the target'))
			? { ...problem, fix: `${problem.fix} Without a Microsoft Dynamics 365 API credential the node knows only the standard contact columns; select one to map custom columns.` }
			: problem,
	);
}

type Plan = { mapping: CompiledMapping; options: MappingOptions } | { error: NodeOperationError; problem: MappingError };

/** A failure that is not a spec problem (an expression that does not resolve, metadata that cannot be read) as a plan. */
function failedPlan(context: IExecuteFunctions, error: unknown, itemIndex: number): Plan {
	const failure = error instanceof NodeOperationError ? error : new NodeOperationError(context.getNode(), error as Error, { itemIndex });
	return { error: failure, problem: { field: 'parameters', message: failure.message, fix: failure.description ?? 'Check the node\'s parameters.' } };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** What an item holds: the contact and, from a trigger, its event. */
interface SourceContact {
	record: Record<string, unknown>;
	event?: string;
	deleted: boolean;
}

/** The app an item's contact is from, when it is plainly a Dynamics 365 or a Google contact. */
function appOf(json: Record<string, unknown>): 'dynamics' | 'google' | undefined {
	if (isObject(json.contact) || typeof json.contactid === 'string' || (json.event !== undefined && typeof json.contactId === 'string')) return 'dynamics';
	if (isObject(json.person) || (typeof json.resourceName === 'string' && json.resourceName.startsWith('people/'))) return 'google';
	return undefined;
}

/**
 * The source contact of an item: a trigger item (`{ event, contactId, modifiedOn, contact }`,
 * `{ event, resourceName, person }`, a deletion possibly without its contact) or a bare record.
 */
function sourceContact(json: Record<string, unknown>, sides: DirectionInfo): { source: SourceContact } | { error: MappingError } {
	const app = appOf(json);
	if (app !== undefined && app !== sides.source) {
		const from = sides.source === 'plain' ? 'a node giving flat records' : `the ${APP_NAMES[sides.source]} trigger or node`;
		return {
			error: {
				field: 'item',
				message: `The item is a ${APP_NAMES[app]} contact, but the Direction maps ${APP_NAMES[sides.source]} → ${APP_NAMES[sides.target]}`,
				fix: `Set the Direction to start from ${APP_NAMES[app]}, or connect this node to ${from}.`,
			},
		};
	}
	const event = typeof json.event === 'string' ? json.event : undefined;
	if (sides.source === 'dynamics') {
		const record = isObject(json.contact) ? json.contact : event === 'deleted' ? { contactid: json.contactId } : json;
		return { source: { record, event, deleted: event === 'deleted' } };
	}
	if (sides.source === 'google') {
		const record = isObject(json.person) ? json.person : event === 'deleted' ? { resourceName: json.resourceName } : json;
		const deleted = event === 'deleted' || (isObject(record.metadata) && record.metadata.deleted === true);
		return { source: { record, event, deleted } };
	}
	return { source: { record: json, deleted: false } };
}

/** The target's current record at the option's dot path (unwrapped from a trigger-shaped item), if the item has one. */
function currentRecord(json: Record<string, unknown>, path: string | undefined): { current?: Record<string, unknown> } | { error: MappingError } {
	if (!path) return {};
	const value = path.split('.').reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), json);
	if (value === undefined || value === null) return {};
	if (!isObject(value)) {
		return {
			error: {
				field: path,
				message: `The current target record at "${path}" is ${Array.isArray(value) ? 'a list' : `a ${typeof value}`}, not a record`,
				fix: 'Set Options › Current Target Record Field to where the looked-up record is, or clear it.',
			},
		};
	}
	return { current: isObject(value.contact) ? value.contact : isObject(value.person) ? value.person : value };
}

/** A plain record's id from its id key, as text; undefined lets the mapper fall back to `id`. */
function plainId(json: Record<string, unknown>, key: string | undefined): string | undefined {
	const value = json[key || 'id'];
	return value === undefined || value === null || value === '' ? undefined : String(value);
}

/** The record as the writers take it; a deletion carries no values, only who it is. */
function outputJson(record: TargetRecord, source: SourceContact): IDataObject {
	const { linkId, emails } = record.matchKeys;
	const json: IDataObject = {
		target: record.target,
		values: source.deleted ? {} : (record.values as IDataObject),
		matchKeys: linkId === undefined ? { emails } : { linkId, emails },
		sourceId: record.sourceId,
		sourceApp: record.sourceApp,
	};
	if (source.event !== undefined) json.event = source.event;
	return json;
}

/** One item mapped by a compiled plan: the output json, or the item's problem. */
function mapItem(json: Record<string, unknown>, mapping: CompiledMapping, options: MappingOptions): { json: IDataObject } | { error: MappingError } {
	const found = sourceContact(json, mapping.sides);
	if ('error' in found) return found;
	// The option's default applies also when the option was never added to the node.
	const target = currentRecord(json, options.currentRecordField ?? CURRENT_RECORD_FIELD);
	if ('error' in target) return target;
	const sourceId = mapping.sides.source === 'plain' ? plainId(json, options.plainIdField) : undefined;
	const result = mapContact(found.source.record, mapping, { current: target.current, sourceId });
	return result.ok ? { json: outputJson(result.record, found.source) } : { error: result.error };
}

/** Whether a parameter value holds an expression ("={{ … }}") anywhere. */
function hasExpression(value: unknown): boolean {
	if (typeof value === 'string') return value.startsWith('=');
	if (Array.isArray(value)) return value.some(hasExpression);
	return isObject(value) && Object.values(value).some(hasExpression);
}

export async function executeContactFieldMapping(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const output: INodeExecutionData[] = [];
	const fail = (itemIndex: number, error: NodeOperationError, problem: MappingError) => {
		if (!this.continueOnFail()) throw error;
		output.push({ json: { error: { message: error.message, field: problem.field, fix: problem.fix } }, pairedItem: { item: itemIndex } });
	};
	const direction = this.getNodeParameter('direction', 0) as MappingDirection;
	if (!(direction in MAPPING_DIRECTIONS)) {
		throw new NodeOperationError(this.getNode(), `"${direction}" is not a mapping direction`, { description: `Use one of: ${Object.keys(MAPPING_DIRECTIONS).join(', ')}.` });
	}

	const plans = new Map<string, Plan>();
	let catalog: FieldDescriptor[] | undefined;
	const planFor = async (itemIndex: number): Promise<Plan> => {
		try {
			catalog ??= await dynamicsColumns(this);
			const { spec, problems, options } = readItemSpec(this, direction, itemIndex, catalog);
			const key = JSON.stringify({ ...spec, catalogs: undefined, options, problems });
			const known = plans.get(key);
			if (known) return known;
			const result = compileMapping(spec);
			const all = withCredentialHint(this, [...problems, ...(result.ok ? [] : result.errors)]);
			const plan: Plan = result.ok && all.length === 0 ? { mapping: result.mapping, options } : { error: specError(this, all, itemIndex), problem: all[0] };
			plans.set(key, plan);
			return plan;
		} catch (error) {
			return failedPlan(this, error, itemIndex);
		}
	};

	// The first item's spec is the node's configuration: when it does not compile, no item is mapped.
	const first = await planFor(0);
	if ('error' in first) {
		items.forEach((_item, itemIndex) => fail(itemIndex, first.error, first.problem));
		return [output];
	}
	// Without expressions every item has the first item's spec; reading the parameters per item would only cost time.
	const perItem = hasExpression(this.getNode().parameters);
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const plan = perItem ? await planFor(itemIndex) : first;
		if ('error' in plan) {
			fail(itemIndex, plan.error, plan.problem);
			continue;
		}
		const mapped = mapItem(items[itemIndex].json, plan.mapping, plan.options);
		if ('error' in mapped) {
			fail(itemIndex, new NodeOperationError(this.getNode(), mapped.error.message, { itemIndex, description: mapped.error.fix }), mapped.error);
			continue;
		}
		output.push({ json: mapped.json, pairedItem: { item: itemIndex } });
	}
	return [output];
}
