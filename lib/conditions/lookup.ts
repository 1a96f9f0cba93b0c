/**
 * The bulk lookups behind "already existing in the app you sync with": a batch's distinct links, then
 * the emails of the records no link resolved, asked of the other app in as few requests as its API
 * allows (Google: batchGet, 200 names a call, and the client's bulk find-by-email; Dataverse: chunked
 * `or` filters), never one request per item.
 */

import type { DynamicsClient, PageOptions } from '../dynamics/client';
import { FORMATTED_VALUE_ANNOTATION } from '../dynamics/contact-fields';
import { buildQuery, inFilterChunks, type ODataValue } from '../dynamics/odata';
import type { FindByEmailOptions, GoogleContactsClient } from '../google/client';
import { normalizeEmail } from '../mapping/normalize';
import type { FieldDescriptor } from '../model/fields';
import { buildCounterpartIndex, emailsToLookUp, linksToLookUp, type CounterpartIndex, type CounterpartOptions } from './counterparts';
import { guidOf, type ContactRecord, type DynamicsRecord } from './record';
import type { Condition, ContactRule } from './types';

/** Answers which links and emails exist in the app the contacts are synced with. */
export interface CounterpartDirectory {
	/** Which of these links (Google resource names, Dynamics contactids) name an existing contact. */
	existingLinks(links: readonly string[]): Promise<string[]>;
	/** Which of these emails (trimmed, lower case) some existing contact has. */
	existingEmails(emails: readonly string[]): Promise<string[]>;
}

/** Looks up a batch's counterparts: links first, then only the emails of records whose link found nothing. */
export async function lookUpCounterparts(records: ContactRecord[], options: CounterpartOptions, directory: CounterpartDirectory): Promise<CounterpartIndex> {
	const links = linksToLookUp(records, options);
	const foundLinks = links.length ? await directory.existingLinks(links) : [];
	const emails = emailsToLookUp(records, options, foundLinks);
	const foundEmails = emails.length ? await directory.existingEmails(emails) : [];
	return buildCounterpartIndex({ links: foundLinks, emails: foundEmails }, options);
}

const PERSON_RESOURCE_NAME = /^people\/[^/\s]+$/;

/**
 * Google Contacts as the other app. A link that is not a contact's resource name (a stray value in
 * the Dynamics link column) cannot exist, and is left out rather than failing the whole batchGet.
 */
export function googleDirectory(client: GoogleContactsClient, options: FindByEmailOptions = {}): CounterpartDirectory {
	return {
		async existingLinks(links) {
			const resourceNames = links.filter((link) => PERSON_RESOURCE_NAME.test(link));
			return resourceNames.length ? [...(await client.getContacts(resourceNames, ['metadata'])).keys()] : [];
		},
		async existingEmails(emails) {
			return [...(await client.findContactsByEmail(emails, ['metadata'], options)).keys()];
		},
	};
}

export interface DynamicsDirectoryOptions {
	/** The contact column holding the Google resource name, when the org has one. */
	linkColumn?: string;
}

const CONTACTS = 'contacts';
const EMAIL_COLUMNS = ['emailaddress1', 'emailaddress2', 'emailaddress3'];

/** The rows whose column(s) equal one of the values, chunk by chunk (each filter within a URL's budget). */
export async function rowsMatching(
	client: DynamicsClient,
	columns: string | string[],
	values: ODataValue[],
	select: string[],
	options: PageOptions = {},
): Promise<Array<Record<string, unknown>>> {
	const rows: Array<Record<string, unknown>> = [];
	for (const filter of inFilterChunks(columns, values)) {
		rows.push(...(await client.getAll<Record<string, unknown>>(CONTACTS + buildQuery({ select, filter }), options)));
	}
	return rows;
}

function strings(values: unknown[]): string[] {
	return values.filter((value): value is string => typeof value === 'string');
}

/**
 * Dynamics 365 as the other app: contactids by `contactid eq` filters, Google resource names by the
 * link column, emails by the three email columns. Dataverse compares strings case-insensitively; the
 * answer is checked again here so only exact (normalised) matches count.
 */
