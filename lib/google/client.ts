/**
 * The Google Contacts (People API) client the sync uses, over the unchanged `@googleapis/people`.
 *
 * - Reads: connections with paging and sync tokens (an expired token becomes ExpiredSyncTokenError),
 *   get / batchGet, contact groups, and a bulk find-by-email that picks the cheaper of search and listing.
 * - Writes: batch create / update (200 a call) and delete (500 a call), group membership changes
 *   (1000 a call); one mutation at a time per queue, as Google asks. A batch result is reported per
 *   contact: a bad contact is isolated by splitting its batch, a stale etag becomes a
 *   ContactConflictError for that contact while the rest of its batch is written.
 * - Transport, retries and authentication: see connection.ts.
 */
import type { people_v1 } from '@googleapis/people';
import { normalizeEmail } from '../mapping/normalize';
import { PEOPLE_ROOT_URL, createPeopleApi, type GoogleConnectionOptions } from './connection';
import { ContactConflictError, GooglePeopleError, toGooglePeopleError } from './errors';
import { mutationQueueFor, type MutationQueue } from './mutation-queue';

export type Person = people_v1.Schema$Person;
export type ContactGroup = people_v1.Schema$ContactGroup;

/** The People API's documented per-request limits. */
export const PEOPLE_LIMITS = {
	pageSize: 1000,
	batchGet: 200,
	batchCreate: 200,
	batchUpdate: 200,
	batchDelete: 500,
	membersModify: 1000,
	searchPageSize: 30,
} as const;

const GROUP_FIELDS = 'name,groupType,memberCount,metadata,clientData';

/** How long an account's group list may be reused (`reuse`): a group deleted or renamed meanwhile is seen after this at the latest. */
export const GROUP_LIST_REUSE_MS = 10 * 60 * 1000;
// Per process, per account (accountKey); only ever saves a request.
const groupLists = new Map<string, { groups: ContactGroup[]; readAt: number }>();

export interface GoogleContactsClientOptions extends GoogleConnectionOptions {
	/** Clients with the same key in one process share one mutation queue (use the credential's id). */
	mutationQueueKey?: string;
	/** Read requests run in parallel for bulk lookups (default 4). */
	readConcurrency?: number;
}

export type SortOrder = 'LAST_MODIFIED_ASCENDING' | 'LAST_MODIFIED_DESCENDING' | 'FIRST_NAME_ASCENDING' | 'LAST_NAME_ASCENDING';

export interface ListConnectionsRequest {
	personFields: readonly string[];
	/** 1..1000; default 1000 (fewest requests). */
	pageSize?: number;
	pageToken?: string;
	/** Lists only what changed since this token (deleted contacts come with metadata.deleted). */
	syncToken?: string;
	/** Ask for a token on the last page, for the next incremental listing. */
	requestSyncToken?: boolean;
	sortOrder?: SortOrder;
}

export interface ConnectionsPage {
	people: Person[];
	nextPageToken?: string;
	/** Only on the last page, and only when requested. */
	nextSyncToken?: string;
	totalItems?: number;
}

export type WriteResult = { ok: true; index: number; person: Person } | { ok: false; index: number; error: GooglePeopleError };

export interface ContactUpdate {
	resourceName: string;
	/** The new values of the masked fields, with the etag (person.etag) they were decided on. */
	person: Person;
}

export interface GroupMembersResult {
	notFound: string[];
	cannotRemoveLastGroup: string[];
}

export interface FindByEmailOptions {
	/** "auto" (default) picks whichever needs fewer requests; "list" reads every contact (no index lag). */
	strategy?: 'auto' | 'search' | 'list';
}

/**
 * Every request body goes to `@googleapis/people` serialised once, here: an object body would be
 * deep-copied twice on its way (googleapis-common's and gaxios' `extend`) before gaxios serialised the
 * copy, while string data is sent as it is. The content type gaxios sets for an object body comes
 * with it (JSON_BODY): the same request on the wire, without the copies.
 */
function serialized<T>(body: T): T {
	return JSON.stringify(body) as unknown as T;
}

const JSON_BODY = { headers: { 'content-type': 'application/json' } };

function chunked<T>(items: readonly T[], size: number): T[][] {
	const chunks: T[][] = [];
	for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
	return chunks;
}

async function mapConcurrently<T, R>(items: readonly T[], limit: number, map: (item: T) => Promise<R>): Promise<R[]> {
	const results: R[] = new Array(items.length);
	let next = 0;
	const worker = async () => {
		while (next < items.length) {
			const index = next++;
			results[index] = await map(items[index]);
		}
	};
	await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
	return results;
}

