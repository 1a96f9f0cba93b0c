/**
 * A mapping spec (what the Contact Field Mapping node's parameters say) and its compilation into
 * a plan of resolved field links. Compiling checks everything that does not depend on a record:
 * unknown fields, incompatible pairs, directions, value maps, writes to read-only fields, fields
 * mapped twice. Each problem comes back as { field, message, fix }.
 */
import type { AppName, FieldDescriptor } from '../model/fields';
import { DYNAMICS_CONTACT_FIELDS } from '../dynamics/contact-fields';
import { describeGoogleField } from '../google/fields';
import { describePlainField } from '../plain/fields';
import { isWritable, mappingDirection, type MappingDirectionName } from './compatibility';
import { DEFAULT_MAPPING_IDS, DYNAMICS_EMAIL_COLUMNS, defaultMappings, linkFieldNames, type FieldLink, type LinkFlow, type NameFieldNames, type OtherApp } from './defaults';
import { convertValue, fitTargetValue, isEmptyValue, ValueError, type OverLengthText, type ValueMap } from './values';

export type MappingDirection = 'dynamicsToGoogle' | 'googleToDynamics' | 'dynamicsToPlain' | 'plainToDynamics';

/** The apps as users see them named. */
export const APP_NAMES: Record<AppName, string> = { dynamics: 'Dynamics 365', google: 'Google Contacts', plain: 'plain fields' };

export interface DirectionInfo {
	source: AppName;
	target: AppName;
	other: OtherApp;
	fromDynamics: boolean;
}

export const MAPPING_DIRECTIONS: Record<MappingDirection, DirectionInfo> = {
	dynamicsToGoogle: { source: 'dynamics', target: 'google', other: 'google', fromDynamics: true },
	googleToDynamics: { source: 'google', target: 'dynamics', other: 'google', fromDynamics: false },
	dynamicsToPlain: { source: 'dynamics', target: 'plain', other: 'plain', fromDynamics: true },
	plainToDynamics: { source: 'plain', target: 'dynamics', other: 'plain', fromDynamics: false },
};

export interface CustomMapping {
	/** A Dynamics column's logical name (standard or custom). */
	dynamicsField: string;
	/** A Google field name (GOOGLE_FIELDS or userDefined:<key>) or a plain key. */
	otherField: string;
	/** Dynamics option value → the other side's value, for choice columns. */
	valueMap?: ValueMap;
	/** Restricts the pair to one way; by default it goes every way its types allow. */
	direction?: LinkFlow;
}

/** PieSync's THEN action: a fixed value set on the target. */
export interface FixedValue {
	field: string;
	value: unknown;
}

export interface MappingSpec {
	direction: MappingDirection;
	/** Ids of default mappings switched off (see DEFAULT_MAPPING_IDS). */
	disabledDefaults?: string[];
	customMappings?: CustomMapping[];
	fixedValues?: FixedValue[];
	/** Google only: contact group resource names ("contactGroups/…") the contact is added to. */
	addToLabels?: string[];
	/** Text too long for a Dynamics column: an item error (default) or cut to fit. */
	overLengthText?: OverLengthText;
	/** An empty source value leaves the target's value alone (default), or clears it. */
	emptyValues?: 'keep' | 'clear';
	/** The org's Dynamics contact columns (from metadata); the standard catalogue when absent. */
	catalogs?: { dynamics?: FieldDescriptor[] };
	/** A Dynamics text column that keeps the linked Google contact's resource name. */
	linkField?: string;
}

export interface MappingError {
	/** The spec entry or record field the problem is about. */
	field: string;
	message: string;
	fix: string;
}

export interface ResolvedNames {
	first?: FieldDescriptor;
	last?: FieldDescriptor;
	middle?: FieldDescriptor;
	full?: FieldDescriptor;
}

/** A link with its fields resolved to descriptors, kept only if it carries values in the spec's direction. */
export type ResolvedLink = { id: string } & (
	| { kind: 'field'; dynamics: FieldDescriptor; other: FieldDescriptor; valueMap?: ValueMap }
	| { kind: 'list'; dynamics: FieldDescriptor[]; other: FieldDescriptor }
	| { kind: 'lines'; dynamics: FieldDescriptor[]; other: FieldDescriptor[] }
	| { kind: 'names'; dynamics: ResolvedNames; other: ResolvedNames }
);

