/**
 * The Dynamics 365 writer's sync-aware upsert: Google contacts, mapped by the Contact Field Mapping
 * (Google Contacts → Dynamics 365), into Dynamics 365 contacts. Everything is decided before
 * anything is written:
 *
 * 1. Counterparts are looked up in bulk: the contactid the Google contact keeps in its clientData,
 *    else the link column (when one is configured), else the emails (any of the three email columns,
 *    case-insensitively). Requests follow the run's distinct links and emails, never the org's size.
 * 2. Each record is decided by decideSync in snapshot space: the Google contact's values, the Dynamics
 *    contact's as the mapping carries them to Google, and the snapshot the Google contact keeps from
 *    the last sync. Two records of one run never claim one contact, nor create one email twice.
 * 3. The mass-deletion guard weighs the run's deletion tags before anything is written.
 * 4. Writes go in $batch requests with a result per record: creates, updates of only the columns
 *    whose values differ (If-Match: the ETag read; a contact changed meanwhile is read and decided
 *    again, never overwritten blindly), and deletion tags (deactivation, or a column value).
 * 5. The link and the new snapshot go onto each Google contact's clientData, 200 contacts a call.
 * A dry run stops after step 3 and reports what the run would do.
 *
 * A Google deletion carries nothing but the contact's resource name: it finds its Dynamics
 * counterpart only through the link column.
 */
import { randomUUID } from 'crypto';
import { rowsMatching } from '../conditions/lookup';
import type { DynamicsClient } from '../dynamics/client';
import { batchOperations, executeBatch, type BatchOperation, type BatchResult } from '../dynamics/batch';
import { FORMATTED_VALUE_ANNOTATION, readDynamicsField, type DynamicsRecord } from '../dynamics/contact-fields';
import { assertPropertyName, buildQuery, isGuid } from '../dynamics/odata';
import type { GoogleContactsClient, Person } from '../google/client';
import { ContactConflictError } from '../google/errors';
import { readGoogleField, type GooglePerson } from '../google/fields';
import { LINK_KEYS, mapContact } from '../mapping/mapper';
import { normalizeEmail } from '../mapping/normalize';
import type { ResolvedLink } from '../mapping/spec';
import { valuesEqual } from '../mapping/values';
import type { FieldDescriptor } from '../model/fields';
import { TRASH_GROUP, decideSync, validateSyncSettings, type CounterpartLookup, type DeletionTag, type SyncAction, type SyncDecision, type SyncSettings, type SyncSource } from './decide';
import { DEFAULT_DELETION_SHARE } from './guard';
import type { SyncApp } from './merge';
import { dynamicsColumns, googleUpdate, type GoogleUpdate } from './payload';
import { googleSnapshot, snapshotAfter, storedSnapshot, type SyncSnapshot } from './snapshot';
import type { SyncSummary } from './summary';
import {
	SyncMappingError,
	SyncMappings,
	SyncSetupError,
	WriterReport,
	dynamicsSideSnapshot,
	googleSideSnapshot,
	guardDeletions,
	type ReadResult,
	type RecordOutcome,
	type RecordProblem,
	type SyncMapping,
	type SyncRecord,
} from './writer-common';

export type DynamicsDeletionTag = Extract<DeletionTag, { kind: 'setValue' | 'deactivate' | 'off' }>;

export interface DynamicsWriterSettings {
	/** Whose value a field changed on both sides takes. */
	winner: SyncApp;
	/** A value cleared in Google clears it in Dynamics 365 (off: an empty value never blanks a filled one). */
	emptyOverwrites: boolean;
	/** A Google contact without an email is never created in Dynamics 365. */
	avoidDuplicates: boolean;
	/** The contact column that keeps the Google contact's resource name; none by default. */
	linkColumn?: string;
	/** What a Google deletion does to the Dynamics counterpart (found through the link column). */
	deletions: DynamicsDeletionTag;
	/** The largest share of the linked contacts one run may tag as deleted (0 < share ≤ 1). */
	maxDeletionShare: number;
	/** The Google group marking contacts whose Dynamics counterpart was deleted (the Google writer's Trash). */
	trashGroup: string;
}

export const DEFAULT_DYNAMICS_WRITER_SETTINGS: DynamicsWriterSettings = {
	winner: 'dynamics',
	emptyOverwrites: false,
	avoidDuplicates: true,
	deletions: { kind: 'deactivate' },
	maxDeletionShare: DEFAULT_DELETION_SHARE,
	trashGroup: TRASH_GROUP,
};

