/**
 * An in-memory model of a two-way sync for model-based tests (as vdirsyncer tests its sync against
 * in-memory storages): two plain stores of snapshot-shaped contacts, each with a change feed like its
 * trigger's, and the two writers reduced to their essentials: look the counterpart up (link, then
 * email), call decideSync, carry the decision out. The writers never delete (they cannot here), and
 * record every rule a write breaks: blanking a filled value, creating a contact whose email the
 * target already has, re-creating the counterpart of a deleted contact.
 */
import { TRASH_GROUP, UNSUBSCRIBES_GROUP, decideSync, defaultSyncSettings, type CounterpartLookup, type SyncAction, type SyncEvent, type SyncSettings, type SyncSource } from '../../../lib/sync/decide';
import type { SyncApp } from '../../../lib/sync/merge';
import type { SnapshotValue, SyncSnapshot } from '../../../lib/sync/snapshot';

export type Fields = Record<string, SnapshotValue>;

export interface DynamicsContact {
	id: string;
	fields: Fields;
	/** The Google link column (used only when the model has one). */
	googleLink?: string;
	unsubscribed: boolean;
	/** Deactivated by the sync: its Google counterpart was deleted. */
	inactive: boolean;
}

export interface GoogleContact {
	id: string;
	fields: Fields;
	/** clientData: the linked Dynamics contact and the last synced snapshot. */
	dynamicsLink?: string;
	snapshot?: SyncSnapshot;
	groups: Set<string>;
}

interface Change {
	id: string;
	deleted: boolean;
}

/** One app's contacts and its change feed (what the trigger would report on the next poll). */
export class Store<T extends { id: string }> {
	readonly contacts = new Map<string, T>();
	private readonly changes = new Map<string, boolean>();
	private nextId = 1;

	constructor(private readonly prefix: string) {}

	add(contact: Omit<T, 'id'>): T {
		const created = { ...contact, id: `${this.prefix}${this.nextId++}` } as T;
		this.contacts.set(created.id, created);
		this.changes.set(created.id, false);
		return created;
	}

	get(id: string | undefined): T | undefined {
		return id === undefined ? undefined : this.contacts.get(id);
	}

	touch(id: string): void {
		this.changes.set(id, false);
	}

	remove(id: string): void {
		this.contacts.delete(id);
		this.changes.set(id, true);
	}

	all(): T[] {
		return [...this.contacts.values()];
	}

	/** The next poll: what changed since the last one. */
	poll(): Change[] {
		const changes = [...this.changes].map(([id, deleted]) => ({ id, deleted }));
		this.changes.clear();
		return changes;
	}

	get pending(): number {
		return this.changes.size;
	}
}

export interface ModelOptions {
	/** Dynamics keeps the Google link in a column. */
	linkColumn: boolean;
	winner: SyncApp;
	emptyOverwrites: boolean;
}

export const emailsOf = (fields: Fields): string[] => (fields.emailAddresses as string[] | undefined) ?? [];
const sharesEmail = (a: Fields, b: Fields) => emailsOf(a).some((email) => emailsOf(b).includes(email));
const snapshotOf = (fields: Fields): SyncSnapshot => ({ fields: { ...fields }, extraFields: [] });
const sameValue = (a: SnapshotValue | undefined, b: SnapshotValue | undefined) => JSON.stringify(a) === JSON.stringify(b);

/** Copies `fields` of `from` into `to`, reporting a filled value blanked. */
function copyFields(to: Fields, from: Fields, fields: readonly string[], violations: string[], where: string, blankingAllowed: boolean): void {
	for (const field of fields) {
		if (!blankingAllowed && to[field] !== undefined && from[field] === undefined) violations.push(`${where}: blanked ${field}`);
		if (from[field] === undefined) delete to[field];
		else to[field] = from[field];
	}
}

