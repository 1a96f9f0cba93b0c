/**
 * What the Google Contacts Trigger does on each poll, without n8n: list what changed in Google
 * Contacts since the last poll (People API sync tokens), a bounded slice at a time, and turn each
 * contact into a change event. The cursor it returns is all the state there is (a sync token, or a
 * listing in progress); it stays a few hundred bytes whatever the account's size.
 *
 * - Start: "now" lists the account once with personFields=metadata only, to obtain a sync token,
 *   and reports nothing; "allContacts" lists every contact as a change (the initial sync).
 * - Each poll reads at most `maxContacts` contacts (whole pages; at least one page), and stops
 *   early when the time budget runs low; a listing continues on the next poll from its page token.
 *   Google asks that a page token be used with the very request it came from, so a listing keeps
 *   its own person fields and page size until it ends.
 * - Created or updated: Google tells neither creation times nor what was new, and the cursor keeps
 *   no per-contact state. A contact not yet linked to a Dynamics 365 contact (no link in its
 *   clientData) is "created": new to the sync, so the sync will create or match its counterpart;
 *   a linked contact is "updated".
 * - Deleted: an incremental listing reports deleted contacts with metadata.deleted.
 * - Echoes: a contact whose synced values equal the snapshot it carries from our last sync is our
 *   own write coming back, and is left out (lib/sync/snapshot).
 * - Expired sync token (Google keeps them 7 days): a full pass lists every contact again, each
 *   change marked `resync: true`; deletions in the gap cannot be seen. An expired page token
 *   restarts its listing.
 */
import type { ConnectionsPage, ListConnectionsRequest, Person } from '../google/client';
import { ExpiredSyncTokenError, GooglePeopleError } from '../google/errors';
import { readGoogleField, type GooglePerson } from '../google/fields';
import { LINK_KEYS } from '../mapping/mapper';
import { isOwnEcho } from '../sync/snapshot';

export type GoogleChangeEvent = 'created' | 'updated' | 'deleted';

export const GOOGLE_CHANGE_EVENTS: readonly GoogleChangeEvent[] = ['created', 'updated', 'deleted'];

/** The Person fields people.connections.list can return (its `personFields`). */
export const READABLE_PERSON_FIELDS = [
	'addresses', 'ageRanges', 'biographies', 'birthdays', 'calendarUrls', 'clientData', 'coverPhotos', 'emailAddresses',
	'events', 'externalIds', 'genders', 'imClients', 'interests', 'locales', 'locations', 'memberships', 'metadata',
	'miscKeywords', 'names', 'nicknames', 'occupations', 'organizations', 'phoneNumbers', 'photos', 'relations',
	'sipAddresses', 'skills', 'urls', 'userDefined',
] as const;

/** What the default Dynamics ↔ Google mapping reads, plus the link and snapshot (clientData), labels and metadata. */
export const DEFAULT_TRIGGER_PERSON_FIELDS = ['names', 'emailAddresses', 'phoneNumbers', 'addresses', 'organizations', 'birthdays', 'biographies', 'clientData', 'memberships', 'metadata'];

/** Read on every listing whatever the user picked: metadata tells deletions, clientData the link and the snapshot. */
const DECISION_FIELDS = ['metadata', 'clientData'];

/** The People API's largest page. */
const MAX_PAGE_SIZE = 1000;

export interface GoogleChange {
	event: GoogleChangeEvent;
	resourceName: string;
	/** The contact as listed; for a deletion only `{ resourceName, metadata: { deleted: true } }`. */
	person: Person;
	/** Found by the full pass that replaced an expired sync token. */
	resync?: true;
}

type ListingPass =
	/** "From now": lists everything once, metadata only, for a sync token; reports nothing. */
	| 'bootstrap'
	/** "With all existing contacts": every contact is a change. */
	| 'initial'
	/** What changed since `syncToken`, deletions included. */
	| 'changes'
	/** A full pass replacing an expired sync token; changes are marked `resync`. */
	| 'resync';

