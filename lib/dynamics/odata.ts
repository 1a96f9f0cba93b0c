/**
 * OData literals and query strings for the Dataverse Web API. Every value placed into a URL goes
 * through here: strings are quoted with doubled apostrophes (O'Brien -> 'O''Brien'), LIKE wildcards
 * in text searches are bracketed (textMatch), and whole query values are percent-encoded, so '%',
 * '&', '#' and '+' reach the server as typed.
 */

const GUID_PATTERN = /^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?$/i;

export function isGuid(value: unknown): boolean {
	return typeof value === 'string' && GUID_PATTERN.test(value.trim());
}

/** Returns the GUID in canonical form (lower case, no braces), or throws naming what was expected. */
export function assertGuid(value: unknown, what: string): string {
	const match = typeof value === 'string' ? GUID_PATTERN.exec(value.trim()) : null;
	if (!match) {
		throw new Error(`${what} must be a GUID like 00000000-0000-0000-0000-000000000000, got ${JSON.stringify(value)}`);
	}
	return match[1].toLowerCase();
}

/** A string literal: 'O''Brien'. */
export function quoteString(value: string): string {
	return `'${value.replace(/'/g, "''")}'`;
}

/** Marks a value to be written as an unquoted GUID literal (lookup columns such as _ownerid_value). */
export interface GuidValue {
	guid: string;
}

export type ODataValue = string | number | boolean | null | Date | GuidValue;

/** The OData literal for a value: strings quoted, GUIDs and dates unquoted, as Dataverse expects. */
export function literal(value: ODataValue): string {
	if (value === null) return 'null';
	if (typeof value === 'string') return quoteString(value);
	if (typeof value === 'number') {
		if (!Number.isFinite(value)) throw new Error(`cannot use ${value} in an OData filter`);
		return String(value);
	}
	if (typeof value === 'boolean') return value ? 'true' : 'false';
	if (value instanceof Date) {
		if (Number.isNaN(value.getTime())) throw new Error('cannot use an invalid date in an OData filter');
		return value.toISOString().replace(/\.000Z$/, 'Z');
	}
	return assertGuid(value.guid, 'a lookup value');
}

const PROPERTY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*$/;

/** Column names come from users and metadata; only plain OData identifiers are placed into filters. */
export function assertPropertyName(name: string): string {
	if (!PROPERTY_PATTERN.test(name)) {
		throw new Error(`"${name}" is not a valid column name: use the column's logical name, e.g. emailaddress1`);
	}
	return name;
}

export function eq(property: string, value: ODataValue): string {
	return `${assertPropertyName(property)} eq ${literal(value)}`;
}

/**
 * contains / startswith / endswith matching the text as typed. Dataverse runs these as SQL LIKE, where
 * % and _ are wildcards and [ opens a character set; bracketing them ([%], [_], [[]) makes them literal.
 */
export function textMatch(fn: 'contains' | 'startswith' | 'endswith', property: string, text: string): string {
	return `${fn}(${assertPropertyName(property)},${quoteString(text.replace(/[%_[]/g, '[$&]'))})`;
}

export interface QueryOptions {
	select?: string[];
	filter?: string;
	orderby?: string;
	top?: number;
	expand?: string;
	count?: boolean;
	/** Other parameters, encoded the same way. */
	extra?: Record<string, string>;
}

/** The query string (with its leading "?", or "" when empty). Names stay readable; values are encoded whole. */
export function buildQuery(options: QueryOptions): string {
	const pairs: Array<[string, string]> = [];
	if (options.select?.length) pairs.push(['$select', options.select.map(assertPropertyName).join(',')]);
	if (options.filter) pairs.push(['$filter', options.filter]);
	if (options.orderby) pairs.push(['$orderby', options.orderby]);
	if (options.top !== undefined) pairs.push(['$top', String(options.top)]);
	if (options.expand) pairs.push(['$expand', options.expand]);
	if (options.count) pairs.push(['$count', 'true']);
	for (const [name, value] of Object.entries(options.extra ?? {})) pairs.push([name, value]);
	if (!pairs.length) return '';
	return `?${pairs.map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('&')}`;
}

export interface InFilterOptions {
	/** Budget for one encoded $filter value, in characters; keeps each request URL well inside server and proxy limits. */
	maxEncodedLength?: number;
	/** At most this many values per clause, to keep the server's query plan cheap. */
	maxValues?: number;
}

/**
 * "property eq v1 or property eq v2 ..." clauses for a bulk lookup, split so each clause's encoded
 * length stays within the budget. Duplicate values are sent once. With several properties, a value
 * matches in any of them: "(p1 eq v1 or p2 eq v1) or (p1 eq v2 or p2 eq v2)" (e.g. the three email columns).
 */
export function inFilterChunks(property: string | readonly string[], values: ODataValue[], options: InFilterOptions = {}): string[] {
	const properties = typeof property === 'string' ? [property] : property;
	if (properties.length === 0) throw new Error('a bulk lookup filter needs at least one column');
	const maxEncodedLength = options.maxEncodedLength ?? 6_000;
	const maxValues = options.maxValues ?? 100;
	const separator = ' or ';
	const separatorLength = encodeURIComponent(separator).length;
	const seen = new Set<string>();
	const chunks: string[] = [];
	let current: string[] = [];
	let currentLength = 0;
	for (const value of values) {
		const clause = properties.length === 1 ? eq(properties[0], value) : `(${properties.map((name) => eq(name, value)).join(separator)})`;
		if (seen.has(clause)) continue;
		seen.add(clause);
		const length = encodeURIComponent(clause).length;
		if (length > maxEncodedLength) {
			throw new Error(`a single ${properties.join('/')} value is too long for a filter (${length} encoded characters, limit ${maxEncodedLength})`);
		}
		if (current.length && (currentLength + separatorLength + length > maxEncodedLength || current.length >= maxValues)) {
			chunks.push(current.join(separator));
			current = [];
			currentLength = 0;
		}
		currentLength += current.length ? separatorLength + length : length;
		current.push(clause);
	}
	if (current.length) chunks.push(current.join(separator));
	return chunks;
}

/** The path segment for one record: contacts(00000000-...). */
export function recordPath(entitySet: string, id: string): string {
	return `${assertPropertyName(entitySet)}(${assertGuid(id, `the ${entitySet} record id`)})`;
}

/** The path segment for a record by id or by alternate key: contacts(emailaddress1='a%40b.c'). */
export function keyPath(entitySet: string, key: string | Record<string, ODataValue>): string {
	if (typeof key === 'string') return recordPath(entitySet, key);
	const parts = Object.entries(key).map(([name, value]) => `${assertPropertyName(name)}=${encodeURIComponent(literal(value))}`);
	if (!parts.length) throw new Error(`an alternate key for ${entitySet} needs at least one column`);
	return `${assertPropertyName(entitySet)}(${parts.join(',')})`;
}
