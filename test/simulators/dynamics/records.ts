/**
 * Records in and out: a write body (JSON as clients send it, with @odata.bind lookups) checked and
 * converted column by column the way Dataverse does, the columns Dataverse computes itself, and the
 * JSON a read returns (etag, lookups as _x_value, annotations before their property).
 */
import {
	type AttributeDefinition,
	type EntityDefinition,
	attributeOf,
	edmType,
	isLookup,
	navigationName,
	navigationProperties,
	propertyName,
	wireAttributes,
} from './schema';
import {
	ASSOCIATED_NAVIGATION_PROPERTY,
	CODES,
	DataverseError,
	FORMATTED_VALUE,
	LOOKUP_LOGICAL_NAME,
	etagJson,
	formatDateOnly,
	formatDateTime,
	formatMoney,
	formatNumber,
	isGuid,
	isoSeconds,
	odataError,
} from './wire';
import { jsonPrimitive, needsEscaping } from '../common/json';

export interface LookupRef {
	entity: string;
	id: string;
}

export type ColumnValue = string | number | boolean | number[] | LookupRef | null;
export type RecordValues = Record<string, ColumnValue>;

export interface EntityRecord {
	readonly id: string;
	readonly version: number;
	readonly values: Readonly<RecordValues>;
}

export function isLookupRef(value: unknown): value is LookupRef {
	return typeof value === 'object' && value !== null && !Array.isArray(value) && 'entity' in value && 'id' in value;
}

/** Resolves the target of an @odata.bind (`/systemusers(<id>)`, an absolute URL, ...) to an existing record. */
export type BindingResolver = (entitySetName: string, key: string) => LookupRef;

export type WriteMode = 'create' | 'update';

function typeError(value: unknown, attribute: AttributeDefinition): DataverseError {
	const literal = typeof value === 'string' ? value : JSON.stringify(value);
	return odataError(`Cannot convert the literal '${literal}' to the expected type '${edmType(attribute)}'.`);
}

function outOfRange(entity: string, attribute: AttributeDefinition, value: unknown, accepted: string): DataverseError {
	return new DataverseError(
		400,
		CODES.outOfRange,
		`A validation error occurred.  The value ${value} of '${attribute.logicalName}' on record of type '${entity}' is outside the valid range. Accepted Values: ${accepted}`,
	);
}

function checkRange(entity: string, attribute: AttributeDefinition, value: number): number {
	if ((attribute.min !== undefined && value < attribute.min) || (attribute.max !== undefined && value > attribute.max)) {
		throw outOfRange(entity, attribute, value, `${attribute.min} to ${attribute.max}`);
	}
	return value;
}

