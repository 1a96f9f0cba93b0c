/**
 * Dataverse's wire format: OData JSON responses and headers, the error body every failure uses,
 * Prefer parsing, ETags, annotation selection and the display formats of FormattedValue.
 */
import type { SimResponse } from '../common/http';

export const API_PATH = '/api/data/v9.2';

/** A failure in Dataverse's own terms; routes throw it and one adapter writes the error body. */
export class DataverseError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
		readonly headers: Record<string, string> = {},
	) {
		super(message);
	}
}

/** The HRESULT codes Dataverse puts in `error.code`. */
export const CODES = {
	objectDoesNotExist: '0x80040217',
	recordNotFoundByKey: '0x80060891',
	duplicateRecord: '0x80040237',
	concurrencyVersionMismatch: '0x80060882',
	validation: '0x80044331',
	outOfRange: '0x8004431A',
	odataParse: '0x80060888',
	expiredVersionStamp: '0x80044352',
	/** ChangeTrackingNotEnabledForEntity (powerapps-docs data-service-error-codes). */
	changeTrackingNotEnabled: '0x80072491',
	throttledRequests: '0x80072322',
	accessTokenExpired: '0x8005F101',
	lookupWrite: '0x80048d19',
	unexpected: '0x80040216',
} as const;

export function odataError(message: string, status = 400): DataverseError {
	return new DataverseError(status, CODES.odataParse, message);
}

export function recordNotFound(entity: string, id: string): DataverseError {
	return new DataverseError(404, CODES.objectDoesNotExist, `${entity} With Id = ${id} Does Not Exist`);
}

const ODATA_HEADERS = { 'OData-Version': '4.0' };

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): SimResponse {
	return { status, headers: { 'Content-Type': 'application/json; odata.metadata=minimal', ...ODATA_HEADERS, ...headers }, body };
}

export function noContent(headers: Record<string, string> = {}): SimResponse {
	return { status: 204, headers: { ...ODATA_HEADERS, ...headers } };
}

export function errorResponse(error: DataverseError): SimResponse {
	return jsonResponse(error.status, { error: { code: error.code, message: error.message } }, error.headers);
}

export function etag(version: number): string {
	return `W/"${version}"`;
}

/** JSON.stringify(etag(version)), written directly: a page has one per row. */
export function etagJson(version: number): string {
	return `"W/\\"${version}\\""`;
}

/** The Prefer header: a comma list of preferences, each `name` or `name=value` (the value may be quoted). */
export interface Preferences {
	returnRepresentation: boolean;
	maxPageSize?: number;
	/** The raw annotation list of odata.include-annotations, without quotes. */
	includeAnnotations?: string;
	trackChanges: boolean;
	continueOnError: boolean;
}