export interface DynamicsWriterOptions {
	dynamics: DynamicsClient;
	/** Reads Google contacts a record does not carry, and stores links and snapshots on them. */
	google?: GoogleContactsClient;
	settings: DynamicsWriterSettings;
	/** Decide and report, write nothing. */
	dryRun?: boolean;
	/** The org's contact columns (lib/dynamics/metadata readFields); the standard catalogue when absent. */
	catalog?: FieldDescriptor[];
	/** Operations per $batch request (default 100). */
	batchSize?: number;
	/** How often a record whose contact changed while it was written is read and decided again (default 3). */
	maxAttempts?: number;
}

export interface WriterRun {
	/** One per input record, in input order. */
	outcomes: RecordOutcome[];
	summary: SyncSummary;
}

const CONTACTS = 'contacts';
const EMAIL_COLUMNS = ['emailaddress1', 'emailaddress2', 'emailaddress3'];
const INACTIVE = { statecode: 1, statuscode: 2 };
const ANNOTATED = { includeAnnotations: FORMATTED_VALUE_ANNOTATION.slice(1) };
/** Read when a record does not carry its Google contact: what the mapping and the decision need. */
const PERSON_FIELDS = ['names', 'nicknames', 'emailAddresses', 'phoneNumbers', 'addresses', 'organizations', 'birthdays', 'biographies', 'urls', 'userDefined', 'clientData', 'memberships', 'metadata'];
const LINK_FIELD = `clientData:${LINK_KEYS.googleDynamicsContactId}`;
const DEFAULT_ATTEMPTS = 3;

/** A record on its way: its mapping, its Google contact, and the contactid that contact links to. */
interface Entry {
	index: number;
	record: SyncRecord;
	mapping: SyncMapping;
	/** The Google contact; absent for a deletion. */
	person?: GooglePerson;
	linkId?: string;
}

/** A record with its decision, and the Dynamics contact the decision is about. */
interface Planned {
	entry: Entry;
	found: CounterpartLookup['found'];
	decision: SyncDecision;
	row?: DynamicsRecord;
}

/** The run's lookups: contacts by contactid, by the link column's value, and by each normalised email. */
interface Lookups {
	byId: Map<string, DynamicsRecord>;
	byLink: Map<string, DynamicsRecord[]>;
	byEmail: Map<string, DynamicsRecord[]>;
}

const guidOf = (value: unknown): string | undefined => (isGuid(value) ? (value as string).trim().replace(/^\{|\}$/g, '').toLowerCase() : undefined);
const textOf = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);
const distinct = <T>(values: T[]): T[] => [...new Set(values)];

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
	const list = map.get(key);
	if (list) list.push(value);
	else map.set(key, [value]);
}

// ---- settings ---------------------------------------------------------------------------------

function syncSettings(settings: DynamicsWriterSettings, mapping?: SyncMapping): SyncSettings {
	return {
		winner: settings.winner,
		emptyOverwrites: settings.emptyOverwrites,
		avoidDuplicates: settings.avoidDuplicates,
		dynamicsLinkColumn: settings.linkColumn !== undefined,
		deletions: settings.deletions,
		...(mapping ? { scope: mapping.scope } : {}),
	};
}

/** Checks the settings (SyncSetupError); the messages name the setting and the fix. */
export function validateDynamicsWriterSettings(settings: DynamicsWriterSettings, catalog?: FieldDescriptor[]): void {
	try {
		checkSettings(settings, catalog);
	} catch (error) {
		throw error instanceof SyncSetupError ? error : new SyncSetupError((error as Error).message);
	}
}

function checkSettings(settings: DynamicsWriterSettings, catalog?: FieldDescriptor[]): void {
	validateSyncSettings('dynamics', syncSettings(settings));
	const share = settings.maxDeletionShare;
	if (!(typeof share === 'number' && share > 0 && share <= 1)) {
		throw new Error(`Mass-Deletion Guard: the share must be above 0% and at most 100% (got ${Math.round(share * 100)}%); 10% is the default.`);
	}
	if (!settings.trashGroup?.trim()) throw new Error('Google Trash Group: the name is empty; name the group the Google Contacts writer puts deleted contacts\' counterparts in (default "Dynamics 365 Trash").');
	for (const [setting, column] of [['Dynamics 365 Link Column', settings.linkColumn], ['Deleted in Google › Column', settings.deletions.kind === 'setValue' ? settings.deletions.field : undefined]] as const) {
		if (column === undefined) continue;
		assertPropertyName(column);
		const field = catalog?.find((candidate) => candidate.name === column);
		if (catalog && (!field || !field.writable)) throw new Error(`${setting}: "${column}" is not a writable column of the contact table; pick one from the list.`);
		if (setting === 'Dynamics 365 Link Column' && field && field.type !== 'text') throw new Error(`${setting}: "${column}" is not a text column; pick a text column (e.g. new_googleresourcename, 100 characters).`);
	}
}

