/**
 * What a Google account's contacts are matched by, per process: each contact's emails (trimmed,
 * case-blind) and the Dynamics 365 contact its clientData links to, by resource name. It is built by
 * one full listing that asks for a sync token, then kept fresh by incremental listings from that
 * token (only the contacts changed or deleted since), so matching a run's records costs requests in
 * proportion to the account's changes, not to its size. The writer also records its own writes here
 * right away: incremental listings may show writes minutes late ("not intended for read-after-write").
 * The index keeps resource names and match keys only, never whole contacts.
 *
 * It only saves requests: an index that is missing (a new process, another queue-mode worker), or
 * whose token Google no longer takes (expired after 7 days, another account, a reset simulator), is
 * built again by a full listing.
 */
import { LINK_KEYS } from '../mapping/mapper';
import { normalizeEmail } from '../mapping/normalize';
import { PEOPLE_LIMITS, type ConnectionsPage, type GoogleContactsClient, type Person } from './client';
import { GooglePeopleError } from './errors';

/**
 * Every Person field the sync reads (the synced values, its clientData, the groups, metadata for
 * deletions): the index's listings read them all, so a caller can keep the contacts it needs as they
 * pass (`seen`) instead of reading them again. A sync token only works with the fields it began with.
 */
export const SYNC_PERSON_FIELDS = ['names', 'emailAddresses', 'phoneNumbers', 'addresses', 'organizations', 'birthdays', 'biographies', 'nicknames', 'urls', 'userDefined', 'clientData', 'memberships', 'metadata'];

/** Google keeps a sync token 7 days after the full listing that started it; an hour less avoids a refused request. */
const SYNC_TOKEN_LIFETIME_MS = 7 * 24 * 3600 * 1000 - 3600 * 1000;

/** What a contact is matched by: its emails (normalized, distinct) and the Dynamics 365 contact its clientData links to (trimmed). */
export interface MatchKeys {
	emails: string[];
	link?: string;
}

function matchKeysOf(person: Person): MatchKeys {
	const normalized = (person.emailAddresses ?? []).map((email) => normalizeEmail(email.value ?? ''));
	// Mostly distinct and filled already: kept as mapped, without the copies that drop empty and repeated ones.
	const emails = normalized.every((email, position) => email !== '' && normalized.indexOf(email) === position) ? normalized : [...new Set(normalized.filter(Boolean))];
	const link = person.clientData?.find((entry) => entry.key === LINK_KEYS.googleDynamicsContactId)?.value?.trim();
	return link ? { emails, link } : { emails };
}

/** Resource names by key; a key almost always names one contact, kept as a plain string (a Set per key would triple the memory). */
type Names = Map<string, string | Set<string>>;

function addTo(map: Names, key: string, resourceName: string): void {
	const names = map.get(key);
	if (names === undefined || names === resourceName) map.set(key, resourceName);
	else if (typeof names === 'string') map.set(key, new Set([names, resourceName]));
	else names.add(resourceName);
}

function removeFrom(map: Names, key: string, resourceName: string): void {
	const names = map.get(key);
	if (names === resourceName) map.delete(key);
	else if (typeof names !== 'string' && names?.delete(resourceName) && names.size === 1) map.set(key, names.values().next().value as string);
}

function namesOf(map: Names, key: string): string[] {
	const names = map.get(key);
	return names === undefined ? [] : typeof names === 'string' ? [names] : [...names];
}

export interface ContactIndexRefreshOptions {
	/**
	 * Asked once, after the first page of a full listing, with the account's contact count: true
	 * stops the listing there (the index stays unbuilt), e.g. when searching a few emails is cheaper.
	 */
	abandonFullListing?: (totalContacts: number) => boolean;
	/** Each contact the refresh reads (all SYNC_PERSON_FIELDS), deleted ones excepted, with the keys the index took from it. */
	seen?: (person: Person, keys: MatchKeys) => void;
}

export class ContactIndex {
	private contacts = new Map<string, MatchKeys>();
	private byEmail: Names = new Map();
	private byLink: Names = new Map();
	private syncToken?: string;
	private fullListingAt = 0;
	/** Refreshes of one index run one after the other (two runs of the same account at once). */
	private refreshing: Promise<unknown> = Promise.resolve();

	/** Whether a listing built the index and its sync token is still good: the next refresh is incremental. */
	get current(): boolean {
		return this.syncToken !== undefined && Date.now() - this.fullListingAt < SYNC_TOKEN_LIFETIME_MS;
	}

	/** Contacts that link to a Dynamics 365 contact. */
	get linkedCount(): number {
		let count = 0;
		for (const names of this.byLink.values()) count += typeof names === 'string' ? 1 : names.size;
		return count;
	}

	/** The contacts with this email (normalized). */
	withEmail(email: string): string[] {
		return namesOf(this.byEmail, email);
	}

	/** The contacts whose clientData links to this Dynamics 365 contact. */
	linkedTo(contactId: string): string[] {
		return namesOf(this.byLink, contactId);
	}

