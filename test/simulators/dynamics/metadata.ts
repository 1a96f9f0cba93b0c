/**
 * The metadata endpoints (EntityDefinitions, Attributes, typed casts with OptionSet expansion, Keys),
 * built from the same schema the data endpoints validate against. Shapes follow Dataverse's
 * EntityMetadata / AttributeMetadata: derived types carry @odata.type, labels are Label objects with
 * a UserLocalizedLabel, option sets are navigation properties that only $expand returns.
 */
import type { SimResponse } from '../common/http';
import { type FilterScope, compileFilter } from './odata-filter';
import { type AttributeDefinition, type EntityDefinition, type OptionDefinition, ENTITIES, edmType, navigationProperties, propertyName, stableGuid } from './schema';
import { CODES, DataverseError, isGuid, jsonResponse, odataError } from './wire';

type Json = Record<string, unknown>;

const NAMESPACE = 'Microsoft.Dynamics.CRM';

const DERIVED_TYPES: Record<string, string> = {
	String: 'StringAttributeMetadata',
	Memo: 'MemoAttributeMetadata',
	Integer: 'IntegerAttributeMetadata',
	BigInt: 'BigIntAttributeMetadata',
	Double: 'DoubleAttributeMetadata',
	Money: 'MoneyAttributeMetadata',
	Boolean: 'BooleanAttributeMetadata',
	DateTime: 'DateTimeAttributeMetadata',
	Picklist: 'PicklistAttributeMetadata',
	State: 'StateAttributeMetadata',
	Status: 'StatusAttributeMetadata',
	Lookup: 'LookupAttributeMetadata',
	Customer: 'LookupAttributeMetadata',
	Owner: 'LookupAttributeMetadata',
	Uniqueidentifier: 'UniqueIdentifierAttributeMetadata',
	EntityName: 'EntityNameAttributeMetadata',
	Virtual: 'MultiSelectPicklistAttributeMetadata',
};

/** Properties every AttributeMetadata has; $select on the base collection may only name these. */
const BASE_ATTRIBUTE_PROPERTIES = [
	'MetadataId',
	'LogicalName',
	'SchemaName',
	'EntityLogicalName',
	'AttributeType',
	'AttributeTypeName',
	'DisplayName',
	'Description',
	'IsCustomAttribute',
	'IsValidForCreate',
	'IsValidForUpdate',
	'IsValidForRead',
	'IsPrimaryId',
	'IsPrimaryName',
	'IsLogical',
	'IsManaged',
	'AttributeOf',
	'RequiredLevel',
	'IntroducedVersion',
];

function label(text: string, managed: boolean): Json {
	const localized = text ? { Label: text, LanguageCode: 1033, IsManaged: managed, MetadataId: stableGuid(`label:${text}`), HasChanged: null } : null;
	return { LocalizedLabels: localized ? [localized] : [], UserLocalizedLabel: localized };
}

function optionJson(option: OptionDefinition, managed: boolean): Json {
	const json: Json = {
		Value: option.value,
		Color: null,
		IsManaged: managed,
		ExternalValue: '',
		ParentValues: [],
		Tag: null,
		IsHidden: false,
		MetadataId: null,
		HasChanged: null,
		Label: label(option.label, managed),
		Description: label('', managed),
	};
	if (option.state !== undefined) Object.assign(json, { State: option.state, TransitionData: null });
	if (option.defaultStatus !== undefined) Object.assign(json, { DefaultStatus: option.defaultStatus, InvariantName: option.label });
	return json;
}

function optionSetJson(attribute: AttributeDefinition): Json | null {
	const managed = !attribute.custom;
	const base = {
		MetadataId: stableGuid(`optionset:${attribute.optionSetName}`),
		HasChanged: null,
		IsCustomOptionSet: attribute.custom,
		IsGlobal: attribute.globalOptionSet === true,
		IsManaged: managed,
		Name: attribute.optionSetName,
		ExternalTypeName: null,
		IntroducedVersion: '5.0.0.0',
		Description: label('', managed),
		DisplayName: label(attribute.label, managed),
	};
	if (attribute.type === 'Boolean') {
		return {
			...base,
			OptionSetType: 'Boolean',
			TrueOption: optionJson({ value: 1, label: attribute.trueLabel ?? 'Yes' }, managed),
			FalseOption: optionJson({ value: 0, label: attribute.falseLabel ?? 'No' }, managed),
		};
	}
	if (!attribute.options) return null;
	const type = attribute.type === 'Virtual' ? 'Picklist' : attribute.type;
	return { ...base, OptionSetType: type, Options: attribute.options.map((option) => optionJson(option, managed)) };
}