/**
 * The value a "set a column value" deletion tag writes, from the text the user typed, in the column's
 * type: yes / no for a yes-no column, an option's label or value for a choice, a number for numbers.
 */
export function deletionTagValue(column: FieldDescriptor, text: string): string | number | boolean {
	const typed = text.trim();
	const problem = (expected: string) => new Error(`Deleted in Google › Value: "${text}" is not ${expected} for ${column.label} (${column.name}).`);
	if (typed === '') throw problem('a value; enter the value that marks a contact whose Google contact was deleted,');
	switch (column.type) {
		case 'boolean':
			if (/^(true|yes|1)$/i.test(typed)) return true;
			if (/^(false|no|0)$/i.test(typed)) return false;
			throw problem('yes or no (true or false)');
		case 'choice': {
			const option = column.options?.find((candidate) => String(candidate.value) === typed || candidate.label.toLowerCase() === typed.toLowerCase());
			if (option) return option.value;
			if (!column.options && /^-?\d+$/.test(typed)) return Number(typed);
			throw problem(`an option (${(column.options ?? []).map((candidate) => candidate.label).join(', ')})`);
		}
		case 'integer':
		case 'decimal':
		case 'money':
			if (Number.isFinite(Number(typed))) return Number(typed);
			throw problem('a number');
		default:
			return text;
	}
}

// ---- lookups ----------------------------------------------------------------------------------

/** The Dynamics fields a compiled link touches. */
function dynamicsFieldsOf(link: ResolvedLink): FieldDescriptor[] {
	switch (link.kind) {
		case 'field':
			return [link.dynamics];
		case 'list':
		case 'lines':
			return link.dynamics;
		case 'names':
			return [link.dynamics.first, link.dynamics.middle, link.dynamics.last, link.dynamics.full].filter((field): field is FieldDescriptor => field !== undefined);
	}
}

const propertyOf = (field: FieldDescriptor) => (field.type === 'lookup' || field.type === 'owner' ? `_${field.name}_value` : field.name);

/** The columns the decisions read: every column either direction of the mappings carries, and the sync's own. */
function selectFor(mappings: SyncMapping[], settings: DynamicsWriterSettings): string[] {
	const columns = new Set(['contactid', 'statecode', 'statuscode', ...EMAIL_COLUMNS]);
	if (settings.linkColumn) columns.add(settings.linkColumn);
	if (settings.deletions.kind === 'setValue') columns.add(settings.deletions.field);
	for (const mapping of mappings) {
		for (const link of [...mapping.toDynamics.links, ...mapping.toGoogle.links]) dynamicsFieldsOf(link).forEach((field) => columns.add(propertyOf(field)));
	}
	return [...columns];
}

async function lookUp(client: DynamicsClient, entries: Entry[], settings: DynamicsWriterSettings): Promise<Lookups> {
	const select = selectFor(distinct(entries.map((entry) => entry.mapping)), settings);
	const found: Lookups = { byId: new Map(), byLink: new Map(), byEmail: new Map() };
	const ids = distinct(entries.map((entry) => entry.linkId).filter((id): id is string => id !== undefined));
	if (ids.length) {
		for (const row of await rowsMatching(client, 'contactid', ids.map((guid) => ({ guid })), select, ANNOTATED)) found.byId.set(guidOf(row.contactid) as string, row);
	}
	// A contact the Google contact links to decides alone (found, or a tombstone); the others look further.
	const unlinked = entries.filter((entry) => entry.linkId === undefined);
	const { linkColumn } = settings;
	if (linkColumn && unlinked.length) {
		for (const row of await rowsMatching(client, linkColumn, distinct(unlinked.map((entry) => entry.record.sourceId)), select, ANNOTATED)) {
			const link = textOf(row[linkColumn]);
			if (link) push(found.byLink, link, row);
		}
	}
	const byEmail = unlinked.filter((entry) => entry.record.event !== 'deleted' && !found.byLink.has(entry.record.sourceId));
	const emails = distinct(byEmail.flatMap((entry) => entry.record.matchKeys.emails.map(normalizeEmail)));
	if (emails.length) {
		const wanted = new Set(emails);
		for (const row of await rowsMatching(client, EMAIL_COLUMNS, emails, select, ANNOTATED)) {
			const rowEmails = distinct(EMAIL_COLUMNS.map((column) => textOf(row[column])).filter((email): email is string => email !== undefined).map(normalizeEmail));
			for (const email of rowEmails) if (wanted.has(email)) push(found.byEmail, email, row);
		}
	}
	return found;
}

