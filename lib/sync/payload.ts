/**
 * What writers need around a decision (lib/sync/decide), between the mapping and the APIs.
 *
 * Before deciding, both sides in snapshot space: the Google contact by googleSnapshot, the Dynamics
 * contact by dynamicsSnapshot, with the fields the mapping tracks (snapshotExtraFields) and carries
 * (carriedFields, the merge scope).
 *
 * After deciding, payloads that touch only the fields the merge chose. Whole records would not do:
 * a Google update replaces each Person field it names (all name parts at once), and the Dynamics
 * mapping writes names and address lines as units, so sending the whole mapped record would
 * overwrite the other side's newer value of a neighbouring field (a last name changed in Google
 * while Dynamics changed the first name).
 */
import { describeGoogleField, googlePersonField, readGoogleField, writeGoogleField, type GooglePerson } from '../google/fields';
import { LINK_KEYS, mapContact } from '../mapping/mapper';
import type { CompiledMapping, ResolvedLink } from '../mapping/spec';
import { SNAPSHOT_CLIENT_DATA_FIELD, SNAPSHOT_FIELDS, encodeSnapshot, googleSnapshot, type SyncSnapshot } from './snapshot';

const GOOGLE_LINK_FIELD = `clientData:${LINK_KEYS.googleDynamicsContactId}`;

/** The Google fields a link carries, and the Dynamics columns that carry each (names part by part; lists and address lines as a unit). */
function linkColumns(link: ResolvedLink): Array<{ google: string[]; dynamics: string[] }> {
	switch (link.kind) {
		case 'field':
			return [{ google: [link.other.name], dynamics: [link.dynamics.name] }];
		case 'list':
			return [{ google: [link.other.name], dynamics: link.dynamics.map((field) => field.name) }];
		case 'lines':
			return [{ google: link.other.map((field) => field.name), dynamics: link.dynamics.map((field) => field.name) }];
		case 'names':
			return (['first', 'middle', 'last'] as const).flatMap((part) => {
				const [google, dynamics] = [link.other[part], link.dynamics[part]];
				return google && dynamics ? [{ google: [google.name], dynamics: [dynamics.name] }] : [];
			});
	}
}

function checkGoogleMapping(mapping: CompiledMapping): void {
	if (mapping.sides.other !== 'google') throw new Error(`The sync compares Dynamics 365 with Google Contacts; this mapping goes ${mapping.sides.source} → ${mapping.sides.target}.`);
}

/** The writable Google fields (snapshot names) a mapping carries in its direction: a writer's MergeScope list. */
export function carriedFields(mapping: CompiledMapping): string[] {
	checkGoogleMapping(mapping);
	const fields = mapping.links.flatMap(linkColumns).flatMap((unit) => unit.google);
	return [...new Set(fields)].filter((name) => describeGoogleField(name)?.writable === true);
}

/** snapshotExtraFields of each compiled mapping, worked out once: a writer asks for every record. */
const extraFieldsOf = new WeakMap<CompiledMapping, readonly string[]>();

/** The fields a mapping carries beyond SNAPSHOT_FIELDS (custom mappings), for googleSnapshot's `extraFields`. */
export function snapshotExtraFields(mapping: CompiledMapping): string[] {
	let extras = extraFieldsOf.get(mapping);
	if (!extras) extraFieldsOf.set(mapping, (extras = carriedFields(mapping).filter((name) => !SNAPSHOT_FIELDS.includes(name))));
	return [...extras];
}

/**
 * A Dynamics contact (Web API JSON) in snapshot space, as the merge needs it: mapped to Google by
 * a Dynamics → Google mapping, anchored on its Google counterpart (`google`, when there is one) so
 * that what Dynamics cannot hold (a fourth email) stays as Google has it, and with empty values
 * empty, whatever the mapping's own empty-value setting: a mapping that keeps the target's value
 * would show Google's value as Dynamics' and hide the empty side from the merge.
 */
export function dynamicsSnapshot(contact: Record<string, unknown>, mapping: CompiledMapping, google?: GooglePerson): SyncSnapshot {
	checkGoogleMapping(mapping);
	if (!mapping.sides.fromDynamics) throw new Error('dynamicsSnapshot takes the Dynamics 365 → Google Contacts mapping.');
	const result = mapContact(contact, { ...mapping, clearEmpty: true }, { current: google });
	if (!result.ok) throw new Error(`${result.error.field}: ${result.error.message}. ${result.error.fix}`);
	return googleSnapshot(result.record.values as GooglePerson, snapshotExtraFields(mapping));
}

/** What the Google contact keeps for the sync in clientData: the link and the snapshot. */
export interface GoogleSyncState {
	dynamicsContactId?: string;
	snapshot?: SyncSnapshot;
}

export interface GoogleUpdate {
	/** The Person to send (with the current etag): each named Person field whole, as current holds it, with the chosen fields changed. */
	person: GooglePerson;
	/** The Person fields it replaces (updatePersonFields). */
	updatePersonFields: string[];
}

/**
 * A People API update of `current` that writes `fields` with the values of `mapped` (the source
 * contact mapped to Google, e.g. TargetRecord.values) and the sync state; every other value of the
 * Person fields it touches stays as `current` holds it.
 */
export function googleUpdate(current: GooglePerson, mapped: GooglePerson, fields: readonly string[], state: GoogleSyncState = {}): GoogleUpdate {
	const person: GooglePerson = current.etag === undefined ? {} : { etag: current.etag };
	const write = (name: string, value: unknown) => {
		const personField = googlePersonField(name);
		if (!(personField in person)) person[personField] = structuredClone(current[personField]);
		writeGoogleField(person, name, value);
	};
	for (const field of fields) write(field, readGoogleField(mapped, field));
	if (state.dynamicsContactId !== undefined) write(GOOGLE_LINK_FIELD, state.dynamicsContactId);
	if (state.snapshot !== undefined) write(SNAPSHOT_CLIENT_DATA_FIELD, encodeSnapshot(state.snapshot));
	const updatePersonFields = Object.keys(person).filter((key) => key !== 'etag');
	// A Person field left with nothing in it is sent empty: named in updatePersonFields, that clears it.
	for (const key of updatePersonFields) person[key] ??= [];
	return { person, updatePersonFields };
}

/** The Dynamics columns of a Google ↔ Dynamics mapping that carry `fields` (snapshot names), in mapping order. */
export function dynamicsColumns(mapping: CompiledMapping, fields: readonly string[]): string[] {
	checkGoogleMapping(mapping);
	const columns = mapping.links.flatMap(linkColumns).filter((unit) => unit.google.some((name) => fields.includes(name)));
	return [...new Set(columns.flatMap((unit) => unit.dynamics))];
}