interface Listing {
	pass: ListingPass;
	/** The request's personFields, comma-separated; a page token only works with the same request. */
	personFields: string;
	pageSize: number;
	/** The next page; absent before the first page. */
	pageToken?: string;
	/** The token a 'changes' listing lists changes since. */
	syncToken?: string;
}

/** All the trigger keeps between polls (JSON): either a sync token to list changes since, or a listing in progress. */
export type GoogleChangesCursor = { syncToken: string } | { listing: Listing };

export interface PollLog {
	info(message: string): void;
	warn(message: string): void;
}

export interface GoogleChangesOptions {
	/** Which events to report (others are read and skipped). */
	events: readonly GoogleChangeEvent[];
	/** Without a cursor: report every existing contact ('allContacts'), or only what changes from now on ('now'). */
	startWith: 'now' | 'allContacts';
	/** The Person fields to return on each change. */
	personFields: readonly string[];
	/** Contacts one poll reads at most (at least one page is read). */
	maxContacts: number;
	/** Leave out contacts whose synced values equal the snapshot of our last sync. */
	ignoreOwnWrites: boolean;
	/** How long this poll may take (n8n's getPollBudgetMs); no time bound when absent. */
	budgetMs?: number;
	now?: () => number;
	log?: PollLog;
}

export interface GoogleChangesPoll {
	changes: GoogleChange[];
	/** The cursor to store for the next poll. */
	cursor: GoogleChangesCursor;
	/** People API requests made. */
	requests: number;
	/** Contacts (and deletions) read. */
	contactsRead: number;
	/** Contacts left out as our own sync writes coming back. */
	echoesSkipped: number;
}

/** The one People API call the trigger makes (GoogleContactsClient has it). */
export interface ConnectionsReader {
	listConnectionsPage(request: ListConnectionsRequest): Promise<ConnectionsPage>;
}

/** Checks the options, with messages naming the parameter and the fix. */
export function validateGoogleChangesOptions(options: Pick<GoogleChangesOptions, 'events' | 'personFields'> & { maxContacts?: number }): void {
	if (options.events.length === 0) throw new Error('Events: select at least one of Created, Updated and Deleted.');
	const unknownEvent = options.events.find((event) => !GOOGLE_CHANGE_EVENTS.includes(event));
	if (unknownEvent !== undefined) throw new Error(`Events: "${unknownEvent}" is not an event; use created, updated or deleted.`);
	const unknownField = options.personFields.find((field) => !(READABLE_PERSON_FIELDS as readonly string[]).includes(field));
	if (unknownField !== undefined) throw new Error(`Person Fields: "${unknownField}" is not a People API person field; use some of ${READABLE_PERSON_FIELDS.join(', ')}.`);
	if (options.maxContacts !== undefined && (!Number.isInteger(options.maxContacts) || options.maxContacts < 1)) {
		throw new Error(`Max Contacts per Poll must be a whole number of at least 1 (got ${options.maxContacts}).`);
	}
}

function isListing(value: unknown): value is Listing {
	const listing = value as Listing;
	return (
		typeof listing === 'object' && listing !== null &&
		['bootstrap', 'initial', 'changes', 'resync'].includes(listing.pass) &&
		typeof listing.personFields === 'string' && listing.personFields !== '' &&
		Number.isInteger(listing.pageSize) && listing.pageSize >= 1 && listing.pageSize <= MAX_PAGE_SIZE &&
		(listing.pageToken === undefined || typeof listing.pageToken === 'string') &&
		(listing.pass === 'changes' ? typeof listing.syncToken === 'string' : listing.syncToken === undefined)
	);
}

/** The cursor in stored static data, or undefined when there is none (a first poll) or it is not one of ours. */
export function parseGoogleChangesCursor(value: unknown): GoogleChangesCursor | undefined {
	if (typeof value !== 'object' || value === null) return undefined;
	const stored = value as { syncToken?: unknown; listing?: unknown };
	if (typeof stored.syncToken === 'string' && stored.syncToken !== '') return { syncToken: stored.syncToken };
	if (isListing(stored.listing)) return { listing: { ...stored.listing } };
	return undefined;
}

