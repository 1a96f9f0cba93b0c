/**
 * The three-way field merge of a linked pair, in snapshot space (lib/sync/snapshot: Google field
 * names, canonical values, a left-out field is empty). The base is the snapshot stored at the last
 * sync; without one (the first sync of a pair matched by email) every field counts as empty in the
 * base, so an empty side is simply "not filled yet" and a filled one flows into it.
 *
 * Two rules decide what counts as a change of a side's value against the base:
 * - it counts only where the field may flow from that side (a one-way field follows its direction,
 *   never the winning app);
 * - a change to empty counts only when empty values overwrite (by default an empty value never
 *   blanks a filled one: a cleared field stays cleared on its own side).
 * Then, per field:
 *   equal on both sides           → nothing to write
 *   changed on one side only      → that side's value flows to the other
 *   changed on both, differently  → the winning app's value flows to the other: a conflict
 *   changed on neither, yet apart → nothing to write (a cleared value, a one-way field edited at its
 *                                   target): the sides keep their values, the base stays the base
 * Fields outside the scope (the fields the mapping carries) are left alone, their base kept.
 */
import { SNAPSHOT_FIELDS, changedFields, sameSnapshotValue, type SnapshotValue, type SyncSnapshot } from './snapshot';

export type SyncApp = 'dynamics' | 'google';

export const otherApp = (app: SyncApp): SyncApp => (app === 'google' ? 'dynamics' : 'google');

export const APP_LABELS: Record<SyncApp, string> = { dynamics: 'Dynamics 365', google: 'Google Contacts' };

export interface FieldConflict {
	field: string;
	/** The app whose value was kept. */
	winner: SyncApp;
}

/** The fields (snapshot names) that may flow each way; absent: every tracked field. */
export interface MergeScope {
	toGoogle?: readonly string[];
	toDynamics?: readonly string[];
}

export interface MergeInput {
	/** The Google contact's values now. */
	google: SyncSnapshot;
	/** The Dynamics contact's values now, as they map to Google. */
	dynamics: SyncSnapshot;
	/** The snapshot stored at the last sync; absent on the first sync of a pair. */
	last?: SyncSnapshot;
	winner: SyncApp;
	/** A value changed to empty blanks the other side (off by default). */
	emptyOverwrites: boolean;
	scope?: MergeScope;
}

export interface FieldMerge {
	/** Fields whose Dynamics value is written to Google, in field order. */
	toGoogle: string[];
	/** Fields whose Google value is written to Dynamics, in field order. */
	toDynamics: string[];
	/** Fields changed on both sides, with the app whose value was kept. */
	conflicts: FieldConflict[];
	/** The snapshot to store once both lists are written: what both sides then hold. */
	snapshot: SyncSnapshot;
	/**
	 * The snapshot to store when only one side is written now (a writer writes its own app): fields
	 * bound for the other side keep their base (or, on a first sync, that side's current value), so
	 * the pending change still shows as a change when that side's writer decides.
	 */
	snapshotIfOnly: Record<SyncApp, SyncSnapshot>;
}

type Value = SnapshotValue | undefined;

/** One field's verdict: where the value flows (if anywhere) and the value both sides agree on. */
interface FieldOutcome {
	flowsTo?: SyncApp;
	/** The value both sides hold after the write; the base when the sides stay apart. */
	agreed: Value;
	conflict?: FieldConflict;
}

function mergeField(field: string, values: Record<SyncApp, Value>, base: Value, mayFlowFrom: Record<SyncApp, boolean>, input: MergeInput): FieldOutcome {
	const changed = (app: SyncApp) => mayFlowFrom[app] && !sameSnapshotValue(values[app], base) && (values[app] !== undefined || input.emptyOverwrites);
	// Equal on both sides (unchanged, or changed alike): nothing to write.
	if (sameSnapshotValue(values.google, values.dynamics)) return { agreed: values.google };
	const googleChanged = changed('google');
	const dynamicsChanged = changed('dynamics');
	// Changed on both sides, differently: the winning app's value flows to the other.
	if (googleChanged && dynamicsChanged) {
		const winner = input.winner;
		return { flowsTo: otherApp(winner), agreed: values[winner], conflict: { field, winner } };
	}
	// Changed on one side only: that side's value flows.
	if (googleChanged) return { flowsTo: 'dynamics', agreed: values.google };
	if (dynamicsChanged) return { flowsTo: 'google', agreed: values.dynamics };
	// Apart, but neither difference may flow: both sides keep their values.
	return { agreed: base };
}

function trackedFields(snapshots: SyncSnapshot[]): { fields: string[]; extraFields: string[] } {
	const extraFields = [...new Set(snapshots.flatMap((snapshot) => snapshot.extraFields))].filter((name) => !SNAPSHOT_FIELDS.includes(name));
	return { fields: [...SNAPSHOT_FIELDS, ...extraFields], extraFields };
}

/** Scope lists as sets, made once per list (a writer's mappings share theirs across records). */
const scopeSets = new WeakMap<readonly string[], ReadonlySet<string>>();

function inScope(list: readonly string[] | undefined, field: string): boolean {
	if (list === undefined) return true;
	let set = scopeSets.get(list);
	if (!set) scopeSets.set(list, (set = new Set(list)));
	return set.has(field);
}

/** Merges the two sides' values against the last synced ones (see the file comment for the rules). */
export function mergeSnapshots(input: MergeInput): FieldMerge {
	const { fields, extraFields } = trackedFields([input.google, input.dynamics, ...(input.last ? [input.last] : [])]);
	const result: FieldMerge = {
		toGoogle: [],
		toDynamics: [],
		conflicts: [],
		snapshot: { fields: {}, extraFields },
		snapshotIfOnly: { google: { fields: {}, extraFields }, dynamics: { fields: {}, extraFields } },
	};
	const store = (snapshot: SyncSnapshot, field: string, value: Value) => {
		if (value !== undefined) snapshot.fields[field] = value;
	};
	for (const field of fields) {
		const base = input.last?.fields[field];
		const mayFlowFrom = { google: inScope(input.scope?.toDynamics, field), dynamics: inScope(input.scope?.toGoogle, field) };
		if (!mayFlowFrom.google && !mayFlowFrom.dynamics) {
			// Not carried either way: the base stays as it was.
			for (const snapshot of [result.snapshot, result.snapshotIfOnly.google, result.snapshotIfOnly.dynamics]) store(snapshot, field, base);
			continue;
		}
		const values = { google: input.google.fields[field], dynamics: input.dynamics.fields[field] };
		const outcome = mergeField(field, values, base, mayFlowFrom, input);
		if (outcome.flowsTo === 'google') result.toGoogle.push(field);
		if (outcome.flowsTo === 'dynamics') result.toDynamics.push(field);
		if (outcome.conflict) result.conflicts.push(outcome.conflict);
		store(result.snapshot, field, outcome.agreed);
		for (const written of ['google', 'dynamics'] as const) {
			const pending = outcome.flowsTo === otherApp(written);
			store(result.snapshotIfOnly[written], field, pending ? (input.last ? base : values[otherApp(written)]) : outcome.agreed);
		}
	}
	return result;
}

/** Whether two snapshots hold the same values (a snapshot that needs no write). */
export function sameSnapshot(a: SyncSnapshot, b: SyncSnapshot): boolean {
	return changedFields(a, b).length === 0 && sameSnapshotValue([...a.extraFields].sort(), [...b.extraFields].sort());
}
