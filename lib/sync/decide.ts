/**
 * The sync decision for one incoming change bound for one target app: a side-effect-free table of
 * cases, one commented branch each, decided before anything is written (as vdirsyncer does). The
 * writers look the counterpart up, call decideSync, then act on the decision; a stale ETag means
 * re-reading and deciding again, never writing blindly.
 *
 * Matching is link first, then email (DESIGN section 6). Values are compared in snapshot space
 * (lib/sync/snapshot) and merged three ways against the last synced snapshot (lib/sync/merge), which
 * the Google contact carries in clientData whichever way the change goes. Nothing is ever deleted:
 * a deletion tags the counterpart, and a contact whose counterpart was deleted (a tombstone) is
 * never re-created.
 *
 * Both sides go in as snapshots made the same way (lib/sync/payload: googleSnapshot, dynamicsSnapshot,
 * with the mapping's carriedFields as the merge scope), so equal contacts compare equal.
 *
 * How a writer acts on each action:
 * - create: write the mapped record; the new contact carries the source's id where the target can
 *   keep a link (`link.onTarget`), and the source gets the new id (`link.onSource`). `snapshot` goes
 *   into the Google contact's clientData (in the create itself, or with the link onto the source).
 * - update / conflict-resolved: write only `fields` (snapshot field names; googleUpdate and
 *   dynamicsColumns in lib/sync/payload restrict the payload to them) to the target, the links
 *   flagged in `link`, and `snapshot` (when present) onto the Google contact. `pending` fields hold newer values on the target; the other
 *   direction's writer carries them back.
 * - tag-deleted: put the target contact in `tag.group`, deactivate it, or set `tag.field`.
 * - skip-*: write nothing; `reason` says why.
 * - unsubscribe (beside create, update and skip-equal): add the target contact to, or remove it
 *   from, the unsubscribe group (after a create: the contact just created).
 */
import { APP_LABELS, mergeSnapshots, otherApp, sameSnapshot, type FieldConflict, type FieldMerge, type MergeScope, type SyncApp } from './merge';
import type { SyncSnapshot } from './snapshot';

export type SyncEvent = 'created' | 'updated' | 'deleted' | 'resync';

export const TRASH_GROUP = 'Dynamics 365 Trash';
export const UNSUBSCRIBES_GROUP = 'Dynamics 365 Unsubscribes';

/** How a contact whose counterpart was deleted is tagged. */
export type DeletionTag =
	/** Google Contacts: the contact goes into this contact group (by name; created when missing). */
	| { kind: 'group'; group: string }
	/** Dynamics 365: this column gets this value. */
	| { kind: 'setValue'; field: string; value: string | number | boolean | null }
	/** Dynamics 365: the contact is deactivated (statecode Inactive). */
	| { kind: 'deactivate' }
	/** Deletions are not tagged. */
	| { kind: 'off' };

export interface SyncSettings {
	/** Whose value a field changed on both sides takes. */
	winner: SyncApp;
	/** A value cleared on one side clears it on the other (off: an empty value never blanks a filled one). */
	emptyOverwrites: boolean;
	/** A contact without an email is never created on the other side. */
	avoidDuplicates: boolean;
	/** Dynamics keeps the Google link in a configured column (Google always keeps the Dynamics link, in clientData). */
	dynamicsLinkColumn: boolean;
	/** How the target is tagged when the source is deleted: a group in Google; a value or deactivation in Dynamics. */
	deletions: DeletionTag;
	/** Google target only: the group for counterparts of Dynamics contacts that opt out of bulk email; absent: off. */
	unsubscribeGroup?: string;
	/** The fields the mappings carry each way; every tracked field both ways when absent. */
	scope?: MergeScope;
}

export function defaultSyncSettings(target: SyncApp): SyncSettings {
	return {
		winner: 'dynamics',
		emptyOverwrites: false,
		avoidDuplicates: true,
		dynamicsLinkColumn: false,
		deletions: target === 'google' ? { kind: 'group', group: TRASH_GROUP } : { kind: 'deactivate' },
		...(target === 'google' ? { unsubscribeGroup: UNSUBSCRIBES_GROUP } : {}),
	};
}