/** Page size for a listing that reports changes: pages of at most 1000 that add up to no more than maxContacts. */
function changesPageSize(maxContacts: number): number {
	return Math.floor(maxContacts / Math.ceil(maxContacts / MAX_PAGE_SIZE));
}

function requestFields(personFields: readonly string[]): string {
	return [...new Set([...personFields, ...DECISION_FIELDS])].join(',');
}

/** A listing that reports changes, with the fields and page size the options ask for. */
function reportingListing(pass: Exclude<ListingPass, 'bootstrap'>, options: GoogleChangesOptions, syncToken?: string): Listing {
	return { pass, personFields: requestFields(options.personFields), pageSize: changesPageSize(options.maxContacts), ...(syncToken === undefined ? {} : { syncToken }) };
}

/** Where a poll continues: the listing in progress, changes since the sync token, or the first listing `startWith` asks for. */
function listingFor(cursor: GoogleChangesCursor | undefined, options: GoogleChangesOptions): Listing {
	if (cursor !== undefined) return 'listing' in cursor ? cursor.listing : reportingListing('changes', options, cursor.syncToken);
	return options.startWith === 'now' ? { pass: 'bootstrap', personFields: 'metadata', pageSize: MAX_PAGE_SIZE } : reportingListing('initial', options);
}

function isLinked(person: Person): boolean {
	const link = readGoogleField(person as GooglePerson, `clientData:${LINK_KEYS.googleDynamicsContactId}`);
	return typeof link === 'string' && link.trim() !== '';
}

/** A listed contact as a created or updated change, with only the fields the user asked for (the trigger reads metadata and clientData for itself). */
function contactChange(person: Person & { resourceName: string }, personFields: readonly string[]): GoogleChange {
	const shown: Person = { ...person };
	for (const field of DECISION_FIELDS) if (!personFields.includes(field)) delete shown[field as keyof Person];
	return { event: isLinked(person) ? 'updated' : 'created', resourceName: person.resourceName, person: shown };
}

function hasResourceName(person: Person): person is Person & { resourceName: string } {
	return typeof person.resourceName === 'string' && person.resourceName !== '';
}

/** Google says "page token is invalid or has expired" when a listing sat too long between polls. */
function isStalePageToken(error: unknown, listing: Listing): boolean {
	return listing.pageToken !== undefined && error instanceof GooglePeopleError && error.httpStatus === 400 && /page token/i.test(error.message);
}

class ChangesPoll {
	readonly changes: GoogleChange[] = [];
	requests = 0;
	contactsRead = 0;
	echoesSkipped = 0;
	private readonly started: number;
	private longestPageMs = 0;

	constructor(
		private readonly client: ConnectionsReader,
		private readonly options: GoogleChangesOptions,
		private readonly now: () => number,
	) {
		this.started = now();
	}

	/** Reads pages of `listing` until it ends or this poll's share is used; returns the cursor to store. */
	async run(start: Listing): Promise<GoogleChangesCursor> {
		let listing = start;
		let pagesRead = 0;
		for (;;) {
			if (pagesRead > 0 && !this.hasRoomFor(listing.pageSize)) return { listing };
			let page: ConnectionsPage;
			try {
				page = await this.readPage(listing);
			} catch (error) {
				if (error instanceof ExpiredSyncTokenError && listing.syncToken !== undefined) {
					this.options.log?.warn('The Google Contacts sync token has expired (Google keeps them 7 days); listing every contact again, marked resync. Contacts deleted meanwhile cannot be reported.');
					listing = reportingListing('resync', this.options);
					continue;
				}
				if (isStalePageToken(error, listing)) {
					this.options.log?.warn(`Google no longer accepts the page token of the ${listing.pass} listing in progress; restarting that listing from its first page.`);
					listing = { ...listing, pageToken: undefined };
					continue;
				}
				throw error;
			}
			pagesRead++;
			this.contactsRead += page.people.length;
			for (const person of page.people) this.consider(person, listing.pass);
			if (page.nextPageToken) {
				listing = { ...listing, pageToken: page.nextPageToken };
				continue;
			}
			if (!page.nextSyncToken) {
				throw new Error('Google Contacts ended a listing without the sync token it was asked for; the next poll would start over. Try again later.');
			}
			if (listing.pass === 'bootstrap') this.options.log?.info('Google Contacts Trigger: the account is listed and the sync token stored; changes are reported from the next poll on.');
			return { syncToken: page.nextSyncToken };
		}
	}