export class SyncModel {
	readonly dynamics = new Store<DynamicsContact>('d');
	readonly google = new Store<GoogleContact>('people/c');
	readonly violations: string[] = [];
	/** Contacts whose counterpart the user deleted: the sync must never give them a new one. */
	private readonly orphans = new Set<string>();
	writes = 0;
	readonly decisions: SyncAction[] = [];

	constructor(readonly options: ModelOptions) {}

	settings(target: SyncApp): SyncSettings {
		return { ...defaultSyncSettings(target), winner: this.options.winner, emptyOverwrites: this.options.emptyOverwrites, dynamicsLinkColumn: this.options.linkColumn };
	}

	// --- What users do ---

	deleteDynamics(id: string): void {
		for (const google of this.google.all()) if (google.dynamicsLink === id) this.orphans.add(google.id);
		this.dynamics.remove(id);
	}

	deleteGoogle(id: string): void {
		const linked = this.google.get(id)?.dynamicsLink;
		if (linked !== undefined) this.orphans.add(linked);
		this.dynamics.all().filter((contact) => contact.googleLink === id).forEach((contact) => this.orphans.add(contact.id));
		this.google.remove(id);
	}

	// --- The sync ---

	/** Polls and syncs both ways until neither side reports a change; throws on a loop. */
	syncUntilQuiet(maxRounds = 8): number {
		for (let round = 1; round <= maxRounds; round++) {
			if (this.dynamics.pending === 0 && this.google.pending === 0) return round - 1;
			for (const change of this.dynamics.poll()) this.toGoogle(change.id, change.deleted ? 'deleted' : 'updated');
			for (const change of this.google.poll()) this.toDynamics(change.id, change.deleted ? 'deleted' : 'updated');
		}
		throw new Error(`Still changing after ${maxRounds} rounds: the sync loops`);
	}

	/** A full pass of every contact both ways (an expired cursor's resync); returns the writes it made. */
	resyncAll(): number {
		const before = this.writes;
		for (const contact of this.dynamics.all()) this.toGoogle(contact.id, 'resync');
		for (const contact of this.google.all()) this.toDynamics(contact.id, 'resync');
		return this.writes - before;
	}

	/** The writers' lookup: by link (a linked contact that is gone is a tombstone), else by email. */
	private lookUp<T extends { id: string; fields: Fields }>(store: Store<T>, link: string | undefined, fields: Fields, found: (contact: T, by: 'link' | 'email') => CounterpartLookup): CounterpartLookup {
		if (link !== undefined) {
			const linked = store.get(link);
			return linked ? found(linked, 'link') : { found: 'tombstone', id: link, why: 'deleted' };
		}
		const candidates = store.all().filter((contact) => sharesEmail(contact.fields, fields));
		if (candidates.length === 0) return { found: 'none' };
		if (candidates.length > 1) return { found: 'ambiguous', ids: candidates.map((contact) => contact.id) };
		return found(candidates[0], 'email');
	}

	private googleFound(contact: GoogleContact, by: 'link' | 'email'): CounterpartLookup {
		if (contact.groups.has(TRASH_GROUP)) return { found: 'tombstone', id: contact.id, why: 'trashed' };
		return { found: by, id: contact.id, snapshot: snapshotOf(contact.fields), linkId: contact.dynamicsLink, unsubscribed: contact.groups.has(UNSUBSCRIBES_GROUP) };
	}

	private dynamicsFound(contact: DynamicsContact, by: 'link' | 'email'): CounterpartLookup {
		if (contact.inactive) return { found: 'tombstone', id: contact.id, why: 'trashed' };
		return { found: by, id: contact.id, snapshot: snapshotOf(contact.fields), linkId: this.options.linkColumn ? contact.googleLink : undefined };
	}

	private write(store: 'dynamics' | 'google', id: string): void {
		this[store].touch(id);
		this.writes++;
	}

	private decide(target: SyncApp, event: SyncEvent, source: SyncSource, counterpart: CounterpartLookup, lastSync: SyncSnapshot | undefined) {
		const decision = decideSync({ event, target, source, counterpart, lastSync, settings: this.settings(target) });
		this.decisions.push(decision.action);
		return decision;
	}

