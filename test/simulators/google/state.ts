/**
 * The People API simulator's model: one user's contacts, contact groups, change history (for sync
 * tokens), OAuth grants and quotas. Everything the routes do goes through here, and so does the
 * control API (edits "as the user", revocations, expiries), so both see one consistent account.
 */
import type { people_v1 } from '@googleapis/people';
import { copyJson } from '../common/json';
import { issueSecret } from '../common/secrets';
import {
	GoogleApiError,
	alreadyExists,
	errorInfo,
	failedPrecondition,
	insufficientScopes,
	invalidArgument,
	notFound,
	projectGroup,
	projectPerson,
	statusOf,
	unauthenticated,
} from './wire';
import { UPDATABLE_PERSON_FIELDS, matchesQuery, normalizeFields, searchTerms, validatePersonShape } from './person';

type Person = people_v1.Schema$Person;
type ContactGroup = people_v1.Schema$ContactGroup;

export const CONTACTS_SCOPE = 'https://www.googleapis.com/auth/contacts';
export const CONTACTS_READONLY_SCOPE = 'https://www.googleapis.com/auth/contacts.readonly';

export interface GoogleStateOptions {
	seed?: number;
	/** Lifetime of issued access tokens (`expires_in`); Google's is 3599. */
	tokenLifetimeSeconds?: number;
	/** Sync tokens expire this long after the full sync they descend from; Google's is 7 days. */
	syncTokenLifetimeSeconds?: number;
	/** Google answers an expired sync token with 400 today; older docs said 410. */
	expiredSyncTokenHttpStatus?: 400 | 410;
	quotaPerMinute?: { read?: number; write?: number };
	/** The quota window; 60 s as in Google's "per minute per user" limits. */
	quotaWindowSeconds?: number;
	/** Delay before every API answer. */
	latencyMs?: number;
	/**
	 * Fail a mutation that arrives while another mutation of the same user is in progress
	 * ("Mutate requests for the same user should be sent sequentially"), to prove clients serialise writes.
	 */
	rejectConcurrentMutations?: boolean;
	/** How long a mutation is in progress; defaults to 25 ms when rejectConcurrentMutations is on, else 0. */
	mutationDurationMs?: number;
}

export type SortOrder = 'LAST_MODIFIED_ASCENDING' | 'LAST_MODIFIED_DESCENDING' | 'FIRST_NAME_ASCENDING' | 'LAST_NAME_ASCENDING';

export interface ConnectionsRequest {
	personFields: ReadonlySet<string>;
	pageSize: number;
	pageToken?: string;
	syncToken?: string;
	requestSyncToken: boolean;
	sortOrder: SortOrder;
	sources: string[];
}

export class OAuthError extends Error {
	constructor(
		readonly httpStatus: number,
		readonly error: string,
		readonly description: string,
	) {
		super(description);
	}
}

export interface TokenResponse {
	access_token: string;
	expires_in: number;
	scope: string;
	token_type: 'Bearer';
	refresh_token?: string;
}

/** The settings that can be changed while the simulator runs (control API: PATCH /_sim/settings). */
export interface GoogleSimulatorSettings {
	latencyMs: number;
	quotaPerMinute: { read?: number; write?: number };
	rejectConcurrentMutations: boolean;
	mutationDurationMs: number;
	tokenLifetimeSeconds: number;
	syncTokenLifetimeSeconds: number;
}

export interface MutationStats {
	inFlight: number;
	maxConcurrent: number;
	rejectedAsConcurrent: number;
	total: number;
}

interface StoredPerson {
	person: Person;
	version: number;
}

interface Tombstone {
	resourceName: string;
	etag: string;
	sourceId: string;
	version: number;
}

interface StoredGroup {
	group: ContactGroup;
	version: number;
	system: boolean;
	deleted?: boolean;
}

interface PageSession {
	signature: string;
	resourceNames: string[];
	/** Changes up to this version are covered once the last page is read. */
	throughVersion: number;
	/** For sync listings, the version the sync token stood at; persons are only returned if changed since. */
	sinceVersion?: number;
	fullSyncAt: number;
}

interface SyncTokenRecord {
	kind: 'connections' | 'contactGroups';
	version: number;
	fullSyncAt: number;
	expired: boolean;
}

const SYSTEM_GROUPS: Array<[string, string]> = [
	['myContacts', 'My Contacts'],
	['starred', 'Starred'],
	['friends', 'Friends'],
	['family', 'Family'],
	['coworkers', 'Coworkers'],
];
/** The only system groups that members can be added to. */
const ADDABLE_SYSTEM_GROUPS = new Set(['contactGroups/myContacts', 'contactGroups/starred']);
const MY_CONTACTS: people_v1.Schema$Membership = { contactGroupMembership: { contactGroupResourceName: 'contactGroups/myContacts' } };
const MAX_PAGE_SESSIONS = 500;
const NO_GROUPS: ReadonlySet<string> = new Set();

