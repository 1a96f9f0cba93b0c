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
	DEFAULT_MAPPING_IDS,
	MAPPING_DIRECTIONS,
	type CompiledMapping,
	type CustomMapping,
	type MappingDirection,
	type MappingError,
	type MappingSpec,
	type ValueMap,
} from '../../lib/mapping';
import { mapItem } from '../../lib/mapping/items';
import { repeatedJsonKeys } from '../../lib/mapping/values';
import type { DirectionInfo } from '../../lib/mapping/spec';
import { hasExpression } from '../shared/parameters';
import { DYNAMICS_CREDENTIAL } from '../shared/transport';
import { CUSTOM_FIELD } from './description';
import { disabledDefaults, mappingColumns, selectedDefaults } from './methods';

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

/** A field the user names ("Custom Field"): a Google custom field is `userDefined:<label>`, a plain one its key. */
function namedField(sides: DirectionInfo, picked: string | undefined, customName: string | undefined, where: string, problems: MappingError[]): string {
	if (picked !== CUSTOM_FIELD) return String(picked ?? '');
	const name = String(customName ?? '').trim();
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
		for (const key of repeatedJsonKeys(value)) {
			const kept = JSON.stringify((parsed as Record<string, unknown>)[key]);
			problems.push({ field: `${where}.valueMap`, message: `option "${key}" is listed twice; JSON keeps only the last (${kept})`, fix: 'List each option value once.' });
		}
	}
	// {} is the parameter's default: no value map.
	if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && Object.keys(parsed).length === 0) return undefined;
	return parsed as ValueMap;
}

/** One item's mapping spec, from the node's parameters (which may be expressions). */
function readItemSpec(context: IExecuteFunctions, direction: MappingDirection, itemIndex: number): ItemSpec {
	const sides = MAPPING_DIRECTIONS[direction];
	const problems: MappingError[] = [];
	const defaults = context.getNodeParameter('defaultMappings', itemIndex, []);
	const unknownDefaults = selectedDefaults(defaults).filter((id) => !(DEFAULT_MAPPING_IDS as string[]).includes(id));
	if (unknownDefaults.length > 0) {
		problems.push({ field: 'defaultMappings', message: `${unknownDefaults.map((id) => `"${id}"`).join(', ')} ${unknownDefaults.length === 1 ? 'is not a default mapping' : 'are not default mappings'}`, fix: `Use these ids: ${DEFAULT_MAPPING_IDS.join(', ')}.` });
	}
	const customs = context.getNodeParameter('customMappings.mapping', itemIndex, []) as CustomMappingParameters[];
	const fixed = context.getNodeParameter('fixedValues.value', itemIndex, []) as FixedValueParameters[];
	const options = context.getNodeParameter('options', itemIndex, {}) as MappingOptions;
	const spec: MappingSpec = {
		direction,
		disabledDefaults: disabledDefaults(defaults),
		customMappings: customs.map((mapping, index) => {
			const where = `customMappings[${index}]`;
			const custom: CustomMapping = {
				// An expression may give a number or an object: the column check names it either way.
				dynamicsField: String(mapping.dynamicsField ?? '').trim(),
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
	defaultMappings: 'Default Mappings',
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

/** The spec as the sync writers take it: the org's columns they read themselves. */
type SyncMapping = Omit<MappingSpec, 'catalogs'>;

type Plan = { mapping: CompiledMapping; options: MappingOptions; syncMapping: SyncMapping } | { error: NodeOperationError; problem: MappingError };

/** A failure that is not a spec problem (an expression that does not resolve, metadata that cannot be read) as a plan. */
function failedPlan(context: IExecuteFunctions, error: unknown, itemIndex: number): Plan {
	const failure = error instanceof NodeOperationError ? error : new NodeOperationError(context.getNode(), error as Error, { itemIndex });
	return { error: failure, problem: { field: 'parameters', message: failure.message, fix: failure.description ?? 'Check the node\'s parameters.' } };
}

/**
 * A record bound for a sync writer (it carries its source contact) also carries the spec that made
 * it: the writers compile it both ways to compare the two sides field by field. The items of a plan
 * share one copy of it.
 */
function withSyncMapping(json: Record<string, unknown>, mapping: SyncMapping): Record<string, unknown> {
	if (json.source !== undefined) json.mapping = mapping;
	return json;
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
	const planFor = async (itemIndex: number): Promise<Plan> => {
		try {
			const { spec, problems, options } = readItemSpec(this, direction, itemIndex);
			spec.catalogs = { dynamics: await mappingColumns(this, spec) };
			const key = JSON.stringify({ ...spec, catalogs: undefined, options, problems });
			const known = plans.get(key);
			if (known) return known;
			const result = compileMapping(spec);
			const all = withCredentialHint(this, [...problems, ...(result.ok ? [] : result.errors)]);
			const { catalogs: _catalogs, ...syncMapping } = spec;
			const plan: Plan = result.ok && all.length === 0 ? { mapping: result.mapping, options, syncMapping } : { error: specError(this, all, itemIndex), problem: all[0] };
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
		output.push({ json: withSyncMapping(mapped.json, plan.syncMapping) as IDataObject, pairedItem: { item: itemIndex } });
	}
	return [output];
}