export interface CompiledMapping {
	readonly compiled: true;
	direction: MappingDirection;
	sides: DirectionInfo;
	links: ResolvedLink[];
	fixedValues: Array<{ field: FieldDescriptor; value: unknown }>;
	addToLabels: string[];
	overLengthText: OverLengthText;
	clearEmpty: boolean;
	linkField?: FieldDescriptor;
	/** Dynamics email columns, for match keys (whatever the maps say). */
	dynamicsEmailFields: FieldDescriptor[];
}

export type CompileResult = { ok: true; mapping: CompiledMapping } | { ok: false; errors: MappingError[] };

const FLOW_OF_DIRECTION: Record<MappingDirectionName, LinkFlow | undefined> = {
	both: 'both',
	toTarget: 'dynamicsToOther',
	toSource: 'otherToDynamics',
	none: undefined,
};
const FLOW_WORDS: Record<LinkFlow, string> = { both: 'both ways', dynamicsToOther: 'from Dynamics only', otherToDynamics: 'into Dynamics only' };

const carries = (flow: LinkFlow, fromDynamics: boolean) => flow === 'both' || flow === (fromDynamics ? 'dynamicsToOther' : 'otherToDynamics');

/** Google list fields: a mapping of the whole list and one of its items would fight over the same values. */
const GOOGLE_LISTS = ['emailAddresses', 'phoneNumbers'];

function overlaps(other: OtherApp, a: string, b: string): boolean {
	if (a === b) return true;
	if (other !== 'google') return false;
	return GOOGLE_LISTS.some((list) => (a === list && b.startsWith(list)) || (b === list && a.startsWith(list)));
}

const GROUP_RESOURCE_NAME = /^contactGroups\/[^/\s]+$/;

class Compiler {
	readonly errors: MappingError[] = [];
	readonly links: ResolvedLink[] = [];
	readonly catalog: Map<string, FieldDescriptor>;
	private readonly sides: DirectionInfo;
	private readonly usedByDefaults = { dynamics: [] as string[], other: [] as string[] };

	constructor(private readonly spec: MappingSpec) {
		this.sides = MAPPING_DIRECTIONS[spec.direction];
		this.catalog = new Map((spec.catalogs?.dynamics ?? DYNAMICS_CONTACT_FIELDS).map((field) => [field.name, field]));
	}

	private fail(field: string, message: string, fix: string): void {
		this.errors.push({ field, message, fix });
	}

	private dynamicsField(name: string): FieldDescriptor | undefined {
		return this.catalog.get(name);
	}

	private otherField(name: string, mappedWith?: FieldDescriptor): FieldDescriptor | undefined {
		return this.sides.other === 'google' ? describeGoogleField(name) : describePlainField(name, mappedWith);
	}

	private names(parts: NameFieldNames, resolve: (name: string) => FieldDescriptor | undefined): ResolvedNames {
		const optional = (name: string | undefined) => (name === undefined ? undefined : resolve(name));
		return { first: resolve(parts.first), last: resolve(parts.last), middle: optional(parts.middle), full: optional(parts.full) };
	}

	/** A default link with its descriptors; fields the catalogue lacks drop out. */
	private resolveDefault(id: string, link: FieldLink): ResolvedLink | undefined {
		const dynamics = (name: string) => this.dynamicsField(name);
		const other = (name: string) => this.otherField(name);
		const present = <T>(items: Array<T | undefined>) => items.filter((item): item is T => item !== undefined);
		switch (link.kind) {
			case 'field': {
				const [dynamicsField, otherField] = [dynamics(link.dynamics), other(link.other)];
				if (!dynamicsField || !otherField) return undefined;
				const allowed = FLOW_OF_DIRECTION[mappingDirection(dynamicsField, otherField).direction];
				return allowed && carries(allowed, this.sides.fromDynamics) ? { id, kind: 'field', dynamics: dynamicsField, other: otherField } : undefined;
			}
			case 'list': {
				const otherField = other(link.other);
				return otherField ? { id, kind: 'list', dynamics: present(link.dynamics.map(dynamics)), other: otherField } : undefined;
			}
			case 'lines':
				return { id, kind: 'lines', dynamics: present(link.dynamics.map(dynamics)), other: present(link.other.map(other)) };
			case 'names':
				return { id, kind: 'names', dynamics: this.names(link.dynamics, dynamics), other: this.names(link.other, other) };
		}
	}