function mask(fields: readonly string[], what: string): string {
	const joined = fields.map((field) => field.trim()).filter(Boolean).join(',');
	if (!joined) throw new Error(`${what} must name at least one Person field, e.g. ["names", "emailAddresses"].`);
	return joined;
}

/** A failure that only concerns the contacts of this request (bad input, stale or missing contact); others stop the run. */
function concernsOnlyThisRequest(error: GooglePeopleError): boolean {
	// A dropped connection (its answer lost) is this request's own bad luck, unlike a refused credential, quota or outage.
	return error.httpStatus === 400 || error.httpStatus === 404 || error.httpStatus === 409 || error.status === 'ECONNRESET';
}

function failAll(entries: ReadonlyArray<{ index: number }>, error: GooglePeopleError, results: WriteResult[]): void {
	for (const entry of entries) results[entry.index] = { ok: false, index: entry.index, error };
}

function personResult(operation: string, index: number, response: people_v1.Schema$PersonResponse | undefined): WriteResult {
	if (response?.person && !response.status?.code) return { ok: true, index, person: response.person };
	const message = response?.status?.message ?? 'Google returned no result for it';
	return { ok: false, index, error: new GooglePeopleError(operation, `Google did not write contact #${index + 1}: ${message}.`, { httpStatus: response?.httpStatusCode ?? undefined }) };
}

/** How a chunk is written: its request body (built while the previous chunk is on the wire), and its sending, which answers how to record its results. */
interface ChunkWrite<E, B> {
	body(chunk: E[]): B;
	send(chunk: E[], body: B): Promise<() => void>;
}

export class GoogleContactsClient {
	readonly api: people_v1.People;
	/** The account's per-process caches (the contact index) are shared under this key: API root and mutation queue key (the credential). */
	readonly accountKey?: string;
	private readonly mutations: MutationQueue;
	private readonly readConcurrency: number;
	/** Group look-ups by name, so asking twice (even at once) creates a group once. */
	private readonly groupsByName = new Map<string, Promise<ContactGroup>>();

	constructor(options: GoogleContactsClientOptions) {
		if (!options.auth && !options.transport) {
			throw new Error('GoogleContactsClient needs `auth` (e.g. createOAuth2Client(...)) or a `transport` that authenticates requests itself.');
		}
		this.api = createPeopleApi(options);
		this.mutations = mutationQueueFor(options.mutationQueueKey);
		if (options.mutationQueueKey !== undefined) this.accountKey = `${options.rootUrl ?? PEOPLE_ROOT_URL}|${options.mutationQueueKey}`;
		this.readConcurrency = Math.max(1, options.readConcurrency ?? 4);
	}

	// ---- reads ------------------------------------------------------------------------------------

	async listConnectionsPage(request: ListConnectionsRequest): Promise<ConnectionsPage> {
		const data = await this.call('people.connections.list', () =>
			this.api.people.connections.list({
				resourceName: 'people/me',
				personFields: mask(request.personFields, 'personFields'),
				pageSize: request.pageSize ?? PEOPLE_LIMITS.pageSize,
				pageToken: request.pageToken,
				syncToken: request.syncToken,
				requestSyncToken: request.requestSyncToken,
				sortOrder: request.sortOrder,
			}),
		);
		return {
			people: data.connections ?? [],
			nextPageToken: data.nextPageToken ?? undefined,
			nextSyncToken: data.nextSyncToken ?? undefined,
			totalItems: data.totalItems ?? undefined,
		};
	}

	/**
	 * Every page of a listing from `pageToken` on (default: the first), in order; the last one carries
	 * nextSyncToken when requested. The next page is asked for before this one is handed over, so it is on
	 * the wire while the caller works on this one (one read at a time still; a caller that stops early
	 * leaves one read unused).
	 */
	async *listConnections(request: ListConnectionsRequest): AsyncGenerator<ConnectionsPage> {
		let next: Promise<ConnectionsPage> | undefined = this.listConnectionsPage(request);
		try {
			while (next) {
				const page: ConnectionsPage = await next;
				next = page.nextPageToken ? this.listConnectionsPage({ ...request, pageToken: page.nextPageToken }) : undefined;
				yield page;
			}
		} finally {
			// A caller that stopped early (or failed) no longer waits for the page read ahead: its failure is nobody's.
			next?.catch(() => undefined);
		}
	}

