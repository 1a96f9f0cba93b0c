/**
 * Reading collections the way Dataverse does: $select / $filter / $orderby / $top / $count / $expand,
 * server-driven paging with an opaque $skiptoken (a paging cookie shaped like Dataverse's), and change
 * tracking (delta links, $deletedEntity tombstones, expired version stamps).
 *
 * Paging stays cheap on large tables: the first page computes the filtered, sorted id list once and
 * keeps it in a small cache keyed by the cookie; later pages slice it. If the cache has dropped it,
 * the list is recomputed from the query options the nextLink repeats, and the cookie's last id finds
 * the place to continue.
 */
import { randomBytes } from 'crypto';
import type { SimResponse } from '../common/http';
import { JsonBytes } from '../common/json';
import { type FilterScope, type RowPredicate, compileFilter, keyEqualities } from './odata-filter';
import { type EntityRecord, type ReadOptions, type RecordWriter, isLookupRef, recordWriter } from './records';
import {
	type AttributeDefinition,
	type EntityDefinition,
	edmType,
	entityByName,
	isLookup,
	navigationProperties,
	wireProperties,
} from './schema';
import type { DynamicsState } from './state';
import {
	CODES,
	DataverseError,
	FORMATTED_VALUE,
	type Preferences,
	annotationFilter,
	jsonResponse,
	odataError,
} from './wire';

export const MAX_PAGE_SIZE = 5000;
const COUNT_LIMIT = 5000;
const CURSOR_CACHE_SIZE = 64;
const SUPPORTED_OPTIONS = new Set(['$select', '$filter', '$orderby', '$top', '$count', '$expand', '$skiptoken', '$deltatoken']);
const TRACKING_FORBIDDEN = ['$filter', '$orderby', '$expand', '$top'];

interface OrderTerm {
	attribute: AttributeDefinition;
	descending: boolean;
}

interface ExpandOption {
	navigation: string;
	attribute: AttributeDefinition;
	targets: string[];
	select?: string[];
}

export interface ListQuery {
	definition: EntityDefinition;
	select?: AttributeDefinition[];
	filter?: RowPredicate<EntityRecord>;
	/** Set when the filter only lists primary keys: the rows come from the key index, as SQL would read them. */
	keys?: Set<string>;
	order: OrderTerm[];
	top?: number;
	count: boolean;
	expand: ExpandOption[];
}

function unknownProperty(definition: EntityDefinition, name: string): DataverseError {
	return odataError(`Could not find a property named '${name}' on type 'Microsoft.Dynamics.CRM.${definition.logicalName}'.`);
}

export function parseSelect(definition: EntityDefinition, text: string | null): AttributeDefinition[] | undefined {
	if (text === null || text.trim() === '' || text.trim() === '*') return undefined;
	const properties = wireProperties(definition);
	return [
		...new Set(
			text.split(',').map((name) => {
				const attribute = properties.get(name.trim());
				if (!attribute) throw unknownProperty(definition, name.trim());
				return attribute;
			}),
		),
	];
}

/** $filter sees a record through its Web API properties (lookups as `_x_value` GUIDs). */
export function recordFilterScope(definition: EntityDefinition): FilterScope<EntityRecord> {
	const properties = wireProperties(definition);
	return {
		typeName: `Microsoft.Dynamics.CRM.${definition.logicalName}`,
		property(path) {
			const attribute = properties.get(path);
			if (!attribute) return undefined;
			const name = attribute.logicalName;
			if (isLookup(attribute)) return { type: 'Edm.Guid', read: (record) => (isLookupRef(record.values[name]) ? (record.values[name] as { id: string }).id : null) };
			if (attribute.type === 'Virtual') return { type: 'Edm.String', read: (record) => (Array.isArray(record.values[name]) ? (record.values[name] as number[]).join(',') : null) };
			return { type: edmType(attribute), read: (record) => record.values[name] ?? null };
		},
	};
}

