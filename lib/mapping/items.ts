/**
 * The items a mapping takes and gives in a workflow. In: a trigger item (`{ event, contactId,
 * modifiedOn, contact }`, `{ event, resourceName, person }`, a deletion possibly without its contact)
 * or a bare record, with the target's current record (when a node before looked it up) at a dot path
 * of the item. Out: the target-ready record as the writers take it, with the event; a deletion carries
 * who it is and no values. An item from the other app is refused, naming the direction to choose.
 */
import { mapContact, type TargetRecord } from './mapper';
import { APP_NAMES, type CompiledMapping, type DirectionInfo, type MappingError } from './spec';

/** Where the target's current record is looked for unless told otherwise. */
export const CURRENT_RECORD_FIELD = 'current';

export interface ItemOptions {
	/** Dot path of the target's current record in the item (default CURRENT_RECORD_FIELD; empty: none). */
	currentRecordField?: string;
	/** The key of a plain record's id (default `id`). */
	plainIdField?: string;
}

export type MappedItem = { json: Record<string, unknown> } | { error: MappingError };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** What an item holds: the contact and, from a trigger, its event. */
interface SourceContact {
	record: Record<string, unknown>;
	event?: string;
	deleted: boolean;
}

/** The app an item's contact is from, when it is plainly a Dynamics 365 or a Google contact. */
function appOf(json: Record<string, unknown>): 'dynamics' | 'google' | undefined {
	if (isObject(json.contact) || typeof json.contactid === 'string' || (json.event !== undefined && typeof json.contactId === 'string')) return 'dynamics';
	if (isObject(json.person) || (typeof json.resourceName === 'string' && json.resourceName.startsWith('people/'))) return 'google';
	return undefined;
}

/**
 * The source contact of an item: a trigger item (`{ event, contactId, modifiedOn, contact }`,
 * `{ event, resourceName, person }`, a deletion possibly without its contact) or a bare record.
 */
function sourceContact(json: Record<string, unknown>, sides: DirectionInfo): { source: SourceContact } | { error: MappingError } {
	const app = appOf(json);
	if (app !== undefined && app !== sides.source) {
		const from = sides.source === 'plain' ? 'a node giving flat records' : `the ${APP_NAMES[sides.source]} trigger or node`;
		return {
			error: {
				field: 'item',
				message: `The item is a ${APP_NAMES[app]} contact, but the Direction maps ${APP_NAMES[sides.source]} → ${APP_NAMES[sides.target]}`,
				fix: `Set the Direction to start from ${APP_NAMES[app]}, or connect this node to ${from}.`,
			},
		};
	}
	// A contact wrapper holding something else (text, a list) is named as such, not as a contact without an id.
	const wrapper = sides.source === 'dynamics' ? 'contact' : sides.source === 'google' ? 'person' : undefined;
	if (wrapper && json[wrapper] !== undefined && json[wrapper] !== null && !isObject(json[wrapper])) {
		const value = json[wrapper];
		const kind = Array.isArray(value) ? 'a list' : typeof value === 'string' ? `the text ${JSON.stringify(value.slice(0, 40))}` : `the ${typeof value} ${String(value)}`;
		return {
			error: {
				field: wrapper,
				message: `The item's "${wrapper}" is ${kind}, not a ${APP_NAMES[sides.source]} contact`,
				fix: `Pass one contact per item, as the ${APP_NAMES[sides.source]} trigger emits it (a contact object under "${wrapper}").`,
			},
		};
	}
	const event = typeof json.event === 'string' ? json.event : undefined;
	if (sides.source === 'dynamics') {
		const record = isObject(json.contact) ? json.contact : event === 'deleted' ? { contactid: json.contactId } : json;
		return { source: { record, event, deleted: event === 'deleted' } };
	}
	if (sides.source === 'google') {
		const record = isObject(json.person) ? json.person : event === 'deleted' ? { resourceName: json.resourceName } : json;
		const deleted = event === 'deleted' || (isObject(record.metadata) && record.metadata.deleted === true);
		return { source: { record, event, deleted } };
	}
	return { source: { record: json, deleted: false } };
}

/** The target's current record at a dot path of the item (unwrapped from a trigger-shaped item), if the item has one. */
function currentRecord(json: Record<string, unknown>, path: string | undefined): { current?: Record<string, unknown> } | { error: MappingError } {
	if (!path) return {};
	const value = path.includes('.') ? path.split('.').reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), json) : json[path];
	if (value === undefined || value === null) return {};
	if (!isObject(value)) {
		return {
			error: {
				field: path,
				message: `The current target record at "${path}" is ${Array.isArray(value) ? 'a list' : `a ${typeof value}`}, not a record`,
				fix: 'Set the current target record field to where the looked-up record is, or clear it.',
			},
		};
	}
	return { current: isObject(value.contact) ? value.contact : isObject(value.person) ? value.person : value };
}

/** A plain record's id from its id key, as text; undefined lets the mapper fall back to `id`. */
function plainId(json: Record<string, unknown>, key: string | undefined): string | undefined {
	const value = json[key || 'id'];
	return value === undefined || value === null || value === '' ? undefined : String(value);
}

/**
 * The record as the writers take it; a deletion carries no values, only who it is. `anchored`: a current
 * target record anchored the values.
 */
function outputJson(record: TargetRecord, source: SourceContact, anchored: boolean): Record<string, unknown> {
	const { linkId, emails } = record.matchKeys;
	const json: Record<string, unknown> = {
		target: record.target,
		values: source.deleted ? {} : record.values,
		matchKeys: linkId === undefined ? { emails } : { linkId, emails },
		sourceId: record.sourceId,
		sourceApp: record.sourceApp,
	};
	if (source.event !== undefined) json.event = source.event;
	// The sync writers decide on the source contact as it was mapped (its values, the link and the last synced values it keeps).
	if (!source.deleted && record.target !== 'plain' && record.sourceApp !== 'plain') {
		json.source = source.record;
		// Values mapped from the source alone are what a writer would map for a create: it takes them instead of mapping again.
		if (!anchored) json.mappedWithoutCurrent = true;
	}
	return json;
}

/** One item mapped by a compiled mapping: the output json, or the item's problem (naming the field and the fix). */
export function mapItem(json: Record<string, unknown>, mapping: CompiledMapping, options: ItemOptions = {}): MappedItem {
	const found = sourceContact(json, mapping.sides);
	if ('error' in found) return found;
	const target = currentRecord(json, options.currentRecordField ?? CURRENT_RECORD_FIELD);
	if ('error' in target) return target;
	const sourceId = mapping.sides.source === 'plain' ? plainId(json, options.plainIdField) : undefined;
	const result = mapContact(found.source.record, mapping, { current: target.current, sourceId });
	return result.ok ? { json: outputJson(result.record, found.source, target.current !== undefined) } : { error: result.error };
}
