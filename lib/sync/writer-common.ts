/**
 * What the two sync writers (Dynamics 365 and Google Contacts) share, n8n-free:
 * - reading the records they take: the Contact Field Mapping's output items (TargetRecord with the
 *   trigger's event, the source contact and the mapping spec that made them), each problem named
 *   with its field and fix;
 * - the mapping seen both ways (SyncMapping): which Google fields flow each way (the merge scope),
 *   the extra fields custom mappings add to the snapshot, and a Dynamics contact in snapshot space;
 * - per-record outcomes (the writers' output items) and the run summary;
 * - the mass-deletion guard, asked only when a run tags enough contacts to matter.
 */
import type { DynamicsRecord } from '../dynamics/contact-fields';
import type { GooglePerson } from '../google/fields';
import { compileMapping, type CompiledMapping, type MappingDirection, type MappingError, type MappingSpec } from '../mapping/spec';
import type { AppName, FieldDescriptor } from '../model/fields';
import type { SyncAction, SyncDecision, SyncEvent } from './decide';
import { DEFAULT_DELETION_MINIMUM, checkMassDeletion } from './guard';
import type { FieldConflict, MergeScope, SyncApp } from './merge';
import { carriedFields, dynamicsSnapshot, snapshotExtraFields } from './payload';
import { googleSnapshot, type SyncSnapshot } from './snapshot';
import { SyncSummaryBuilder, type SyncSummary } from './summary';

/** One record bound for a writer: a Contact Field Mapping output item. */
export interface SyncRecord {
	event: SyncEvent;
	target: AppName;
	sourceApp: AppName;
	/** The source contact's id: a Dynamics contactid or a Google resource name. */
	sourceId: string;
	/** Target-ready values (Dynamics attributes, or a partial Person). */
	values: Record<string, unknown>;
	matchKeys: { linkId?: string; emails: string[] };
	/** The source contact as the trigger gave it (raw Web API row or Person); absent for a deletion without one. */
	source?: Record<string, unknown>;
	/** The mapping that made the record; the default mapping of its direction when absent. */
	mapping?: Partial<MappingSpec>;
	/** `values` are `source` mapped by `mapping` with no current target record (the mapping says so): what a create would map. */
	mappedWithoutCurrent?: true;
}

/** What is wrong with an input record (or its write): the field, the problem, and how to fix it. */
export interface RecordProblem {
	field: string;
	message: string;
	fix: string;
}

export type ReadResult = { ok: true; record: SyncRecord } | { ok: false; problem: RecordProblem };

const SYNC_EVENTS: readonly string[] = ['created', 'updated', 'deleted', 'resync'];
const SOURCE_APPS: readonly string[] = ['dynamics', 'google', 'plain'];
const APP_NAMES: Record<AppName, string> = { dynamics: 'Dynamics 365', google: 'Google Contacts', plain: 'plain fields' };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const MAP_FIRST = 'Connect the Contact Field Mapping node before this one: it turns trigger items into the records the sync writes.';