function base64url(text: string): string {
	return Buffer.from(text, 'utf8').toString('base64url');
}

function fromBase64url(text: string): string {
	return Buffer.from(text, 'base64url').toString('utf8');
}

/** The last time googleTime wrote: a batch's people are all written within the same millisecond or few. */
const lastGoogleTime = { ms: Number.NaN, text: '' };

/** RFC 3339 with microseconds, as Google writes updateTime. */
function googleTime(ms: number): string {
	if (ms !== lastGoogleTime.ms) Object.assign(lastGoogleTime, { ms, text: new Date(ms).toISOString().replace('Z', '000Z') });
	return lastGoogleTime.text;
}

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

export class GoogleState {
	readonly clientId = 'sim-client-1234567890.apps.googleusercontent.com';
	readonly clientSecret = issueSecret('Google client secret', 'GOCSPX-', 16);
	readonly refreshToken: string;

	readonly settings: GoogleSimulatorSettings;
	readonly mutations: MutationStats = { inFlight: 0, maxConcurrent: 0, rejectedAsConcurrent: 0, total: 0 };

	private readonly options: GoogleStateOptions;
	private version = 0;
	private idCounter = 0;
	private tokenCounter = 0;
	private people = new Map<string, StoredPerson>();
	private tombstones = new Map<string, Tombstone>();
	/** Every write to a person or tombstone, in version order: a sync listing reads the changes since its token, not every person. */
	private personChanges: Array<{ resourceName: string; version: number }> = [];
	private groups = new Map<string, StoredGroup>();
	private membersByGroup = new Map<string, Set<string>>();
	private syncTokens = new Map<string, SyncTokenRecord>();
	private pageSessions = new Map<string, PageSession>();
	/** searchContacts' cache: the searchable values as of the last warm-up request. */
	private searchIndex = new Map<string, string[]>();
	private quotaLog = { read: [] as number[], write: [] as number[] };
	private accessTokens = new Map<string, { expiresAt: number; scope: string }>();
	private refreshTokens = new Map<string, { scope: string; revoked: boolean }>();
	private authorizationCodes = new Map<string, { redirectUri: string; scope: string }>();

	constructor(options: GoogleStateOptions = {}) {
		this.options = options;
		const rejectConcurrentMutations = options.rejectConcurrentMutations ?? false;
		this.settings = {
			latencyMs: options.latencyMs ?? 0,
			quotaPerMinute: { ...options.quotaPerMinute },
			rejectConcurrentMutations,
			mutationDurationMs: options.mutationDurationMs ?? (rejectConcurrentMutations ? 25 : 0),
			tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3599,
			syncTokenLifetimeSeconds: options.syncTokenLifetimeSeconds ?? 7 * 24 * 3600,
		};
		this.refreshToken = issueSecret('Google refresh token', '1//');
		this.refreshTokens.set(this.refreshToken, { scope: CONTACTS_SCOPE, revoked: false });
		this.createSystemGroups();
	}

	/** Back to an empty account (system groups only); OAuth grants stay, the default refresh token is valid again. */
	reset(): void {
		this.version = 0;
		this.idCounter = 0;
		this.people.clear();
		this.tombstones.clear();
		this.personChanges = [];
		this.groups.clear();
		this.membersByGroup.clear();
		this.syncTokens.clear();
		this.pageSessions.clear();
		this.searchIndex.clear();
		this.quotaLog = { read: [], write: [] };
		Object.assign(this.mutations, { inFlight: 0, maxConcurrent: 0, rejectedAsConcurrent: 0, total: 0 });
		this.refreshTokens.set(this.refreshToken, { scope: CONTACTS_SCOPE, revoked: false });
		this.createSystemGroups();
	}

	// ---- OAuth ------------------------------------------------------------------------------------

	checkClient(clientId: string | undefined, clientSecret: string | undefined): void {
		if (clientId !== this.clientId || clientSecret !== this.clientSecret) {
			throw new OAuthError(401, 'invalid_client', 'Unauthorized');
		}
	}

	/** The consent step of the authorization-code flow, approved at once (there is no user to ask). */
	authorize(clientId: string | undefined, redirectUri: string | undefined, scope: string | undefined): string {
		if (clientId !== this.clientId) throw new OAuthError(401, 'invalid_client', 'The OAuth client was not found.');
		if (!redirectUri) throw new OAuthError(400, 'invalid_request', 'Missing required parameter: redirect_uri');
		const code = `4/sim-code-${++this.tokenCounter}`;
		this.authorizationCodes.set(code, { redirectUri, scope: scope || CONTACTS_SCOPE });
		return code;
	}