	/**
	 * Records a contact as read or written (a deleted one, from an incremental listing, leaves the index),
	 * under `resourceName` (a written contact's new name; default its own). Returns the keys it took, none for a deleted one.
	 */
	put(person: Person, resourceName = person.resourceName): MatchKeys | undefined {
		if (!resourceName) return undefined;
		// Linking a contact to a profile (a verified email) may give it a new resource name.
		for (const previous of person.metadata?.previousResourceNames ?? []) if (previous !== resourceName) this.remove(previous);
		if (person.metadata?.deleted) {
			this.remove(resourceName);
			return undefined;
		}
		const keys = matchKeysOf(person);
		// Listed again as the index knows it (a run's own writes come back in the next listing): nothing to redo.
		if (this.holdsAlone(resourceName, keys)) return keys;
		this.remove(resourceName);
		this.contacts.set(resourceName, keys);
		for (const email of keys.emails) addTo(this.byEmail, email, resourceName);
		if (keys.link) addTo(this.byLink, keys.link, resourceName);
		return keys;
	}

	/** Whether the contact is indexed by exactly these keys, each naming it alone: a key several contacts share is put anew, which moves this one last among them, as always. */
	private holdsAlone(resourceName: string, keys: MatchKeys): boolean {
		const known = this.contacts.get(resourceName);
		if (!known || known.link !== keys.link || known.emails.length !== keys.emails.length) return false;
		if (keys.link !== undefined && this.byLink.get(keys.link) !== resourceName) return false;
		return keys.emails.every((email, position) => known.emails[position] === email && this.byEmail.get(email) === resourceName);
	}

	remove(resourceName: string): void {
		const keys = this.contacts.get(resourceName);
		if (!keys) return;
		this.contacts.delete(resourceName);
		for (const email of keys.emails) removeFrom(this.byEmail, email, resourceName);
		if (keys.link) removeFrom(this.byLink, keys.link, resourceName);
	}

	/**
	 * Brings the index up to date: incrementally when it is current ("changes": Google took the token,
	 * so this is the account the index knows), else by a full listing ("listed"; also when Google
	 * refuses the token), unless `abandonFullListing` stopped it ("abandoned").
	 */
	refresh(google: GoogleContactsClient, options: ContactIndexRefreshOptions = {}): Promise<'changes' | 'listed' | 'abandoned'> {
		const run = this.refreshing.then(async () => {
			if (this.current) {
				try {
					await this.listChanges(google, options);
					return 'changes' as const;
				} catch (error) {
					// Expired, or not this account's: only a full listing is sure. Anything else (an outage) stops the run.
					if (!(error instanceof GooglePeopleError && (error.httpStatus === 400 || error.httpStatus === 410))) throw error;
				}
			}
			return this.listAll(google, options);
		});
		this.refreshing = run.catch(() => undefined);
		return run;
	}

	private async listChanges(google: GoogleContactsClient, options: ContactIndexRefreshOptions): Promise<void> {
		let nextSyncToken: string | undefined;
		for await (const page of google.listConnections({ personFields: SYNC_PERSON_FIELDS, syncToken: this.syncToken, requestSyncToken: true })) {
			for (const person of page.people) {
				const keys = this.put(person);
				if (!person.metadata?.deleted) options.seen?.(person, keys ?? matchKeysOf(person));
			}
			nextSyncToken = page.nextSyncToken;
		}
		if (nextSyncToken) this.syncToken = nextSyncToken;
	}

	private async listAll(google: GoogleContactsClient, options: ContactIndexRefreshOptions): Promise<'listed' | 'abandoned'> {
		this.syncToken = undefined;
		const startedAt = Date.now();
		const built = new ContactIndex();
		let nextSyncToken: string | undefined;
		const take = (page: ConnectionsPage) => {
			for (const person of page.people) {
				const keys = built.put(person);
				options.seen?.(person, keys ?? matchKeysOf(person));
			}
			nextSyncToken = page.nextSyncToken;
		};
		const request = { personFields: SYNC_PERSON_FIELDS, requestSyncToken: true, pageSize: PEOPLE_LIMITS.pageSize };
		// The first page alone: the account's size it tells decides whether a second is asked for at all.
		const first = await google.listConnectionsPage(request);
		if (first.nextPageToken && options.abandonFullListing?.(first.totalItems ?? 0)) return 'abandoned';
		take(first);
		if (first.nextPageToken) for await (const page of google.listConnections({ ...request, pageToken: first.nextPageToken })) take(page);
		({ contacts: this.contacts, byEmail: this.byEmail, byLink: this.byLink } = built);
		this.syncToken = nextSyncToken;
		this.fullListingAt = startedAt;
		return 'listed';
	}
}

// Per process, per account: only ever a head start; see the file comment.
const indexes = new Map<string, ContactIndex>();

/** The index of the account `accountKey` names (shared in this process), or a new one of its own without a key. */
export function contactIndexFor(accountKey: string | undefined): ContactIndex {
	if (accountKey === undefined) return new ContactIndex();
	let index = indexes.get(accountKey);
	if (!index) indexes.set(accountKey, (index = new ContactIndex()));
	return index;
}