	/** The contact, or undefined when it does not exist (any more). */
	async getContact(resourceName: string, personFields: readonly string[]): Promise<Person | undefined> {
		try {
			return await this.call('people.get', () => this.api.people.get({ resourceName, personFields: mask(personFields, 'personFields') }));
		} catch (error) {
			if ((error as GooglePeopleError).httpStatus === 404) return undefined;
			throw error;
		}
	}

	/** The contacts that exist, by resource name (200 per request). */
	async getContacts(resourceNames: readonly string[], personFields: readonly string[]): Promise<Map<string, Person>> {
		const fields = mask(personFields, 'personFields');
		const found = new Map<string, Person>();
		const responses = await mapConcurrently(chunked([...new Set(resourceNames)], PEOPLE_LIMITS.batchGet), this.readConcurrency, (chunk) =>
			this.call('people.getBatchGet', () => this.api.people.getBatchGet({ resourceNames: chunk, personFields: fields })),
		);
		for (const response of responses.flatMap((data) => data.responses ?? [])) {
			if (response.person && response.requestedResourceName) found.set(response.requestedResourceName, response.person);
		}
		return found;
	}

	/**
	 * Contacts by email address (matched trimmed and case-insensitively), for the emails that have any.
	 * Cost: searchContacts needs a warm-up plus one request per email, a listing one request per 1000
	 * contacts; one cheap probe (pageSize 1) reads the contact count, then the cheaper way is taken. So
	 * a few changed contacts cost a few requests, never a scan of the whole account, and an initial
	 * sync of thousands costs a listing. Search has an index that may lag recent writes by minutes, so
	 * a caller that must not miss contacts it just created asks for "list".
	 */
	async findContactsByEmail(emails: readonly string[], personFields: readonly string[], options: FindByEmailOptions = {}): Promise<Map<string, Person[]>> {
		const wanted = new Set(emails.map(normalizeEmail).filter(Boolean));
		const fields = [...new Set([...personFields, 'emailAddresses'])];
		if (!wanted.size) return new Map();
		let strategy = options.strategy ?? 'auto';
		if (strategy === 'auto') {
			const probe = await this.listConnectionsPage({ personFields: ['metadata'], pageSize: 1 });
			const listingRequests = Math.ceil((probe.totalItems ?? 0) / PEOPLE_LIMITS.pageSize);
			strategy = wanted.size + 1 < listingRequests ? 'search' : 'list';
		}
		if (strategy === 'search') {
			const found = await this.searchContactsByEmail([...wanted], fields);
			if (found) return found;
		}
		const matches = new Map<string, Person[]>();
		for await (const page of this.listConnections({ personFields: fields })) {
			for (const person of page.people) this.collectByEmail(person, wanted, matches);
		}
		return matches;
	}

	/**
	 * The account's contact groups. `reuse`: the list read by any client of this account in this
	 * process in the last GROUP_LIST_REUSE_MS (with the groups created since), when there is one.
	 */
	async listContactGroups(options: { reuse?: boolean } = {}): Promise<ContactGroup[]> {
		const cached = this.accountKey === undefined ? undefined : groupLists.get(this.accountKey);
		if (options.reuse && cached && Date.now() - cached.readAt < GROUP_LIST_REUSE_MS) return [...cached.groups];
		const groups: ContactGroup[] = [];
		let pageToken: string | undefined;
		do {
			const data = await this.call('contactGroups.list', () => this.api.contactGroups.list({ pageSize: PEOPLE_LIMITS.pageSize, pageToken, groupFields: GROUP_FIELDS }));
			groups.push(...(data.contactGroups ?? []));
			pageToken = data.nextPageToken ?? undefined;
		} while (pageToken);
		if (this.accountKey !== undefined) groupLists.set(this.accountKey, { groups, readAt: Date.now() });
		return [...groups];
	}

	/** A group by its exact name (user groups) or system id ("myContacts", "starred"). */
	async findContactGroup(name: string): Promise<ContactGroup | undefined> {
		const wanted = name.trim();
		return (await this.listContactGroups()).find((group) => group.name === wanted);
	}

	// ---- writes -----------------------------------------------------------------------------------

