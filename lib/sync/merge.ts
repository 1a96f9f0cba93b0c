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

/** Whether a side's value counts as changed against the base (see the file comment). */
function changed(value: Value, base: Value, mayFlow: boolean, emptyOverwrites: boolean): boolean {
	return mayFlow && !sameSnapshotValue(value, base) && (value !== undefined || emptyOverwrites);
}

/** Where one field's value flows: nowhere (the sides are equal, or apart with no change that may flow), either way, or, changed on both sides, as a conflict the winner takes. */
type Flow = 'equal' | 'apart' | 'toGoogle' | 'toDynamics' | 'conflict';

function flowOf(google: Value, dynamics: Value, base: Value, fromGoogle: boolean, fromDynamics: boolean, input: MergeInput): Flow {
	// Equal on both sides (unchanged, or changed alike): nothing to write.
	if (sameSnapshotValue(google, dynamics)) return 'equal';
	const googleChanged = changed(google, base, fromGoogle, input.emptyOverwrites);
	const dynamicsChanged = changed(dynamics, base, fromDynamics, input.emptyOverwrites);
	// Changed on both sides, differently: the winning app's value flows to the other.
	if (googleChanged && dynamicsChanged) return 'conflict';
	// Changed on one side only: that side's value flows.
	if (googleChanged) return 'toDynamics';
	if (dynamicsChanged) return 'toGoogle';
	// Apart, but neither difference may flow: both sides keep their values.
	return 'apart';
}

function trackedFields(snapshots: SyncSnapshot[]): { fields: readonly string[]; extraFields: string[] } {
	// Mostly only SNAPSHOT_FIELDS are tracked: no lists to build.
	if (snapshots.every((snapshot) => snapshot.extraFields.length === 0)) return { fields: SNAPSHOT_FIELDS, extraFields: [] };
	const extraFields = [...new Set(snapshots.flatMap((snapshot) => snapshot.extraFields))].filter((name) => !SNAPSHOT_FIELDS.includes(name));
	return { fields: [...SNAPSHOT_FIELDS, ...extraFields], extraFields };
}

/** Scope lists as sets, made once per list (a writer's mappings share theirs across records). */
const scopeSets = new WeakMap<readonly string[], ReadonlySet<string>>();

/** The scope list as a set; undefined (every field) when there is no list. */
function scopeSet(list: readonly string[] | undefined): ReadonlySet<string> | undefined {
	if (list === undefined) return undefined;
	let set = scopeSets.get(list);
	if (!set) scopeSets.set(list, (set = new Set(list)));
	return set;
}

/** Merges the two sides' values against the last synced ones (see the file comment for the rules). */
export function mergeSnapshots(input: MergeInput): FieldMerge {
	const { fields, extraFields } = trackedFields(input.last ? [input.google, input.dynamics, input.last] : [input.google, input.dynamics]);
	const agreedFields: Record<string, SnapshotValue> = {};
	// The one-side snapshots mostly hold the agreed values: each is built apart only from the first field where it differs.
	let ifOnlyGoogle: Record<string, SnapshotValue> | undefined;
	let ifOnlyDynamics: Record<string, SnapshotValue> | undefined;
	const toGoogleFields: string[] = [];
	const toDynamicsFields: string[] = [];
	const conflicts: FieldConflict[] = [];
	const [toDynamics, toGoogle] = [scopeSet(input.scope?.toDynamics), scopeSet(input.scope?.toGoogle)];
	const last = input.last?.fields;
	for (const field of fields) {
		const base = last?.[field];
		const fromGoogle = toDynamics === undefined || toDynamics.has(field);
		const fromDynamics = toGoogle === undefined || toGoogle.has(field);
		if (!fromGoogle && !fromDynamics) {
			// Not carried either way: the base stays as it was.
			if (base !== undefined) {
				agreedFields[field] = base;
				if (ifOnlyGoogle) ifOnlyGoogle[field] = base;
				if (ifOnlyDynamics) ifOnlyDynamics[field] = base;
			}
			continue;
		}
		const google = input.google.fields[field];
		const dynamics = input.dynamics.fields[field];
		// The verdict without an object per field: where the value flows, and the value both sides hold after the write (the base when they stay apart).
		let flow = flowOf(google, dynamics, base, fromGoogle, fromDynamics, input);
		let agreed: Value;
		if (flow === 'conflict') {
			conflicts.push({ field, winner: input.winner });
			flow = input.winner === 'google' ? 'toDynamics' : 'toGoogle';
			agreed = input.winner === 'google' ? google : dynamics;
		} else agreed = flow === 'toGoogle' ? dynamics : flow === 'toDynamics' || flow === 'equal' ? google : base;
		if (flow === 'toGoogle') toGoogleFields.push(field);
		if (flow === 'toDynamics') toDynamicsFields.push(field);
		// Written to one side only, a value bound for the other keeps the base (on a first sync, that side's own value).
		const ifOnlyGoogleValue = flow === 'toDynamics' ? (input.last ? base : dynamics) : agreed;
		const ifOnlyDynamicsValue = flow === 'toGoogle' ? (input.last ? base : google) : agreed;
		if (!ifOnlyGoogle && ifOnlyGoogleValue !== agreed) ifOnlyGoogle = { ...agreedFields };
		if (!ifOnlyDynamics && ifOnlyDynamicsValue !== agreed) ifOnlyDynamics = { ...agreedFields };
		if (agreed !== undefined) agreedFields[field] = agreed;
		if (ifOnlyGoogle && ifOnlyGoogleValue !== undefined) ifOnlyGoogle[field] = ifOnlyGoogleValue;
		if (ifOnlyDynamics && ifOnlyDynamicsValue !== undefined) ifOnlyDynamics[field] = ifOnlyDynamicsValue;
	}
	return {
		toGoogle: toGoogleFields,
		toDynamics: toDynamicsFields,
		conflicts,
		snapshot: { fields: agreedFields, extraFields },
		snapshotIfOnly: { google: { fields: ifOnlyGoogle ?? { ...agreedFields }, extraFields }, dynamics: { fields: ifOnlyDynamics ?? { ...agreedFields }, extraFields } },
	};
}

/** Whether two snapshots hold the same values (a snapshot that needs no write). */
export function sameSnapshot(a: SyncSnapshot, b: SyncSnapshot): boolean {
	return changedFields(a, b).length === 0 && sameSnapshotValue([...a.extraFields].sort(), [...b.extraFields].sort());
}