/** The contact the change comes from. */
export interface SyncSource {
	/** Its id: a Dynamics contactid or a Google resource name. */
	id: string;
	/** Its emails, trimmed and lower-case (TargetRecord.matchKeys.emails); none for a deletion. */
	emails: readonly string[];
	/** The counterpart's id as the source keeps it (TargetRecord.matchKeys.linkId). */
	linkId?: string;
	/** Its values in snapshot space: googleSnapshot of a Google contact, dynamicsSnapshot of a Dynamics one (lib/sync/payload); absent for a deletion. */
	snapshot?: SyncSnapshot;
	/** Dynamics only: the contact opts out of bulk email (donotbulkemail). */
	unsubscribed?: boolean;
	/** It carries the deletion tag this sync set when its counterpart was deleted. */
	trashed?: boolean;
}

/** What the writer's lookup on the target found, link first, then email. */
export type CounterpartLookup =
	| {
			found: 'link' | 'email';
			id: string;
			/** Its values in snapshot space, as for the source. */
			snapshot: SyncSnapshot;
			/** The source id it keeps as its link (Google clientData; the Dynamics link column), if any. */
			linkId?: string;
			/** Google only: it is in the unsubscribe group. */
			unsubscribed?: boolean;
	  }
	/** Several contacts have the source's email. */
	| { found: 'ambiguous'; ids: string[] }
	| { found: 'none' }
	/** The linked counterpart no longer exists, or carries the deletion tag. */
	| { found: 'tombstone'; id?: string; why: 'deleted' | 'trashed' };

export interface SyncInput {
	event: SyncEvent;
	/** The app the change is bound for. */
	target: SyncApp;
	source: SyncSource;
	counterpart: CounterpartLookup;
	/** The snapshot the Google contact (source or counterpart) carries from the last sync. */
	lastSync?: SyncSnapshot;
	settings: SyncSettings;
}

/** Which links must be written: the target keeps the source's id, the source keeps the target's. */
export interface LinkWrites {
	onTarget: boolean;
	onSource: boolean;
}

interface ActionBase {
	target: SyncApp;
	/** A short sentence for people: what will happen and why. */
	reason: string;
}

export type SkipKind = 'skip-no-email' | 'skip-tombstone' | 'skip-ambiguous' | 'skip-no-counterpart' | 'skip-off';

export type CreateAction = ActionBase & { kind: 'create'; link: LinkWrites; snapshot: SyncSnapshot };

export type UpdateAction = ActionBase & {
	kind: 'update' | 'conflict-resolved';
	targetId: string;
	/** Snapshot fields to write to the target (none when only links or the snapshot change). */
	fields: string[];
	/** Fields whose newer value is on the target, for the other direction to carry back. */
	pending: string[];
	/** Conflicts this write resolves (fields changed on both sides). */
	conflicts: FieldConflict[];
	link: LinkWrites;
	/** The snapshot to store on the Google contact; absent when the stored one is still right. */
	snapshot?: SyncSnapshot;
};

export type SyncAction =
	| CreateAction
	| UpdateAction
	| (ActionBase & { kind: 'skip-equal'; targetId: string; pending: string[] })
	| (ActionBase & { kind: 'tag-deleted'; targetId: string; tag: Exclude<DeletionTag, { kind: 'off' }> })
	| (ActionBase & { kind: SkipKind; counterpartIds: string[] });

export interface UnsubscribeAction extends ActionBase {
	kind: 'tag-unsubscribed' | 'untag-unsubscribed';
	/** Absent after a create: the contact just created. */
	targetId?: string;
	group: string;
}

export interface SyncDecision {
	action: SyncAction;
	unsubscribe?: UnsubscribeAction;
}

const EMPTY_SNAPSHOT: SyncSnapshot = { fields: {}, extraFields: [] };

const TAG_KINDS: Record<SyncApp, Array<DeletionTag['kind']>> = { google: ['group', 'off'], dynamics: ['setValue', 'deactivate', 'off'] };

const isText = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