	exchangeCode(code: string | undefined, redirectUri: string | undefined): TokenResponse {
		const grant = code ? this.authorizationCodes.get(code) : undefined;
		if (!grant) throw new OAuthError(400, 'invalid_grant', 'Malformed auth code.');
		this.authorizationCodes.delete(code!);
		if (grant.redirectUri !== redirectUri) throw new OAuthError(400, 'redirect_uri_mismatch', 'Bad Request');
		const refreshToken = issueSecret('Google refresh token', '1//');
		this.refreshTokens.set(refreshToken, { scope: grant.scope, revoked: false });
		return { ...this.issueAccessToken(grant.scope), refresh_token: refreshToken };
	}

	refreshAccessToken(refreshToken: string | undefined): TokenResponse {
		const grant = refreshToken ? this.refreshTokens.get(refreshToken) : undefined;
		if (!grant || grant.revoked) throw new OAuthError(400, 'invalid_grant', 'Token has been expired or revoked.');
		return this.issueAccessToken(grant.scope);
	}

	/** A refresh token with another scope (for example read-only), as a second consent would give. */
	grantRefreshToken(scope = CONTACTS_SCOPE): string {
		const refreshToken = issueSecret('Google refresh token', '1//');
		this.refreshTokens.set(refreshToken, { scope, revoked: false });
		return refreshToken;
	}

	/** The user removed the app's access: every refresh token (or the given one) stops working, and so do access tokens. */
	revokeRefreshTokens(refreshToken?: string): void {
		for (const [token, grant] of this.refreshTokens) if (!refreshToken || token === refreshToken) grant.revoked = true;
		this.accessTokens.clear();
	}

	/** Every issued access token expires now; clients must refresh. */
	expireAccessTokens(): void {
		this.accessTokens.clear();
	}

	/** Throws 401/403 unless the bearer token is live and its scope allows the request. */
	authenticate(authorization: string | undefined, write: boolean): void {
		const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
		if (!match) throw unauthenticated('missing');
		const token = this.accessTokens.get(match[1]);
		if (!token) throw unauthenticated('invalid');
		if (token.expiresAt <= Date.now()) {
			this.accessTokens.delete(match[1]);
			throw unauthenticated('expired');
		}
		const scopes = token.scope.split(' ');
		if (!scopes.includes(CONTACTS_SCOPE) && (write || !scopes.includes(CONTACTS_READONLY_SCOPE))) throw insufficientScopes();
	}

	private issueAccessToken(scope: string): TokenResponse {
		const accessToken = issueSecret('Google access token', 'ya29.', 40);
		this.accessTokens.set(accessToken, { expiresAt: Date.now() + this.settings.tokenLifetimeSeconds * 1000, scope });
		return { access_token: accessToken, expires_in: this.settings.tokenLifetimeSeconds, scope, token_type: 'Bearer' };
	}

	// ---- quotas and mutation concurrency ----------------------------------------------------------

	/** Counts one request against the per-minute quota of its kind, or throws 429 when it is used up. */
	consumeQuota(kind: 'read' | 'write'): void {
		const limit = this.settings.quotaPerMinute[kind];
		if (limit === undefined) return;
		const now = Date.now();
		const windowMs = (this.options.quotaWindowSeconds ?? 60) * 1000;
		const log = this.quotaLog[kind].filter((at) => at > now - windowMs);
		this.quotaLog[kind] = log;
		if (log.length >= limit) {
			const metric = kind === 'read' ? 'Critical read requests (Contact and Profile Reads)' : 'Contact write requests (Contact writes)';
			const message = `Quota exceeded for quota metric '${metric}' and limit '${metric} per minute per user' of service 'people.googleapis.com' for consumer 'project_number:1234567890'.`;
			throw new GoogleApiError(429, 'RESOURCE_EXHAUSTED', message, [
				errorInfo('RATE_LIMIT_EXCEEDED', { quota_metric: `people.googleapis.com/${kind}_requests`, quota_limit: `${kind}RequestsPerMinutePerUser`, service: 'people.googleapis.com', consumer: 'projects/1234567890' }, 'googleapis.com'),
			]);
		}
		log.push(now);
	}

	/** Runs one mutation, holding the user's "mutation in progress" flag for its duration. */
	async mutate<T>(apply: () => T): Promise<T> {
		if (this.mutations.inFlight > 0 && this.settings.rejectConcurrentMutations) {
			this.mutations.rejectedAsConcurrent++;
			throw new GoogleApiError(409, 'ABORTED', 'The operation was aborted because another mutation for this user was in progress. Mutate requests for the same user should be sent sequentially.');
		}
		this.mutations.inFlight++;
		this.mutations.total++;
		this.mutations.maxConcurrent = Math.max(this.mutations.maxConcurrent, this.mutations.inFlight);
		try {
			if (this.settings.mutationDurationMs > 0) await sleep(this.settings.mutationDurationMs);
			return apply();
		} finally {
			this.mutations.inFlight--;
		}
	}