/** Whether the contact carries the tag this writer gives counterparts of deleted Google contacts. */
function carriesDeletionTag(row: DynamicsRecord, deletions: DynamicsDeletionTag): boolean {
	if (deletions.kind === 'deactivate') return row.statecode === 1;
	if (deletions.kind === 'setValue') return row[deletions.field] !== undefined && row[deletions.field] !== null && String(row[deletions.field]) === String(deletions.value);
	return false;
}

function counterpartOf(entry: Entry, found: Lookups, settings: DynamicsWriterSettings): { lookup: CounterpartLookup; row?: DynamicsRecord } {
	const { record } = entry;
	let rows: DynamicsRecord[];
	let by: 'link' | 'email' = 'link';
	if (entry.linkId !== undefined) {
		const row = found.byId.get(entry.linkId);
		// The linked contact no longer exists: a deletion has nothing left to tag, and decideSync makes an update a tombstone (never re-created).
		if (!row) return { lookup: record.event === 'deleted' ? { found: 'tombstone', id: entry.linkId, why: 'deleted' } : { found: 'none' } };
		rows = [row];
	} else if (record.event === 'deleted' || found.byLink.has(record.sourceId)) rows = found.byLink.get(record.sourceId) ?? [];
	else {
		by = 'email';
		const byId = new Map(record.matchKeys.emails.flatMap((email) => found.byEmail.get(normalizeEmail(email)) ?? []).map((row) => [guidOf(row.contactid), row]));
		rows = [...byId.values()];
	}
	if (rows.length === 0) return { lookup: { found: 'none' } };
	if (rows.length > 1) return { lookup: { found: 'ambiguous', ids: rows.map((row) => guidOf(row.contactid) as string) } };
	const [row] = rows;
	const id = guidOf(row.contactid) as string;
	// Deactivation marks a deleted Google contact's counterpart, yet the Google contact linked to this one is alive:
	// the contact was deactivated in Dynamics 365 (or reactivated in Google), and syncs like any other.
	const deactivatedByUser = settings.deletions.kind === 'deactivate' && entry.linkId === id;
	if (carriesDeletionTag(row, settings.deletions) && !deactivatedByUser) return { lookup: { found: 'tombstone', id, why: 'trashed' }, row };
	const linkId = settings.linkColumn ? textOf(row[settings.linkColumn]) : undefined;
	return { lookup: { found: by, id, snapshot: dynamicsSideSnapshot(row, entry.mapping, entry.person), ...(linkId ? { linkId } : {}) }, row };
}

// ---- decisions --------------------------------------------------------------------------------

function decide(entry: Entry, lookup: CounterpartLookup, settings: DynamicsWriterSettings, trashGroup: string | undefined): SyncDecision {
	const { record, person } = entry;
	const source: SyncSource = person
		? {
				id: record.sourceId,
				emails: record.matchKeys.emails,
				...(entry.linkId ? { linkId: entry.linkId } : {}),
				snapshot: googleSideSnapshot(person, entry.mapping),
				trashed: trashGroup !== undefined && (readGoogleField(person, 'memberships') as string[]).includes(trashGroup),
			}
		: { id: record.sourceId, emails: [] };
	return decideSync({ event: record.event, target: 'dynamics', source, counterpart: lookup, lastSync: person ? storedSnapshot(person) : undefined, settings: syncSettings(settings, entry.mapping) });
}

function skipAmbiguous(reason: string, counterpartIds: string[]): SyncDecision {
	return { action: { kind: 'skip-ambiguous', target: 'dynamics', reason, counterpartIds } };
}

const targetIdOf = (action: SyncAction): string | undefined => ('targetId' in action ? action.targetId : undefined);