function isRealDate(text: string): boolean {
	const date = new Date(`${text}T00:00:00Z`);
	return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

/** Checks and converts one column value from its JSON form; throws Dataverse's error for a bad one. */
export function convertValue(entity: string, attribute: AttributeDefinition, raw: unknown): ColumnValue {
	if (raw === null) return null;
	const options = attribute.options ?? [];
	switch (attribute.type) {
		case 'String':
		case 'Memo':
			if (typeof raw !== 'string') throw typeError(raw, attribute);
			if (raw === '') return null;
			if (attribute.maxLength !== undefined && raw.length > attribute.maxLength) {
				throw new DataverseError(
					400,
					CODES.validation,
					`A validation error occurred.  The length of the '${attribute.logicalName}' attribute of the '${entity}' entity exceeded the maximum allowed length of '${attribute.maxLength}'.`,
				);
			}
			return raw;
		case 'Integer':
			if (typeof raw !== 'number' || !Number.isInteger(raw)) throw typeError(raw, attribute);
			return checkRange(entity, attribute, raw);
		case 'Double':
		case 'Money':
			if (typeof raw !== 'number' || !Number.isFinite(raw)) throw typeError(raw, attribute);
			return checkRange(entity, attribute, raw);
		case 'Boolean':
			if (typeof raw !== 'boolean') throw typeError(raw, attribute);
			return raw;
		case 'Picklist':
		case 'State':
		case 'Status':
			if (typeof raw !== 'number' || !Number.isInteger(raw)) throw typeError(raw, attribute);
			if (!options.some((option) => option.value === raw)) throw outOfRange(entity, attribute, raw, options.map((option) => option.value).join(','));
			return raw;
		case 'Virtual': {
			if (typeof raw !== 'string') throw typeError(raw, attribute);
			if (raw === '') return null;
			const values = raw.split(',').map((part) => Number(part.trim()));
			for (const value of values) {
				if (!options.some((option) => option.value === value)) throw outOfRange(entity, attribute, value, options.map((option) => option.value).join(','));
			}
			return [...new Set(values)].sort((a, b) => a - b);
		}
		case 'DateTime':
			if (typeof raw !== 'string') throw typeError(raw, attribute);
			if (attribute.format === 'DateOnly') {
				if (!/^\d{4}-\d{2}-\d{2}$/.test(raw) || !isRealDate(raw)) throw typeError(raw, attribute);
				return raw;
			}
			if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(raw) || Number.isNaN(Date.parse(raw))) throw typeError(raw, attribute);
			return isoSeconds(new Date(raw));
		case 'Uniqueidentifier':
			if (typeof raw !== 'string' || !isGuid(raw)) throw typeError(raw, attribute);
			return raw.toLowerCase();
		default:
			throw typeError(raw, attribute);
	}
}

const BIND_TARGET = /(?:^|\/)([A-Za-z_][A-Za-z0-9_]*)\(([^()]+)\)$/;

function parseBindTarget(value: string): { entitySetName: string; key: string } | undefined {
	const match = BIND_TARGET.exec(value.trim());
	return match ? { entitySetName: match[1], key: match[2].replace(/^\{|\}$/g, '') } : undefined;
}

function undeclaredAnnotationOnly(name: string): DataverseError {
	return odataError(
		`An undeclared property '${name}' which only has property annotations in the payload but no property value was found in the payload. In OData, only declared navigation properties and declared named streams can be represented as properties without values.`,
	);
}

/**
 * Reads a write body into column changes. Columns not valid for the operation are ignored, as
 * Dataverse ignores them; unknown properties, `_x_value` writes and bad values are errors.
 */
