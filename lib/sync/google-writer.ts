/**
 * The Google Contacts writer of the sync (Dynamics 365 → Google Contacts), n8n-free. It takes the
 * Contact Field Mapping's records and, for the whole run at once:
 * 1. finds each record's Google counterpart in bulk: the Dynamics link column's resource name,
 *    else the contact whose clientData links to the Dynamics contact, else the emails (case-blind).
 *    Links and emails come from the account's contact index (lib/google/contact-index), kept per
 *    process: listed once, then only what changed since (sync token), the run's own writes recorded
 *    at once. With no index yet, a few emails in a large account are searched instead, unless a
 *    record finds nothing there (it would be created: search lags behind writes) or a deletion needs
 *    clientData. Counterparts not read in full on the way are read by batchGet (200 a request);
 * 2. decides per record (lib/sync/decide: link, compare before write, three-way merge against the
 *    snapshot the contact carries, tombstones, deletion and unsubscribe tags);
 * 3. stops before any write when the deletions would trip the mass-deletion guard;
 * 4. acts in bulk: batchCreateContacts and batchUpdateContacts (200 a call, serialised by the
 *    client's mutation queue), a new contact created in its tag groups, an update naming only the
 *    Person fields it changes; a contact changed meanwhile (stale etag) is read again and decided
 *    anew; then the other group tags (members:modify, 1000 a call; a group is created when missing);
 *    then the Google link into the Dynamics link column ($batch, only where it differs).
 * A dry run does all the reading and deciding and writes nothing. Nothing is ever deleted.
 */
import { batchOperations, executeBatch } from '../dynamics/batch';
import type { DynamicsClient } from '../dynamics/client';
import { buildQuery, inFilterChunks, isGuid } from '../dynamics/odata';
import { PEOPLE_LIMITS, type ContactGroup, type ContactUpdate, type GoogleContactsClient, type Person } from '../google/client';
import { ContactIndex, SYNC_PERSON_FIELDS, contactIndexFor, type MatchKeys } from '../google/contact-index';
import { readGoogleField, writeGoogleField, type GooglePerson } from '../google/fields';
import { ContactConflictError, GoogleAuthorizationError, type GooglePeopleError } from '../google/errors';
import { LINK_KEYS, mapContact } from '../mapping/mapper';
import { normalizeEmail } from '../mapping/normalize';
import type { FieldDescriptor } from '../model/fields';
import { decideSync, TRASH_GROUP, UNSUBSCRIBES_GROUP, type CounterpartLookup, type SyncAction, type SyncDecision, type SyncSettings, type SyncSource } from './decide';
import type { SyncApp } from './merge';
import { DEFAULT_DELETION_SHARE } from './guard';
import { googleUpdate, type GoogleSyncState, type GoogleUpdate } from './payload';
import { SNAPSHOT_CLIENT_DATA_FIELD, SNAPSHOT_FIELDS, encodeSnapshot, googleSnapshot, snapshotAfter, storedSnapshot, type SyncSnapshot } from './snapshot';
import type { SyncSummary } from './summary';
import { SyncMappings, WriterReport, dynamicsSideSnapshot, googleSideSnapshot, guardDeletions, type ReadResult, type RecordOutcome, type RecordProblem, type SyncMapping, type SyncRecord } from './writer-common';

export { SYNC_PERSON_FIELDS };

const LINK_FIELD = `clientData:${LINK_KEYS.googleDynamicsContactId}`;
const MY_CONTACTS_GROUP = 'contactGroups/myContacts';
/** Writes only need the new resource name and etag back. */
const WRITE_READ_MASK = ['metadata'];

export interface GoogleWriterSettings {
	/** Whose value a field changed on both sides takes. */
	winner: SyncApp;
	/** A value cleared in Dynamics clears it in Google (off: an empty value never blanks a filled one). */
	emptyOverwrites: boolean;
	/** A Dynamics contact without an email is never created in Google. */
	avoidDuplicates: boolean;
	/** The group a deleted Dynamics contact's counterpart goes into; undefined: deletions are not tagged. */
	trashGroup?: string;
	/** The group for counterparts of contacts that opt out of bulk email; undefined: not tagged. */
	unsubscribeGroup?: string;
	/** The largest share of the linked contacts one run may tag as deleted (0 < share ≤ 1). */
	maxDeletionShare: number;
	/** Read and decide, write nothing. */
	dryRun: boolean;
}

export const DEFAULT_GOOGLE_WRITER_SETTINGS: GoogleWriterSettings = {
	winner: 'dynamics',
	emptyOverwrites: false,
	avoidDuplicates: true,
	trashGroup: TRASH_GROUP,
	unsubscribeGroup: UNSUBSCRIBES_GROUP,
	maxDeletionShare: DEFAULT_DELETION_SHARE,
	dryRun: false,
};

export interface GoogleWriterOptions {
	google: GoogleContactsClient;
	/** The Dynamics contact column that keeps the Google link, with a client to write it; absent: no link column. */
	dynamicsLink?: { client: DynamicsClient; column: string };
	settings?: Partial<GoogleWriterSettings>;
	/** The org's contact columns, for records mapped with custom columns (standard columns when absent). */
	catalog?: FieldDescriptor[];
	/** How often a contact changed meanwhile (stale etag) is read again and decided anew (default 3). */
	conflictRounds?: number;
}

export interface GoogleWriteResult {
	/** One per input record, in input order. */
	outcomes: RecordOutcome[];
	summary: SyncSummary;
}