	/** The Google Contacts writer: one Dynamics change. */
	private toGoogle(id: string, event: SyncEvent): void {
		const contact = this.dynamics.get(id);
		let source: SyncSource;
		let counterpart: CounterpartLookup;
		if (event === 'deleted' || !contact) {
			source = { id, emails: [] };
			const linked = this.google.all().find((google) => google.dynamicsLink === id);
			counterpart = linked ? this.googleFound(linked, 'link') : { found: 'none' };
			event = 'deleted';
		} else {
			const link = this.options.linkColumn ? contact.googleLink : undefined;
			source = { id, emails: emailsOf(contact.fields), linkId: link, snapshot: snapshotOf(contact.fields), unsubscribed: contact.unsubscribed, trashed: contact.inactive };
			counterpart = this.lookUp(this.google, link, contact.fields, (google, by) => this.googleFound(google, by));
		}
		const target = 'id' in counterpart && counterpart.id !== undefined ? this.google.get(counterpart.id) : undefined;
		const { action, unsubscribe } = this.decide('google', event, source, counterpart, target?.snapshot);
		let created: GoogleContact | undefined;
		switch (action.kind) {
			case 'create':
				if (this.orphans.has(id)) this.violations.push(`re-created a Google counterpart for ${id}, whose counterpart was deleted`);
				if (this.google.all().some((google) => sharesEmail(google.fields, contact!.fields))) this.violations.push(`created a second Google contact with an email of ${id}`);
				created = this.google.add({ fields: { ...contact!.fields }, dynamicsLink: action.link.onTarget ? id : undefined, snapshot: action.snapshot, groups: new Set() });
				this.writes++;
				if (action.link.onSource) {
					contact!.googleLink = created.id;
					this.write('dynamics', id);
				}
				break;
			case 'update':
			case 'conflict-resolved':
				if (action.fields.length > 0 || action.link.onTarget || action.snapshot) {
					copyFields(target!.fields, contact!.fields, action.fields, this.violations, `${id} → ${target!.id}`, this.options.emptyOverwrites);
					if (action.link.onTarget) target!.dynamicsLink = id;
					if (action.snapshot) target!.snapshot = action.snapshot;
					this.write('google', target!.id);
				}
				if (action.link.onSource) {
					contact!.googleLink = target!.id;
					this.write('dynamics', id);
				}
				break;
			case 'tag-deleted':
				if (action.tag.kind === 'group') target!.groups.add(action.tag.group);
				this.write('google', target!.id);
				break;
		}
		if (unsubscribe) {
			const tagged = created ?? this.google.get(unsubscribe.targetId)!;
			if (unsubscribe.kind === 'tag-unsubscribed') tagged.groups.add(unsubscribe.group);
			else tagged.groups.delete(unsubscribe.group);
			if (!created) this.write('google', tagged.id);
		}
	}