	// ---- people: reads ----------------------------------------------------------------------------

	listConnections(request: ConnectionsRequest): people_v1.Schema$ListConnectionsResponse {
		const signature = JSON.stringify([[...request.personFields].sort(), request.sortOrder, request.requestSyncToken, request.syncToken ?? '', [...request.sources].sort()]);
		let sessionId: string;
		let offset = 0;
		let session: PageSession | undefined;
		if (request.pageToken) {
			const [id, at] = fromBase64url(request.pageToken).split(':');
			session = this.pageSessions.get(id);
			offset = Number(at);
			if (!session || !Number.isInteger(offset)) throw invalidArgument('Page token is invalid or has expired. Restart the listing without a page token.');
			if (session.signature !== signature) throw invalidArgument('Request parameters must match the first call when page_token is specified.');
			sessionId = id;
		} else {
			session = request.syncToken ? this.startSyncListing(request.syncToken, 'connections') : this.startFullListing(request.sortOrder);
			session.signature = signature;
			sessionId = String(++this.tokenCounter);
			this.pageSessions.set(sessionId, session);
			if (this.pageSessions.size > MAX_PAGE_SESSIONS) this.pageSessions.delete(this.pageSessions.keys().next().value!);
		}
		const names = session.resourceNames.slice(offset, offset + request.pageSize);
		const connections: Person[] = [];
		for (const resourceName of names) {
			const stored = this.people.get(resourceName);
			const tombstone = this.tombstones.get(resourceName);
			if (stored) connections.push(projectPerson(stored.person, request.personFields));
			else if (session.sinceVersion !== undefined && tombstone) connections.push(this.deletedPerson(tombstone));
		}
		const response: people_v1.Schema$ListConnectionsResponse = {};
		if (connections.length) response.connections = connections;
		const nextOffset = offset + request.pageSize;
		if (nextOffset < session.resourceNames.length) response.nextPageToken = base64url(`${sessionId}:${nextOffset}`);
		else if (request.requestSyncToken) response.nextSyncToken = this.newSyncToken('connections', session.throughVersion, session.fullSyncAt);
		response.totalPeople = session.resourceNames.length;
		response.totalItems = session.resourceNames.length;
		return response;
	}

	getPerson(resourceName: string, fields: ReadonlySet<string>): Person {
		const stored = this.people.get(resourceName);
		if (!stored) throw notFound();
		return projectPerson(stored.person, fields);
	}

	batchGet(resourceNames: string[], fields: ReadonlySet<string>): people_v1.Schema$GetPeopleResponse {
		return {
			responses: resourceNames.map((resourceName) => {
				const stored = this.people.get(resourceName);
				if (!stored) return { requestedResourceName: resourceName, httpStatusCode: 404, status: statusOf(notFound()) };
				return { requestedResourceName: resourceName, httpStatusCode: 200, person: projectPerson(stored.person, fields), status: {} };
			}),
		};
	}

	/** searchContacts: an empty query is the warm-up that refreshes the cache; other queries read the cache. */
	search(query: string, fields: ReadonlySet<string>, pageSize: number): people_v1.Schema$SearchResponse {
		if (!query.trim()) {
			this.refreshSearchIndex();
			return {};
		}
		const results: people_v1.Schema$SearchResult[] = [];
		for (const [resourceName, terms] of this.searchIndex) {
			if (results.length >= pageSize) break;
			const stored = this.people.get(resourceName);
			if (stored && matchesQuery(terms, query)) results.push({ person: projectPerson(stored.person, fields) });
		}
		return results.length ? { results } : {};
	}

	refreshSearchIndex(): void {
		this.searchIndex = new Map([...this.people].map(([resourceName, stored]) => [resourceName, searchTerms(stored.person)]));
	}

	// ---- people: writes ---------------------------------------------------------------------------

	/** `inPlace`: the input was parsed from a request body and is the simulator's own, stored without a copy. */
	createContact(input: unknown, inPlace = false): Person {
		return this.commitNew(this.prepareNew(input, 'person', inPlace));
	}

	/** The whole batch is validated before anything is stored: a bad contact fails the call, not half of it. */
	createContacts(inputs: unknown[], inPlace = false): Person[] {
		const prepared = inputs.map((input, index) => this.prepareNew(input, `contacts[${index}].contact_person`, inPlace));
		return prepared.map((contact) => this.commitNew(contact));
	}

	/**
	 * updateContact: the listed fields are replaced by the request's values (absent means cleared).
	 * The request must carry the current person etag (or the contact source's etag). `inPlace` as for createContact.
	 */
	updateContact(resourceName: string, input: unknown, updateFields: ReadonlySet<string>, inPlace = false): Person {
		const update = this.prepareUpdate(resourceName, input, updateFields, 'person', inPlace);
		return this.commitPerson(resourceName, update.sourceId, update.fields, update.stored, updateFields).person;
	}