/** A problem with one record that stops only that record. */
class RecordFailure extends Error {
	constructor(readonly problem: RecordProblem) {
		super(problem.message);
	}
}

const problemOf = (error: unknown, field = 'record'): RecordProblem =>
	error instanceof RecordFailure ? error.problem : { field, message: (error as Error).message, fix: 'Check the record and run again.' };

/** A contact Google did not write: its values (400), the credential, or an outage that outlasted the retries. */
function writeProblem(error: GooglePeopleError): RecordProblem {
	if (error instanceof GoogleAuthorizationError) return { field: 'credential', message: error.message, fix: 'Reconnect the Google Contacts credential, then run again.' };
	if (error.httpStatus === 400) return { field: 'values', message: error.message, fix: 'Correct the values the Contact Field Mapping makes for this contact, then run again.' };
	return { field: 'request', message: error.message, fix: 'Run again later: nothing of this contact was written.' };
}

/** Writes run after all decisions; each part records what it did. */
interface Plan {
	create?: GooglePerson;
	update?: GoogleUpdate;
	/** The fields the update writes, as snapshot names and the mapping's extra fields. */
	fields: string[];
	groups: Array<{ group: string; add: boolean }>;
	/** A new contact's groups: its own memberships and the tag groups (by name) it is created in. */
	createTags?: { groups: string[]; tags: string[] };
	/** The Dynamics link column gets the Google contact's resource name (if it differs). */
	linkOnDynamics: boolean;
}

/** One record's way through the run. */
interface Entry {
	index: number;
	record: SyncRecord;
	mapping: SyncMapping;
	counterpart: CounterpartLookup;
	/** The counterpart as read (its etag decides the update). */
	current?: GooglePerson;
	/** Without a counterpart: the record as a new Google contact, with its snapshot (see newContact). */
	newContact?: { person: GooglePerson; snapshot: SyncSnapshot };
	decision?: SyncDecision;
	plan?: Plan;
	/** The Google contact written: created, updated or tagged. */
	targetId?: string;
	/** What was actually written, so a decided update that changed nothing reports as unchanged. */
	wrote: { google: boolean; dynamics: boolean };
	failed: boolean;
}

const memberOf = (person: GooglePerson, group: string | undefined): boolean => group !== undefined && (readGoogleField(person, 'memberships') as string[]).includes(group);
const textOf = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * The Google side of the lookup: contacts read in full by resource name (batchGet, 200 a request),
 * found through the Dynamics link column, the Dynamics contact their clientData links to, or their
 * emails. Links and emails come from the account's contact index (lib/google/contact-index: one
 * listing, then only the changes since), or from search when the index is not built yet and a few
 * emails cost fewer requests than building it.
 */
class GoogleDirectory {
	private readonly byResource = new Map<string, GooglePerson>();
	/** Where links and emails are looked up; empty until lookUp. */
	private keys = new ContactIndex();
	/** The account's index when the keys are it: the run's own writes are recorded there. */
	private accountIndex?: ContactIndex;
	/** Google took the index's sync token: this is the account (not reset, not another one) earlier runs knew. */
	knownAccount = false;

	constructor(private readonly google: GoogleContactsClient) {}

	/**
	 * Makes links and emails answerable. `searchable`: search may stand in for an unbuilt index, as
	 * long as every record then finds a counterpart (`allFound`): one that found nothing would be
	 * created, and only a listing is sure (search lags behind writes, and misses links that survived
	 * an email change).
	 */
	async lookUp(contactIds: ReadonlySet<string>, emails: ReadonlySet<string>, searchable: boolean, allFound: () => boolean): Promise<void> {
		const index = contactIndexFor(this.google.accountKey);
		const search = searchable && emails.size > 0 && !index.current;
		// The listing's first page tells the account's size: search (a warm-up plus one request per email) may cost less than the other pages.
		const abandonFullListing = search ? (total: number) => emails.size + 1 < Math.ceil(total / PEOPLE_LIMITS.pageSize) - 1 : undefined;
		// The run's contacts passing by in a listing need no second read; their emails as the index took them (normalized).
		const seen = (read: Person, keys: MatchKeys) => {
			const person = read as GooglePerson;
			const link = keys.link === undefined ? undefined : textOf(readGoogleField(person, LINK_FIELD));
			const named = (link !== undefined && contactIds.has(link)) || keys.emails.some((email) => emails.has(email));
			if (named) this.byResource.set(person.resourceName as string, person);
		};
		const refreshed = await index.refresh(this.google, { abandonFullListing, seen });
		this.knownAccount = refreshed === 'changes';
		if (refreshed === 'abandoned') {
			const found = await this.google.searchContactsByEmail([...emails], SYNC_PERSON_FIELDS);
			for (const person of [...(found?.values() ?? [])].flat() as GooglePerson[]) {
				this.keys.put(person);
				this.byResource.set(person.resourceName as string, person);
			}
			if (found && allFound()) return;
			await index.refresh(this.google, { seen });
		}
		this.keys = index;
		this.accountIndex = index;
	}

	/** Reads in full the contacts not read yet. */
	async read(resourceNames: readonly string[]): Promise<void> {
		const unread = [...new Set(resourceNames)].filter((resourceName) => !this.byResource.has(resourceName));
		if (!unread.length) return;
		const found = await this.google.getContacts(unread, SYNC_PERSON_FIELDS);
		for (const [resourceName, person] of found) this.byResource.set(resourceName, person as GooglePerson);
	}

