/**
 * The sync snapshot (the "fingerprint"): the values of a Google contact's synced fields as the last
 * sync left them, kept on the contact itself in clientData under LINK_KEYS.googleSyncFingerprint.
 *
 * - Echo detection: a contact whose current values equal its snapshot changed nothing the sync
 *   cares about since our last write; its change is our own write coming back (isOwnEcho).
 * - Three-way decisions: the snapshot is per field, so a sync can tell which fields each side
 *   changed since the last sync (changedFields), not only that something changed.
 *
 * Which fields: every writable Google field the default Dynamics ↔ Google mapping touches (names,
 * emails, phones by type, the work address, organization name / title / department, birthday,
 * notes), plus any extra fields a writer tracks for its custom mappings (`userDefined:Source`...).
 * Values are canonical, so formatting noise is no change: emails trimmed and lower-case (in order,
 * primary first), phones by digits, dates as YYYY-MM-DD, text trimmed with "\n" line breaks.
 * Values longer than LONG_VALUE characters (notes, mostly) are kept as a SHA-256 digest: enough to
 * tell whether they changed, at a fraction of the size.
 *
 * Encoding (a compact, stable JSON; empty fields are left out):
 *   {"v":1,"f":{"names.givenName":"Jan","emailAddresses":["jan@example.nl"],"biographies[0].value":{"sha256":"…"}},"x":["userDefined:Source"]}
 * `v` is the format version, `f` the values by Google field name (lib/google/fields), `x` the extra
 * fields tracked. Writers store `encodeSnapshot(googleSnapshot({ ...current, ...update }, extraFields))`
 * in the same update as the values: the snapshot of the whole contact as it will be after the write
 * (current read with every synced field), not of the partial update body alone.
 */
import { createHash } from 'crypto';
import { describeGoogleField, readGoogleField, type GooglePerson } from '../google/fields';
import { defaultMappings, linkFieldNames } from '../mapping/defaults';
import { LINK_KEYS } from '../mapping/mapper';
import { normalizeEmail, normalizePhone } from '../mapping/normalize';
import type { CanonicalType } from '../model/fields';

/** A long value, by its digest. */
export interface ValueDigest {
	sha256: string;
}

export type SnapshotScalar = string | ValueDigest;
export type SnapshotValue = SnapshotScalar | SnapshotScalar[];

export interface SyncSnapshot {
	/** Canonical values by Google field name; a field left out was empty. */
	fields: Record<string, SnapshotValue>;
	/** Fields tracked beyond SNAPSHOT_FIELDS (custom mappings). */
	extraFields: string[];
}

const FORMAT_VERSION = 1;
/** Longer values are stored as a digest. */
export const LONG_VALUE = 80;
/** The clientData field (lib/google/fields name) the snapshot is stored in. */
export const SNAPSHOT_CLIENT_DATA_FIELD = `clientData:${LINK_KEYS.googleSyncFingerprint}`;

/** The writable Google fields of the default Dynamics ↔ Google mapping, in mapping order. */
export const SNAPSHOT_FIELDS: readonly string[] = [
	...new Set(
		defaultMappings('google')
			.flatMap((mapping) => mapping.links.flatMap((link) => linkFieldNames(link).other))
			.filter((name) => describeGoogleField(name)?.writable === true),
	),
];

function canonicalText(type: CanonicalType, value: string): string {
	switch (type) {
		case 'email':
			return normalizeEmail(value);
		case 'phone':
			return normalizePhone(value);
		default:
			return (value.includes('\r') ? value.replace(/\r\n?/g, '\n') : value).trim();
	}
}

function digestOf(text: string): ValueDigest {
	return { sha256: createHash('sha256').update(text, 'utf8').digest('base64url').slice(0, 22) };
}

function snapshotScalar(type: CanonicalType, value: unknown): SnapshotScalar | undefined {
	if (value === undefined || value === null) return undefined;
	const text = canonicalText(type, String(value));
	if (text === '') return undefined;
	return text.length > LONG_VALUE ? digestOf(text) : text;
}