	/** Checked as a whole first (existence, etags, shape), so a stale etag fails the call before any write. */
	batchUpdate(contacts: Record<string, unknown>, updateFields: ReadonlySet<string>, inPlace = false): Record<string, Person> {
		const updates = Object.entries(contacts).map(([resourceName, input]) => this.prepareUpdate(resourceName, input, updateFields, `contacts[${resourceName}]`, inPlace));
		return Object.fromEntries(updates.map((update) => [update.resourceName, this.commitPerson(update.resourceName, update.sourceId, update.fields, update.stored, updateFields).person]));
	}

	deleteContact(resourceName: string): void {
		const stored = this.people.get(resourceName);
		if (!stored) throw notFound();
		this.setMemberships(resourceName, stored.person, undefined);
		this.people.delete(resourceName);
		const version = ++this.version;
		this.tombstones.set(resourceName, { resourceName, etag: this.personEtag(resourceName, version), sourceId: stored.person.metadata!.sources![0].id!, version });
		this.personChanges.push({ resourceName, version });
	}

	batchDelete(resourceNames: string[]): void {
		const missing = resourceNames.find((resourceName) => !this.people.has(resourceName));
		if (missing) throw notFound(`Requested entity was not found: ${missing}.`);
		for (const resourceName of new Set(resourceNames)) this.deleteContact(resourceName);
	}

	// ---- the user in Google Contacts (control API) ------------------------------------------------

	/** Changes the given fields as the user would in the Contacts UI: no etag check, new etag, appears in sync. */
	editAsUser(resourceName: string, changes: Person): Person {
		const stored = this.people.get(resourceName);
		if (!stored) throw notFound();
		const fields = Object.keys(changes).filter((field) => UPDATABLE_PERSON_FIELDS.has(field));
		return this.updateContact(resourceName, { ...changes, etag: stored.person.etag }, new Set(fields));
	}

	listAll(): Person[] {
		return [...this.people.values()].map((stored) => copyJson(stored.person));
	}

	getFull(resourceName: string): Person | undefined {
		const stored = this.people.get(resourceName);
		return stored && copyJson(stored.person);
	}

	get contactCount(): number {
		return this.people.size;
	}

	/** Every sync token handed out so far is expired from now on. */
	expireSyncTokens(): void {
		for (const record of this.syncTokens.values()) record.expired = true;
	}

	// ---- contact groups ---------------------------------------------------------------------------

	listGroups(fields: ReadonlySet<string>, pageSize: number, pageToken?: string, syncToken?: string): people_v1.Schema$ListContactGroupsResponse {
		const since = syncToken ? this.syncTokenVersion(syncToken, 'contactGroups') : undefined;
		const all = [...this.groups.values()].filter((stored) => (since === undefined ? !stored.deleted : stored.version > since));
		const offset = pageToken ? Number(fromBase64url(pageToken)) : 0;
		if (!Number.isInteger(offset) || offset < 0) throw invalidArgument('Page token is invalid.');
		const page = all.slice(offset, offset + pageSize).map((stored) =>
			stored.deleted ? { resourceName: stored.group.resourceName, etag: stored.group.etag, metadata: { ...stored.group.metadata, deleted: true } } : this.projectGroupOf(stored, fields, 0),
		);
		const response: people_v1.Schema$ListContactGroupsResponse = { totalItems: all.length };
		if (page.length) response.contactGroups = page;
		if (offset + pageSize < all.length) response.nextPageToken = base64url(String(offset + pageSize));
		else response.nextSyncToken = this.newSyncToken('contactGroups', this.version, Date.now());
		return response;
	}

	getGroup(resourceName: string, fields: ReadonlySet<string>, maxMembers: number): ContactGroup {
		const stored = this.groups.get(resourceName);
		if (!stored || stored.deleted) throw notFound();
		return this.projectGroupOf(stored, fields, maxMembers);
	}

	batchGetGroups(resourceNames: string[], fields: ReadonlySet<string>, maxMembers: number): people_v1.Schema$BatchGetContactGroupsResponse {
		return {
			responses: resourceNames.map((resourceName) => {
				const stored = this.groups.get(resourceName);
				if (!stored || stored.deleted) return { requestedResourceName: resourceName, status: statusOf(notFound()) };
				return { requestedResourceName: resourceName, contactGroup: this.projectGroupOf(stored, fields, maxMembers), status: {} };
			}),
		};
	}