	/** The contacts the keys name for a Dynamics contact: linked to it, or with one of its emails. */
	candidates(contactId: string, emails: readonly string[]): string[] {
		return [...this.keys.linkedTo(contactId), ...emails.flatMap((email) => this.keys.withEmail(email))];
	}

	/**
	 * The contact each of these Dynamics contacts is linked to now, from a full listing: sync-token reads may
	 * lag writes by minutes, a listing does not.
	 */
	async linkedNow(contactIds: ReadonlySet<string>): Promise<Map<string, string>> {
		const linked = new Map<string, string>();
		for await (const page of this.google.listConnections({ personFields: ['clientData', 'metadata'] })) {
			for (const person of page.people as GooglePerson[]) {
				const link = textOf(readGoogleField(person, LINK_FIELD));
				if (link !== undefined && contactIds.has(link) && !linked.has(link)) linked.set(link, person.resourceName as string);
			}
		}
		return linked;
	}

	/** A contact the run wrote, as it is now, under its resource name (default: the person's own). */
	recordWrite(person: GooglePerson, resourceName = person.resourceName ?? undefined): void {
		this.accountIndex?.put(person, resourceName);
	}

	get linkedCount(): number {
		return this.keys.linkedCount;
	}

	resource(resourceName: string): GooglePerson | undefined {
		return this.byResource.get(resourceName);
	}

	/** The contacts, as read, whose clientData links to this Dynamics contact. */
	linkedTo(contactId: string): GooglePerson[] {
		return this.readAs(this.keys.linkedTo(contactId)).filter((person) => textOf(readGoogleField(person, LINK_FIELD)) === contactId);
	}

	/** The contacts, as read, with one of these emails. */
	withEmails(emails: readonly string[]): GooglePerson[] {
		const wanted = new Set(emails);
		const named = this.readAs(emails.flatMap((email) => this.keys.withEmail(email)));
		return named.filter((person) => (readGoogleField(person, 'emailAddresses') as string[]).some((email) => wanted.has(normalizeEmail(email))));
	}

	private readAs(resourceNames: readonly string[]): GooglePerson[] {
		return [...new Set(resourceNames)].flatMap((resourceName): GooglePerson[] => {
			const person = this.byResource.get(resourceName);
			return person ? [person] : [];
		});
	}
}

/** The run: lookup, decisions, guard, writes, report. */
class GoogleSyncRun {
	private readonly settings: GoogleWriterSettings;
	private readonly mappings: SyncMappings;
	private readonly directory: GoogleDirectory;
	private readonly report: WriterReport;
	private readonly entries: Entry[] = [];
	/** The decisions' settings, made once per mapping. */
	private readonly settingsByMapping = new Map<SyncMapping, SyncSettings>();
	/** User groups by name, as the account has them before the run. */
	private groupsByName = new Map<string, ContactGroup>();

	constructor(
		private readonly options: GoogleWriterOptions,
		size: number,
	) {
		this.settings = { ...DEFAULT_GOOGLE_WRITER_SETTINGS, ...options.settings };
		const share = this.settings.maxDeletionShare;
		if (!(typeof share === 'number' && share > 0 && share <= 1)) {
			throw new Error(`Mass-Deletion Guard: the share must be above 0% and at most 100% (got ${share * 100}%); 10% is the default.`);
		}
		this.mappings = new SyncMappings('dynamicsToGoogle', options.catalog);
		this.directory = new GoogleDirectory(options.google);
		this.report = new WriterReport(size, this.settings.dryRun);
	}

	private get google(): GoogleContactsClient {
		return this.options.google;
	}

	async run(inputs: readonly ReadResult[]): Promise<GoogleWriteResult> {
		this.admit(inputs);
		await this.findCounterparts();
		// An account known from earlier runs may reuse their group list (with its deadline).
		await this.loadGroups(!this.directory.knownAccount);
		for (const entry of this.live()) this.resolve(entry);
		for (const entry of this.live()) this.decide(entry);
		this.claimCounterparts();
		await guardDeletions(this.actions(), { deletedIn: 'dynamics', maxShare: this.settings.maxDeletionShare, countLinked: async () => this.directory.linkedCount });
		if (!this.settings.dryRun) {
			await this.createContacts();
			await this.updateContacts();
			await this.changeGroups();
		}
		await this.storeDynamicsLinks();
		for (const entry of this.live()) this.conclude(entry);
		return { outcomes: this.report.results(), summary: this.report.build() };
	}

	// ---- input ------------------------------------------------------------------------------------

	/** Readable records become entries (a later record of the same contact supersedes an earlier one); the rest fail alone. */
	private admit(inputs: readonly ReadResult[]): void {
		const latest = new Map<string, number>();
		inputs.forEach((input, index) => {
			if (input.ok) latest.set(input.record.sourceId, index);
		});
		inputs.forEach((input, index) => {
			if (!input.ok) return this.report.failed(index, `item ${index + 1}`, input.problem);
			const { record } = input;
			if (latest.get(record.sourceId) !== index) {
				const later = (latest.get(record.sourceId) as number) + 1;
				const decision: SyncDecision = { action: { kind: 'skip-ambiguous', target: 'google', counterpartIds: [], reason: `Item ${later} carries a later change of the same Dynamics 365 contact; this one is left out.` } };
				return this.report.decided(index, record.sourceId, decision);
			}
			try {
				const mapping = this.mappings.of(record);
				this.entries.push({ index, record: this.withStoredLink(record), mapping, counterpart: { found: 'none' }, wrote: { google: false, dynamics: false }, failed: false });
			} catch (error) {
				this.report.failed(index, record.sourceId, { field: 'mapping', message: (error as Error).message, fix: 'Fix the Contact Field Mapping node\'s settings.' });
			}
		});
	}