/** A tracked field with its canonical type. */
interface TrackedField {
	name: string;
	type: CanonicalType;
}

/** What a snapshot tracks for one list of extra fields: SNAPSHOT_FIELDS, then the extras, each with its type. */
interface SnapshotPlan {
	extras: readonly string[];
	fields: readonly TrackedField[];
	names: ReadonlySet<string>;
}

/** Plans by their extra fields: a writer snapshots every contact with the same few lists (bounded: a cache only). */
const plans = new Map<string, SnapshotPlan>();
const MAX_PLANS = 256;

/** The plan for `extraFields` (names lib/google/fields does not know are an error; SNAPSHOT_FIELDS and repeats are dropped). */
function snapshotPlan(extraFields: readonly string[]): SnapshotPlan {
	const key = extraFields.join('\n');
	let plan = plans.get(key);
	if (plan) return plan;
	const unknown = extraFields.find((name) => describeGoogleField(name) === undefined);
	if (unknown !== undefined) {
		throw new Error(`Cannot track Google Contacts field "${unknown}" in the sync snapshot; use a field such as userDefined:<key> or organizations[0].jobDescription.`);
	}
	const extras = trackableFields(extraFields);
	const names = [...SNAPSHOT_FIELDS, ...extras];
	plan = { extras, fields: names.map((name) => ({ name, type: describeGoogleField(name)?.type ?? 'text' })), names: new Set(names) };
	if (plans.size >= MAX_PLANS) plans.clear();
	plans.set(key, plan);
	return plan;
}

/** The canonical value of one field of `person`, undefined when it is empty. */
function snapshotValue(person: GooglePerson, field: TrackedField): SnapshotValue | undefined {
	const value = readGoogleField(person, field.name);
	if (!Array.isArray(value)) return snapshotScalar(field.type, value);
	const items: SnapshotScalar[] = [];
	for (const item of value) {
		const scalar = snapshotScalar(field.type, item);
		if (scalar !== undefined) items.push(scalar);
	}
	return items.length > 0 ? items : undefined;
}

/** Only names lib/google/fields knows can be tracked (and a stored snapshot may have been edited by anyone). */
function trackableFields(names: readonly unknown[]): string[] {
	const known = names.filter((name): name is string => typeof name === 'string' && describeGoogleField(name) !== undefined);
	return [...new Set(known)].filter((name) => !SNAPSHOT_FIELDS.includes(name));
}

/** The snapshot of a contact's current values: SNAPSHOT_FIELDS plus `extraFields`. */
export function googleSnapshot(person: GooglePerson, extraFields: readonly string[] = []): SyncSnapshot {
	const plan = snapshotPlan(extraFields);
	const fields: Record<string, SnapshotValue> = {};
	for (const field of plan.fields) {
		const value = snapshotValue(person, field);
		if (value !== undefined) fields[field.name] = value;
	}
	return { fields, extraFields: [...plan.extras] };
}

/** Whether a snapshot's fields are already in the stable order (SNAPSHOT_FIELDS, then the extras), as snapshots made here mostly are. */
function inStableOrder(snapshot: SyncSnapshot): boolean {
	let position = 0;
	let extra = 0;
	for (const name in snapshot.fields) {
		while (position < SNAPSHOT_FIELDS.length && SNAPSHOT_FIELDS[position] !== name) position++;
		if (position < SNAPSHOT_FIELDS.length) continue;
		// Past SNAPSHOT_FIELDS: an extra field, in the order of its first mention, and not one of them.
		const at = snapshot.extraFields.indexOf(name);
		if (at < extra || SNAPSHOT_FIELDS.includes(name)) return false;
		extra = at;
	}
	return true;
}