function derivedProperties(attribute: AttributeDefinition): Json {
	switch (attribute.type) {
		case 'String':
			return { MaxLength: attribute.maxLength, DatabaseLength: (attribute.maxLength ?? 0) * 2, Format: attribute.format, FormatName: { Value: attribute.format }, ImeMode: 'Auto', IsLocalizable: false };
		case 'Memo':
			return { MaxLength: attribute.maxLength, DatabaseLength: (attribute.maxLength ?? 0) * 2, Format: 'TextArea', FormatName: { Value: 'TextArea' }, ImeMode: 'Auto', IsLocalizable: false };
		case 'Integer':
			return { MinValue: attribute.min ?? -2147483648, MaxValue: attribute.max ?? 2147483647, Format: attribute.format ?? 'None' };
		case 'BigInt':
			return { MinValue: -9223372036854775808, MaxValue: 9223372036854775807 };
		case 'Double':
		case 'Money':
			return { MinValue: attribute.min, MaxValue: attribute.max, Precision: attribute.precision, ImeMode: 'Auto' };
		case 'Boolean':
			return { DefaultValue: attribute.defaultValue === true };
		case 'DateTime':
			return { Format: attribute.format, DateTimeBehavior: { Value: attribute.dateBehavior }, CanChangeDateTimeBehavior: { Value: false, CanBeChanged: false }, ImeMode: 'Auto' };
		case 'Picklist':
		case 'Virtual':
			return { DefaultFormValue: attribute.defaultValue ?? -1 };
		case 'State':
		case 'Status':
			return { DefaultFormValue: null };
		case 'Lookup':
		case 'Customer':
		case 'Owner':
			return { Targets: attribute.targets ?? [], Format: 'None' };
		default:
			return {};
	}
}

function attributeJson(entity: EntityDefinition, attribute: AttributeDefinition): Json {
	const managed = !attribute.custom;
	return {
		'@odata.type': `#${NAMESPACE}.${DERIVED_TYPES[attribute.type]}`,
		MetadataId: attribute.metadataId,
		LogicalName: attribute.logicalName,
		SchemaName: attribute.schemaName,
		EntityLogicalName: entity.logicalName,
		AttributeType: attribute.type,
		AttributeTypeName: { Value: attribute.typeName },
		DisplayName: label(attribute.label, managed),
		Description: label('', managed),
		IsCustomAttribute: attribute.custom,
		IsValidForCreate: attribute.validForCreate,
		IsValidForUpdate: attribute.validForUpdate,
		IsValidForRead: attribute.validForRead,
		IsPrimaryId: attribute.logicalName === entity.primaryIdAttribute,
		IsPrimaryName: attribute.logicalName === entity.primaryNameAttribute,
		IsLogical: attribute.attributeOf !== undefined,
		IsManaged: managed,
		AttributeOf: attribute.attributeOf ?? null,
		RequiredLevel: { Value: attribute.requiredLevel, CanBeChanged: attribute.requiredLevel !== 'SystemRequired', ManagedPropertyLogicalName: 'canmodifyrequirementlevelsettings' },
		IntroducedVersion: attribute.custom ? '1.0' : '5.0.0.0',
		...derivedProperties(attribute),
	};
}

function entityJson(entity: EntityDefinition): Json {
	return {
		MetadataId: entity.metadataId,
		LogicalName: entity.logicalName,
		SchemaName: entity.schemaName,
		EntitySetName: entity.entitySetName,
		LogicalCollectionName: entity.entitySetName,
		PrimaryIdAttribute: entity.primaryIdAttribute,
		PrimaryNameAttribute: entity.primaryNameAttribute,
		OwnershipType: entity.ownershipType,
		ChangeTrackingEnabled: entity.changeTrackingEnabled,
		IsOptimisticConcurrencyEnabled: true,
		IsCustomEntity: false,
		IsActivity: false,
		DisplayName: label(entity.schemaName, true),
		DisplayCollectionName: label(entity.entitySetName, true),
	};
}