/** Checks the settings for a writer bound for `target`; the messages name the setting and the fix. */
export function validateSyncSettings(target: SyncApp, settings: SyncSettings): void {
	if (settings.winner !== 'dynamics' && settings.winner !== 'google') {
		throw new Error(`Winning App: ${JSON.stringify(settings.winner)} is not an app; use "dynamics" or "google".`);
	}
	const tag = settings.deletions;
	if (!TAG_KINDS[target].includes(tag?.kind)) {
		const fits = target === 'google' ? 'a contact group (e.g. "Dynamics 365 Trash") or off' : 'a column value, deactivation or off';
		throw new Error(`Deletions: ${JSON.stringify(tag?.kind)} cannot tag a ${APP_LABELS[target]} contact; use ${fits}.`);
	}
	if (tag.kind === 'group' && !isText(tag.group)) throw new Error('Deletions: the group name is empty; name the contact group deleted contacts go into, e.g. "Dynamics 365 Trash".');
	if (tag.kind === 'setValue' && !isText(tag.field)) throw new Error('Deletions: no column is chosen for the value; pick the Dynamics 365 column to set, or deactivate instead.');
	if (settings.unsubscribeGroup !== undefined) {
		if (target !== 'google') throw new Error('Unsubscribes: only Google contacts are tagged for unsubscribes (a group); turn it off for the Dynamics 365 writer.');
		if (!isText(settings.unsubscribeGroup)) throw new Error('Unsubscribes: the group name is empty; name the group, e.g. "Dynamics 365 Unsubscribes", or turn it off.');
	}
}

function validateInput(input: SyncInput): void {
	const { source, event } = input;
	const sourceApp = APP_LABELS[otherApp(input.target)];
	if (!isText(source.id)) throw new Error(`The ${sourceApp} contact has no id; pass contacts as the trigger or a get operation returns them.`);
	if (event !== 'deleted' && source.snapshot === undefined) {
		throw new Error(`The ${sourceApp} contact ${source.id} has no values to compare (snapshot); map it first with the Contact Field Mapping node.`);
	}
}

function skip(input: SyncInput, kind: SkipKind, reason: string, counterpartIds: string[] = []): SyncAction {
	return { kind, target: input.target, reason, counterpartIds };
}

const list = (fields: string[]) => fields.join(', ');

/** The decision for one change (see the file comment for how writers act on it). */
export function decideSync(input: SyncInput): SyncDecision {
	validateSyncSettings(input.target, input.settings);
	validateInput(input);
	if (input.event === 'deleted') return { action: decideDeletion(input) };
	// Created, updated and resync (a full pass after an expired cursor) decide alike: compare-before-write keeps a resync free of writes.
	const action = decideUpsert(input);
	return { action, unsubscribe: decideUnsubscribe(input, action) };
}

function decideDeletion(input: SyncInput): SyncAction {
	const { target, source, counterpart, settings } = input;
	const where = APP_LABELS[target];
	const tag = settings.deletions;
	// Deletion tagging is off: a deletion changes nothing on the other side.
	if (tag.kind === 'off') return skip(input, 'skip-off', `Deletions are not tagged (setting); nothing changes in ${where}.`);
	switch (counterpart.found) {
		// The counterpart is gone too, or already tagged: nothing left to do.
		case 'tombstone':
			return skip(input, 'skip-tombstone', `The ${where} counterpart is already ${counterpart.why === 'deleted' ? 'deleted' : 'tagged as deleted'}.`, counterpart.id ? [counterpart.id] : []);
		// Several candidates: tagging one would be a guess.
		case 'ambiguous':
			return skip(input, 'skip-ambiguous', `Several ${where} contacts could be the counterpart (${list(counterpart.ids)}); none is tagged.`, counterpart.ids);
		// Nothing was synced with the deleted contact.
		case 'none':
			return skip(input, 'skip-no-counterpart', `No ${where} contact is linked to the deleted contact.`);
		case 'link':
		case 'email': {
			// The counterpart belongs to another contact: not ours to tag.
			if (counterpart.linkId !== undefined && counterpart.linkId !== source.id) {
				return skip(input, 'skip-ambiguous', `${where} contact ${counterpart.id} is linked to ${counterpart.linkId}, not to the deleted contact; it is not tagged.`, [counterpart.id]);
			}
			// An email match alone proves no link: only a linked counterpart is tagged.
			if (counterpart.found === 'email' && counterpart.linkId !== source.id) {
				return skip(input, 'skip-no-counterpart', `${where} contact ${counterpart.id} shares an email but was never synced with the deleted contact; it is not tagged.`, [counterpart.id]);
			}
			// The linked counterpart is tagged, never deleted.
			const what = tag.kind === 'group' ? `into "${tag.group}"` : tag.kind === 'deactivate' ? 'as inactive' : `with ${tag.field} = ${JSON.stringify(tag.value)}`;
			return { kind: 'tag-deleted', target, targetId: counterpart.id, tag, reason: `Its counterpart was deleted; ${where} contact ${counterpart.id} is tagged ${what}, not deleted.` };
		}
	}
}