function parseOrderBy(definition: EntityDefinition, text: string | null): OrderTerm[] {
	if (!text) return [];
	const properties = wireProperties(definition);
	return text.split(',').map((term) => {
		const [name, direction, extra] = term.trim().split(/\s+/);
		if (extra !== undefined || (direction !== undefined && !/^(asc|desc)$/i.test(direction))) {
			throw odataError(`Syntax error at position ${term.length} in '${text}'.`);
		}
		const attribute = properties.get(name);
		if (!attribute) throw unknownProperty(definition, name);
		return { attribute, descending: direction?.toLowerCase() === 'desc' };
	});
}

function splitTopLevel(text: string, separator: string): string[] {
	const parts: string[] = [];
	let depth = 0;
	let current = '';
	for (const char of text) {
		if (char === '(') depth++;
		if (char === ')') depth--;
		if (char === separator && depth === 0) {
			parts.push(current);
			current = '';
		} else current += char;
	}
	if (current.trim()) parts.push(current);
	return parts.map((part) => part.trim());
}

function parseExpand(definition: EntityDefinition, text: string | null): ExpandOption[] {
	if (!text) return [];
	const navigation = navigationProperties(definition);
	return splitTopLevel(text, ',').map((item) => {
		const match = /^([A-Za-z_][\w]*)(?:\((.*)\))?$/.exec(item);
		const property = match && navigation.get(match[1]);
		if (!match || !property) throw unknownProperty(definition, match?.[1] ?? item);
		let select: string[] | undefined;
		for (const option of splitTopLevel(match[2] ?? '', ';')) {
			const [name, value] = option.split('=');
			if (name.trim() !== '$select') throw odataError(`The query option '${name.trim()}' is not supported inside $expand by the simulator; use $select.`);
			select = value.split(',').map((column) => column.trim());
		}
		return { navigation: match[1], attribute: property.attribute, targets: property.targets, select };
	});
}

/** Reads and checks the query options of a collection GET. */
export function parseListQuery(definition: EntityDefinition, params: URLSearchParams): ListQuery {
	for (const key of params.keys()) {
		if (key === '$skip') throw odataError('Skip Clause is not supported in CRM');
		if (key.startsWith('$') && !SUPPORTED_OPTIONS.has(key)) throw odataError(`The query parameter '${key}' is not supported.`);
	}
	const filterText = params.get('$filter');
	const topText = params.get('$top');
	const top = topText === null ? undefined : Number(topText);
	if (top !== undefined && (!Number.isInteger(top) || top < 0)) throw odataError(`Invalid value '${topText}' for $top query option found. The $top query option requires a non-negative integer value.`);
	const countText = params.get('$count');
	if (countText !== null && !/^(true|false)$/i.test(countText)) throw odataError(`'${countText}' is not a valid count option.`);
	return {
		definition,
		select: parseSelect(definition, params.get('$select')),
		filter: filterText === null ? undefined : compileFilter(filterText, recordFilterScope(definition)),
		keys: filterText === null ? undefined : keyEqualities(filterText, definition.primaryIdAttribute),
		order: parseOrderBy(definition, params.get('$orderby')),
		top,
		count: countText?.toLowerCase() === 'true',
		expand: parseExpand(definition, params.get('$expand')),
	};
}

/** Sort keys as SQL compares them: strings case-insensitively, lookups by their target's name, nulls first. */
function sortKey(state: DynamicsState, attribute: AttributeDefinition, record: EntityRecord): string | number | null {
	const value = record.values[attribute.logicalName];
	if (value === null || value === undefined) return null;
	if (isLookupRef(value)) return state.nameOf(value)?.toLowerCase() ?? null;
	if (Array.isArray(value)) return value.join(',');
	if (typeof value === 'string') return attribute.type === 'DateTime' ? value : value.toLowerCase();
	if (typeof value === 'boolean') return value ? 1 : 0;
	return value;
}

function compareKeys(a: string | number | null, b: string | number | null): number {
	if (a === b) return 0;
	if (a === null) return -1;
	if (b === null) return 1;
	return a < b ? -1 : 1;
}