function keyJson(entity: EntityDefinition, column: string): Json {
	return {
		MetadataId: stableGuid(`key:${entity.logicalName}.${column}`),
		LogicalName: `${column}_key`,
		SchemaName: `${column}_key`,
		EntityLogicalName: entity.logicalName,
		KeyAttributes: [column],
		EntityKeyIndexStatus: 'Active',
		DisplayName: label(`${column} key`, false),
	};
}

const ENUM_PROPERTIES: Record<string, string> = {
	AttributeType: `${NAMESPACE}.AttributeTypeCode`,
	'RequiredLevel/Value': `${NAMESPACE}.AttributeRequiredLevel`,
	OwnershipType: `${NAMESPACE}.OwnershipTypes`,
};

function readPath(item: Json, path: string): unknown {
	return path.split('/').reduce<unknown>((value, segment) => (value && typeof value === 'object' ? (value as Json)[segment] : undefined), item);
}

/** $filter over metadata objects: property types come from the values (enums from their names). */
function metadataScope(items: Json[], typeName: string): FilterScope<Json> {
	return {
		typeName: `${NAMESPACE}.${typeName}`,
		property(path) {
			const sample = items.map((item) => readPath(item, path)).find((value) => value !== undefined && value !== null);
			const declared = items.some((item) => readPath(item, path) !== undefined);
			if (!declared) return undefined;
			const type =
				ENUM_PROPERTIES[path] ??
				(path === 'MetadataId' ? 'Edm.Guid' : typeof sample === 'boolean' ? 'Edm.Boolean' : typeof sample === 'number' ? 'Edm.Int32' : 'Edm.String');
			return { type, read: (item) => readPath(item, path) ?? null };
		},
	};
}

function selectKeys(item: Json, select: string[] | undefined, typeName: string, allowed?: string[]): Json {
	if (!select) return item;
	const result: Json = {};
	if (item['@odata.type']) result['@odata.type'] = item['@odata.type'];
	for (const key of select) {
		if ((allowed && !allowed.includes(key)) || !(key in item)) throw odataError(`Could not find a property named '${key}' on type '${NAMESPACE}.${typeName}'.`);
		result[key] = item[key];
	}
	result.MetadataId = item.MetadataId;
	return result;
}

function listOption(text: string | null): string[] | undefined {
	return text ? text.split(',').map((part) => part.trim()).filter(Boolean) : undefined;
}

const ENUM_TYPES = new Set(['Boolean', 'Picklist', 'State', 'Status', 'Virtual']);

/** $expand=OptionSet($select=Options),GlobalOptionSet: option sets exist only on the typed casts of enum-like columns. */
function expandOptionSets(item: Json, attribute: AttributeDefinition, expand: string | null, typeName: string): void {
	if (!expand) return;
	for (const part of expand.split(/,(?![^(]*\))/)) {
		const match = /^\s*(OptionSet|GlobalOptionSet)(?:\(\$select=([^)]*)\))?\s*$/.exec(part);
		if (!match || typeName === 'AttributeMetadata' || !ENUM_TYPES.has(attribute.type)) {
			throw odataError(`Could not find a property named '${match?.[1] ?? part.trim()}' on type '${NAMESPACE}.${typeName}'.`);
		}
		const optionSet = optionSetJson(attribute);
		const value = match[1] === 'GlobalOptionSet' && !attribute.globalOptionSet ? null : optionSet;
		item[match[1]] = value && match[2] ? selectKeys(value, listOption(match[2]), 'OptionSetMetadataBase') : value;
	}
}

function entityFromKey(key: string): EntityDefinition {
	const logicalName = /^LogicalName='([^']*)'$/.exec(key)?.[1];
	const entity = ENTITIES.find((candidate) => (logicalName ? candidate.logicalName === logicalName : isGuid(key) && candidate.metadataId === key.toLowerCase()));
	if (!entity) throw new DataverseError(404, CODES.objectDoesNotExist, `Could not find entity with ${logicalName ? `name '${logicalName}'` : `id '${key}'`}.`);
	return entity;
}