/** A mapped record from an item's JSON, checked; the problem names the field and the fix. */
export function readSyncRecord(json: Record<string, unknown>, target: SyncApp): ReadResult {
	const fail = (field: string, message: string, fix: string): ReadResult => ({ ok: false, problem: { field, message, fix } });
	// A node before failed this item and went on ("Continue" on error): its problem is the record's.
	if (json.target === undefined && json.error !== undefined) {
		const error = isObject(json.error) ? json.error : { message: json.error };
		const text = (value: unknown, fallback: string) => (typeof value === 'string' && value !== '' ? value : fallback);
		return fail(text(error.field, 'item'), `A node before could not process it: ${text(error.message, 'unknown error')}`, text(error.fix ?? error.description, 'Fix the item where that node failed.'));
	}
	if (json.target === undefined || json.values === undefined) return fail('item', 'The item is not a mapped contact record (it has no "target" and "values")', MAP_FIRST);
	if (json.target !== target) {
		return fail('target', `The record is mapped for ${APP_NAMES[json.target as AppName] ?? JSON.stringify(json.target)}, not for ${APP_NAMES[target]}`, `Set the Contact Field Mapping's Direction to one ending in ${APP_NAMES[target]}.`);
	}
	if (typeof json.sourceId !== 'string' || json.sourceId.trim() === '') return fail('sourceId', 'The record has no source id', MAP_FIRST);
	if (!SOURCE_APPS.includes(json.sourceApp as string)) return fail('sourceApp', `${JSON.stringify(json.sourceApp)} is not an app`, MAP_FIRST);
	if (json.event !== undefined && !SYNC_EVENTS.includes(json.event as string)) {
		return fail('event', `${JSON.stringify(json.event)} is not a change event`, `Use one of ${SYNC_EVENTS.join(', ')} (the triggers set it), or leave it out.`);
	}
	if (!isObject(json.values)) return fail('values', 'The record\'s values are not an object', MAP_FIRST);
	const matchKeys = isObject(json.matchKeys) ? json.matchKeys : {};
	const emails = Array.isArray(matchKeys.emails) ? matchKeys.emails : [];
	if (!emails.every((email) => typeof email === 'string')) return fail('matchKeys.emails', 'The match emails are not all text', MAP_FIRST);
	if (matchKeys.linkId !== undefined && typeof matchKeys.linkId !== 'string') return fail('matchKeys.linkId', 'The link id is not text', MAP_FIRST);
	if (json.source !== undefined && !isObject(json.source)) return fail('source', 'The source contact is not an object', MAP_FIRST);
	if (json.mapping !== undefined && !isObject(json.mapping)) return fail('mapping', 'The mapping is not an object', MAP_FIRST);
	const record: SyncRecord = {
		// A bare record without a trigger event decides like an update (created and updated decide alike).
		event: (json.event as SyncEvent | undefined) ?? 'updated',
		target,
		sourceApp: json.sourceApp as AppName,
		sourceId: json.sourceId.trim(),
		values: json.values,
		matchKeys: matchKeys.linkId ? { emails: emails as string[], linkId: matchKeys.linkId as string } : { emails: emails as string[] },
	};
	if (json.source) record.source = json.source as Record<string, unknown>;
	if (json.mapping) record.mapping = json.mapping as Partial<MappingSpec>;
	if (json.source && json.mappedWithoutCurrent === true) record.mappedWithoutCurrent = true;
	return { ok: true, record };
}

// ---- the mapping, both ways -------------------------------------------------------------------

/** A mapping between Dynamics 365 and Google Contacts, compiled both ways. */
export interface SyncMapping {
	/** Google Contacts → Dynamics 365. */
	toDynamics: CompiledMapping;
	/** Dynamics 365 → Google Contacts. */
	toGoogle: CompiledMapping;
	/** The Google fields (snapshot names) each direction carries. */
	scope: Required<MergeScope>;
	/** Snapshot fields beyond SNAPSHOT_FIELDS that custom mappings carry (userDefined:<key>...). */
	extraFields: string[];
}

export class SyncMappingError extends Error {
	constructor(readonly problems: MappingError[]) {
		super(`The mapping cannot be used: ${problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ')}`);
		this.name = 'SyncMappingError';
	}
}

const REVERSE: Partial<Record<MappingDirection, MappingDirection>> = { googleToDynamics: 'dynamicsToGoogle', dynamicsToGoogle: 'googleToDynamics' };

function compiledOrThrow(spec: MappingSpec): CompiledMapping {
	const result = compileMapping(spec);
	if (!result.ok) throw new SyncMappingError(result.errors);
	return result.mapping;
}

/**
 * The spec's other direction: its custom mappings that cannot flow that way are left out (that is
 * their direction, not a problem), and its THEN actions (fixed values, labels) stay with its own.
 */