	private live(): Entry[] {
		return this.entries.filter((entry) => !entry.failed);
	}

	/** A record fails; what it already wrote (a contact created before its link failed) is reported with the error. */
	private fail(entry: Entry, problem: RecordProblem): void {
		if (entry.wrote.google || entry.wrote.dynamics) this.conclude(entry);
		entry.failed = true;
		this.report.failed(entry.index, entry.record.sourceId, problem);
	}

	private actions(): SyncAction[] {
		return this.live().flatMap((entry) => (entry.decision ? [entry.decision.action] : []));
	}

	/** The user groups by name: the list a run of this account read lately, or read now (`fresh`). */
	private async loadGroups(fresh = false): Promise<void> {
		if (this.settings.trashGroup === undefined && this.settings.unsubscribeGroup === undefined) return;
		const groups = await this.google.listContactGroups({ reuse: !fresh });
		this.groupsByName = new Map(groups.filter((group) => group.groupType === 'USER_CONTACT_GROUP' && group.name).map((group) => [group.name as string, group]));
	}

	/** A group's resource name; a missing group is created (the groups are known from the start of the run). */
	private async groupResource(name: string): Promise<string> {
		const known = this.groupName(name);
		if (known !== undefined) return known;
		const group = await this.google.createContactGroup(name);
		this.groupsByName.set(name, group);
		return group.resourceName as string;
	}

	private groupName(name: string | undefined): string | undefined {
		return name === undefined ? undefined : this.groupsByName.get(name)?.resourceName ?? undefined;
	}

	/** The Google link a Dynamics contact keeps in the link column counts even when the mapping was not told about the column. */
	private withStoredLink(record: SyncRecord): SyncRecord {
		const column = this.options.dynamicsLink?.column;
		const stored = column === undefined ? undefined : record.source?.[column];
		if (record.matchKeys.linkId !== undefined || typeof stored !== 'string' || stored.trim() === '') return record;
		return { ...record, matchKeys: { ...record.matchKeys, linkId: stored.trim() } };
	}

	// ---- lookup -----------------------------------------------------------------------------------

	private async findCounterparts(): Promise<void> {
		const entries = this.live();
		const upserts = entries.filter((entry) => entry.record.event !== 'deleted');
		const unlinked = entries.filter((entry) => entry.record.event === 'deleted' || entry.record.matchKeys.linkId === undefined);
		// Only clientData tells which contact a deleted Dynamics contact was linked to: that needs the index.
		const tagsDeletions = this.settings.trashGroup !== undefined && unlinked.some((entry) => entry.record.event === 'deleted');
		const lookingUp = tagsDeletions ? unlinked : unlinked.filter((entry) => entry.record.event !== 'deleted');
		const candidates = (entry: Entry) => this.directory.candidates(entry.record.sourceId, entry.record.event === 'deleted' ? [] : entry.record.matchKeys.emails);
		if (lookingUp.length) {
			const contactIds = new Set(lookingUp.map((entry) => entry.record.sourceId));
			const emails = new Set(lookingUp.flatMap((entry) => entry.record.matchKeys.emails));
			await this.directory.lookUp(contactIds, emails, !tagsDeletions, () => lookingUp.every((entry) => candidates(entry).length > 0));
		}
		const linkIds = upserts.map((entry) => entry.record.matchKeys.linkId).filter((id): id is string => id !== undefined && /^people\/[^/\s]+$/.test(id));
		await this.directory.read([...linkIds, ...lookingUp.flatMap(candidates)]);
	}

	private resolve(entry: Entry): void {
		const { record } = entry;
		const linkId = record.matchKeys.linkId;
		const found = (person: GooglePerson, by: 'link' | 'email') => this.found(entry, person, by);
		if (record.event !== 'deleted' && linkId !== undefined) {
			const person = this.directory.resource(linkId);
			entry.counterpart = person ? found(person, 'link') : { found: 'tombstone', id: linkId, why: 'deleted' };
			return;
		}
		const linked = this.directory.linkedTo(record.sourceId);
		if (linked.length > 1) entry.counterpart = { found: 'ambiguous', ids: linked.map((person) => person.resourceName as string) };
		else if (linked.length === 1) entry.counterpart = found(linked[0], 'link');
		else if (record.event === 'deleted') entry.counterpart = { found: 'none' };
		else {
			const matches = this.directory.withEmails(record.matchKeys.emails);
			if (matches.length > 1) entry.counterpart = { found: 'ambiguous', ids: matches.map((person) => person.resourceName as string) };
			else entry.counterpart = matches.length === 1 ? found(matches[0], 'email') : { found: 'none' };
		}
	}

	/** A counterpart as decide sees it; one in the trash group is a tombstone. */
	private found(entry: Entry, person: GooglePerson, by: 'link' | 'email'): CounterpartLookup {
		const id = person.resourceName as string;
		entry.current = person;
		if (memberOf(person, this.groupName(this.settings.trashGroup))) return { found: 'tombstone', id, why: 'trashed' };
		return {
			found: by,
			id,
			snapshot: googleSideSnapshot(person, entry.mapping),
			linkId: textOf(readGoogleField(person, LINK_FIELD)),
			unsubscribed: memberOf(person, this.groupName(this.settings.unsubscribeGroup)),
		};
	}