	compileDefaults(): void {
		const disabled = this.spec.disabledDefaults ?? [];
		disabled.forEach((id, index) => {
			if (!(DEFAULT_MAPPING_IDS as string[]).includes(id)) {
				this.fail(`disabledDefaults[${index}]`, `"${id}" is not a default mapping`, `Use one of: ${DEFAULT_MAPPING_IDS.join(', ')}.`);
			}
		});
		for (const mapping of defaultMappings(this.sides.other)) {
			if (disabled.includes(mapping.id)) continue;
			for (const link of mapping.links) {
				const names = linkFieldNames(link);
				this.usedByDefaults.dynamics.push(...names.dynamics);
				this.usedByDefaults.other.push(...names.other);
				if (!carries(link.flow, this.sides.fromDynamics)) continue;
				const resolved = this.resolveDefault(mapping.id, link);
				if (resolved) this.links.push(resolved);
			}
		}
	}

	private checkValueMap(where: string, dynamicsField: FieldDescriptor, valueMap: ValueMap, twoWay: boolean): void {
		if (dynamicsField.type !== 'choice' && dynamicsField.type !== 'multiChoice') {
			this.fail(`${where}.valueMap`, `"${dynamicsField.label}" (${dynamicsField.name}) is not a choice column, so a value map does not apply`, 'Remove the value map, or pick a choice column.');
			return;
		}
		const entries = typeof valueMap === 'object' && valueMap !== null && !Array.isArray(valueMap) ? Object.entries(valueMap) : [];
		if (entries.length === 0) {
			this.fail(`${where}.valueMap`, 'The value map is empty or not an object', 'Write it as { "<option value>": "<other value>" }, e.g. { "2": "Email" }.');
			return;
		}
		const seen = new Map<string, string>();
		for (const [key, value] of entries) {
			const option = dynamicsField.options?.find((candidate) => String(candidate.value) === key);
			if (dynamicsField.options && !option) {
				const known = dynamicsField.options.map((candidate) => `${candidate.value} (${candidate.label})`).join(', ');
				this.fail(`${where}.valueMap`, `"${key}" is not an option of ${dynamicsField.name}`, `Use the option values: ${known}.`);
			} else if (!dynamicsField.options && !/^-?\d+$/.test(key)) {
				this.fail(`${where}.valueMap`, `"${key}" is not an option value (options are numbers)`, 'Use the option values as numbers, e.g. { "1": "Email" }.');
			}
			if (typeof value !== 'string' || value.trim() === '') {
				this.fail(`${where}.valueMap`, `Option "${key}" maps to ${JSON.stringify(value)}, not to a text value`, 'Give every option a non-empty text value.');
				continue;
			}
			const normalized = value.trim().toLowerCase();
			if (twoWay && seen.has(normalized)) {
				this.fail(`${where}.valueMap`, `Options "${seen.get(normalized)}" and "${key}" both map to "${value}", so "${value}" cannot be mapped back`, 'Give each option its own value, or map the pair one way (from Dynamics only).');
			}
			seen.set(normalized, key);
		}
	}