/** Whether an app keeps the other side's id: Google always (clientData), Dynamics only in a configured link column. */
function keepsLink(app: SyncApp, settings: SyncSettings): boolean {
	return app === 'google' || settings.dynamicsLinkColumn;
}

function decideUpsert(input: SyncInput): SyncAction {
	const { target, source, counterpart, settings } = input;
	const where = APP_LABELS[target];
	// The source carries the deletion tag: its counterpart was deleted, and it is not re-created.
	if (source.trashed) return skip(input, 'skip-tombstone', `The contact is tagged as deleted in ${APP_LABELS[otherApp(target)]} (its counterpart was deleted); it is not synced again.`);
	switch (counterpart.found) {
		// The linked counterpart was deleted or tagged as deleted: never re-created.
		case 'tombstone':
			return skip(input, 'skip-tombstone', `Its ${where} counterpart was ${counterpart.why === 'deleted' ? 'deleted' : 'tagged as deleted'}; it is not re-created.`, counterpart.id ? [counterpart.id] : []);
		// Several contacts share the email: report instead of guessing.
		case 'ambiguous':
			return skip(input, 'skip-ambiguous', `Several ${where} contacts have its email (${list(counterpart.ids)}); merge them, or link one, to sync it.`, counterpart.ids);
		case 'none':
			// The source links to a contact that no longer exists: a tombstone.
			if (source.linkId !== undefined) return skip(input, 'skip-tombstone', `Its ${where} counterpart ${source.linkId} no longer exists; it is not re-created.`, [source.linkId]);
			// Without an email it could never be matched again: creating it would risk duplicates.
			if (source.emails.length === 0 && settings.avoidDuplicates) return skip(input, 'skip-no-email', `It has no email, and "avoid duplicates" creates only contacts with an email in ${where}.`);
			return decideCreate(input);
		case 'link':
		case 'email':
			// The counterpart is linked to another contact (a copied record, a shared email): never steal the link.
			if (counterpart.linkId !== undefined && counterpart.linkId !== source.id) {
				return skip(input, 'skip-ambiguous', `${where} contact ${counterpart.id}, found by its ${counterpart.found}, is linked to ${counterpart.linkId}; it is left alone.`, [counterpart.id]);
			}
			// The source links elsewhere, yet its email found this one: a stale link, not a match.
			if (source.linkId !== undefined && source.linkId !== counterpart.id && counterpart.linkId !== source.id) {
				return skip(input, 'skip-ambiguous', `It links to ${where} contact ${source.linkId}, but its email matches ${counterpart.id}; fix the link to sync it.`, [source.linkId, counterpart.id]);
			}
			return decideUpdate(input, counterpart);
	}
}

/** The merge of the source with the target's values (empty for a create), against the last synced ones. */
function mergeWithTarget(input: SyncInput, targetValues: SyncSnapshot, last?: SyncSnapshot): FieldMerge {
	const { target, source, settings } = input;
	const sourceValues = source.snapshot as SyncSnapshot;
	const [google, dynamics] = target === 'google' ? [targetValues, sourceValues] : [sourceValues, targetValues];
	return mergeSnapshots({ google, dynamics, last, winner: settings.winner, emptyOverwrites: settings.emptyOverwrites, scope: settings.scope });
}