function attributeFromKey(entity: EntityDefinition, key: string): AttributeDefinition {
	const logicalName = /^LogicalName='([^']*)'$/.exec(key)?.[1];
	const attribute = entity.attributes.find((candidate) => (logicalName ? candidate.logicalName === logicalName : candidate.metadataId === key.toLowerCase()));
	if (!attribute) throw new DataverseError(404, CODES.objectDoesNotExist, `Could not find attribute with ${logicalName ? `name '${logicalName}'` : `id '${key}'`} on entity '${entity.logicalName}'.`);
	return attribute;
}

function castType(segment: string | undefined): string | undefined {
	if (segment === undefined) return undefined;
	const match = new RegExp(`^${NAMESPACE.replace(/\./g, '\\.')}\\.(\\w+AttributeMetadata)$`).exec(segment);
	if (!match || !Object.values(DERIVED_TYPES).includes(match[1])) throw odataError(`Resource not found for the segment '${segment}'.`, 404);
	return match[1];
}

/** The parsed path of a metadata request below the API root. */
export interface MetadataPath {
	entityKey?: string;
	/** 'Attributes' or 'Keys' */
	collection?: string;
	attributeKey?: string;
	cast?: string;
}

/** Reads `EntityDefinitions(...)/Attributes(...)/Microsoft.Dynamics.CRM.XAttributeMetadata` segments. */
export function parseMetadataPath(segments: string[]): MetadataPath | undefined {
	const head = /^EntityDefinitions(?:\((.+)\))?$/.exec(segments[0] ?? '');
	if (!head) return undefined;
	const path: MetadataPath = { entityKey: head[1] };
	const second = segments[1] === undefined ? undefined : /^(Attributes|Keys)(?:\((.+)\))?$/.exec(segments[1]);
	if (segments[1] !== undefined && (!second || !path.entityKey)) return undefined;
	if (second) {
		path.collection = second[1];
		path.attributeKey = second[2];
	}
	path.cast = segments[2];
	if (segments.length > 3 || (path.cast !== undefined && path.collection !== 'Attributes')) return undefined;
	return path;
}

/** The route name of a metadata request, for counters and fault rules. */
export function metadataRouteName(path: MetadataPath): string {
	if (!path.entityKey) return 'metadata.entities';
	if (path.collection === 'Keys') return 'metadata.keys';
	if (path.collection === 'Attributes') return path.attributeKey ? 'metadata.attribute' : 'metadata.attributes';
	return 'metadata.entity';
}

export function metadataResponse(apiBase: string, path: MetadataPath, params: URLSearchParams): SimResponse {
	const select = listOption(params.get('$select'));
	const filter = params.get('$filter');
	const context = (suffix: string) => `${apiBase}/$metadata#${suffix}${select ? `(${select.join(',')})` : ''}`;
	if (!path.entityKey) {
		let items = ENTITIES.map(entityJson);
		if (filter) items = items.filter(compileFilter(filter, metadataScope(items, 'EntityMetadata')));
		return jsonResponse(200, { '@odata.context': context('EntityDefinitions'), value: items.map((item) => selectKeys(item, select, 'EntityMetadata')) });
	}
	const entity = entityFromKey(path.entityKey);
	const entityPath = `EntityDefinitions('${entity.logicalName}')`;
	if (path.collection === 'Keys') {
		return jsonResponse(200, { '@odata.context': context(`${entityPath}/Keys`), value: entity.alternateKeys.map((column) => selectKeys(keyJson(entity, column), select, 'EntityKeyMetadata')) });
	}
	if (!path.collection) {
		const item = selectKeys(entityJson(entity), select, 'EntityMetadata');
		if (params.get('$expand')?.split(',').some((part) => part.trim().startsWith('Attributes'))) {
			item.Attributes = entity.attributes.map((attribute) => attributeJson(entity, attribute));
		}
		return jsonResponse(200, { '@odata.context': `${context('EntityDefinitions')}/$entity`, ...item });
	}
	const cast = castType(path.cast);
	const castSuffix = cast ? `/${NAMESPACE}.${cast}` : '';
	const allowed = cast ? undefined : BASE_ATTRIBUTE_PROPERTIES;
	const typeName = cast ?? 'AttributeMetadata';
	if (path.attributeKey) {
		const attribute = attributeFromKey(entity, path.attributeKey);
		if (cast && DERIVED_TYPES[attribute.type] !== cast) throw odataError(`Resource not found for the segment '${path.cast}'.`, 404);
		const item = selectKeys(attributeJson(entity, attribute), select, typeName, allowed);
		expandOptionSets(item, attribute, params.get('$expand'), typeName);
		return jsonResponse(200, { '@odata.context': `${apiBase}/$metadata#${entityPath}/Attributes${castSuffix}/$entity`, ...item });
	}
	let attributes = entity.attributes.filter((attribute) => !cast || DERIVED_TYPES[attribute.type] === cast);
	let items = attributes.map((attribute) => attributeJson(entity, attribute));
	if (filter) {
		const keep = compileFilter(filter, metadataScope(items, typeName));
		attributes = attributes.filter((_attribute, index) => keep(items[index]));
		items = items.filter(keep);
	}
	const value = items.map((item, index) => {
		const selected = selectKeys(item, select, typeName, allowed);
		expandOptionSets(selected, attributes[index], params.get('$expand'), typeName);
		return selected;
	});
	return jsonResponse(200, { '@odata.context': context(`${entityPath}/Attributes${castSuffix}`), value });
}

