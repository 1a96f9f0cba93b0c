/**
 * Table and column metadata (EntityDefinitions), described in the canonical field model, plus the
 * users and teams that can own records (for owner pickers). Metadata is cached per process and org for
 * a while: it only saves requests, every entry can be read again at any time.
 */
import { DynamicsAttributeMetadata, FieldDescriptor, describeDynamicsAttribute } from '../model/fields';
import { describeUrl } from '../http/transport';
import { sendBatch } from './batch';
import { DynamicsClient } from './client';
import { DynamicsApiError, unexpectedAnswer } from './errors';
import { buildQuery, quoteString } from './odata';

export interface EntityDefinition {
	LogicalName: string;
	EntitySetName: string;
	PrimaryIdAttribute: string;
	PrimaryNameAttribute?: string;
	ChangeTrackingEnabled?: boolean;
	IsOptimisticConcurrencyEnabled?: boolean;
}

const BASE_COLUMNS = [
	'LogicalName',
	'SchemaName',
	'AttributeType',
	'AttributeTypeName',
	'DisplayName',
	'IsCustomAttribute',
	'IsValidForCreate',
	'IsValidForUpdate',
	'IsValidForRead',
	'AttributeOf',
	'RequiredLevel',
];

/**
 * Type-specific properties need a cast of the Attributes collection; choices also need their OptionSet
 * expanded. Each entry is [cast type, query].
 */
const TYPED_QUERIES: Array<[string, string]> = [
	['StringAttributeMetadata', '$select=LogicalName,MaxLength,Format,FormatName'],
	['MemoAttributeMetadata', '$select=LogicalName,MaxLength,Format'],
	['DateTimeAttributeMetadata', '$select=LogicalName,Format,DateTimeBehavior'],
	['PicklistAttributeMetadata', '$select=LogicalName&$expand=OptionSet'],
	['StateAttributeMetadata', '$select=LogicalName&$expand=OptionSet'],
	['StatusAttributeMetadata', '$select=LogicalName&$expand=OptionSet'],
	['MultiSelectPicklistAttributeMetadata', '$select=LogicalName&$expand=OptionSet'],
];

export const DEFAULT_METADATA_TTL_MS = 10 * 60_000;

interface CacheEntry {
	expiresAt: number;
	fields: Promise<FieldDescriptor[]>;
}

const fieldCache = new Map<string, CacheEntry>();

function entityPath(logicalName: string): string {
	if (!/^[a-z_][a-z0-9_]*$/.test(logicalName)) throw new Error(`"${logicalName}" is not a table logical name such as contact`);
	return `EntityDefinitions(LogicalName=${quoteString(logicalName)})`;
}

export async function readEntityDefinition(client: DynamicsClient, logicalName: string): Promise<EntityDefinition> {
	const select = ['LogicalName', 'EntitySetName', 'PrimaryIdAttribute', 'PrimaryNameAttribute', 'ChangeTrackingEnabled', 'IsOptimisticConcurrencyEnabled'];
	return client.getJson<EntityDefinition>(entityPath(logicalName) + buildQuery({ select }));
}

type AttributeList<T> = { value: T[] };

/**
 * Every column's raw metadata, the typed properties merged in by logical name. The base query and the
 * casts go as one $batch: one request, however many types need a cast.
 */
export async function readAttributeMetadata(client: DynamicsClient, logicalName: string): Promise<DynamicsAttributeMetadata[]> {
	const attributesPath = `${entityPath(logicalName)}/Attributes`;
	const paths = [attributesPath + buildQuery({ select: BASE_COLUMNS }), ...TYPED_QUERIES.map(([cast, query]) => `${attributesPath}/Microsoft.Dynamics.CRM.${cast}?${query}`)];
	const results = await sendBatch(client, paths.map((path) => ({ method: 'GET' as const, path })));
	const lists = results.map((result, index) => {
		const list = result.body as Partial<AttributeList<unknown>> | undefined;
		if (!result.ok) {
			throw new DynamicsApiError({ status: result.status, code: result.error?.code, serviceMessage: result.error?.message, method: 'GET', url: describeUrl(client.resolve(paths[index])) });
		}
		if (!Array.isArray(list?.value)) throw unexpectedAnswer(`GET ${paths[index]} returned no "value" array`);
		return list.value;
	});
	const [base, ...typed] = lists as [DynamicsAttributeMetadata[], ...Array<Array<Partial<DynamicsAttributeMetadata> & { LogicalName: string }>>];
	const byName = new Map(base.map((attribute) => [attribute.LogicalName, { ...attribute }]));
	for (const response of typed) {
		for (const extra of response) {
			const attribute = byName.get(extra.LogicalName);
			if (attribute) Object.assign(attribute, withoutODataAnnotations(extra));
		}
	}
	return [...byName.values()];
}

function withoutODataAnnotations<T extends object>(value: T): Partial<T> {
	return Object.fromEntries(Object.entries(value).filter(([key]) => !key.startsWith('@'))) as Partial<T>;
}

/** The table's columns as FieldDescriptors (columns the sync cannot carry are left out), cached for `ttlMs`. */
export async function readFields(
	client: DynamicsClient,
	logicalName = 'contact',
	options: { ttlMs?: number; now?: () => number } = {},
): Promise<FieldDescriptor[]> {
	const now = (options.now ?? Date.now)();
	const key = `${client.apiBaseUrl}|${logicalName}`;
	const cached = fieldCache.get(key);
	if (cached && cached.expiresAt > now) return cached.fields;
	const fields = readAttributeMetadata(client, logicalName).then((attributes) =>
		attributes
			.map(describeDynamicsAttribute)
			.filter((field): field is FieldDescriptor => field !== undefined)
			.sort((a, b) => a.label.localeCompare(b.label)),
	);
	fieldCache.set(key, { expiresAt: now + (options.ttlMs ?? DEFAULT_METADATA_TTL_MS), fields });
	// A failed read is not remembered: the next call asks again.
	fields.catch(() => {
		if (fieldCache.get(key)?.fields === fields) fieldCache.delete(key);
	});
	return fields;
}

/** Forgets cached metadata, e.g. after a user added a column and asked to reload. */
export function clearMetadataCache(): void {
	fieldCache.clear();
}

export interface OwnerOption {
	kind: 'systemuser' | 'team';
	id: string;
	name: string;
	email?: string;
}

/** Enabled users, by name. */
export async function listSystemUsers(client: DynamicsClient): Promise<OwnerOption[]> {
	const query = buildQuery({ select: ['systemuserid', 'fullname', 'internalemailaddress'], filter: 'isdisabled eq false', orderby: 'fullname asc' });
	const users = await client.getAll<{ systemuserid: string; fullname?: string; internalemailaddress?: string }>(`systemusers${query}`);
	return users.map((user) => ({
		kind: 'systemuser',
		id: user.systemuserid,
		name: user.fullname || user.internalemailaddress || user.systemuserid,
		...(user.internalemailaddress ? { email: user.internalemailaddress } : {}),
	}));
}

/** Teams, by name. */
export async function listTeams(client: DynamicsClient): Promise<OwnerOption[]> {
	const teams = await client.getAll<{ teamid: string; name?: string }>(`teams${buildQuery({ select: ['teamid', 'name'], orderby: 'name asc' })}`);
	return teams.map((team) => ({ kind: 'team', id: team.teamid, name: team.name || team.teamid }));
}