export function parsePrefer(header: string | string[] | undefined): Preferences {
	const preferences: Preferences = { returnRepresentation: false, trackChanges: false, continueOnError: false };
	const text = Array.isArray(header) ? header.join(',') : header ?? '';
	// Split on commas outside quotes: odata.include-annotations="a,b" holds commas of its own.
	for (const item of text.match(/(?:[^,"]|"[^"]*")+/g) ?? []) {
		const [rawName, ...rest] = item.split('=');
		const name = rawName.trim().toLowerCase();
		const value = rest.join('=').trim().replace(/^"|"$/g, '');
		if (name === 'return' && value === 'representation') preferences.returnRepresentation = true;
		else if (name === 'odata.maxpagesize') {
			const size = Number(value);
			if (Number.isInteger(size) && size > 0) preferences.maxPageSize = size;
		} else if (name === 'odata.include-annotations') preferences.includeAnnotations = value;
		else if (name === 'odata.track-changes') preferences.trackChanges = true;
		else if (name === 'odata.continue-on-error') preferences.continueOnError = true;
	}
	return preferences;
}

/** Decides which annotations a response carries: `*`, exact names, `Namespace.*`, and `-name` exclusions. */
export function annotationFilter(list: string | undefined): (annotation: string) => boolean {
	if (!list) return () => false;
	const patterns = list.split(',').map((pattern) => pattern.trim()).filter(Boolean);
	const matches = (pattern: string, annotation: string) =>
		pattern === '*' || pattern === annotation || (pattern.endsWith('.*') && annotation.startsWith(pattern.slice(0, -1)));
	const included = patterns.filter((pattern) => !pattern.startsWith('-'));
	const excluded = patterns.filter((pattern) => pattern.startsWith('-')).map((pattern) => pattern.slice(1));
	// A response asks about the same few annotations for every property of every row: decide each once.
	const decided = new Map<string, boolean>();
	return (annotation) => {
		let answer = decided.get(annotation);
		if (answer === undefined) {
			answer = included.some((pattern) => matches(pattern, annotation)) && !excluded.some((pattern) => matches(pattern, annotation));
			decided.set(annotation, answer);
		}
		return answer;
	};
}

export const FORMATTED_VALUE = 'OData.Community.Display.V1.FormattedValue';
export const LOOKUP_LOGICAL_NAME = 'Microsoft.Dynamics.CRM.lookuplogicalname';
export const ASSOCIATED_NAVIGATION_PROPERTY = 'Microsoft.Dynamics.CRM.associatednavigationproperty';

/** Timestamps as Dataverse writes them: UTC, whole seconds, `Z`. */
export function isoSeconds(date: Date): string {
	return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The number a run of ASCII digits stands for (stored dates and times are read by position, not parsed per value). */
function digits(text: string, start: number, end: number): number {
	let value = 0;
	for (let index = start; index < end; index++) value = value * 10 + text.charCodeAt(index) - 48;
	return value;
}

const STORED_DATE = /^\d{4}-\d{2}-\d{2}$/;
/** isoSeconds' shape, in which every stored timestamp is kept. */
const STORED_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** en-US display of a date-only value, as a user with default settings sees it: 4/30/1975. */
export function formatDateOnly(value: string): string {
	if (STORED_DATE.test(value)) return `${digits(value, 5, 7)}/${digits(value, 8, 10)}/${digits(value, 0, 4)}`;
	const [year, month, day] = value.split('-').map(Number);
	return `${month}/${day}/${year}`;
}

/** en-US display of a UTC timestamp: 4/7/2023 9:59 PM. */
export function formatDateTime(value: string): string {
	const stored = STORED_TIMESTAMP.test(value);
	const date = stored ? undefined : new Date(value);
	const hours = date ? date.getUTCHours() : digits(value, 11, 13);
	const minutes = date ? String(date.getUTCMinutes()).padStart(2, '0') : value.slice(14, 16);
	const day = date ? `${date.getUTCMonth() + 1}/${date.getUTCDate()}/${date.getUTCFullYear()}` : `${digits(value, 5, 7)}/${digits(value, 8, 10)}/${digits(value, 0, 4)}`;
	const hour12 = hours % 12 === 0 ? 12 : hours % 12;
	return `${day} ${hour12}:${minutes} ${hours < 12 ? 'AM' : 'PM'}`;
}

/** One en-US formatter per digit count: toLocaleString would build a new one for every value. */
const numberFormats = new Map<number, Intl.NumberFormat>();

export function formatNumber(value: number, fractionDigits = 0): string {
	let format = numberFormats.get(fractionDigits);
	if (!format) {
		format = new Intl.NumberFormat('en-US', { minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits });
		numberFormats.set(fractionDigits, format);
	}
	return format.format(value);
}

export function formatMoney(value: number): string {
	return `${value < 0 ? '-' : ''}$${formatNumber(Math.abs(value), 2)}`;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(text: string): boolean {
	return GUID.test(text);
}

/** Reads a single header value whatever its casing or repetition. */
export function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
	const value = headers[name.toLowerCase()];
	return Array.isArray(value) ? value.join(', ') : value;
}