function reverseMapping(spec: MappingSpec): CompiledMapping {
	const reverse: MappingSpec = { ...spec, direction: REVERSE[spec.direction] as MappingDirection, fixedValues: [], addToLabels: [] };
	const first = compileMapping(reverse);
	if (first.ok) return first.mapping;
	const oneWay = new Set(first.errors.map((error) => /^customMappings\[(\d+)\]$/.exec(error.field)?.[1]).filter((index): index is string => index !== undefined).map(Number));
	return compiledOrThrow({ ...reverse, customMappings: (spec.customMappings ?? []).filter((_mapping, index) => !oneWay.has(index)) });
}

/**
 * Compiles a record's mapping both ways (`spec` as the Contact Field Mapping passes it on, or just
 * its direction for the default mapping), with the org's columns when known. Throws
 * SyncMappingError when the spec does not compile.
 */
export function compileSyncMapping(spec: Partial<MappingSpec> & { direction: MappingDirection }, catalog?: FieldDescriptor[]): SyncMapping {
	if (!REVERSE[spec.direction]) {
		throw new SyncMappingError([{ field: 'direction', message: `"${spec.direction}" does not map between Dynamics 365 and Google Contacts`, fix: 'Map with the direction Google Contacts → Dynamics 365 or Dynamics 365 → Google Contacts.' }]);
	}
	const full: MappingSpec = { ...spec, ...(catalog ? { catalogs: { dynamics: catalog } } : {}) };
	const own = compiledOrThrow(full);
	const other = reverseMapping(full);
	const [toDynamics, toGoogle] = spec.direction === 'googleToDynamics' ? [own, other] : [other, own];
	const extraFields = [...new Set([...snapshotExtraFields(toDynamics), ...snapshotExtraFields(toGoogle)])];
	return { toDynamics, toGoogle, scope: { toGoogle: carriedFields(toGoogle), toDynamics: carriedFields(toDynamics) }, extraFields };
}

/** Compiles each distinct spec once per run. */
export class SyncMappings {
	private readonly compiled = new Map<string, SyncMapping>();
	/** The records of one mapping node share one spec object: known by it, a spec is not serialised again per record. */
	private readonly bySpec = new WeakMap<Partial<MappingSpec>, SyncMapping>();

	constructor(
		private readonly direction: MappingDirection,
		private readonly catalog?: FieldDescriptor[],
	) {}

	/** The record's mapping (the default one of the writer's direction when the record carries none). */
	of(record: SyncRecord): SyncMapping {
		const shared = record.mapping && this.bySpec.get(record.mapping);
		if (shared) return shared;
		const mapping = this.compile(record);
		if (record.mapping) this.bySpec.set(record.mapping, mapping);
		return mapping;
	}

	private compile(record: SyncRecord): SyncMapping {
		const spec = { ...record.mapping, direction: record.mapping?.direction ?? this.direction };
		// Catalogs come from the org, not from items.
		delete spec.catalogs;
		const key = JSON.stringify(spec);
		let mapping = this.compiled.get(key);
		if (!mapping) {
			mapping = compileSyncMapping(spec, this.catalog);
			this.compiled.set(key, mapping);
		}
		return mapping;
	}
}

/** A Google contact in snapshot space: every tracked field, custom ones included. */
export function googleSideSnapshot(person: GooglePerson, mapping: SyncMapping): SyncSnapshot {
	return googleSnapshot(person, mapping.extraFields);
}

/** A Dynamics contact in snapshot space, anchored on its Google counterpart when there is one (lib/sync/payload). */
export function dynamicsSideSnapshot(contact: DynamicsRecord, mapping: SyncMapping, counterpart?: GooglePerson): SyncSnapshot {
	return dynamicsSnapshot(contact, mapping.toGoogle, counterpart);
}

// ---- outcomes, summary, guard -----------------------------------------------------------------