/** GET $metadata: the CSDL of the simulated tables (properties, navigation properties, WhoAmI), with the change-tracking annotation. */
export function csdlDocument(params: URLSearchParams): SimResponse {
	const annotations = params.get('annotations') === 'true';
	const types = ENTITIES.map((entity) => {
		const properties = entity.attributes
			.filter((attribute) => !attribute.attributeOf)
			.map((attribute) => `<Property Name="${propertyName(attribute)}" Type="${edmType(attribute)}"${attribute.maxLength ? ` MaxLength="${attribute.maxLength}"` : ''} />`);
		const navigation = [...navigationProperties(entity)].map(
			([name, property]) => `<NavigationProperty Name="${name}" Type="mscrm.${property.targets.length > 1 ? 'principal' : property.targets[0]}" />`,
		);
		return `<EntityType Name="${entity.logicalName}"><Key><PropertyRef Name="${entity.primaryIdAttribute}" /></Key>${[...properties, ...navigation].join('')}</EntityType>`;
	});
	const changeTracking = annotations
		? '<Annotation Term="Org.OData.Capabilities.V1.ChangeTracking"><Record><PropertyValue Property="Supported" Bool="true" /></Record></Annotation>'
		: '';
	const sets = ENTITIES.map(
		(entity) => `<EntitySet Name="${entity.entitySetName}" EntityType="Microsoft.Dynamics.CRM.${entity.logicalName}">${entity.changeTrackingEnabled ? changeTracking : ''}</EntitySet>`,
	);
	const document =
		'<?xml version="1.0" encoding="utf-8"?>' +
		'<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>' +
		`<Schema Namespace="${NAMESPACE}" Alias="mscrm" xmlns="http://docs.oasis-open.org/odata/ns/edm">` +
		'<EntityType Name="crmbaseentity" Abstract="true" /><EntityType Name="principal" BaseType="mscrm.crmbaseentity" Abstract="true" />' +
		types.join('') +
		'<ComplexType Name="WhoAmIResponse"><Property Name="BusinessUnitId" Type="Edm.Guid" Nullable="false" /><Property Name="UserId" Type="Edm.Guid" Nullable="false" /><Property Name="OrganizationId" Type="Edm.Guid" Nullable="false" /></ComplexType>' +
		'<Function Name="WhoAmI"><ReturnType Type="mscrm.WhoAmIResponse" Nullable="false" /></Function>' +
		`<EntityContainer Name="System">${sets.join('')}<FunctionImport Name="WhoAmI" Function="${NAMESPACE}.WhoAmI" /></EntityContainer>` +
		'</Schema></edmx:DataServices></edmx:Edmx>';
	return { status: 200, headers: { 'Content-Type': 'application/xml', 'OData-Version': '4.0' }, body: document };
}