/**
 * One run never writes a contact for two records, nor creates one email twice: a contact goes with
 * the record linked to it (else the first), an email is created from the first record that has it.
 */
function settleClaims(plans: Planned[]): void {
	const claimed = new Map<string, Planned>();
	const byLinkFirst = [...plans].sort((a, b) => Number(b.found === 'link') - Number(a.found === 'link'));
	for (const plan of byLinkFirst) {
		const targetId = targetIdOf(plan.decision.action);
		if (targetId === undefined) continue;
		const owner = claimed.get(targetId);
		if (!owner) claimed.set(targetId, plan);
		else plan.decision = skipAmbiguous(`Google contact ${owner.entry.record.sourceId} in this run goes with Dynamics 365 contact ${targetId} too; it is synced from that one.`, [targetId]);
	}
	const creators = new Map<string, string>();
	for (const plan of plans) {
		if (plan.decision.action.kind !== 'create') continue;
		const emails = plan.entry.record.matchKeys.emails.map(normalizeEmail);
		const clash = emails.find((email) => creators.has(email));
		if (clash !== undefined) {
			plan.decision = skipAmbiguous(`Google contact ${creators.get(clash)} in this run has the email ${clash} too; one Dynamics 365 contact is created, from that one.`, []);
		} else emails.forEach((email) => creators.set(email, plan.entry.record.sourceId));
	}
}

// ---- writes -----------------------------------------------------------------------------------

/** The mapping's Dynamics columns by name (to compare values by their type). */
const columnsByName = new WeakMap<SyncMapping, Map<string, FieldDescriptor>>();

function columnNamed(mapping: SyncMapping, name: string): FieldDescriptor | undefined {
	let columns = columnsByName.get(mapping);
	if (!columns) {
		columns = new Map(mapping.toDynamics.links.flatMap(dynamicsFieldsOf).map((field) => [field.name, field]));
		columnsByName.set(mapping, columns);
	}
	return columns.get(name);
}

/** `column`'s value from the record when it differs from the contact's (compared canonically: case, digits, line breaks). */
function putIfChanged(body: Record<string, unknown>, column: FieldDescriptor, values: Record<string, unknown>, row: DynamicsRecord): void {
	const next = values[column.name] ?? null;
	if (!valuesEqual(column, readDynamicsField(row, column), readDynamicsField({ [column.name]: next }, column))) body[column.name] = next;
}

function createBody(entry: Entry, link: boolean, settings: DynamicsWriterSettings): Record<string, unknown> {
	const body = Object.fromEntries(Object.entries(entry.record.values).filter(([, value]) => value !== null && value !== undefined));
	if (settings.linkColumn && link) body[settings.linkColumn] = entry.record.sourceId;
	return body;
}

/** Only the decided fields' columns whose values differ, the mapping's fixed values where they differ, and the link. */
function updateBody(plan: Planned, action: Extract<SyncAction, { kind: 'update' | 'conflict-resolved' }>, settings: DynamicsWriterSettings): Record<string, unknown> {
	const { entry, row = {} } = plan;
	const body: Record<string, unknown> = {};
	for (const name of dynamicsColumns(entry.mapping.toDynamics, action.fields)) {
		const column = columnNamed(entry.mapping, name);
		if (column) putIfChanged(body, column, entry.record.values, row);
	}
	for (const fixed of entry.mapping.toDynamics.fixedValues) putIfChanged(body, fixed.field, entry.record.values, row);
	if (settings.linkColumn && action.link.onTarget) body[settings.linkColumn] = entry.record.sourceId;
	return body;
}

function operationFor(plan: Planned, settings: DynamicsWriterSettings): BatchOperation | undefined {
	const { action } = plan.decision;
	switch (action.kind) {
		case 'create':
			// Create-only under an id of ours, so a batch whose answer was lost can be sent again without twins.
			return batchOperations.createOnly(CONTACTS, randomUUID(), createBody(plan.entry, action.link.onTarget, settings));
		case 'update':
		case 'conflict-resolved': {
			const body = updateBody(plan, action, settings);
			const etag = textOf(plan.row?.['@odata.etag']) ?? '*';
			return Object.keys(body).length > 0 ? batchOperations.update(CONTACTS, action.targetId, body, etag) : undefined;
		}
		case 'tag-deleted': {
			const { tag } = action;
			return batchOperations.update(CONTACTS, action.targetId, tag.kind === 'deactivate' ? INACTIVE : tag.kind === 'setValue' ? { [tag.field]: tag.value } : {});
		}
		default:
			return undefined;
	}
}