	/**
	 * Creates contacts, 200 per request; results are in input order. `readMask` names the fields
	 * returned. `recover`, asked once when Google rejects a call as invalid, may correct the contacts
	 * in place (e.g. a group that no longer exists) and answer true to send the call again, before
	 * the bad contacts are isolated by splitting it.
	 */
	async createContacts(contacts: readonly Person[], readMask: readonly string[], recover?: () => Promise<boolean>): Promise<WriteResult[]> {
		const fields = mask(readMask, 'readMask');
		const results: WriteResult[] = new Array(contacts.length);
		const entries = contacts.map((person, index) => ({ index, person }));
		await this.writeInChunks(entries, PEOPLE_LIMITS.batchCreate, results, recover, {
			body: (chunk) => serialized({ contacts: chunk.map((entry) => ({ contactPerson: entry.person })), readMask: fields }),
			send: async (chunk, requestBody) => {
				const answer = await this.mutation('people.batchCreateContacts', () => this.api.people.batchCreateContacts({ requestBody }, JSON_BODY));
				return () => {
					const created = answer.data.createdPeople;
					chunk.forEach((entry, position) => (results[entry.index] = personResult('people.batchCreateContacts', entry.index, created?.[position])));
				};
			},
		});
		return results;
	}

	/**
	 * Replaces the `updateFields` of each contact (200 per request); each update carries the etag it was
	 * decided on. A contact changed or deleted meanwhile gets a ContactConflictError; the others are written.
	 */
	async updateContacts(updates: readonly ContactUpdate[], updateFields: readonly string[], readMask: readonly string[]): Promise<WriteResult[]> {
		const updateMask = mask(updateFields, 'updateFields');
		const fields = mask(readMask, 'readMask');
		const seen = new Set<string>();
		for (const update of updates) {
			if (seen.has(update.resourceName)) throw new Error(`Contact ${update.resourceName} is listed twice in one update; merge its changes into one update.`);
			seen.add(update.resourceName);
		}
		const results: WriteResult[] = new Array(updates.length);
		const entries = updates.map((update, index) => ({ index, ...update }));
		const updateBody = (chunk: readonly ContactUpdate[]) =>
			serialized({ contacts: Object.fromEntries(chunk.map((entry) => [entry.resourceName, entry.person])), updateMask, readMask: fields });
		await this.writeInChunks(entries, PEOPLE_LIMITS.batchUpdate, results, undefined, {
			body: updateBody,
			send: async (chunk, body) => {
				let pending = chunk;
				let requestBody = body;
				while (pending.length) {
					try {
						const answer = await this.mutation('people.batchUpdateContacts', () => this.api.people.batchUpdateContacts({ requestBody }, JSON_BODY));
						const answered = pending;
						return () => {
							const updated = answer.data.updateResult;
							for (const entry of answered) results[entry.index] = personResult('people.batchUpdateContacts', entry.index, updated?.[entry.resourceName]);
						};
					} catch (error) {
						// One stale or deleted contact fails the whole call: find which, report them, write the rest.
						const failure = error as GooglePeopleError;
						if (failure.status !== 'FAILED_PRECONDITION' && failure.httpStatus !== 404) throw failure;
						const stale = await this.staleContacts(pending);
						if (!stale.size) throw failure;
						for (const entry of pending) {
							const reason = stale.get(entry.resourceName);
							if (reason) results[entry.index] = { ok: false, index: entry.index, error: new ContactConflictError('people.batchUpdateContacts', entry.resourceName, reason, { httpStatus: failure.httpStatus, status: failure.status }) };
						}
						pending = pending.filter((entry) => !stale.has(entry.resourceName));
						requestBody = updateBody(pending);
					}
				}
				return () => undefined;
			},
		});
		return results;
	}

	/** Replaces the `updateFields` of one contact; a stale etag throws ContactConflictError. */
	async updateContact(resourceName: string, person: Person, updateFields: readonly string[], readMask?: readonly string[]): Promise<Person> {
		const updatePersonFields = mask(updateFields, 'updateFields');
		const personFields = readMask ? mask(readMask, 'readMask') : undefined;
		return this.mutate('people.updateContact', () => this.api.people.updateContact({ resourceName, updatePersonFields, personFields, requestBody: serialized(person) }, JSON_BODY), resourceName);
	}

	/** Deletes contacts, 500 per request. */
	async deleteContacts(resourceNames: readonly string[]): Promise<void> {
		for (const chunk of chunked([...new Set(resourceNames)], PEOPLE_LIMITS.batchDelete)) {
			await this.mutate('people.batchDeleteContacts', () => this.api.people.batchDeleteContacts({ requestBody: serialized({ resourceNames: chunk }) }, JSON_BODY));
		}
	}