/** The ids of the matching rows in query order (ties and the default order by primary key). */
function orderedIds(state: DynamicsState, query: ListQuery): string[] {
	const entity = query.definition.logicalName;
	if (query.order.length === 0) {
		const { filter, keys } = query;
		const ids = keys ? [...keys].filter((id) => state.get(entity, id)).sort() : state.idsInOrder(entity);
		return filter ? ids.filter((id) => filter(state.get(entity, id) as EntityRecord)) : [...ids];
	}
	const rows = query.keys ? [...query.keys].map((id) => state.get(entity, id)).filter((record): record is EntityRecord => record !== undefined) : state.records(entity);
	const matching = rows.filter((record) => !query.filter || query.filter(record));
	const keyed = matching.map((record) => ({ id: record.id, keys: query.order.map((term) => sortKey(state, term.attribute, record)) }));
	keyed.sort((a, b) => {
		for (let index = 0; index < query.order.length; index++) {
			const order = compareKeys(a.keys[index], b.keys[index]);
			if (order !== 0) return query.order[index].descending ? -order : order;
		}
		return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
	});
	return keyed.map((entry) => entry.id);
}

/** One entry of a page: a record id, or (in a delta) the id of a deleted record. */
type CursorItem = { id: string; deleted?: true };

interface Cursor {
	items: CursorItem[];
	total: number;
	/** Set on tracked reads: the delta token the last page hands out. */
	delta?: { version: number; time: string };
}

/** The id lists of paged queries in progress, least recently used dropped first. */
export class PageCursors {
	private cursors = new Map<string, Cursor>();

	save(cursor: Cursor): string {
		const id = randomBytes(9).toString('base64url');
		this.cursors.set(id, cursor);
		if (this.cursors.size > CURSOR_CACHE_SIZE) this.cursors.delete(this.cursors.keys().next().value as string);
		return id;
	}

	load(id: string): Cursor | undefined {
		const cursor = this.cursors.get(id);
		if (cursor) {
			this.cursors.delete(id);
			this.cursors.set(id, cursor);
		}
		return cursor;
	}

	clear(): void {
		this.cursors.clear();
	}
}

interface PagingCookie {
	page: number;
	cursor: string;
	position: number;
	lastId?: string;
	firstId?: string;
	delta?: { version: number; time: string };
	tracking: boolean;
}

function xmlAttribute(value: string): string {
	return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/** A $skiptoken shaped like Dataverse's: `<cookie pagenumber="2" pagingcookie="..." istracking="False" />`. */
function encodeSkipToken(primaryId: string, cookie: PagingCookie): string {
	const delta = cookie.delta ? ` deltaversion="${cookie.delta.version}" deltatime="${xmlAttribute(cookie.delta.time)}"` : '';
	const inner =
		`<cookie page="${cookie.page}" cursor="${cookie.cursor}" position="${cookie.position}"${delta}>` +
		`<${primaryId} last="{${(cookie.lastId ?? '').toUpperCase()}}" first="{${(cookie.firstId ?? '').toUpperCase()}}" /></cookie>`;
	return `<cookie pagenumber="${cookie.page + 1}" pagingcookie="${encodeURIComponent(encodeURIComponent(inner))}" istracking="${cookie.tracking ? 'True' : 'False'}" />`;
}

function decodeSkipToken(token: string): PagingCookie {
	const invalid = () => odataError('The $skiptoken query parameter value is not valid. Follow @odata.nextLink unchanged.');
	const outer = /pagingcookie="([^"]*)"/.exec(token);
	if (!outer) throw invalid();
	let inner: string;
	try {
		inner = decodeURIComponent(decodeURIComponent(outer[1]));
	} catch {
		throw invalid();
	}
	const attribute = (name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(inner)?.[1];
	const page = Number(attribute('page'));
	const position = Number(attribute('position'));
	const cursor = attribute('cursor');
	if (!Number.isInteger(page) || !Number.isInteger(position) || !cursor) throw invalid();
	const lastId = attribute('last')?.replace(/[{}]/g, '').toLowerCase();
	const deltaVersion = attribute('deltaversion');
	return {
		page,
		cursor,
		position,
		lastId: lastId || undefined,
		delta: deltaVersion ? { version: Number(deltaVersion), time: (attribute('deltatime') ?? '').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&amp;/g, '&') } : undefined,
		tracking: /istracking="True"/.test(token),
	};
}