	// ---- decisions --------------------------------------------------------------------------------

	private syncSettings(mapping: SyncMapping): SyncSettings {
		let settings = this.settingsByMapping.get(mapping);
		if (!settings) this.settingsByMapping.set(mapping, (settings = this.decisionSettings(mapping)));
		return settings;
	}

	private decisionSettings(mapping: SyncMapping): SyncSettings {
		const { winner, emptyOverwrites, avoidDuplicates, trashGroup, unsubscribeGroup } = this.settings;
		return {
			winner,
			emptyOverwrites,
			avoidDuplicates,
			dynamicsLinkColumn: this.options.dynamicsLink !== undefined,
			deletions: trashGroup === undefined ? { kind: 'off' } : { kind: 'group', group: trashGroup },
			...(unsubscribeGroup === undefined ? {} : { unsubscribeGroup }),
			scope: mapping.scope,
		};
	}

	/**
	 * The Dynamics contact mapped to Google: on the counterpart when there is one (its formats and the
	 * list entries Dynamics' columns cannot hold stay), else as the record's values. A fresh object,
	 * the writer's own to change.
	 */
	private mapped(entry: Entry): GooglePerson {
		const { record, mapping, current } = entry;
		if (!record.source) return structuredClone(record.values) as GooglePerson;
		// Empty Dynamics values map to empty, as the snapshot sees them: only the merge decides whether one blanks Google's value.
		const result = mapContact(record.source, current ? { ...mapping.toGoogle, clearEmpty: true } : mapping.toGoogle, { current });
		if (!result.ok) throw new RecordFailure(result.error);
		return result.record.values as GooglePerson;
	}

	/**
	 * Without a counterpart, the record as the contact a create would make (linked to its Dynamics
	 * contact) and that contact's snapshot, mapped once: the snapshot is both the source's values the
	 * decision compares and the snapshot the new contact stores.
	 */
	private newContact(entry: Entry): { person: GooglePerson; snapshot: SyncSnapshot } {
		if (!entry.newContact) {
			// Values the mapping made without a current record are what mapping again would make. A shallow copy
			// suffices: the writer only ever replaces whole lists of it (clientData, memberships), never the item's own.
			const person = entry.record.mappedWithoutCurrent ? ({ ...entry.record.values } as GooglePerson) : this.mapped(entry);
			writeGoogleField(person, LINK_FIELD, entry.record.sourceId);
			entry.newContact = { person, snapshot: googleSideSnapshot(person, entry.mapping) };
		}
		return entry.newContact;
	}

	private source(entry: Entry): SyncSource {
		const { record, mapping, current } = entry;
		const { sourceId: id, matchKeys } = record;
		if (record.event === 'deleted') return { id, emails: [] };
		const snapshot = !current ? this.newContact(entry).snapshot : record.source ? dynamicsSideSnapshot(record.source, mapping, current) : googleSideSnapshot(record.values as GooglePerson, mapping);
		const optOut = record.source?.donotbulkemail;
		return { id, emails: matchKeys.emails, linkId: matchKeys.linkId, snapshot, ...(typeof optOut === 'boolean' ? { unsubscribed: optOut } : {}) };
	}

	/** Decides a record on its counterpart as read, and plans its writes. */
	private decide(entry: Entry): void {
		try {
			const current = entry.current;
			entry.decision = decideSync({
				event: entry.record.event,
				target: 'google',
				source: this.source(entry),
				counterpart: entry.counterpart,
				lastSync: current ? storedSnapshot(current) : undefined,
				settings: this.syncSettings(entry.mapping),
			});
			entry.plan = this.plan(entry, entry.decision);
		} catch (error) {
			this.fail(entry, problemOf(error));
		}
	}

	/**
	 * One Google contact is synced with one Dynamics contact: a second record of this run that would
	 * write the same contact, or create one with an email another create of this run has, is left out.
	 */
	private claimCounterparts(): void {
		// Owners (Dynamics contact ids) by the email a create claims, and by the contact a write claims.
		const claimedEmails = new Map<string, string>();
		const claimedContacts = new Map<string, string>();
		for (const entry of this.live()) {
			const action = entry.decision?.action;
			if (!action || !entry.plan) continue;
			const owner = entry.record.sourceId;
			let taken: string | undefined;
			if (action.kind === 'create') {
				const { emails } = entry.record.matchKeys;
				for (let position = 0; taken === undefined && position < emails.length; position++) taken = claimedEmails.get(emails[position]);
				if (taken === undefined) for (const email of emails) claimedEmails.set(email, owner);
			} else if ('targetId' in action) {
				taken = claimedContacts.get(action.targetId);
				if (taken === undefined) claimedContacts.set(action.targetId, owner);
			}
			if (taken === undefined) continue;
			const what = action.kind === 'create' ? 'has the same email and is created in this run' : `is synced with ${'targetId' in action ? action.targetId : ''} in this run`;
			entry.decision = { action: { kind: 'skip-ambiguous', target: 'google', counterpartIds: 'targetId' in action ? [action.targetId] : [], reason: `Dynamics 365 contact ${taken} ${what}; this one is left out. Merge the duplicates in Dynamics 365.` } };
			entry.plan = undefined;
		}
	}