	/**
	 * The user contact group with this name, created when missing. A 409 (someone created it meanwhile)
	 * is answered by reading it. Asking again, even concurrently, reuses the first answer.
	 */
	ensureContactGroup(name: string): Promise<ContactGroup> {
		const wanted = name.trim();
		if (!wanted) return Promise.reject(new Error('A contact group name must not be empty.'));
		let pending = this.groupsByName.get(wanted);
		if (!pending) {
			pending = this.findOrCreateGroup(wanted);
			this.groupsByName.set(wanted, pending);
			pending.catch(() => this.groupsByName.delete(wanted));
		}
		return pending;
	}

	/** Creates a user contact group; when one of that name exists already (409, e.g. created meanwhile), that one. */
	async createContactGroup(name: string): Promise<ContactGroup> {
		try {
			const created = await this.mutate('contactGroups.create', () => this.api.contactGroups.create({ requestBody: serialized({ contactGroup: { name }, readGroupFields: GROUP_FIELDS }) }, JSON_BODY));
			if (this.accountKey !== undefined) groupLists.get(this.accountKey)?.groups.push(created);
			return created;
		} catch (error) {
			if ((error as GooglePeopleError).httpStatus !== 409) throw error;
			const created = await this.findContactGroup(name);
			if (!created) throw error;
			return created;
		}
	}

	/** Adds and removes members (1000 names per request); contacts that do not exist are reported, not fatal. */
	async modifyGroupMembers(groupResourceName: string, change: { add?: readonly string[]; remove?: readonly string[] }): Promise<GroupMembersResult> {
		const result: GroupMembersResult = { notFound: [], cannotRemoveLastGroup: [] };
		const requests = [
			...chunked([...new Set(change.add ?? [])], PEOPLE_LIMITS.membersModify).map((chunk) => ({ resourceNamesToAdd: chunk })),
			...chunked([...new Set(change.remove ?? [])], PEOPLE_LIMITS.membersModify).map((chunk) => ({ resourceNamesToRemove: chunk })),
		];
		for (const requestBody of requests) {
			const data = await this.mutate('contactGroups.members.modify', () => this.api.contactGroups.members.modify({ resourceName: groupResourceName, requestBody: serialized(requestBody) }, JSON_BODY));
			result.notFound.push(...(data.notFoundResourceNames ?? []));
			result.cannotRemoveLastGroup.push(...(data.canNotRemoveLastContactGroupResourceNames ?? []));
		}
		return result;
	}

	// ---- internals --------------------------------------------------------------------------------

	private async call<T>(operation: string, request: () => Promise<{ data: T }>, resourceName?: string): Promise<T> {
		return (await this.answer(operation, request, resourceName)).data;
	}

	/** The response; its body is parsed when `data` is first read (see connection.ts). */
	private async answer<T>(operation: string, request: () => Promise<{ data: T }>, resourceName?: string): Promise<{ data: T }> {
		try {
			return await request();
		} catch (error) {
			throw toGooglePeopleError(error, operation, resourceName);
		}
	}

	private async mutate<T>(operation: string, request: () => Promise<{ data: T }>, resourceName?: string): Promise<T> {
		return (await this.mutation(operation, request, resourceName)).data;
	}

	/** A mutation's response, read later: writeInChunks parses a chunk's answer while the next chunk is on the wire. */
	private mutation<T>(operation: string, request: () => Promise<{ data: T }>, resourceName?: string): Promise<{ data: T }> {
		return this.mutations.run(() => this.answer(operation, request, resourceName));
	}