/** A write the server refused, in words, with what to do. */
function writeProblem(result: BatchResult): RecordProblem {
	const code = result.error?.code ? ` ${result.error.code}` : '';
	const message = `Dynamics 365 refused the write (HTTP ${result.status}${code}): ${result.error?.message ?? 'no reason given'}`;
	if (result.status === 0) return { field: 'item', message: result.error?.message ?? message, fix: 'Run again.' };
	if (result.status === 400) return { field: 'values', message, fix: 'Correct the value in Google Contacts or change the mapping (a column\'s type or length); the other records were written.' };
	if (result.status === 403) return { field: 'item', message, fix: 'Give the application user\'s security role create and write privileges on Contact.' };
	return { field: 'item', message, fix: 'Run again; the other records were written.' };
}

/**
 * What the Google contact needs after the write: its link (a contact created or newly matched) and the new
 * snapshot, and the fields newer in Dynamics 365 than in Google (`carried`, with the contact as read).
 */
interface LinkWrite {
	entry: Entry;
	targetId: string;
	snapshot?: SyncSnapshot;
	carried?: { fields: string[]; row: DynamicsRecord };
}

/**
 * The link write after a contact was written. Our write makes the sync's own user the contact's last
 * modifier, so the Dynamics 365 trigger (ignoring its own changes) would never pass on what a user
 * changed there before: those fields (`pending`) go to Google with the link.
 */
function linkWriteFor(plan: Planned, createdId: string | undefined, written: boolean): LinkWrite | undefined {
	const { action } = plan.decision;
	if (action.kind === 'create' && createdId) return { entry: plan.entry, targetId: createdId, snapshot: action.snapshot };
	if (action.kind !== 'update' && action.kind !== 'conflict-resolved') return undefined;
	const carried = written && action.pending.length > 0 && plan.row ? { fields: action.pending, row: plan.row } : undefined;
	if (!action.link.onSource && !action.snapshot && !carried) return undefined;
	return { entry: plan.entry, targetId: action.targetId, snapshot: action.snapshot, ...(carried ? { carried } : {}) };
}

/** The People API update of a link write: the carried fields (mapped from the Dynamics contact), the link and the snapshot. */
function linkUpdate(write: LinkWrite): GoogleUpdate {
	const person = write.entry.person ?? {};
	const { carried } = write;
	if (!carried) return googleUpdate(person, {}, [], { dynamicsContactId: write.targetId, snapshot: write.snapshot });
	const { mapping } = write.entry;
	const mapped = mapContact(carried.row, { ...mapping.toGoogle, clearEmpty: true }, { current: person });
	if (!mapped.ok) return googleUpdate(person, {}, [], { dynamicsContactId: write.targetId, snapshot: write.snapshot });
	const values = mapped.record.values as GooglePerson;
	const after = googleSnapshot({ ...person, ...googleUpdate(person, values, carried.fields).person }, mapping.extraFields);
	const snapshot = snapshotAfter(write.snapshot, storedSnapshot(person), after, carried.fields);
	return googleUpdate(person, values, carried.fields, { dynamicsContactId: write.targetId, snapshot });
}

// ---- the run ----------------------------------------------------------------------------------

class DynamicsWriter {
	private readonly report: WriterReport;
	private readonly settings: DynamicsWriterSettings;
	private readonly maxAttempts: number;
	private readonly linkWrites: LinkWrite[] = [];
	private trashGroup?: string;

	constructor(
		private readonly options: DynamicsWriterOptions,
		size: number,
	) {
		this.settings = options.settings;
		this.report = new WriterReport(size, options.dryRun === true);
		this.maxAttempts = options.maxAttempts ?? DEFAULT_ATTEMPTS;
	}

	async run(inputs: ReadResult[]): Promise<WriterRun> {
		const entries = await this.prepare(inputs);
		let pending = entries;
		for (let attempt = 1; pending.length > 0; attempt++) {
			const found = await lookUp(this.options.dynamics, pending, this.settings);
			const plans = pending.map((entry) => this.plan(entry, found)).filter((plan): plan is Planned => plan !== undefined);
			settleClaims(plans);
			if (attempt === 1) {
				await guardDeletions(
					plans.map((plan) => plan.decision.action),
					{ deletedIn: 'google', maxShare: this.settings.maxDeletionShare, countLinked: () => this.countLinked() },
				);
			}
			const stale = await this.write(plans);
			if (attempt >= this.maxAttempts) {
				for (const entry of stale) this.fail(entry, { field: 'item', message: `The Dynamics 365 contact changed while the sync wrote it, ${attempt} times in a row`, fix: 'Run again once the contact is no longer being edited.' });
				break;
			}
			pending = stale;
		}
		await this.storeLinks();
		return { outcomes: this.report.results(), summary: this.report.build() };
	}