function decideCreate(input: SyncInput): CreateAction {
	const { target, settings } = input;
	const merge = mergeWithTarget(input, EMPTY_SNAPSHOT);
	return {
		kind: 'create',
		target,
		link: { onTarget: keepsLink(target, settings), onSource: keepsLink(otherApp(target), settings) },
		snapshot: merge.snapshotIfOnly[target],
		reason: `No ${APP_LABELS[target]} contact has its link or emails; it is created.`,
	};
}

function decideUpdate(input: SyncInput, counterpart: Extract<CounterpartLookup, { found: 'link' | 'email' }>): SyncAction {
	const { target, source, settings, lastSync } = input;
	const sourceApp = otherApp(target);
	const merge = mergeWithTarget(input, counterpart.snapshot, lastSync);
	const fields = target === 'google' ? merge.toGoogle : merge.toDynamics;
	const pending = target === 'google' ? merge.toDynamics : merge.toGoogle;
	const after = merge.snapshotIfOnly[target];
	const snapshot = lastSync !== undefined && sameSnapshot(lastSync, after) ? undefined : after;
	const link = {
		onTarget: keepsLink(target, settings) && counterpart.linkId !== source.id,
		onSource: keepsLink(sourceApp, settings) && source.linkId !== counterpart.id,
	};
	const where = `${APP_LABELS[target]} contact ${counterpart.id}`;
	const pendingNote = pending.length > 0 ? ` Newer on ${APP_LABELS[target]}, left for the other direction: ${list(pending)}.` : '';
	// Nothing differs that this writer writes: no request beyond the read.
	if (fields.length === 0 && snapshot === undefined && !link.onTarget && !link.onSource) {
		return { kind: 'skip-equal', target, targetId: counterpart.id, pending, reason: `${where} already has these values.${pendingNote}` };
	}
	// Write only the differing fields; conflicts are those resolved by this write.
	const conflicts = merge.conflicts.filter((conflict) => fields.includes(conflict.field));
	const what =
		fields.length > 0
			? `Updates ${where}: ${fields.length === 1 ? '1 field' : `${fields.length} fields`} (${list(fields)}).`
			: `${where} already has these values; only the ${link.onTarget || link.onSource ? 'link' : 'sync snapshot'} is stored.`;
	const conflictNote = conflicts.length > 0 ? ` Changed on both sides, ${APP_LABELS[conflicts[0].winner]} wins: ${list(conflicts.map((conflict) => conflict.field))}.` : '';
	return {
		kind: conflicts.length > 0 ? 'conflict-resolved' : 'update',
		target,
		targetId: counterpart.id,
		fields,
		pending,
		conflicts,
		link,
		...(snapshot ? { snapshot } : {}),
		reason: `${what}${conflictNote}${pendingNote}`,
	};
}

function decideUnsubscribe(input: SyncInput, action: SyncAction): UnsubscribeAction | undefined {
	const { target, source, counterpart, settings } = input;
	const group = settings.unsubscribeGroup;
	// Off, bound for Dynamics, or the source does not tell its opt-out.
	if (group === undefined || target !== 'google' || source.unsubscribed === undefined) return undefined;
	const tag = (kind: UnsubscribeAction['kind'], targetId: string | undefined, reason: string): UnsubscribeAction => ({ kind, target, group, reason, ...(targetId ? { targetId } : {}) });
	// A new counterpart of an opted-out contact goes straight into the group.
	if (action.kind === 'create') return source.unsubscribed ? tag('tag-unsubscribed', undefined, `It opts out of bulk email; the new contact goes into "${group}".`) : undefined;
	// Only a synced counterpart is tagged; skipped contacts are left alone.
	if (action.kind !== 'update' && action.kind !== 'conflict-resolved' && action.kind !== 'skip-equal') return undefined;
	const tagged = counterpart.found === 'link' || counterpart.found === 'email' ? counterpart.unsubscribed === true : false;
	// Opted out, not yet in the group: tag it.
	if (source.unsubscribed && !tagged) return tag('tag-unsubscribed', action.targetId, `It opts out of bulk email; ${action.targetId} goes into "${group}".`);
	// Opted back in: the tag comes off.
	if (!source.unsubscribed && tagged) return tag('untag-unsubscribed', action.targetId, `It accepts bulk email again; ${action.targetId} leaves "${group}".`);
	return undefined;
}