/** The timestamp half of a `<version>!<timestamp>` delta token, as Dataverse writes it: 08/22/2017 08:10:44 (UTC). */
function deltaTime(time: Date): string {
	const two = (value: number) => String(value).padStart(2, '0');
	return `${two(time.getUTCMonth() + 1)}/${two(time.getUTCDate())}/${time.getUTCFullYear()} ${two(time.getUTCHours())}:${two(time.getUTCMinutes())}:${two(time.getUTCSeconds())}`;
}

function parseDeltaToken(state: DynamicsState, token: string): number {
	const match = /^(\d+)!(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})$/.exec(token);
	if (!match) throw odataError(`The delta token '${token}' is not valid. Use the @odata.deltaLink of a change-tracking response unchanged.`);
	const [, version, month, day, year, hours, minutes, seconds] = match;
	const issued = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hours), Number(minutes), Number(seconds));
	const expired = Number(version) < state.changeTrackingFloor || state.now().getTime() - issued > state.changeTrackingTokenLifetimeSeconds * 1000;
	if (expired) {
		throw new DataverseError(400, CODES.expiredVersionStamp, 'Version stamp associated with the client has expired. Please perform a full sync.');
	}
	return Number(version);
}

/** Rows changed after `version` (latest state, by version), then rows deleted after it and not back since. */
function changesSince(state: DynamicsState, definition: EntityDefinition, version: number): CursorItem[] {
	const changed = state
		.records(definition.logicalName)
		.filter((record) => record.version > version)
		.sort((a, b) => a.version - b.version)
		.map((record): CursorItem => ({ id: record.id }));
	const deleted = new Set<string>();
	for (const tombstone of state.tombstones(definition.logicalName)) {
		if (tombstone.version > version && !state.get(definition.logicalName, tombstone.id)) deleted.add(tombstone.id);
	}
	return [...changed, ...[...deleted].map((id): CursorItem => ({ id, deleted: true }))];
}

export interface ListContext {
	state: DynamicsState;
	cursors: PageCursors;
	/** The API root the client used, e.g. https://127.0.0.1:4443/api/data/v9.2. */
	apiBase: string;
}

function contextUrl(context: ListContext, definition: EntityDefinition, params: URLSearchParams): string {
	const select = params.get('$select');
	return `${context.apiBase}/$metadata#${definition.entitySetName}${select ? `(${select})` : ''}`;
}

function linkWith(context: ListContext, definition: EntityDefinition, params: URLSearchParams, extra: Record<string, string>): string {
	const kept = [...params.entries()].filter(([key]) => key !== '$skiptoken' && key !== '$deltatoken' && !(key in extra));
	const query = [...kept, ...Object.entries(extra)].map(([key, value]) => `${key}=${encodeURIComponent(value).replace(/%24/g, '$').replace(/%2C/g, ',')}`);
	return `${context.apiBase}/${definition.entitySetName}?${query.join('&')}`;
}

/** Writes rows of a query as text: the record's members, then each $expand's related record (or null). */
type RowWriter = (record: EntityRecord) => string;

function rowWriter(context: ListContext, query: ListQuery, options: ReadOptions): RowWriter {
	const writeRecord = recordWriter(query.definition, options);
	// A navigation expanded twice is one member, at its first place, with its last options (as an object keeps it).
	const lastByNavigation = new Map(query.expand.map((option) => [option.navigation, option]));
	const expansions = [...lastByNavigation.values()].map((option) => ({ option, member: `,${JSON.stringify(option.navigation)}:`, writers: new Map<string, RecordWriter>() }));
	if (expansions.length === 0) return writeRecord;
	/** The related record of a single-valued navigation property, written with the $expand's own $select (one writer per target table). */
	const related = (record: EntityRecord, expansion: (typeof expansions)[number]): string => {
		const { option, writers } = expansion;
		const ref = record.values[option.attribute.logicalName];
		if (!isLookupRef(ref) || !option.targets.includes(ref.entity)) return 'null';
		const target = entityByName(ref.entity);
		const relatedRecord = target && context.state.get(ref.entity, ref.id);
		if (!target || !relatedRecord) return 'null';
		let writer = writers.get(target.logicalName);
		if (!writer) {
			const properties = wireProperties(target);
			const select = option.select?.map((name) => properties.get(name)).filter((attribute): attribute is AttributeDefinition => attribute !== undefined);
			writer = recordWriter(target, { ...options, select });
			writers.set(target.logicalName, writer);
		}
		return writer(relatedRecord);
	};
	return (record) => {
		let text = writeRecord(record).slice(0, -1);
		for (const expansion of expansions) text += expansion.member + related(record, expansion);
		return `${text}}`;
	};
}