	createGroup(input: ContactGroup | undefined, fields: ReadonlySet<string>): ContactGroup {
		const name = input?.name?.trim();
		if (!name) throw invalidArgument("Invalid value at 'contact_group.name': a contact group needs a name.");
		this.checkGroupNameFree(name);
		const id = (0x1a2b3c4d5e6f00n + BigInt(++this.idCounter)).toString(16);
		const stored = this.commitGroup({ resourceName: `contactGroups/${id}`, groupType: 'USER_CONTACT_GROUP', name, formattedName: name, clientData: input?.clientData ?? undefined }, false);
		this.membersByGroup.set(stored.group.resourceName!, new Set());
		return this.projectGroupOf(stored, fields, 0);
	}

	updateGroup(resourceName: string, input: ContactGroup | undefined, updateFields: ReadonlySet<string>, fields: ReadonlySet<string>): ContactGroup {
		const stored = this.groups.get(resourceName);
		if (!stored || stored.deleted) throw notFound();
		if (stored.system) throw invalidArgument(`System contact group ${resourceName} cannot be modified.`);
		if (input?.etag && input.etag !== stored.group.etag) throw failedPrecondition('Request contactGroup.etag is different than the current contactGroup.etag. Clear local cache and get the latest contact group.');
		const group = { ...stored.group };
		if (updateFields.has('name')) {
			const name = input?.name?.trim();
			if (!name) throw invalidArgument("Invalid value at 'contact_group.name': a contact group needs a name.");
			if (name !== group.name) this.checkGroupNameFree(name);
			group.name = name;
			group.formattedName = name;
		}
		if (updateFields.has('clientData')) group.clientData = input?.clientData ?? undefined;
		return this.projectGroupOf(this.commitGroup(group, false), fields, 0);
	}

	deleteGroup(resourceName: string, deleteContacts: boolean): void {
		const stored = this.groups.get(resourceName);
		if (!stored || stored.deleted) throw notFound();
		if (stored.system) throw invalidArgument(`System contact group ${resourceName} cannot be deleted.`);
		for (const member of [...(this.membersByGroup.get(resourceName) ?? [])]) {
			if (deleteContacts) this.deleteContact(member);
			else this.changeMembership(member, resourceName, false);
		}
		this.membersByGroup.delete(resourceName);
		const deleted = this.commitGroup(stored.group, false);
		deleted.deleted = true;
	}

	modifyMembers(resourceName: string, add: string[], remove: string[]): people_v1.Schema$ModifyContactGroupMembersResponse {
		const stored = this.groups.get(resourceName);
		if (!stored || stored.deleted) throw notFound();
		if (add.length && stored.system && !ADDABLE_SYSTEM_GROUPS.has(resourceName)) {
			throw invalidArgument(`Cannot add contacts to the system contact group ${resourceName}; only myContacts, starred and user groups accept members.`);
		}
		const notFoundResourceNames: string[] = [];
		const canNotRemoveLastContactGroupResourceNames: string[] = [];
		for (const member of add) {
			if (!this.people.has(member)) notFoundResourceNames.push(member);
			else this.changeMembership(member, resourceName, true);
		}
		for (const member of remove) {
			const person = this.people.get(member)?.person;
			if (!person) notFoundResourceNames.push(member);
			else if (!this.membersByGroup.get(resourceName)?.has(member)) continue;
			else if ((person.memberships ?? []).length <= 1) canNotRemoveLastContactGroupResourceNames.push(member);
			else this.changeMembership(member, resourceName, false);
		}
		const response: people_v1.Schema$ModifyContactGroupMembersResponse = {};
		if (notFoundResourceNames.length) response.notFoundResourceNames = notFoundResourceNames;
		if (canNotRemoveLastContactGroupResourceNames.length) response.canNotRemoveLastContactGroupResourceNames = canNotRemoveLastContactGroupResourceNames;
		return response;
	}

	// ---- internals --------------------------------------------------------------------------------

	private createSystemGroups(): void {
		for (const [id, formattedName] of SYSTEM_GROUPS) {
			const resourceName = `contactGroups/${id}`;
			this.commitGroup({ resourceName, groupType: 'SYSTEM_CONTACT_GROUP', name: id, formattedName }, true);
			this.membersByGroup.set(resourceName, new Set());
		}
	}

	private newPersonId(): { idNumber: bigint; resourceName: string } {
		// Contact ids are 64-bit numbers: the resource name has them in decimal, the source id in hex.
		const idNumber = 0x1c3e5a7b9d000000n + BigInt((this.options.seed ?? 42) % 4096) * 0x100000000n + BigInt(++this.idCounter) * 7919n;
		return { idNumber, resourceName: `people/c${idNumber}` };
	}