export function dynamicsDirectory(client: DynamicsClient, options: DynamicsDirectoryOptions = {}): CounterpartDirectory {
	const { linkColumn } = options;
	return {
		async existingLinks(links) {
			const ids = links.map(guidOf).filter((id): id is string => id !== undefined);
			const backLinks = linkColumn ? links.filter((link) => guidOf(link) === undefined) : [];
			const found: string[] = [];
			if (ids.length) {
				const rows = await rowsMatching(client, 'contactid', ids.map((guid) => ({ guid })), ['contactid']);
				found.push(...strings(rows.map((row) => row.contactid)));
			}
			if (linkColumn && backLinks.length) {
				const wanted = new Set(backLinks);
				const rows = await rowsMatching(client, linkColumn, backLinks, ['contactid', linkColumn]);
				found.push(...strings(rows.map((row) => row[linkColumn])).filter((link) => wanted.has(link.trim())));
			}
			return found;
		},
		async existingEmails(emails) {
			const wanted = new Set(emails.map(normalizeEmail));
			const rows = await rowsMatching(client, EMAIL_COLUMNS, [...wanted], ['contactid', ...EMAIL_COLUMNS]);
			const present = strings(rows.flatMap((row) => EMAIL_COLUMNS.map((column) => row[column]))).map(normalizeEmail);
			return [...new Set(present.filter((email) => wanted.has(email)))];
		},
	};
}

function columnsReadBy(condition: Condition, options: CounterpartOptions): string[] {
	switch (condition?.kind) {
		case 'ownership':
			return ['ownerid'];
		case 'emailOptIn':
			return [condition.channel === 'bulkEmail' ? 'donotbulkemail' : 'donotemail'];
		case 'active':
			return ['statecode'];
		case 'statusReason':
			return ['statuscode'];
		case 'field':
			return [condition.field];
		case 'existsInOtherApp':
			return options.dynamicsLinkColumn ? [...EMAIL_COLUMNS, options.dynamicsLinkColumn] : EMAIL_COLUMNS;
		default:
			return [];
	}
}

/** The Web API properties the rules read from a Dynamics contact: lookups and owners as `_<name>_value`. */
export function dynamicsPropertiesRead(rules: ContactRule[], fields: FieldDescriptor[], options: CounterpartOptions = {}): string[] {
	const types = new Map(fields.map((field) => [field.name, field.type]));
	const columns = rules.flatMap((rule) => rule.conditions.flatMap((condition) => columnsReadBy(condition, options)));
	const properties = columns.map((column) => {
		const type = types.get(column);
		return type === 'lookup' || type === 'owner' ? `_${column}_value` : column;
	});
	return [...new Set(properties.filter((property) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(property)))];
}

/**
 * Completes Dynamics contacts that lack properties the rules read (a trigger returning other columns):
 * the missing ones are read in bulk, with their formatted values, and fill the gaps; what the item
 * holds is kept. Deletions and contacts that no longer exist stay as they are.
 */
export async function completeDynamicsRecords(client: DynamicsClient, records: ContactRecord[], properties: string[]): Promise<ContactRecord[]> {
	const missingIn = (record: ContactRecord) => (record.app === 'dynamics' && record.event !== 'deleted' ? properties.filter((property) => !(property in record.contact)) : []);
	const missing = [...new Set(records.flatMap(missingIn))];
	if (missing.length === 0) return records;
	const ids = [...new Set(records.filter((record) => missingIn(record).length).map((record) => guidOf((record as DynamicsRecord).contact.contactid) as string))];
	const rows = await rowsMatching(client, 'contactid', ids.map((guid) => ({ guid })), ['contactid', ...missing], { includeAnnotations: FORMATTED_VALUE_ANNOTATION.slice(1) });
	const byId = new Map(rows.map((row) => [guidOf(row.contactid), row]));
	return records.map((record) => {
		const row = record.app === 'dynamics' && missingIn(record).length ? byId.get(guidOf(record.contact.contactid)) : undefined;
		return row && record.app === 'dynamics' ? { ...record, contact: { ...row, ...record.contact } } : record;
	});
}