	private async readPage(listing: Listing): Promise<ConnectionsPage> {
		const before = this.now();
		this.requests++;
		const page = await this.client.listConnectionsPage({
			personFields: listing.personFields.split(','),
			pageSize: listing.pageSize,
			pageToken: listing.pageToken,
			syncToken: listing.syncToken,
			requestSyncToken: true,
		});
		this.longestPageMs = Math.max(this.longestPageMs, this.now() - before);
		return page;
	}

	/** Room for another page: within maxContacts, and (with a budget) time for twice the slowest page so far. */
	private hasRoomFor(pageSize: number): boolean {
		if (this.contactsRead + pageSize > this.options.maxContacts) return false;
		if (this.options.budgetMs === undefined) return true;
		return this.now() - this.started + 2 * this.longestPageMs < this.options.budgetMs;
	}

	private consider(person: Person, pass: ListingPass): void {
		if (pass === 'bootstrap' || !hasResourceName(person)) return;
		let change: GoogleChange;
		if (person.metadata?.deleted) {
			change = { event: 'deleted', resourceName: person.resourceName, person: { resourceName: person.resourceName, metadata: { deleted: true } } };
		} else if (this.options.ignoreOwnWrites && isOwnEcho(person as GooglePerson)) {
			this.echoesSkipped++;
			return;
		} else {
			change = contactChange(person, this.options.personFields);
		}
		if (!this.options.events.includes(change.event)) return;
		if (pass === 'resync') change.resync = true;
		this.changes.push(change);
	}
}

/**
 * One poll: continues the listing in the cursor (or starts one: changes since its sync token, or
 * the first listing `startWith` asks for), and returns the changes found with the cursor to store.
 */
export async function pollGoogleChanges(client: ConnectionsReader, cursor: GoogleChangesCursor | undefined, options: GoogleChangesOptions): Promise<GoogleChangesPoll> {
	validateGoogleChangesOptions(options);
	const poll = new ChangesPoll(client, options, options.now ?? Date.now);
	const next = await poll.run(listingFor(cursor, options));
	return { changes: poll.changes, cursor: next, requests: poll.requests, contactsRead: poll.contactsRead, echoesSkipped: poll.echoesSkipped };
}

/** How many contacts a test event shows at most. */
export const SAMPLE_SIZE = 5;
/** Recent contacts read for a sample, more than shown so that an event filter still finds some. */
const SAMPLE_PAGE_SIZE = 25;

/**
 * A few of the most recently changed contacts as change events, for "Fetch Test Event": no cursor
 * is read or moved, and our own writes are shown too (the sample is about the data's shape).
 * Deletions are never in it: Google reports them only to incremental listings.
 */
export async function sampleGoogleChanges(client: ConnectionsReader, options: Pick<GoogleChangesOptions, 'events' | 'personFields'>): Promise<GoogleChange[]> {
	validateGoogleChangesOptions(options);
	if (!options.events.some((event) => event !== 'deleted')) return [];
	const page = await client.listConnectionsPage({ personFields: requestFields(options.personFields).split(','), pageSize: SAMPLE_PAGE_SIZE, sortOrder: 'LAST_MODIFIED_DESCENDING' });
	const changes = page.people.filter(hasResourceName).map((person) => contactChange(person, options.personFields));
	return changes.filter((change) => options.events.includes(change.event)).slice(0, SAMPLE_SIZE);
}