	/** The Dynamics 365 writer: one Google change. */
	private toDynamics(id: string, event: SyncEvent): void {
		const contact = this.google.get(id);
		let source: SyncSource;
		let counterpart: CounterpartLookup;
		if (event === 'deleted' || !contact) {
			source = { id, emails: [] };
			const linked = this.options.linkColumn ? this.dynamics.all().find((dynamics) => dynamics.googleLink === id) : undefined;
			counterpart = linked ? this.dynamicsFound(linked, 'link') : { found: 'none' };
			event = 'deleted';
		} else {
			source = { id, emails: emailsOf(contact.fields), linkId: contact.dynamicsLink, snapshot: snapshotOf(contact.fields), trashed: contact.groups.has(TRASH_GROUP) };
			counterpart = this.lookUp(this.dynamics, contact.dynamicsLink, contact.fields, (dynamics, by) => this.dynamicsFound(dynamics, by));
		}
		const target = 'id' in counterpart && counterpart.id !== undefined ? this.dynamics.get(counterpart.id) : undefined;
		const { action } = this.decide('dynamics', event, source, counterpart, contact?.snapshot);
		switch (action.kind) {
			case 'create': {
				if (this.orphans.has(id)) this.violations.push(`re-created a Dynamics counterpart for ${id}, whose counterpart was deleted`);
				if (this.dynamics.all().some((dynamics) => sharesEmail(dynamics.fields, contact!.fields))) this.violations.push(`created a second Dynamics contact with an email of ${id}`);
				const created = this.dynamics.add({ fields: { ...contact!.fields }, googleLink: action.link.onTarget ? id : undefined, unsubscribed: false, inactive: false });
				this.writes++;
				if (action.link.onSource) contact!.dynamicsLink = created.id;
				contact!.snapshot = action.snapshot;
				this.write('google', id);
				break;
			}
			case 'update':
			case 'conflict-resolved':
				if (action.fields.length > 0 || action.link.onTarget) {
					copyFields(target!.fields, contact!.fields, action.fields, this.violations, `${id} → ${target!.id}`, this.options.emptyOverwrites);
					if (action.link.onTarget) target!.googleLink = id;
					this.write('dynamics', target!.id);
				}
				if (action.snapshot || action.link.onSource) {
					if (action.snapshot) contact!.snapshot = action.snapshot;
					if (action.link.onSource) contact!.dynamicsLink = target!.id;
					this.write('google', id);
				}
				break;
			case 'tag-deleted':
				if (action.tag.kind === 'deactivate') target!.inactive = true;
				this.write('dynamics', target!.id);
				break;
		}
	}

	// --- What must hold once the sync is quiet ---

	/** Rule breaks found in the current state, plus those recorded during writes. */
	check(): string[] {
		const problems = [...this.violations];
		const linkedTo = new Map<string, string>();
		for (const google of this.google.all()) {
			if (google.dynamicsLink === undefined) continue;
			const twin = linkedTo.get(google.dynamicsLink);
			if (twin !== undefined) problems.push(`${twin} and ${google.id} are both linked to ${google.dynamicsLink}`);
			linkedTo.set(google.dynamicsLink, google.id);
			const dynamics = this.dynamics.get(google.dynamicsLink);
			if (!dynamics || dynamics.inactive || google.groups.has(TRASH_GROUP)) continue;
			for (const field of new Set([...Object.keys(google.fields), ...Object.keys(dynamics.fields)])) {
				const [inGoogle, inDynamics] = [google.fields[field], dynamics.fields[field]];
				const cleared = !this.options.emptyOverwrites && (inGoogle === undefined || inDynamics === undefined);
				if (!sameValue(inGoogle, inDynamics) && !cleared) problems.push(`${google.id} ↔ ${dynamics.id}: ${field} differs (${JSON.stringify(inGoogle)} vs ${JSON.stringify(inDynamics)})`);
				if (!sameValue(google.snapshot?.fields[field], inGoogle ?? inDynamics)) problems.push(`${google.id}: stored snapshot has ${field} = ${JSON.stringify(google.snapshot?.fields[field])}`);
			}
			if (this.options.linkColumn && dynamics.googleLink !== google.id) problems.push(`${dynamics.id} links to ${dynamics.googleLink}, not back to ${google.id}`);
			if (dynamics.unsubscribed !== google.groups.has(UNSUBSCRIBES_GROUP)) problems.push(`${google.id}: unsubscribe tag is not ${dynamics.unsubscribed}`);
		}
		// A deletion tags the counterpart (a Google deletion reaches Dynamics only through the link column).
		for (const id of this.orphans) {
			const google = this.google.get(id);
			if (google && !google.groups.has(TRASH_GROUP)) problems.push(`${id} lost its counterpart but is not in "${TRASH_GROUP}"`);
			const dynamics = this.dynamics.get(id);
			if (dynamics && this.options.linkColumn && !dynamics.inactive) problems.push(`${id} lost its counterpart but is not deactivated`);
		}
		return problems;
	}
}