export function parseWriteBody(definition: EntityDefinition, body: unknown, mode: WriteMode, resolve: BindingResolver): RecordValues {
	if (typeof body !== 'object' || body === null || Array.isArray(body)) {
		throw odataError('Invalid JSON. A JSON object was expected for the entity in the request body.');
	}
	const changes: RecordValues = {};
	const navigation = navigationProperties(definition);
	const entityType = `Microsoft.Dynamics.CRM.${definition.logicalName}`;
	for (const [key, raw] of Object.entries(body as Record<string, unknown>)) {
		if (key.endsWith('@odata.bind')) {
			const navigationName = key.slice(0, -'@odata.bind'.length);
			const property = navigation.get(navigationName);
			if (!property) throw undeclaredAnnotationOnly(navigationName);
			if (!isValidFor(property.attribute, mode)) continue;
			if (raw === null) {
				changes[property.attribute.logicalName] = null;
				continue;
			}
			const target = typeof raw === 'string' ? parseBindTarget(raw) : undefined;
			if (!target) throw odataError(`The value '${String(raw)}' of '${key}' is not a valid entity reference. Expected a URL like '/${property.targets[0]}s(<guid>)'.`);
			const ref = resolve(target.entitySetName, target.key);
			if (!property.targets.includes(ref.entity)) {
				throw odataError(`The navigation property '${navigationName}' cannot refer to a ${ref.entity}; it accepts ${property.targets.join(' or ')} records.`);
			}
			changes[property.attribute.logicalName] = ref;
			continue;
		}
		if (key.includes('@')) continue; // instance annotations such as @odata.type or a FormattedValue echoed back
		const navigationProperty = navigation.get(key);
		if (navigationProperty) {
			if (typeof raw === 'object' && raw !== null) {
				throw odataError(`Deep insert through '${key}' is not supported by the simulator; bind an existing record with '${key}@odata.bind'.`);
			}
			if (raw !== null) {
				throw odataError(`An unexpected 'PrimitiveValue' node was found when reading from the JSON reader. A 'StartObject' node was expected.`);
			}
			if (isValidFor(navigationProperty.attribute, mode)) changes[navigationProperty.attribute.logicalName] = null;
			continue;
		}
		if (/^_.+_value$/.test(key) && attributeOf(definition, key.slice(1, -'_value'.length))) {
			throw new DataverseError(400, CODES.lookupWrite, 'CRM do not support direct update of Entity Reference properties, Use Navigation properties instead.');
		}
		const attribute = attributeOf(definition, key);
		if (!attribute || attribute.attributeOf || isLookup(attribute)) {
			throw odataError(
				`The property '${key}' does not exist on type '${entityType}'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
			);
		}
		if (!isValidFor(attribute, mode)) continue;
		changes[attribute.logicalName] = convertValue(definition.logicalName, attribute, raw);
	}
	return changes;
}

function isValidFor(attribute: AttributeDefinition, mode: WriteMode): boolean {
	return mode === 'create' ? attribute.validForCreate : attribute.validForUpdate;
}

/** Keeps statecode and statuscode consistent, as SetState does: each implies the other's default. */
export function reconcileState(definition: EntityDefinition, values: RecordValues, changes: RecordValues): void {
	const state = attributeOf(definition, 'statecode');
	const status = attributeOf(definition, 'statuscode');
	if (!state?.options || !status?.options) return;
	const stateChanged = 'statecode' in changes;
	const statusChanged = 'statuscode' in changes;
	if (stateChanged && !statusChanged) {
		values.statuscode = state.options.find((option) => option.value === values.statecode)?.defaultStatus ?? null;
	} else if (statusChanged && !stateChanged) {
		values.statecode = status.options.find((option) => option.value === values.statuscode)?.state ?? values.statecode;
	} else if (stateChanged && statusChanged) {
		const allowed = status.options.filter((option) => option.state === values.statecode).map((option) => option.value);
		if (!allowed.includes(values.statuscode as number)) {
			throw outOfRange(definition.logicalName, status, values.statuscode, allowed.join(','));
		}
	}
}

function text(values: RecordValues, name: string): string {
	const value = values[name];
	return typeof value === 'string' ? value : '';
}

const ADDRESS_PARTS = ['line1', 'line2', 'line3', 'city', 'stateorprovince', 'postalcode', 'country'] as const;
const ADDRESS_COLUMNS = [1, 2].map((n) => Object.fromEntries(ADDRESS_PARTS.map((part) => [part, `address${n}_${part}`])) as Record<(typeof ADDRESS_PARTS)[number], string>);

/** A composite address as Dataverse composes it: street lines, "city, state zip", country, one per line. */
function compositeAddress(values: RecordValues, columns: Record<(typeof ADDRESS_PARTS)[number], string>): string | null {
	const region = [text(values, columns.stateorprovince), text(values, columns.postalcode)].filter(Boolean).join(' ');
	const cityLine = [text(values, columns.city), region].filter(Boolean).join(', ');
	const lines = [text(values, columns.line1), text(values, columns.line2), text(values, columns.line3), cityLine, text(values, columns.country)];
	return lines.filter(Boolean).join('\r\n') || null;
}

/** Columns Dataverse derives on every write: full name, composite addresses, owning user/team, parent account. */
export function computeColumns(definition: EntityDefinition, values: RecordValues): void {
	if (attributeOf(definition, 'fullname') && attributeOf(definition, 'firstname')) {
		const parts = [text(values, 'firstname'), text(values, 'lastname')].filter((part) => part.trim());
		values.fullname = parts.length ? parts.join(' ') : null;
	}
	if (attributeOf(definition, 'address1_composite')) {
		values.address1_composite = compositeAddress(values, ADDRESS_COLUMNS[0]);
		values.address2_composite = compositeAddress(values, ADDRESS_COLUMNS[1]);
	}
	if (attributeOf(definition, 'owninguser')) {
		const owner = values.ownerid as LookupRef | undefined;
		values.owninguser = owner?.entity === 'systemuser' ? owner : null;
		values.owningteam = owner?.entity === 'team' ? owner : null;
	}
	if (attributeOf(definition, 'accountid')) {
		const parent = values.parentcustomerid as LookupRef | undefined;
		values.accountid = parent?.entity === 'account' ? parent : null;
	}
}

export interface ReadOptions {
	/** Columns to return; all readable ones when absent. */
	select?: AttributeDefinition[];
	annotate: (annotation: string) => boolean;
	/** The primary name of a lookup's target, for FormattedValue. */
	nameOf: (ref: LookupRef) => string | null;
}

/** Turns a column's value into its FormattedValue; undefined when the type has none. */
type LabelFormatter = (value: Exclude<ColumnValue, null | LookupRef>) => string | undefined;

/** Option labels by value, the first option of a value winning (as a scan of the options finds it). */
function optionLabels(attribute: AttributeDefinition): Map<number, string | undefined> {
	const labels = new Map<number, string | undefined>();
	for (const option of attribute.options ?? []) if (!labels.has(option.value)) labels.set(option.value, option.label);
	return labels;
}

function labelFormatter(attribute: AttributeDefinition): LabelFormatter {
	switch (attribute.type) {
		case 'Boolean':
			return (value) => (value ? attribute.trueLabel : attribute.falseLabel);
		case 'Picklist':
		case 'State':
		case 'Status': {
			const labels = optionLabels(attribute);
			return (value) => labels.get(value as number);
		}
		case 'Virtual': {
			const labels = optionLabels(attribute);
			return (value) => (value as number[]).map((item) => labels.get(item) ?? String(item)).join('; ');
		}
		case 'DateTime':
			return attribute.format === 'DateOnly' ? (value) => formatDateOnly(value as string) : (value) => formatDateTime(value as string);
		case 'Money':
			return (value) => formatMoney(value as number);
		case 'Integer':
			return (value) => formatNumber(value as number);
		default:
			return () => undefined;
	}
}

/**
 * What a read needs per column, worked out once per column rather than once per value: its members'
 * keys as JSON text (each with the comma before it) and its FormattedValue formatter.
 */
interface ColumnText {
	name: string;
	formattedValue: string;
	navigation: string;
	lookupLogicalName: string;
	label: LabelFormatter;
}

const columnTextByAttribute = new WeakMap<AttributeDefinition, ColumnText>();

function columnText(attribute: AttributeDefinition): ColumnText {
	let column = columnTextByAttribute.get(attribute);
	if (!column) {
		const name = propertyName(attribute);
		const member = (key: string) => `,${JSON.stringify(key)}:`;
		column = {
			name: member(name),
			formattedValue: member(`${name}@${FORMATTED_VALUE}`),
			navigation: member(`${name}@${ASSOCIATED_NAVIGATION_PROPERTY}`),
			lookupLogicalName: member(`${name}@${LOOKUP_LOGICAL_NAME}`),
			label: labelFormatter(attribute),
		};
		columnTextByAttribute.set(attribute, column);
	}
	return column;
}

/**
 * A member whose value is a string: one that needs no escaping (nearly all) goes in between its
 * quotes (`open` is the key with the opening quote), a piece fewer than a quoted copy to join.
 */
function stringMember(key: string, open: string, text: string): string {
	return needsEscaping(text) ? key + JSON.stringify(text) : `${open}${text}"`;
}

/** Writes one column's members (annotations before their property), or for a row without the column its null. */
type ColumnWriter = (value: ColumnValue | undefined) => string;

/** Columns whose few values repeat over a page: their members are written once per value and read. */
const ENUMERATED_TYPES = new Set<AttributeDefinition['type']>(['Boolean', 'Picklist', 'State', 'Status']);

function columnWriter(attribute: AttributeDefinition, options: ReadOptions): ColumnWriter {
	const column = columnText(attribute);
	// The annotations asked for are the same for every value of a read: decided here, once.
	const formatted = options.annotate(FORMATTED_VALUE);
	const navigation = options.annotate(ASSOCIATED_NAVIGATION_PROPERTY);
	const lookupLogicalName = options.annotate(LOOKUP_LOGICAL_NAME);
	const nullMember = `${column.name}null`;
	const lookupMembers = (ref: LookupRef): string => {
		let text = '';
		const label = formatted ? options.nameOf(ref) : null;
		if (label !== null) text += column.formattedValue + jsonPrimitive(label);
		if (navigation) text += column.navigation + jsonPrimitive(navigationName(attribute, ref.entity));
		if (lookupLogicalName) text += column.lookupLogicalName + jsonPrimitive(ref.entity);
		return text + column.name + jsonPrimitive(ref.id);
	};
	const openName = `${column.name}"`;
	const openFormattedValue = `${column.formattedValue}"`;
	const valueMembers = (value: Exclude<ColumnValue, null | LookupRef>): string => {
		const label = formatted ? column.label(value) : undefined;
		const json = Array.isArray(value) ? value.join(',') : value;
		const property = typeof json === 'string' ? stringMember(column.name, openName, json) : column.name + jsonPrimitive(json);
		return label === undefined ? property : stringMember(column.formattedValue, openFormattedValue, label) + property;
	};
	// A lookup's target name and an option's label cannot change during a read.
	const lookupsWritten = new Map<string, Map<string, string>>();
	const valuesWritten = ENUMERATED_TYPES.has(attribute.type) ? new Map<ColumnValue, string>() : undefined;
	return (value) => {
		if (value === null || value === undefined) return nullMember;
		if (isLookupRef(value)) {
			let byId = lookupsWritten.get(value.entity);
			if (!byId) lookupsWritten.set(value.entity, (byId = new Map()));
			let members = byId.get(value.id);
			if (members === undefined) byId.set(value.id, (members = lookupMembers(value)));
			return members;
		}
		if (!valuesWritten) return valueMembers(value);
		let members = valuesWritten.get(value);
		if (members === undefined) valuesWritten.set(value, (members = valueMembers(value)));
		return members;
	};
}

/** Writes the JSON text of one record of a table as a read returns it (see recordWriter). */
export type RecordWriter = (record: EntityRecord) => string;

/**
 * The writer of records as a GET returns them: etag, the selected columns (with the currency of
 * selected money columns), the primary key. Compiled once per read, so a page of thousands of rows
 * is written as text row by row, without an object per row.
 */
export function recordWriter(definition: EntityDefinition, options: ReadOptions): RecordWriter {
	const selected = options.select ?? wireAttributes(definition);
	// An $expand's $select may name a column twice; an object would keep one member for it.
	const columns = [...new Set(selected)];
	if (options.select && selected.some((attribute) => attribute.type === 'Money')) {
		const currency = attributeOf(definition, 'transactioncurrencyid');
		if (currency && !selected.includes(currency)) columns.push(currency);
	}
	const writers = columns.map((attribute) => ({ logicalName: attribute.logicalName, write: columnWriter(attribute, options) }));
	const primaryKey = columns.some((attribute) => propertyName(attribute) === definition.primaryIdAttribute) ? undefined : `,${jsonPrimitive(definition.primaryIdAttribute)}:`;
	return (record) => {
		let text = `{"@odata.etag":${etagJson(record.version)}`;
		for (const writer of writers) text += writer.write(record.values[writer.logicalName]);
		if (primaryKey !== undefined) text += primaryKey + jsonPrimitive(record.id);
		return `${text}}`;
	};
}

/** The JSON of one record as a GET returns it, as an object (the same members, in the same order, as recordWriter's text). */
export function recordJson(definition: EntityDefinition, record: EntityRecord, options: ReadOptions): Record<string, unknown> {
	return JSON.parse(recordWriter(definition, options)(record)) as Record<string, unknown>;
}