	private plan(entry: Entry, decision: SyncDecision): Plan {
		const { action, unsubscribe } = decision;
		const plan: Plan = { fields: [], groups: [], linkOnDynamics: false };
		if (unsubscribe) plan.groups.push({ group: unsubscribe.group, add: unsubscribe.kind === 'tag-unsubscribed' });
		switch (action.kind) {
			case 'create': {
				const { person, snapshot } = this.newContact(entry);
				writeGoogleField(person, SNAPSHOT_CLIENT_DATA_FIELD, encodeSnapshot(snapshot));
				plan.create = person;
				plan.linkOnDynamics = action.link.onSource;
				return plan;
			}
			case 'update':
			case 'conflict-resolved':
			case 'skip-equal':
				this.planUpdate(entry, action, plan);
				return plan;
			case 'tag-deleted':
				if (action.tag.kind === 'group') plan.groups.push({ group: action.tag.group, add: true });
				return plan;
			default:
				return plan;
		}
	}

	/**
	 * The update of the decided fields plus the mapping's THEN actions (fixed values, labels) where
	 * they differ; the link and the snapshot only where the contact's own differ. Fields whose value
	 * would not change are not sent: an update that changes nothing is no request at all.
	 */
	private planUpdate(entry: Entry, action: Extract<SyncAction, { kind: 'update' | 'conflict-resolved' | 'skip-equal' }>, plan: Plan): void {
		const current = entry.current as GooglePerson;
		const extraFields = entry.mapping.extraFields;
		const mapped = this.mapped(entry);
		const labels = entry.mapping.toGoogle.addToLabels;
		// Labels are added, never replaced: the contact keeps its other groups (and the sync's tags).
		if (labels.length) writeGoogleField(mapped, 'memberships', [...new Set([...(readGoogleField(current, 'memberships') as string[]), ...labels])]);
		const decided = action.kind === 'skip-equal' ? [] : action.fields;
		const then = [...entry.mapping.toGoogle.fixedValues.map((fixed) => fixed.field.name), ...(labels.length ? ['memberships'] : [])];
		const [currentValue, mappedValue] = [canonicalValues(current, extraFields), canonicalValues(mapped, extraFields)];
		const fields = [...new Set([...decided, ...then])].filter((field) => currentValue(field) !== mappedValue(field));
		const state: GoogleSyncState = {};
		if (action.kind !== 'skip-equal' && action.link.onTarget && readGoogleField(current, LINK_FIELD) !== entry.record.sourceId) state.dynamicsContactId = entry.record.sourceId;
		const after = googleSnapshot({ ...current, ...googleUpdate(current, mapped, fields).person }, extraFields);
		const snapshot = snapshotAfter(action.kind === 'skip-equal' ? undefined : action.snapshot, storedSnapshot(current), after, decided);
		if (snapshot && encodeSnapshot(snapshot) !== readGoogleField(current, SNAPSHOT_CLIENT_DATA_FIELD)) state.snapshot = snapshot;
		if (fields.length || state.dynamicsContactId !== undefined || state.snapshot !== undefined) plan.update = googleUpdate(current, mapped, fields, state);
		plan.fields = fields;
		plan.linkOnDynamics = action.kind !== 'skip-equal' && action.link.onSource;
	}

	// ---- writes -----------------------------------------------------------------------------------

	/** Creates; those whose answer was lost are looked for (see adoptUnanswered) and, when they did not land, created once more. */
	private async createContacts(): Promise<void> {
		let creating = this.live().filter((entry) => entry.plan?.create);
		if (!creating.length) return;
		await this.tagInCreates(creating);
		for (let attempt = 1; creating.length > 0; attempt++) {
			const batch = creating;
			const results = await this.google.createContacts(
				batch.map((entry) => entry.plan!.create as Person),
				WRITE_READ_MASK,
				() => this.regroupCreates(batch),
			);
			const unanswered: Entry[] = [];
			batch.forEach((entry, position) => {
				const result = results[position];
				if (result.ok) this.created(entry, result.person.resourceName ?? undefined);
				else if (result.error.httpStatus === undefined && attempt === 1) unanswered.push(entry);
				else this.fail(entry, writeProblem(result.error));
			});
			creating = await this.adoptUnanswered(unanswered);
		}
	}

	private created(entry: Entry, resourceName: string | undefined): void {
		entry.targetId = resourceName;
		entry.wrote.google = true;
		// Under its new name: the contact as created is not copied to carry it.
		if (resourceName !== undefined) this.directory.recordWrite(entry.plan!.create as GooglePerson, resourceName);
	}

	/**
	 * Creates whose answer never came (the connection dropped) may have landed, and creating them again could
	 * make twins: those now linked to their Dynamics contact (a new contact carries its link) are adopted;
	 * the others come back to be created.
	 */
	private async adoptUnanswered(unanswered: Entry[]): Promise<Entry[]> {
		if (!unanswered.length) return [];
		const landed = await this.directory.linkedNow(new Set(unanswered.map((entry) => entry.record.sourceId)));
		return unanswered.filter((entry) => {
			const resourceName = landed.get(entry.record.sourceId);
			if (resourceName !== undefined) this.created(entry, resourceName);
			return resourceName === undefined;
		});
	}

	/** A new contact's group tags go into its create (memberships), saving a members:modify; a missing group is created first. */
	private async tagInCreates(creating: Entry[]): Promise<void> {
		for (const entry of creating) {
			const plan = entry.plan as Plan;
			const tags = plan.groups.filter((tag) => tag.add).map((tag) => tag.group);
			if (!tags.length) continue;
			const person = plan.create as GooglePerson;
			// A contact created with memberships is only in those: it stays in My Contacts, as one tagged afterwards does.
			plan.createTags = { groups: person.memberships?.length ? (readGoogleField(person, 'memberships') as string[]) : [MY_CONTACTS_GROUP], tags };
			plan.groups = plan.groups.filter((tag) => !tag.add);
		}
		await this.writeCreateTags(creating);
	}