	/**
	 * Writes chunk by chunk, strictly one request after another, but with our own work overlapping the
	 * request in flight: while chunk k is on the wire, chunk k-1's results are recorded and chunk k+1's body
	 * is built. A chunk rejected as invalid is offered to `recover` (once a call), then split until the bad
	 * contacts are alone (the others still get written); a failure that is not about the chunk's contacts
	 * (auth, quota or outage outlasting the retry budget) fails that chunk and every later one unsent.
	 */
	private async writeInChunks<E extends { index: number }, B>(entries: E[], size: number, results: WriteResult[], recover: (() => Promise<boolean>) | undefined, write: ChunkWrite<NoInfer<E>, B>): Promise<void> {
		let fatal: GooglePeopleError | undefined;
		let recovery = recover;
		const attempt = async (chunk: E[]): Promise<void> => {
			if (fatal) return failAll(chunk, fatal, results);
			try {
				(await write.send(chunk, write.body(chunk)))();
			} catch (error) {
				await recoverFrom(chunk, error);
			}
		};
		const recoverFrom = async (chunk: E[], error: unknown): Promise<void> => {
			const failure = error instanceof GooglePeopleError ? error : toGooglePeopleError(error, 'write');
			if (failure.status === 'INVALID_ARGUMENT' && recovery) {
				const corrected = await recovery();
				recovery = undefined;
				if (corrected) return attempt(chunk);
			}
			if (failure.status === 'INVALID_ARGUMENT' && chunk.length > 1) {
				const middle = Math.ceil(chunk.length / 2);
				await attempt(chunk.slice(0, middle));
				return attempt(chunk.slice(middle));
			}
			failAll(chunk, failure, results);
			if (!concernsOnlyThisRequest(failure)) fatal = failure;
		};
		const chunks = chunked(entries, size);
		let body = chunks.length ? write.body(chunks[0]) : undefined;
		let recordPrevious = () => {};
		for (let position = 0; position < chunks.length; position++) {
			const chunk = chunks[position];
			const following = chunks[position + 1];
			if (fatal) {
				failAll(chunk, fatal, results);
				continue;
			}
			// Settled either way, so a quick rejection is not left unhandled while we work below.
			const outcome = write.send(chunk, body as B).then((record) => ({ record }), (error: unknown) => ({ error }));
			// The request's own preparation runs to the socket first (promise jobs run before an immediate).
			await new Promise(setImmediate);
			recordPrevious();
			let followingBody = following && write.body(following);
			const sent = await outcome;
			if ('record' in sent) {
				recordPrevious = sent.record;
			} else {
				recordPrevious = () => {};
				await recoverFrom(chunk, sent.error);
				// `recover` may have corrected the contacts in place since that body was built.
				if (following) followingBody = write.body(following);
			}
			body = followingBody;
		}
		recordPrevious();
	}

	/** Which of these updates were decided on an etag that is no longer current, with why. */
	private async staleContacts(updates: readonly ContactUpdate[]): Promise<Map<string, string>> {
		const current = await this.getContacts(updates.map((update) => update.resourceName), ['metadata']);
		const stale = new Map<string, string>();
		for (const update of updates) {
			const person = current.get(update.resourceName);
			const sentEtag = update.person.etag ?? update.person.metadata?.sources?.[0]?.etag;
			const currentEtag = update.person.etag ? person?.etag : person?.metadata?.sources?.[0]?.etag;
			if (!person) stale.set(update.resourceName, 'the contact was deleted');
			else if (sentEtag !== currentEtag) stale.set(update.resourceName, 'its etag is no longer current');
		}
		return stale;
	}

	private async findOrCreateGroup(name: string): Promise<ContactGroup> {
		return (await this.findContactGroup(name)) ?? this.createContactGroup(name);
	}

	/**
	 * Search: a warm-up, then one query per (normalized) email; undefined when a result list was cut at
	 * 30 (a listing is needed). The search index may lag recent writes.
	 */
	async searchContactsByEmail(emails: readonly string[], fields: readonly string[]): Promise<Map<string, Person[]> | undefined> {
		const readMask = mask(fields, 'personFields');
		await this.call('people.searchContacts', () => this.api.people.searchContacts({ query: '', readMask, pageSize: 1 }));
		const answers = await mapConcurrently(emails, this.readConcurrency, (email) =>
			this.call('people.searchContacts', () => this.api.people.searchContacts({ query: email, readMask, pageSize: PEOPLE_LIMITS.searchPageSize })),
		);
		if (answers.some((answer) => (answer.results?.length ?? 0) >= PEOPLE_LIMITS.searchPageSize)) return undefined;
		const wanted = new Set(emails);
		const matches = new Map<string, Person[]>();
		const seen = new Set<string>();
		for (const person of answers.flatMap((answer) => answer.results ?? []).map((result) => result.person)) {
			if (!person?.resourceName || seen.has(person.resourceName)) continue;
			seen.add(person.resourceName);
			this.collectByEmail(person, wanted, matches);
		}
		return matches;
	}

	private collectByEmail(person: Person, wanted: ReadonlySet<string>, matches: Map<string, Person[]>): void {
		const emails = new Set((person.emailAddresses ?? []).map((email) => normalizeEmail(email.value ?? '')));
		for (const email of emails) {
			if (!wanted.has(email)) continue;
			const list = matches.get(email) ?? [];
			list.push(person);
			matches.set(email, list);
		}
	}
}