	compileCustom(mapping: CustomMapping, index: number, targetsSeen: Map<string, string>): void {
		const where = `customMappings[${index}]`;
		const dynamicsField = this.dynamicsField(mapping.dynamicsField);
		if (!dynamicsField) {
			this.fail(`${where}.dynamicsField`, `"${mapping.dynamicsField}" is not a contact column of this Dynamics org`, 'Pick a column from the list (loaded from the org\'s metadata), or check the logical name (lower case, e.g. new_source).');
			return;
		}
		const otherField = this.otherField(mapping.otherField, dynamicsField);
		if (!otherField) {
			const examples = this.sides.other === 'google' ? 'names.givenName, phoneNumbers:mobile, addresses:work.city or userDefined:<key>' : 'a key without surrounding spaces';
			this.fail(`${where}.otherField`, `"${mapping.otherField}" is not a ${this.sides.other === 'google' ? 'Google Contacts' : 'plain'} field`, `Use ${examples}.`);
			return;
		}
		if (mapping.valueMap !== undefined) this.checkValueMap(where, dynamicsField, mapping.valueMap, mapping.direction !== 'dynamicsToOther');
		const compatibility = mappingDirection(dynamicsField, otherField, { valueMap: mapping.valueMap !== undefined });
		const allowed = FLOW_OF_DIRECTION[compatibility.direction];
		const pair = `${dynamicsField.name} ↔ ${otherField.name}`;
		if (!allowed) {
			this.fail(where, `${pair} cannot be mapped: ${compatibility.reason}`, 'Pick fields of compatible types (the picker offers only those), or map to a text field.');
			return;
		}
		if (mapping.direction !== undefined && !(mapping.direction in FLOW_WORDS)) {
			this.fail(`${where}.direction`, `"${mapping.direction}" is not a direction`, `Use one of: ${Object.keys(FLOW_WORDS).join(', ')}.`);
			return;
		}
		if (mapping.direction !== undefined && allowed !== 'both' && mapping.direction !== allowed) {
			this.fail(where, `${pair} can only be mapped ${FLOW_WORDS[allowed]}: ${compatibility.reason}`, `Set the direction to "${allowed}".`);
			return;
		}
		const flow = mapping.direction ?? allowed;
		if (!carries(flow, this.sides.fromDynamics)) {
			if (mapping.direction !== undefined) return; // the user chose the other way: that node carries it
			this.fail(where, `${pair} can only be mapped ${FLOW_WORDS[allowed]} (${compatibility.reason}), but this node maps ${APP_NAMES[this.sides.source]} → ${APP_NAMES[this.sides.target]}`, 'Map the pair in a node going the other way.');
			return;
		}
		const defaultUse = this.usedByDefaults.dynamics.includes(dynamicsField.name)
			? dynamicsField.name
			: this.usedByDefaults.other.find((name) => overlaps(this.sides.other, name, otherField.name));
		if (defaultUse !== undefined) {
			this.fail(where, `${defaultUse} is already mapped by a default mapping`, 'Switch that default mapping off to map the field yourself.');
			return;
		}
		const target = this.sides.fromDynamics ? otherField : dynamicsField;
		const earlier = [...targetsSeen.keys()].find((name) => this.sides.fromDynamics ? overlaps(this.sides.other, name, target.name) : name === target.name);
		if (earlier !== undefined) {
			this.fail(where, `${target.name} is already mapped by ${targetsSeen.get(earlier)}`, 'Map each target field once.');
			return;
		}
		targetsSeen.set(target.name, where);
		this.links.push({ id: where, kind: 'field', dynamics: dynamicsField, other: otherField, valueMap: mapping.valueMap });
	}

	/** A fixed value in its canonical form; choice options by value or by label. */
	private fixedCanonical(field: FieldDescriptor, value: unknown): unknown {
		if (isEmptyValue(value)) return null;
		if ((field.type === 'choice' || field.type === 'multiChoice') && field.options) {
			const items = field.type === 'multiChoice' ? (Array.isArray(value) ? value : String(value).split(',')) : [value];
			const options = items.map((item) => {
				const text = String(item).trim().toLowerCase();
				const option = field.options?.find((candidate) => String(candidate.value) === text || candidate.label.toLowerCase() === text);
				if (!option) throw new ValueError(`${JSON.stringify(item)} is not an option of ${field.name}`, `Use one of: ${field.options?.map((candidate) => candidate.label).join(', ')}.`);
				return option.value;
			});
			return field.type === 'multiChoice' ? options : options[0];
		}
		const asGiven: FieldDescriptor = { ...field, label: `fixed value for ${field.label}` };
		const converted = convertValue(value, asGiven, field, { fromDynamics: false, labelOf: () => undefined });
		return fitTargetValue(field, converted?.value, this.spec.overLengthText ?? 'error');
	}