	private fail(entry: Pick<Entry, 'index' | 'record'>, problem: RecordProblem): void {
		this.report.failed(entry.index, entry.record.sourceId, problem);
	}

	/** Each record with its mapping and its Google contact (read in bulk for records that do not carry it). */
	private async prepare(inputs: ReadResult[]): Promise<Entry[]> {
		const mappings = new SyncMappings('googleToDynamics', this.options.catalog);
		const entries: Entry[] = [];
		inputs.forEach((input, index) => {
			if (!input.ok) return this.report.failed(index, '', input.problem);
			const { record } = input;
			if (record.sourceApp !== 'google') {
				return this.fail({ index, record }, { field: 'sourceApp', message: `The record comes from ${record.sourceApp === 'plain' ? 'plain fields' : 'Dynamics 365'}; the sync upsert takes contacts mapped from Google Contacts`, fix: 'Map with the direction Google Contacts → Dynamics 365.' });
			}
			try {
				const mapping = mappings.of(record);
				const person = record.event !== 'deleted' && typeof record.source?.etag === 'string' ? (record.source as GooglePerson) : undefined;
				const linkId = guidOf(record.matchKeys.linkId);
				entries.push({ index, record, mapping, person, ...(linkId ? { linkId } : {}) });
			} catch (error) {
				if (!(error instanceof SyncMappingError)) throw error;
				const [first] = error.problems;
				this.fail({ index, record }, { field: `mapping.${first.field}`, message: first.message, fix: first.fix });
			}
		});
		const google = entries.some((entry) => entry.record.event !== 'deleted') ? this.google() : undefined;
		if (google) {
			await this.readMissingPeople(google, entries);
			this.trashGroup = (await google.findContactGroup(this.settings.trashGroup))?.resourceName ?? undefined;
		}
		return entries.filter((entry) => entry.record.event === 'deleted' || entry.person);
	}

	private google(): GoogleContactsClient {
		if (!this.options.google) {
			throw new SyncSetupError('Syncing Google contacts into Dynamics 365 needs the Google Contacts connection: the sync stores the link and the last synced values on each Google contact. Select a Google Contacts credential.');
		}
		return this.options.google;
	}

	/** Google contacts the records do not carry (built by hand, or without an etag) are read, 200 a request. */
	private async readMissingPeople(google: GoogleContactsClient, entries: Entry[]): Promise<void> {
		const missing = entries.filter((entry) => entry.record.event !== 'deleted' && !entry.person);
		if (missing.length === 0) return;
		const people = await google.getContacts(missing.map((entry) => entry.record.sourceId), PERSON_FIELDS);
		for (const entry of missing) {
			entry.person = people.get(entry.record.sourceId) as GooglePerson | undefined;
			const linkId = entry.person ? guidOf(readGoogleField(entry.person, LINK_FIELD)) : undefined;
			if (linkId) entry.linkId = linkId;
			if (!entry.person) this.fail(entry, { field: 'sourceId', message: `Google contact ${entry.record.sourceId} no longer exists`, fix: 'Nothing to do: its deletion reaches the sync with the trigger\'s next poll.' });
		}
	}

	private plan(entry: Entry, found: Lookups): Planned | undefined {
		try {
			const { lookup, row } = counterpartOf(entry, found, this.settings);
			return { entry, found: lookup.found, decision: decide(entry, lookup, this.settings, this.trashGroup), row };
		} catch (error) {
			this.fail(entry, { field: 'values', message: (error as Error).message, fix: 'Check the contact\'s values and the mapping.' });
			return undefined;
		}
	}

	/** The contacts linked to Google contacts: the guard's measure (only a link column can tell). */
	private async countLinked(): Promise<number> {
		const { linkColumn } = this.settings;
		if (!linkColumn) return 0;
		const rows = await this.options.dynamics.getAll(CONTACTS + buildQuery({ select: ['contactid'], filter: `${linkColumn} ne null` }));
		return rows.length;
	}