export function readOptions(state: DynamicsState, preferences: Preferences, select?: AttributeDefinition[]): ReadOptions {
	return { select, annotate: annotationFilter(preferences.includeAnnotations), nameOf: (ref) => state.nameOf(ref) };
}

/** GET on a collection: a page of rows, or with change tracking the full set / the changes since a delta token. */
export function listRecords(context: ListContext, definition: EntityDefinition, params: URLSearchParams, preferences: Preferences): SimResponse {
	const query = parseListQuery(definition, params);
	const skipToken = params.get('$skiptoken');
	const cookie = skipToken === null ? undefined : decodeSkipToken(skipToken);
	const deltaTokenText = params.get('$deltatoken');
	const tracking = preferences.trackChanges || deltaTokenText !== null || cookie?.tracking === true;
	if (tracking) {
		const forbidden = TRACKING_FORBIDDEN.find((option) => params.has(option));
		if (forbidden) throw odataError(`The ${forbidden} query parameter isn't supported when Change Tracking is enabled.`);
		if (!definition.changeTrackingEnabled) throw new DataverseError(400, CODES.changeTrackingNotEnabled, `Entity ${definition.logicalName} isn't enabled for change tracking.`);
	}
	const deltaVersion = deltaTokenText === null ? undefined : parseDeltaToken(context.state, deltaTokenText);
	const pageSize = Math.min(preferences.maxPageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
	const limit = preferences.maxPageSize === undefined && query.top !== undefined ? Math.min(query.top, MAX_PAGE_SIZE) : pageSize;

	let cursor = cookie ? context.cursors.load(cookie.cursor) : undefined;
	let cursorId = cookie?.cursor;
	let position = cookie?.position ?? 0;
	if (!cursor) {
		const items =
			deltaVersion !== undefined
				? changesSince(context.state, definition, deltaVersion)
				: orderedIds(context.state, query).map((id): CursorItem => ({ id }));
		cursor = {
			items,
			total: items.length,
			delta: tracking ? cookie?.delta ?? { version: context.state.currentVersion(), time: deltaTime(context.state.now()) } : undefined,
		};
		cursorId = context.cursors.save(cursor);
		if (cookie?.lastId) {
			const after = items.findIndex((item) => item.id === cookie.lastId);
			if (after >= 0) position = after + 1;
		}
	}

	const options = readOptions(context.state, preferences, query.select);
	const slice = cursor.items.slice(position, position + limit);
	const head: Record<string, unknown> = { '@odata.context': `${contextUrl(context, definition, params)}${deltaVersion !== undefined ? '/$delta' : ''}` };
	const annotate = options.annotate;
	if (annotate('Microsoft.Dynamics.CRM.totalrecordcount')) head['@Microsoft.Dynamics.CRM.totalrecordcount'] = query.count ? Math.min(cursor.total, COUNT_LIMIT) : -1;
	if (annotate('Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded')) head['@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded'] = cursor.total > COUNT_LIMIT;
	if (annotate('Microsoft.Dynamics.CRM.globalmetadataversion')) head['@Microsoft.Dynamics.CRM.globalmetadataversion'] = '1000001';
	if (query.count) head['@odata.count'] = Math.min(cursor.total, COUNT_LIMIT);

	const tail: Record<string, unknown> = {};
	const nextPosition = position + slice.length;
	const more = nextPosition < cursor.items.length && (preferences.maxPageSize !== undefined || query.top === undefined);
	if (more) {
		const last = slice[slice.length - 1];
		const next: PagingCookie = { page: (cookie?.page ?? 0) + 1, cursor: cursorId as string, position: nextPosition, lastId: last?.id, firstId: slice[0]?.id, delta: cursor.delta, tracking };
		const extra: Record<string, string> = { $skiptoken: encodeSkipToken(definition.primaryIdAttribute, next) };
		if (deltaTokenText !== null) extra.$deltatoken = deltaTokenText;
		tail['@odata.nextLink'] = linkWith(context, definition, params, extra);
	} else if (tracking && cursor.delta && !(context.state.dropsDeltaLinkWithFormattedValues && options.annotate(FORMATTED_VALUE))) {
		tail['@odata.deltaLink'] = linkWith(context, definition, params, { $deltatoken: `${cursor.delta.version}!${cursor.delta.time}` });
	}

	// The body is written as bytes row by row (members in the order of head, value, tail): no object per row, and no second walk to serialise them.
	const body = new JsonBytes();
	body.write(`${JSON.stringify(head).slice(0, -1)},"value":[`);
	const writeRow = rowWriter(context, query, options);
	const tombstoneContext = `{"@odata.context":${JSON.stringify(`${context.apiBase}/$metadata#${definition.entitySetName}/$deletedEntity`)}`;
	let separator = '';
	for (const item of slice) {
		if (item.deleted) {
			body.write(`${separator}${tombstoneContext},"id":${JSON.stringify(item.id)},"reason":"deleted"}`);
			separator = ',';
			continue;
		}
		const record = context.state.get(definition.logicalName, item.id);
		// Rows deleted or changed out of the filter since the first page are skipped, as a re-run query would.
		if (record && (!query.filter || query.filter(record))) {
			body.write(separator + writeRow(record));
			separator = ',';
		}
	}
	const tailText = JSON.stringify(tail);
	body.write(tailText === '{}' ? ']}' : `],${tailText.slice(1)}`);

	const applied: string[] = [];
	if (preferences.maxPageSize !== undefined) applied.push(`odata.maxpagesize=${pageSize}`);
	if (preferences.includeAnnotations !== undefined) applied.push(`odata.include-annotations="${preferences.includeAnnotations}"`);
	if (tracking && preferences.trackChanges) applied.push('odata.track-changes');
	return jsonResponse(200, body, applied.length ? { 'Preference-Applied': applied.join(',') } : {});
}

/** GET <set>/$count: the number of rows (up to 5000, as Dataverse counts), as text/plain. */
export function countRecords(state: DynamicsState, definition: EntityDefinition, params: URLSearchParams): SimResponse {
	const deltaTokenText = params.get('$deltatoken');
	const filterText = params.get('$filter');
	let total: number;
	if (deltaTokenText !== null) total = changesSince(state, definition, parseDeltaToken(state, deltaTokenText)).length;
	else {
		const filter = filterText === null ? undefined : compileFilter(filterText, recordFilterScope(definition));
		total = filter ? state.records(definition.logicalName).filter(filter).length : state.count(definition.logicalName);
	}
	return { status: 200, headers: { 'Content-Type': 'text/plain', 'OData-Version': '4.0' }, body: String(Math.min(total, COUNT_LIMIT)) };
}

/** The JSON text of one record for GET by key, with $select and $expand applied. */
export function singleRecordJson(context: ListContext, definition: EntityDefinition, record: EntityRecord, params: URLSearchParams, preferences: Preferences): string {
	for (const key of params.keys()) {
		if (key.startsWith('$') && key !== '$select' && key !== '$expand') throw odataError(`The query parameter '${key}' is not supported.`);
	}
	const query: ListQuery = {
		definition,
		select: parseSelect(definition, params.get('$select')),
		order: [],
		count: false,
		expand: parseExpand(definition, params.get('$expand')),
	};
	const row = rowWriter(context, query, readOptions(context.state, preferences, query.select))(record);
	return `{"@odata.context":${JSON.stringify(`${contextUrl(context, definition, params)}/$entity`)},${row.slice(1)}`;
}