	private prepareNew(input: unknown, path: string, inPlace: boolean): { resourceName: string; sourceId: string; fields: Person } {
		validatePersonShape(input, path);
		const { idNumber, resourceName } = this.newPersonId();
		const sourceId = idNumber.toString(16);
		// A new contact without memberships lands in "My Contacts", as one created in the Contacts UI does.
		const fields = normalizeFields(input, UPDATABLE_PERSON_FIELDS, sourceId, path, { fallback: { memberships: [MY_CONTACTS] }, inPlace });
		this.checkMembershipsAddable(fields.memberships!, NO_GROUPS, path);
		return { resourceName, sourceId, fields };
	}

	private commitNew(contact: { resourceName: string; sourceId: string; fields: Person }): Person {
		return this.commitPerson(contact.resourceName, contact.sourceId, contact.fields).person;
	}

	private prepareUpdate(resourceName: string, input: unknown, updateFields: ReadonlySet<string>, path: string, inPlace: boolean) {
		const stored = this.people.get(resourceName);
		if (!stored) throw notFound(`Requested entity was not found: ${resourceName}.`);
		validatePersonShape(input, path);
		const source = stored.person.metadata!.sources![0];
		const requestSourceEtag = input.metadata?.sources?.find((candidate) => candidate.type === 'CONTACT')?.etag;
		if (!input.etag && !requestSourceEtag) {
			throw invalidArgument(`Request must set ${path}.etag or ${path}.metadata.sources.etag for the source that is being updated.`);
		}
		if (input.etag ? input.etag !== stored.person.etag : requestSourceEtag !== source.etag) {
			const which = input.etag ? 'person.etag' : 'person.metadata.sources.etag';
			throw failedPrecondition(`Request ${which} is different than the current ${which}. Clear local cache and get the latest person.`);
		}
		const sourceId = source.id!;
		const fields = normalizeFields(input, updateFields, sourceId, path, { inPlace });
		if (updateFields.has('memberships')) {
			if (!fields.memberships?.length) throw invalidArgument(`Invalid value at '${path}.memberships': a contact must keep at least one contact group membership.`);
			const current = new Set((stored.person.memberships ?? []).map((membership) => membership.contactGroupMembership!.contactGroupResourceName!));
			this.checkMembershipsAddable(fields.memberships, current, path);
		}
		return { resourceName, stored, sourceId, fields };
	}

	private personEtag(resourceName: string, version: number): string {
		return `%Eg${base64url(`${resourceName}|${version}`)}`;
	}

	/** Stores a new version: `fields` (normalised) over the previous version, whose `replaced` fields missing from `fields` are cleared. */
	private commitPerson(resourceName: string, sourceId: string, fields: Person, previous?: StoredPerson, replaced: Iterable<string> = []): StoredPerson {
		const version = ++this.version;
		const now = Date.now();
		// A new person is the normalised fields themselves (they are not used elsewhere). A new version starts from the last one's
		// fields, sharing the items it keeps: a stored version is never edited in place.
		const person: Person = previous ? { ...previous.person } : fields;
		if (previous) {
			for (const field of replaced) if (!(field in fields) && field in person) delete (person as Record<string, unknown>)[field];
			Object.assign(person, fields);
		}
		person.resourceName = resourceName;
		person.etag = this.personEtag(resourceName, version);
		person.metadata = {
			sources: [{ type: 'CONTACT', id: sourceId, etag: `#${base64url(`${sourceId}|${version}`)}`, updateTime: googleTime(now) }],
			objectType: 'PERSON',
		};
		this.setMemberships(resourceName, previous?.person, person);
		const stored = { person, version };
		this.people.set(resourceName, stored);
		this.tombstones.delete(resourceName);
		this.personChanges.push({ resourceName, version });
		return stored;
	}

	private setMemberships(resourceName: string, before: Person | undefined, after: Person | undefined): void {
		for (const membership of before?.memberships ?? []) this.membersByGroup.get(membership.contactGroupMembership!.contactGroupResourceName!)?.delete(resourceName);
		for (const membership of after?.memberships ?? []) this.membersByGroup.get(membership.contactGroupMembership!.contactGroupResourceName!)?.add(resourceName);
	}

	private checkMembershipsAddable(memberships: people_v1.Schema$Membership[], current: ReadonlySet<string>, path: string): void {
		for (const membership of memberships) {
			const group = membership.contactGroupMembership!.contactGroupResourceName!;
			if (current.has(group)) continue;
			const stored = this.groups.get(group);
			if (!stored || stored.deleted) throw invalidArgument(`Invalid value at '${path}.memberships': contact group ${group} was not found.`);
			if (stored.system && !ADDABLE_SYSTEM_GROUPS.has(group)) {
				throw invalidArgument(`Invalid value at '${path}.memberships': contacts cannot be added to the system contact group ${group}.`);
			}
		}
	}