	private async writeCreateTags(creating: Entry[]): Promise<void> {
		for (const entry of creating) {
			const tagging = entry.plan?.createTags;
			if (!tagging) continue;
			const groups = [...tagging.groups];
			for (const tag of tagging.tags) groups.push(await this.groupResource(tag));
			writeGoogleField(entry.plan?.create as GooglePerson, 'memberships', [...new Set(groups)]);
		}
	}

	/**
	 * Google rejected a create call: when a tag group is gone meanwhile (deleted in Google, while its
	 * reused group list still named it), the groups are read again and the memberships rewritten.
	 */
	private async regroupCreates(creating: Entry[]): Promise<boolean> {
		const used = new Map(creating.flatMap((entry) => entry.plan?.createTags?.tags ?? []).map((name) => [name, this.groupName(name)]));
		if (!used.size) return false;
		await this.loadGroups(true);
		if ([...used].every(([name, resourceName]) => this.groupName(name) === resourceName)) return false;
		await this.writeCreateTags(creating);
		return true;
	}

	/** Batch updates; a contact changed meanwhile is read again and decided anew, up to `conflictRounds` times. */
	private async updateContacts(): Promise<void> {
		let updating = this.live().filter((entry) => entry.plan?.update);
		for (let round = 0; updating.length > 0; round++) {
			const results = await this.sendUpdates(updating);
			const stale: Entry[] = [];
			updating.forEach((entry, position) => {
				const result = results[position];
				if (result.ok) {
					entry.wrote.google = true;
					this.directory.recordWrite({ ...entry.current, ...entry.plan!.update!.person });
					return;
				}
				if (result.error instanceof ContactConflictError) stale.push(entry);
				else this.fail(entry, writeProblem(result.error));
			});
			if (stale.length && round >= (this.options.conflictRounds ?? 3)) {
				for (const entry of stale) this.fail(entry, { field: 'etag', message: `Google contact ${entry.current?.resourceName} kept changing while it was synced`, fix: 'Run the sync again; it reads the contact anew.' });
				return;
			}
			updating = await this.decideAgain(stale);
		}
	}

	/** One mask for every update of a call: each update carries its current values of the Person fields it does not change. */
	private async sendUpdates(entries: Entry[]) {
		const mask = [...new Set(entries.flatMap((entry) => entry.plan!.update!.updatePersonFields))];
		const updates: ContactUpdate[] = entries.map((entry) => {
			const current = entry.current as GooglePerson;
			const person: GooglePerson = { ...entry.plan!.update!.person };
			for (const field of mask) person[field] ??= structuredClone(current[field]) ?? [];
			return { resourceName: current.resourceName as string, person: person as Person };
		});
		return this.google.updateContacts(updates, mask, WRITE_READ_MASK);
	}

	/** Reads the stale contacts again and decides them anew; those still to update come back. */
	private async decideAgain(stale: Entry[]): Promise<Entry[]> {
		if (!stale.length) return [];
		const ids = stale.map((entry) => (entry.current as GooglePerson).resourceName as string);
		const fresh = await this.google.getContacts(ids, SYNC_PERSON_FIELDS);
		for (const entry of stale) {
			const person = fresh.get((entry.current as GooglePerson).resourceName as string) as GooglePerson | undefined;
			const by = entry.counterpart.found === 'email' ? 'email' : 'link';
			entry.counterpart = person ? this.found(entry, person, by) : { found: 'tombstone', id: (entry.current as GooglePerson).resourceName as string, why: 'deleted' };
			if (!person) entry.current = undefined;
			this.decide(entry);
		}
		return stale.filter((entry) => !entry.failed && entry.plan?.update);
	}

	/** Group tags, one members:modify per group and 1000 contacts; a group to add to is created when missing. */
	private async changeGroups(): Promise<void> {
		const changes = new Map<string, { add: Map<string, Entry>; remove: Map<string, Entry> }>();
		for (const entry of this.live()) {
			const targetId = this.targetOf(entry);
			for (const { group, add } of entry.plan?.groups ?? []) {
				if (targetId === undefined) continue;
				const change = changes.get(group) ?? { add: new Map(), remove: new Map() };
				(add ? change.add : change.remove).set(targetId, entry);
				changes.set(group, change);
			}
		}
		for (const [name, change] of changes) {
			const members = { add: [...change.add.keys()], remove: [...change.remove.keys()] };
			const resolve = async () => (this.groupName(name) === undefined && change.add.size ? this.groupResource(name) : this.groupName(name));
			let resourceName = await resolve();
			// Nobody can be in a group that does not exist: removing is done.
			if (resourceName === undefined) continue;
			let result;
			try {
				result = await this.google.modifyGroupMembers(resourceName, members);
			} catch (error) {
				// The group was deleted in Google while a reused group list still named it: read the groups again.
				if ((error as GooglePeopleError).httpStatus !== 404) throw error;
				await this.loadGroups(true);
				resourceName = await resolve();
				if (resourceName === undefined) continue;
				result = await this.google.modifyGroupMembers(resourceName, members);
			}
			for (const [contact, entry] of [...change.add, ...change.remove]) {
				if (result.notFound.includes(contact)) this.fail(entry, { field: 'group', message: `Google contact ${contact} was deleted before it could be tagged "${name}"`, fix: 'Nothing to do: a deleted contact needs no tag.' });
				else if (result.cannotRemoveLastGroup.includes(contact)) this.fail(entry, { field: 'group', message: `Google contact ${contact} cannot leave "${name}": it is its only label`, fix: 'Add the contact to another label (e.g. My Contacts) in Google Contacts, then run again.' });
				else entry.wrote.google = true;
			}
		}
	}