	compileFixedValues(): Array<{ field: FieldDescriptor; value: unknown }> {
		const result: Array<{ field: FieldDescriptor; value: unknown }> = [];
		(this.spec.fixedValues ?? []).forEach((fixed, index) => {
			const where = `fixedValues[${index}]`;
			const field = this.sides.target === 'dynamics' ? this.dynamicsField(fixed.field) : this.otherField(fixed.field);
			if (!field) {
				this.fail(`${where}.field`, `"${fixed.field}" is not a field of the target (${APP_NAMES[this.sides.target]})`, 'Pick a field from the list of the target app\'s fields.');
			} else if (!isWritable(field)) {
				this.fail(`${where}.field`, `"${field.label}" (${field.name}) is read-only; nothing can be written to it`, 'Pick a writable field.');
			} else {
				try {
					result.push({ field, value: this.fixedCanonical(field, fixed.value) });
				} catch (error) {
					if (!(error instanceof ValueError)) throw error;
					this.fail(`${where}.value`, error.message, error.fix);
				}
			}
		});
		return result;
	}

	compileLabels(): string[] {
		const labels = this.spec.addToLabels ?? [];
		if (labels.length > 0 && this.sides.target !== 'google') {
			this.fail('addToLabels', 'Labels are Google Contacts groups; this node does not write to Google Contacts', 'Remove the labels, or use a fixed value to mark Dynamics contacts.');
		}
		labels.forEach((label, index) => {
			if (typeof label !== 'string' || !GROUP_RESOURCE_NAME.test(label)) {
				this.fail(`addToLabels[${index}]`, `${JSON.stringify(label)} is not a contact group resource name`, 'Pick the label from the list (its resource name looks like contactGroups/1a2b3c).');
			}
		});
		return labels;
	}

	compileLinkField(): FieldDescriptor | undefined {
		if (this.spec.linkField === undefined || this.spec.linkField === '') return undefined;
		const field = this.dynamicsField(this.spec.linkField);
		if (!field || field.type !== 'text' || !isWritable(field)) {
			this.fail('linkField', `"${this.spec.linkField}" is not a writable text column of the contact table`, 'Create a text column (e.g. new_googleresourcename, 100 characters) and pick it, or leave the link column empty.');
			return undefined;
		}
		return field;
	}

	compileOptions(): void {
		if (this.spec.overLengthText !== undefined && !['error', 'truncate'].includes(this.spec.overLengthText)) {
			this.fail('overLengthText', `"${this.spec.overLengthText}" is not a choice for over-long text`, 'Use "error" or "truncate".');
		}
		if (this.spec.emptyValues !== undefined && !['keep', 'clear'].includes(this.spec.emptyValues)) {
			this.fail('emptyValues', `"${this.spec.emptyValues}" is not a choice for empty values`, 'Use "keep" or "clear".');
		}
	}
}

/** Compiles a spec once for many records; fails with every problem found. */
export function compileMapping(spec: MappingSpec): CompileResult {
	if (!spec || !(spec.direction in MAPPING_DIRECTIONS)) {
		return {
			ok: false,
			errors: [{ field: 'direction', message: `${JSON.stringify(spec?.direction)} is not a mapping direction`, fix: `Use one of: ${Object.keys(MAPPING_DIRECTIONS).join(', ')}.` }],
		};
	}
	const compiler = new Compiler(spec);
	compiler.compileOptions();
	compiler.compileDefaults();
	const targetsSeen = new Map<string, string>();
	(spec.customMappings ?? []).forEach((mapping, index) => compiler.compileCustom(mapping, index, targetsSeen));
	const fixedValues = compiler.compileFixedValues();
	const addToLabels = compiler.compileLabels();
	const linkField = compiler.compileLinkField();
	if (compiler.errors.length > 0) return { ok: false, errors: compiler.errors };
	const sides = MAPPING_DIRECTIONS[spec.direction];
	return {
		ok: true,
		mapping: {
			compiled: true,
			direction: spec.direction,
			sides,
			links: compiler.links,
			fixedValues,
			addToLabels,
			overLengthText: spec.overLengthText ?? 'error',
			clearEmpty: spec.emptyValues === 'clear' || sides.target === 'plain',
			linkField,
			dynamicsEmailFields: DYNAMICS_EMAIL_COLUMNS.map((name) => compiler.catalog.get(name)).filter((field): field is FieldDescriptor => field !== undefined),
		},
	};
}

/** Every problem of a spec (empty when it is valid): unknown fields, incompatible pairs, broken value maps, read-only targets. */
export function validateMappingSpec(spec: MappingSpec): MappingError[] {
	const result = compileMapping(spec);
	return result.ok ? [] : result.errors;
}