/** A writer's output for one input record. */
export interface RecordOutcome {
	/** The decision's kind (create, update, conflict-resolved, skip-equal, tag-deleted, skip-*), or "failed". */
	action: SyncAction['kind'] | 'failed';
	reason: string;
	sourceId: string;
	/** The contact written (or that would be) on the target. */
	targetId?: string;
	/** The fields written (snapshot names). */
	fields?: string[];
	conflicts?: FieldConflict[];
	/** The unsubscribe tag added or removed beside the action (Google writer). */
	unsubscribe?: { change: 'added' | 'removed'; group: string };
	error?: RecordProblem;
	/** Nothing was written: this is what the run would do. */
	dryRun?: true;
}

/** Collects one outcome per input record (in input order) and the run summary. */
export class WriterReport {
	private readonly outcomes: Array<RecordOutcome | undefined>;
	private readonly summary: SyncSummaryBuilder;

	constructor(
		size: number,
		private readonly dryRun: boolean,
	) {
		this.outcomes = new Array(size);
		this.summary = new SyncSummaryBuilder(dryRun);
	}

	/** A decision carried out (or, in a dry run, that would be); `targetId` is the new contact's id after a create. */
	decided(index: number, sourceId: string, decision: SyncDecision, targetId?: string): void {
		const { action, unsubscribe } = decision;
		this.summary.add(sourceId, decision, targetId);
		const outcome: RecordOutcome = { action: action.kind, reason: action.reason, sourceId };
		const written = 'targetId' in action ? action.targetId : targetId;
		if (written !== undefined) outcome.targetId = written;
		if (action.kind === 'update' || action.kind === 'conflict-resolved') {
			outcome.fields = action.fields;
			if (action.conflicts.length > 0) outcome.conflicts = action.conflicts;
		}
		if (unsubscribe) outcome.unsubscribe = { change: unsubscribe.kind === 'tag-unsubscribed' ? 'added' : 'removed', group: unsubscribe.group };
		if (this.dryRun) outcome.dryRun = true;
		this.outcomes[index] = outcome;
	}

	/** A record that failed; `partly` keeps what was done before the failure (a create whose link could not be stored). */
	failed(index: number, sourceId: string, problem: RecordProblem): void {
		this.summary.fail(sourceId, `${problem.message}. ${problem.fix}`);
		const done = this.outcomes[index];
		this.outcomes[index] = done ? { ...done, error: problem } : { action: 'failed', reason: problem.message, sourceId, error: problem, ...(this.dryRun ? { dryRun: true as const } : {}) };
	}

	/** One outcome per record, in input order. */
	results(): RecordOutcome[] {
		return this.outcomes.map((outcome, index) => outcome ?? { action: 'failed', reason: 'The record was not processed', sourceId: '', error: { field: 'item', message: `Record ${index + 1} was not processed`, fix: 'Run again.' } });
	}

	build(): SyncSummary {
		return this.summary.build();
	}
}

/** The writer cannot run as configured (a setting, a missing connection): nothing was written. */
export class SyncSetupError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'SyncSetupError';
	}
}

/** The mass-deletion guard tripped: nothing was written. */
export class MassDeletionError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'MassDeletionError';
	}
}

/**
 * Stops the run (MassDeletionError) when it would tag more than `maxShare` of the linked contacts
 * as deleted. The linked contacts are counted only when the run tags enough contacts to trip it.
 */
export async function guardDeletions(actions: SyncAction[], guard: { deletedIn: SyncApp; maxShare: number; countLinked: () => Promise<number> }): Promise<void> {
	const deletions = actions.filter((action) => action.kind === 'tag-deleted').length;
	if (deletions < DEFAULT_DELETION_MINIMUM) return;
	const verdict = checkMassDeletion({ deletions, linked: await guard.countLinked(), deletedIn: guard.deletedIn, maxShare: guard.maxShare });
	if (!verdict.ok) throw new MassDeletionError(verdict.message);
}