/** The clientData value for a snapshot: compact JSON, fields in a stable order (untracked ones left out). */
export function encodeSnapshot(snapshot: SyncSnapshot): string {
	let fields = snapshot.fields;
	if (!inStableOrder(snapshot)) {
		fields = {};
		for (const name of [...SNAPSHOT_FIELDS, ...snapshot.extraFields]) {
			const value = snapshot.fields[name];
			if (value !== undefined) fields[name] = value;
		}
	}
	return JSON.stringify(snapshot.extraFields.length > 0 ? { v: FORMAT_VERSION, f: fields, x: snapshot.extraFields } : { v: FORMAT_VERSION, f: fields });
}

function isScalar(value: unknown): value is SnapshotScalar {
	return typeof value === 'string' || (typeof value === 'object' && value !== null && typeof (value as ValueDigest).sha256 === 'string');
}

function isSnapshotValue(value: unknown): value is SnapshotValue {
	return isScalar(value) || (Array.isArray(value) && value.every(isScalar));
}

/**
 * A snapshot from its clientData value; undefined when there is none or it cannot be read (not
 * JSON, another format version, wrong shapes). Unknown field names are dropped.
 */
export function decodeSnapshot(value: unknown): SyncSnapshot | undefined {
	if (typeof value !== 'string' || value === '') return undefined;
	let parsed: { v?: unknown; f?: unknown; x?: unknown };
	try {
		parsed = JSON.parse(value);
	} catch {
		return undefined;
	}
	if (typeof parsed !== 'object' || parsed === null || parsed.v !== FORMAT_VERSION) return undefined;
	if (typeof parsed.f !== 'object' || parsed.f === null || Array.isArray(parsed.f)) return undefined;
	const extraFields = trackableFields(Array.isArray(parsed.x) ? parsed.x : []);
	const tracked = snapshotPlan(extraFields).names;
	const fields: Record<string, SnapshotValue> = {};
	for (const [name, fieldValue] of Object.entries(parsed.f)) {
		if (!tracked.has(name) || !isSnapshotValue(fieldValue)) continue;
		fields[name] = fieldValue;
	}
	return { fields, extraFields };
}

/** The snapshot a contact carries from the last sync, if any. */
export function storedSnapshot(person: GooglePerson): SyncSnapshot | undefined {
	return decodeSnapshot(readGoogleField(person, SNAPSHOT_CLIENT_DATA_FIELD));
}

/** Whether two snapshot values (or two lists of them) are the same; undefined is empty. */
export function sameSnapshotValue(a: SnapshotValue | SnapshotValue[] | undefined, b: SnapshotValue | SnapshotValue[] | undefined): boolean {
	// Most values are text: compared as they are, without serialising them.
	if (a === b) return true;
	if (typeof a !== 'object' || typeof b !== 'object') return false;
	return JSON.stringify(a) === JSON.stringify(b);
}

/** The fields whose values differ between two snapshots (a field present in one only counts), in field order. */
export function changedFields(base: SyncSnapshot, current: SyncSnapshot): string[] {
	const names = [...new Set([...SNAPSHOT_FIELDS, ...base.extraFields, ...current.extraFields])];
	return names.filter((name) => !sameSnapshotValue(base.fields[name], current.fields[name]));
}

/** Whether the contact's synced values equal the snapshot it carries: our own sync write coming back. */
export function isOwnEcho(person: GooglePerson): boolean {
	const stored = storedSnapshot(person);
	return stored !== undefined && changedFields(stored, googleSnapshot(person, stored.extraFields)).length === 0;
}

/**
 * The snapshot to store: the decided one (or the stored one, when the decision keeps it), with the
 * written fields as the contact holds them after the write, so the contact is its own echo.
 */
export function snapshotAfter(decided: SyncSnapshot | undefined, stored: SyncSnapshot | undefined, after: SyncSnapshot, written: readonly string[]): SyncSnapshot | undefined {
	const base = decided ?? stored;
	if (!base) return undefined;
	const fields = { ...base.fields };
	for (const field of written) {
		if (after.fields[field] === undefined) delete fields[field];
		else fields[field] = after.fields[field];
	}
	return { fields, extraFields: base.extraFields };
}