	private changeMembership(resourceName: string, group: string, member: boolean): void {
		const stored = this.people.get(resourceName)!;
		const others = (stored.person.memberships ?? []).filter((membership) => membership.contactGroupMembership!.contactGroupResourceName !== group);
		if (member && others.length !== (stored.person.memberships ?? []).length) return;
		if (!member && others.length === (stored.person.memberships ?? []).length) return;
		const memberships = member ? [...others, { contactGroupMembership: { contactGroupResourceName: group } }] : others.length ? others : [MY_CONTACTS];
		const sourceId = stored.person.metadata!.sources![0].id!;
		this.commitPerson(resourceName, sourceId, normalizeFields({ memberships }, ['memberships'], sourceId, 'person'), stored, ['memberships']);
	}

	private checkGroupNameFree(name: string): void {
		for (const stored of this.groups.values()) {
			if (!stored.deleted && (stored.group.name === name || stored.group.formattedName === name)) {
				throw alreadyExists(`Contact group name "${name}" already exists. Contact group names must be unique.`);
			}
		}
	}

	private commitGroup(group: ContactGroup, system: boolean): StoredGroup {
		const version = ++this.version;
		const stored: StoredGroup = {
			group: { ...group, etag: base64url(`${group.resourceName}|${version}`), metadata: { updateTime: googleTime(Date.now()) } },
			version,
			system,
		};
		this.groups.set(group.resourceName!, stored);
		return stored;
	}

	private projectGroupOf(stored: StoredGroup, fields: ReadonlySet<string>, maxMembers: number): ContactGroup {
		const members = [...(this.membersByGroup.get(stored.group.resourceName!) ?? [])];
		const group = { ...stored.group, memberCount: members.length };
		return projectGroup(group, fields, members.slice(0, maxMembers));
	}

	private deletedPerson(tombstone: Tombstone): Person {
		return { resourceName: tombstone.resourceName, etag: tombstone.etag, metadata: { sources: [{ type: 'CONTACT', id: tombstone.sourceId }], deleted: true } };
	}

	private startFullListing(sortOrder: SortOrder): PageSession {
		const stored = [...this.people.values()];
		const byName = (part: 'givenName' | 'familyName') => (a: StoredPerson, b: StoredPerson) =>
			(a.person.names?.[0]?.[part] ?? '').localeCompare(b.person.names?.[0]?.[part] ?? '') || a.version - b.version;
		const comparators: Record<SortOrder, (a: StoredPerson, b: StoredPerson) => number> = {
			LAST_MODIFIED_ASCENDING: (a, b) => a.version - b.version,
			LAST_MODIFIED_DESCENDING: (a, b) => b.version - a.version,
			FIRST_NAME_ASCENDING: byName('givenName'),
			LAST_NAME_ASCENDING: byName('familyName'),
		};
		stored.sort(comparators[sortOrder]);
		return { signature: '', resourceNames: stored.map((entry) => entry.person.resourceName!), throughVersion: this.version, fullSyncAt: Date.now() };
	}

	private startSyncListing(syncToken: string, kind: SyncTokenRecord['kind']): PageSession {
		const since = this.syncTokenVersion(syncToken, kind);
		// The changes after `since` (binary search), each person once: at the change that made its current version.
		let first = 0;
		for (let last = this.personChanges.length; first < last; ) {
			const middle = (first + last) >>> 1;
			if (this.personChanges[middle].version > since) last = middle;
			else first = middle + 1;
		}
		const resourceNames: string[] = [];
		for (let index = first; index < this.personChanges.length; index++) {
			const { resourceName, version } = this.personChanges[index];
			if ((this.people.get(resourceName) ?? this.tombstones.get(resourceName))?.version === version) resourceNames.push(resourceName);
		}
		return { signature: '', resourceNames, throughVersion: this.version, sinceVersion: since, fullSyncAt: this.syncTokens.get(syncToken)!.fullSyncAt };
	}

	private syncTokenVersion(syncToken: string, kind: SyncTokenRecord['kind']): number {
		const record = this.syncTokens.get(syncToken);
		if (!record || record.kind !== kind) throw invalidArgument('Sync token is invalid. Make a full sync request without a sync token.');
		if (record.expired || Date.now() - record.fullSyncAt > this.settings.syncTokenLifetimeSeconds * 1000) {
			const status = this.options.expiredSyncTokenHttpStatus ?? 400;
			throw new GoogleApiError(status, 'FAILED_PRECONDITION', 'Sync token is expired. Clear local cache and retry call without the sync token.', [errorInfo('EXPIRED_SYNC_TOKEN')]);
		}
		return record.version;
	}

	private newSyncToken(kind: SyncTokenRecord['kind'], version: number, fullSyncAt: number): string {
		const token = base64url(`sim-sync|${kind}|${++this.tokenCounter}|${version}`);
		this.syncTokens.set(token, { kind, version, fullSyncAt, expired: false });
		return token;
	}
}