	/** Carries the decisions out in $batch requests; returns the records to read and decide again (stale ETags, contacts gone). */
	private async write(plans: Planned[]): Promise<Entry[]> {
		const writes = plans.map((plan) => ({ plan, operation: this.options.dryRun ? undefined : operationFor(plan, this.settings) }));
		const sent = writes.filter((write): write is { plan: Planned; operation: BatchOperation } => write.operation !== undefined);
		const results = sent.length ? await executeBatch(this.options.dynamics, sent.map((write) => write.operation), { batchSize: this.options.batchSize }) : [];
		const stale: Entry[] = [];
		const resultOf = new Map(sent.map((write, index) => [write.plan, results[index]]));
		for (const { plan } of writes) {
			const result = resultOf.get(plan);
			if (result && !result.ok) {
				const changedMeanwhile = result.status === 412 || (result.status === 404 && plan.decision.action.kind !== 'create');
				if (changedMeanwhile) stale.push(plan.entry);
				else this.fail(plan.entry, writeProblem(result));
				continue;
			}
			const createdId = result?.id;
			this.report.decided(plan.entry.index, plan.entry.record.sourceId, plan.decision, createdId);
			const linkWrite = this.options.dryRun ? undefined : linkWriteFor(plan, createdId, result !== undefined);
			if (linkWrite) this.linkWrites.push(linkWrite);
		}
		return stale;
	}

	/**
	 * Stores links and snapshots (and carried fields) on the Google contacts, one call per set of Person fields;
	 * a contact changed meanwhile is read again and gets its link and snapshot with its new etag (carried fields
	 * are dropped then: Google's newer values must not be overwritten blindly).
	 */
	private async storeLinks(): Promise<void> {
		let pending = this.linkWrites;
		if (pending.length === 0) return;
		const google = this.google();
		for (let attempt = 1; pending.length > 0; attempt++) {
			const byFields = new Map<string, Array<{ write: LinkWrite; update: GoogleUpdate }>>();
			for (const write of pending) {
				const update = linkUpdate(write);
				const key = JSON.stringify(update.updatePersonFields);
				byFields.set(key, [...(byFields.get(key) ?? []), { write, update }]);
			}
			const outcomes: Array<{ write: LinkWrite; result: Awaited<ReturnType<GoogleContactsClient['updateContacts']>>[number] }> = [];
			for (const group of byFields.values()) {
				const updates = group.map(({ write, update }) => ({ resourceName: write.entry.record.sourceId, person: update.person as Person }));
				const results = await google.updateContacts(updates, group[0].update.updatePersonFields, ['clientData', 'metadata']);
				results.forEach((result, index) => outcomes.push({ write: group[index].write, result }));
			}
			const stale: LinkWrite[] = [];
			for (const { write, result } of outcomes) {
				if (result.ok) continue;
				if (result.error instanceof ContactConflictError && attempt < this.maxAttempts) stale.push({ ...write, carried: undefined });
				else this.fail(write.entry, { field: 'clientData', message: `Dynamics 365 contact ${write.targetId} was written, but the link could not be stored on the Google contact: ${result.error.message}`, fix: 'Run again: the next run finds the pair by email and stores the link.' });
			}
			if (stale.length === 0) return;
			const fresh = await google.getContacts(stale.map((write) => write.entry.record.sourceId), ['clientData', 'metadata']);
			pending = stale.filter((write) => {
				const person = fresh.get(write.entry.record.sourceId) as GooglePerson | undefined;
				if (!person) this.fail(write.entry, { field: 'clientData', message: `Google contact ${write.entry.record.sourceId} was deleted before its link to ${write.targetId} could be stored`, fix: 'Nothing to do: its deletion reaches the sync with the trigger\'s next poll.' });
				else write.entry.person = { ...write.entry.person, etag: person.etag ?? undefined, clientData: person.clientData ?? [] };
				return person !== undefined;
			});
		}
	}
}

/**
 * Syncs mapped Google contacts (readSyncRecord results, in input order) into Dynamics 365. Throws
 * MassDeletionError when the guard trips and SyncSetupError for a setting or a missing connection
 * (nothing is written either way), API errors for failures of a whole request (the connection, an
 * outage outlasting the retries); every other problem is reported on its record.
 */
export async function syncIntoDynamics(inputs: ReadResult[], options: DynamicsWriterOptions): Promise<WriterRun> {
	validateDynamicsWriterSettings(options.settings, options.catalog);
	return new DynamicsWriter(options, inputs.length).run(inputs);
}