	/** The Google link into the Dynamics link column, read first: only values that differ are written ($batch, one result per contact). */
	private async storeDynamicsLinks(): Promise<void> {
		const link = this.options.dynamicsLink;
		if (!link) return;
		const linking = this.live().filter((entry) => entry.plan?.linkOnDynamics && this.targetOf(entry) !== undefined && isGuid(entry.record.sourceId));
		if (!linking.length) return;
		const stored = new Map<string, unknown>();
		for (const filter of inFilterChunks('contactid', linking.map((entry) => ({ guid: entry.record.sourceId })))) {
			const rows = await link.client.getAll<Record<string, unknown>>(`contacts${buildQuery({ select: ['contactid', link.column], filter })}`);
			for (const row of rows) stored.set(String(row.contactid).toLowerCase(), row[link.column] ?? null);
		}
		const writes: Entry[] = [];
		for (const entry of linking) {
			const value = stored.get(entry.record.sourceId.toLowerCase());
			if (value === undefined) this.fail(entry, { field: link.column, message: `Dynamics 365 contact ${entry.record.sourceId} no longer exists; the link to ${this.targetOf(entry)} was not stored`, fix: 'Nothing to do: its deletion reaches Google Contacts on the next run.' });
			else if (value !== this.targetOf(entry)) writes.push(entry);
		}
		if (this.settings.dryRun || !writes.length) {
			for (const entry of writes) entry.wrote.dynamics = true;
			return;
		}
		const results = await executeBatch(link.client, writes.map((entry) => batchOperations.update('contacts', entry.record.sourceId, { [link.column]: this.targetOf(entry) })));
		writes.forEach((entry, position) => {
			const result = results[position];
			if (result.ok) entry.wrote.dynamics = true;
			else {
				this.fail(entry, {
					field: link.column,
					message: `Google contact ${this.targetOf(entry)} was written, but Dynamics 365 did not store its link in ${link.column}: ${result.error?.message ?? `HTTP ${result.status}`}`,
					fix: `Check that ${link.column} is a text column of at least 100 characters that the credential's application user may update.`,
				});
			}
		});
	}

	/** The Google contact a record writes: the new one after a create, else the decided counterpart. */
	private targetOf(entry: Entry): string | undefined {
		const action = entry.decision?.action;
		if (!action) return undefined;
		return action.kind === 'create' ? entry.targetId : 'targetId' in action ? action.targetId : undefined;
	}

	// ---- report -----------------------------------------------------------------------------------

	/** The outcome as carried out: an update that wrote nothing (or, in a dry run, would write nothing) is unchanged. */
	private conclude(entry: Entry): void {
		const decision = entry.decision as SyncDecision;
		const { action } = decision;
		const plan = entry.plan;
		const targetId = this.targetOf(entry);
		if (!plan || (action.kind !== 'update' && action.kind !== 'conflict-resolved' && action.kind !== 'skip-equal')) {
			this.report.decided(entry.index, entry.record.sourceId, decision, targetId);
			return;
		}
		const changes = plan.update !== undefined || entry.wrote.dynamics;
		const pending = action.pending;
		const where = `Google contact ${action.targetId}`;
		let final: SyncAction;
		if (!changes) final = { kind: 'skip-equal', target: 'google', targetId: action.targetId, pending, reason: action.kind === 'skip-equal' ? action.reason : `${where} already has these values.` };
		else if (action.kind === 'skip-equal') {
			final = { kind: 'update', target: 'google', targetId: action.targetId, fields: plan.fields, pending, conflicts: [], link: { onTarget: false, onSource: false }, reason: `Sets the mapping's fixed values and labels on ${where}: ${plan.fields.join(', ')}.` };
		} else final = { ...action, fields: plan.fields };
		this.report.decided(entry.index, entry.record.sourceId, { ...decision, action: final }, targetId);
	}
}

/** A field's value for compare-before-write: canonical where the snapshot tracks it (phones by digits...), labels as a set. */
function canonicalValues(person: GooglePerson, extraFields: string[]): (field: string) => string {
	const snapshot = googleSnapshot(person, extraFields);
	const tracked = new Set([...SNAPSHOT_FIELDS, ...snapshot.extraFields]);
	return (field) => {
		if (field === 'memberships') return JSON.stringify([...new Set(readGoogleField(person, field) as string[])].sort());
		return JSON.stringify(tracked.has(field) ? snapshot.fields[field] ?? null : readGoogleField(person, field) ?? null);
	};
}

/**
 * Syncs mapped Dynamics 365 contacts into Google Contacts (see the file comment). `inputs` are the
 * records as readSyncRecord(json, 'google') read them; an unreadable one fails alone. Throws
 * MassDeletionError (nothing written) when the deletions would trip the guard.
 */
export async function writeToGoogle(inputs: readonly ReadResult[], options: GoogleWriterOptions): Promise<GoogleWriteResult> {
	return new GoogleSyncRun(options, inputs.length).run(inputs);
}
