/**
 * The poll of the Dynamics 365 Contact Trigger, n8n-free: given a DynamicsClient, the cursor the last
 * poll left and the trigger's settings, it reads at most `maxContacts` changed contacts and returns
 * them as events with the cursor to store. The cursor is small and holds positions only (a link, a
 * few timestamps, the connection's user id), never per-contact state, so memory and static data stay
 * bounded for any org.
 *
 * Change tracking (default): the tracked query itself selects the chosen columns and asks for their
 * formatted values, so each page of changes is one request and the contacts are emitted as read. A
 * delta link returns the columns of the query that began its pass: when the chosen columns change, the
 * round under way is read for its deletions and a full pass follows with the new columns.
 * A contact is "created" when its createdon is later than the snapshot the followed delta link stands
 * for. Modified On (fallback): keyset paging on (modifiedon, contactid) inside a round [from, until)
 * whose upper bound is fixed when it starts, a settle time behind the server's clock, so slow
 * transactions are not passed by; "created" when createdon is inside the round, or inside the round
 * before when the contact was changed again before that round began (so that round never saw it).
 * Timestamps are whole seconds; within the snapshot's own second, a contact never changed after its
 * creation counts as created.
 * Server time always comes from the Date header of Dynamics' answers, not the local clock.
 */
import { createHash } from 'crypto';
import type { ChangeEvent } from '../conditions/record';
import { DynamicsClient, MAX_PAGE_SIZE, type ChangePage, type PreferOptions, type WhoAmI } from '../dynamics/client';
import { ChangeTrackingExpiredError, DynamicsApiError, unexpectedAnswer } from '../dynamics/errors';
import { buildQuery, literal } from '../dynamics/odata';

export type ChangeDetection = 'changeTracking' | 'modifiedOn';
export type StartWith = 'now' | 'allContacts';

export const CONTACT_EVENTS: ChangeEvent[] = ['created', 'updated', 'deleted'];

/** One item of the trigger: `{ event, contactId, modifiedOn, contact }`. */
export interface ContactChange {
	event: ChangeEvent;
	contactId: string;
	/** The contact's modifiedon; for a deletion, the server time the deletion was seen. */
	modifiedOn: string;
	/** The Web API row with formatted-value annotations; `{ contactid }` for a deletion. */
	contact: Record<string, unknown>;
	/** On every contact of the full pass that follows an expired delta link. */
	resync?: true;
}

/** The connection's own user (WhoAmI), kept so that WhoAmI is asked once per connection, not every poll. */
export interface KnownUser {
	/** A hash of the org and the connection the id was read with: another credential reads it again. */
	connection: string;
	userId: string;
}

interface CursorBase {
	v: 1;
	user?: KnownUser;
}

export interface TrackingCursor extends CursorBase {
	detection: 'changeTracking';
	/**
	 * arming: "from now" reads every contact once to obtain a delta link and emits nothing; initial: the
	 * full pass of "all existing contacts"; resync: the full pass after an expired delta link; delta:
	 * the changes since a delta link.
	 */
	phase: 'arming' | 'initial' | 'resync' | 'delta';
	/** The next request: a nextLink inside a pass or round, the deltaLink between rounds; absent before a pass's first page. */
	link?: string;
	/** The odata.maxpagesize the pass or round started with; Dataverse wants it re-sent with each nextLink. */
	pageSize: number;
	/** Server time when the current pass or round began (no later than its snapshot); absent between rounds. */
	startedAt?: string;
	/** The snapshot time of the delta link the current round follows: contacts created after it are new. */
	since?: string;
	/** A hash of the $select the link's pass began with (its rows carry those columns); absent in cursors of older versions. */
	columns?: string;
}

export interface WatermarkCursor extends CursorBase {
	detection: 'modifiedOn';
	/** The round's lower bound on modifiedon (inclusive); absent in the initial round of "all existing contacts". */
	from?: string;
	/** The round's upper bound (exclusive), fixed when the round starts; absent between rounds. */
	until?: string;
	/** Server time when the round began (`until` is this minus the settle time). */
	startedAt?: string;
	/** The last contact read in this round, to continue after in (modifiedon, contactid) order. */
	after?: { modifiedOn: string; contactId: string };
	/** The round before: a contact created in it but changed again before it began was never emitted. */
	previous?: { from?: string; startedAt: string };
}

export type ContactCursor = TrackingCursor | WatermarkCursor;

export interface ContactPollOptions {
	detection: ChangeDetection;
	startWith: StartWith;
	events: ChangeEvent[];
	/** The `$select` properties of emitted contacts (see contactSelect). */
	select: string[];
	/** Contacts read per poll at most (emitted ones, echoes and deletions alike). */
	maxContacts: number;
	/** Leave out changes whose last modifier is the connection's own user (WhoAmI). */
	ignoreOwnChanges: boolean;
	/**
	 * Who the requests are made as, e.g. the credential's tenant and client id: the user id WhoAmI returns
	 * is kept in the cursor for it. Without it, WhoAmI is asked in every poll that needs the id.
	 */
	connection?: string;
	/** How long the poll may take (n8n's getPollBudgetMs): no further page is fetched when it would not fit. */
	budgetMs?: number;
	/** Modified On: changes are read once they are this many seconds old. */
	settleSeconds?: number;
	/** Measures the time budget only. */
	clock?: () => number;
}

export interface ContactPollResult {
	changes: ContactChange[];
	/** To store for the next poll; only once the changes are handed on. */
	cursor: ContactCursor;
	/** What the user should learn from the log: an expired delta link, a cursor that had to be reset. */
	warnings: string[];
}

export const DEFAULT_SETTLE_SECONDS = 60;
/** "From now" emits nothing and keeps no page, so it takes many rows per poll, with the time budget as the real bound. */
const ARMING_ROWS_PER_POLL = 10 * MAX_PAGE_SIZE;
const CONTACTS = 'contacts';
const ANNOTATIONS: PreferOptions['includeAnnotations'] = ['OData.Community.Display.V1.FormattedValue', 'Microsoft.Dynamics.CRM.lookuplogicalname'];
/** ChangeTrackingNotEnabledForEntity: "Entity {0} isn't enabled for change tracking." */
const CHANGE_TRACKING_NOT_ENABLED = '0x80072491';

/** Change tracking is off for the contact table (or the org ignored the request for it). */
export class ChangeTrackingDisabledError extends Error {
	constructor(detail: string) {
		super(
			`Change tracking is off for the Contact table in this Dynamics 365 environment (${detail}). Turn on "Track changes" for the Contact table (Power Apps → Tables → Contact → Properties → Advanced options), or set Change Detection to "Modified On (Cannot See Deletions)".`,
		);
		this.name = 'ChangeTrackingDisabledError';
	}
}

type Row = Record<string, unknown>;

const isoSeconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.000Z$/, 'Z');
const timeOf = (value: unknown) => (typeof value === 'string' ? Date.parse(value) : NaN);
const idOf = (row: Row) => String(row.contactid).toLowerCase();

/** Counts rows and time, so a poll stops before its row bound or its time budget would be passed. */
class PollLimits {
	rows = 0;
	private slowestMs = 0;
	private readonly clock: () => number;
	private readonly started: number;

	constructor(private readonly budgetMs: number | undefined, clock: (() => number) | undefined) {
		this.clock = clock ?? Date.now;
		this.started = this.clock();
	}

	/** Runs one request of the poll, timing it. */
	async timed<T>(request: () => Promise<T>): Promise<T> {
		const start = this.clock();
		try {
			return await request();
		} finally {
			this.slowestMs = Math.max(this.slowestMs, this.clock() - start);
		}
	}

	/** Whether another page of `pageSize` rows fits under `maxRows`, and twice the slowest request so far within the budget. */
	roomFor(pageSize: number, maxRows: number): boolean {
		if (this.rows + pageSize > maxRows) return false;
		return this.budgetMs === undefined || this.clock() - this.started + 2 * this.slowestMs < this.budgetMs;
	}
}

interface PollRun {
	client: DynamicsClient;
	options: ContactPollOptions;
	/** The connection's own user, once known (from the stored cursor or WhoAmI). */
	user?: KnownUser;
	/** The hash KnownUser.connection holds for this poll's org and connection; undefined without options.connection. */
	connection?: string;
	/** The latest server time seen in this poll (ms, from a Date header). */
	serverTime?: number;
	limits: PollLimits;
	changes: ContactChange[];
	warnings: string[];
}

/** WhoAmI: the connection's user, and the server's clock from the answer's Date header. */
async function whoAmIWithServerTime(client: DynamicsClient): Promise<{ userId: string; serverTime: number }> {
	const response = await client.send('GET', 'WhoAmI');
	let identity: Partial<WhoAmI>;
	try {
		identity = JSON.parse(response.body) as WhoAmI;
	} catch {
		throw unexpectedAnswer('WhoAmI did not return JSON');
	}
	if (typeof identity.UserId !== 'string') throw unexpectedAnswer('WhoAmI returned no UserId');
	const serverTime = Date.parse(response.headers.date ?? '');
	// Every HTTP server sends Date; the local clock is only a fallback for proxies that drop it.
	return { userId: identity.UserId.toLowerCase(), serverTime: Number.isNaN(serverTime) ? Date.now() : serverTime };
}

function validateOptions(options: ContactPollOptions): void {
	if (!Number.isInteger(options.maxContacts) || options.maxContacts < 1) {
		throw new Error(`Max Contacts per Poll must be a whole number of at least 1, got ${options.maxContacts}`);
	}
	if (!options.events.length) throw new Error('Choose at least one event to emit (created, updated or deleted)');
	if (options.detection === 'modifiedOn' && options.events.every((event) => event === 'deleted')) {
		throw new Error('Change Detection "Modified On" cannot see deletions: choose Change Tracking, or add the created or updated event');
	}
}

/** A stored cursor of the current format, or undefined (with a warning when something unreadable was stored). */
function readCursor(stored: unknown, detection: ChangeDetection, warnings: string[]): ContactCursor | undefined {
	if (stored === undefined || stored === null) return undefined;
	const cursor = stored as Partial<ContactCursor>;
	const readable =
		cursor.v === 1 &&
		((cursor.detection === 'changeTracking' && ['arming', 'initial', 'resync', 'delta'].includes(String(cursor.phase)) && Number.isInteger(cursor.pageSize)) ||
			(cursor.detection === 'modifiedOn' && [cursor.from, cursor.until].every((time) => time === undefined || !Number.isNaN(timeOf(time)))));
	if (!readable) {
		warnings.push('The stored position of the Dynamics 365 Contact Trigger was not readable; it starts again as on its first activation.');
		return undefined;
	}
	if (cursor.detection !== detection) {
		warnings.push(`Change Detection changed to "${detection}": the trigger starts again as on its first activation.`);
		return undefined;
	}
	return stored as ContactCursor;
}

/**
 * One poll: reads changes since `stored` (the cursor of the last poll, or nothing on first
 * activation) and returns the events and the cursor to store once they are handed on.
 */
export async function pollContactChanges(client: DynamicsClient, stored: unknown, options: ContactPollOptions): Promise<ContactPollResult> {
	validateOptions(options);
	const limits = new PollLimits(options.budgetMs, options.clock);
	const warnings: string[] = [];
	const cursor = readCursor(stored, options.detection, warnings);
	const connection = options.connection === undefined ? undefined : fingerprint(`${client.apiBaseUrl}|${options.connection}`);
	const user = cursor?.user && cursor.user.connection === connection ? cursor.user : undefined;
	const run: PollRun = { client, options, user, connection, limits, changes: [], warnings };
	const next =
		options.detection === 'changeTracking'
			? await pollTracking(run, cursor as TrackingCursor | undefined)
			: await pollWatermark(run, cursor as WatermarkCursor | undefined);
	const cursorToStore: ContactCursor = { ...next };
	delete cursorToStore.user;
	if (run.user && connection !== undefined) cursorToStore.user = run.user;
	return { changes: run.changes, cursor: cursorToStore, warnings };
}

/** A short hash: cursors hold it instead of the (long, or identifying) text it stands for. */
const fingerprint = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 16);

/** WhoAmI, for the connection's user id and the server's clock; the id is remembered for the cursor. */
async function askWhoAmI(run: PollRun): Promise<{ userId: string; serverTime: number }> {
	const answer = await run.limits.timed(() => whoAmIWithServerTime(run.client));
	run.serverTime = answer.serverTime;
	run.user = { connection: run.connection ?? '', userId: answer.userId };
	return answer;
}

/** The server's clock: the latest Date header of this poll, or WhoAmI's when nothing was asked yet. */
async function serverNow(run: PollRun): Promise<number> {
	return run.serverTime ?? (await askWhoAmI(run)).serverTime;
}

/** The connection's own user id when its changes are left out (WhoAmI only when the cursor does not know it). */
async function ownUserId(run: PollRun): Promise<string | undefined> {
	if (!run.options.ignoreOwnChanges) return undefined;
	return run.user?.userId ?? (await askWhoAmI(run)).userId;
}

const isEcho = (ownUser: string | undefined, row: Row) => ownUser !== undefined && String(row._modifiedby_value ?? '').toLowerCase() === ownUser;

function contactChange(event: ChangeEvent, contact: Row, resync: boolean): ContactChange {
	const change: ContactChange = { event, contactId: idOf(contact), modifiedOn: String(contact.modifiedon), contact };
	if (resync) change.resync = true;
	return change;
}

// ---- Change tracking ----

const pageSizeFor = (phase: TrackingCursor['phase'], options: ContactPollOptions) => (phase === 'arming' ? MAX_PAGE_SIZE : Math.min(options.maxContacts, MAX_PAGE_SIZE));

const isChangeTrackingDisabled = (error: unknown) => error instanceof DynamicsApiError && error.code?.toLowerCase() === CHANGE_TRACKING_NOT_ENABLED;

/** Created after `since` (whole seconds); in that very second, only a contact never changed after its creation. */
function createdAfter(row: Row, since: string | undefined): boolean {
	if (since === undefined) return false;
	const created = timeOf(row.createdon);
	const snapshot = timeOf(since);
	return created > snapshot || (created === snapshot && timeOf(row.modifiedon) === created);
}

const DELTA_TOKEN_TIME = /[?&]\$deltatoken=\d+(?:!|%21)(\d{2})(?:\/|%2F)(\d{2})(?:\/|%2F)(\d{4})(?:%20|\+| )(\d{2})(?::|%3A)(\d{2})(?::|%3A)(\d{2})(?:&|$)/i;
/** How long after its pass's start a snapshot time is believable (a pass's first page comes within one poll). */
const SNAPSHOT_WINDOW_MS = 10 * 60_000;

/**
 * The moment a delta link's snapshot was taken. Dataverse's delta tokens read `<version>!<MM/dd/yyyy
 * HH:mm:ss>` (UTC); the time is used when the token has that form and it falls in the pass's first
 * poll, otherwise the pass's start (no later than the snapshot).
 */
function snapshotTime(deltaLink: string, startedAt: string): string {
	const match = DELTA_TOKEN_TIME.exec(deltaLink);
	if (match) {
		const [, month, day, year, hours, minutes, seconds] = match.map(Number);
		const time = Date.UTC(year, month - 1, day, hours, minutes, seconds);
		const begun = timeOf(startedAt);
		if (time >= begun && time <= begun + SNAPSHOT_WINDOW_MS) return isoSeconds(time);
	}
	return startedAt;
}

/** A new pass of `phase`, keeping the snapshot time the last round stood for. */
function newPass(phase: TrackingCursor['phase'], since: string | undefined, options: ContactPollOptions): TrackingCursor {
	const pass: TrackingCursor = { v: 1, detection: 'changeTracking', phase, pageSize: pageSizeFor(phase, options) };
	if (since) pass.since = since;
	return pass;
}

/** Where a pass starts over after its delta link expired: "from now" arms again, anything else re-reads every contact. */
const afterExpiry = (cursor: TrackingCursor, options: ContactPollOptions) => newPass(cursor.phase === 'arming' ? 'arming' : 'resync', cursor.since, options);

const COLUMNS_CHANGED_WARNING =
	'The columns of the Dynamics 365 Contact Trigger changed (or its stored position comes from an older version), and a delta link returns the columns of the pass that began it: once the round under way is read for its deletions, a full pass re-reads every contact with the new columns and emits it with resync: true.';

const EXPIRED_WARNING =
	'The delta link of the Dynamics 365 Contact Trigger has expired (Dynamics 365 keeps change-tracking data for a limited time, 7 days by default, and a change to the contact table definition also resets it). A full pass now re-reads every contact and emits it with resync: true ("created" when it is new since the last round, "updated" otherwise); deletions made while the link was expired cannot be seen.';

/** The emitted events of one page of a pass or round; `deletionsOnly` for a round read with columns no longer chosen. */
async function emitTrackedPage(run: PollRun, cursor: TrackingCursor, page: ChangePage<Row>, deletionsOnly: boolean): Promise<void> {
	const { events } = run.options;
	if (!deletionsOnly && page.upserted.length) {
		// Full passes emit every contact; echoes are left out of changes only.
		const ownUser = cursor.phase === 'delta' ? await ownUserId(run) : undefined;
		for (const row of page.upserted) {
			if (isEcho(ownUser, row)) continue;
			const event: ChangeEvent = cursor.phase === 'initial' || createdAfter(row, cursor.since) ? 'created' : 'updated';
			if (events.includes(event)) run.changes.push(contactChange(event, row, cursor.phase === 'resync'));
		}
	}
	if (!events.includes('deleted')) return;
	for (const { id } of page.deleted) {
		const contactId = id.toLowerCase();
		run.changes.push({ event: 'deleted', contactId, modifiedOn: isoSeconds(page.serverTime), contact: { contactid: contactId } });
	}
}

/**
 * The cursor to go on from when the chosen columns are not those its link was made with: a pass that
 * emits nothing yet or everything anyway starts over; a round of changes is still read to its end, for
 * its deletions, and a full pass follows (see pollTracking).
 */
function withColumns(cursor: TrackingCursor, columns: string, options: ContactPollOptions, warnings: string[]): TrackingCursor {
	// A pass that has not read a page yet takes the columns chosen now.
	if (cursor.columns === columns || cursor.link === undefined) return cursor;
	warnings.push(COLUMNS_CHANGED_WARNING);
	return cursor.phase === 'delta' ? cursor : newPass(cursor.phase, cursor.since, options);
}

async function pollTracking(run: PollRun, stored: TrackingCursor | undefined): Promise<TrackingCursor> {
	const { client, options, limits } = run;
	const columns = fingerprint(options.select.join(','));
	const startPhase = options.startWith === 'now' ? 'arming' : 'initial';
	let cursor = stored ? withColumns(stored, columns, options, run.warnings) : newPass(startPhase, undefined, options);
	let restarted = false;
	for (;;) {
		if (cursor.startedAt === undefined) cursor = { ...cursor, pageSize: pageSizeFor(cursor.phase, options) };
		if (cursor.link === undefined) cursor = { ...cursor, columns };
		const maxPageSize = cursor.pageSize;
		const rowLimit = cursor.phase === 'arming' ? ARMING_ROWS_PER_POLL : options.maxContacts;
		// Arming emits nothing, so it needs no formatted values.
		const includeAnnotations = cursor.phase === 'arming' ? undefined : ANNOTATIONS;
		const pages = cursor.link
			? client.followChanges<Row>(cursor.link, { maxPageSize, includeAnnotations })
			: client.trackChanges<Row>(CONTACTS, { select: options.select, maxPageSize, includeAnnotations });
		const iterator = pages[Symbol.asyncIterator]();
		try {
			for (;;) {
				const asked = Date.now();
				const next = await limits.timed(() => iterator.next());
				if (next.done) throw new ChangeTrackingDisabledError('Dynamics 365 answered the change-tracking query without a delta link');
				const page = next.value;
				run.serverTime = page.serverTime;
				// The snapshot is taken between the request's arrival and its answer: no later than the answer's Date less the wait.
				if (cursor.startedAt === undefined) cursor = { ...cursor, startedAt: isoSeconds(page.serverTime - (Date.now() - asked)) };
				limits.rows += page.upserted.length + page.deleted.length;
				const staleColumns = cursor.columns !== columns;
				if (cursor.phase !== 'arming') await emitTrackedPage(run, cursor, page, staleColumns);
				if (page.deltaLink) {
					const since = snapshotTime(page.deltaLink, cursor.startedAt as string);
					if (!staleColumns) return { v: 1, detection: 'changeTracking', phase: 'delta', link: page.deltaLink, pageSize: cursor.pageSize, since, columns };
					cursor = newPass('resync', since, options);
					if (!limits.roomFor(pageSizeFor('resync', options), options.maxContacts)) return cursor;
					break;
				}
				cursor = { ...cursor, link: page.nextLink };
				if (!limits.roomFor(maxPageSize, rowLimit)) return cursor;
			}
		} catch (error) {
			if (error instanceof ChangeTrackingExpiredError && !restarted) {
				restarted = true;
				run.warnings.push(EXPIRED_WARNING);
				cursor = afterExpiry(cursor, options);
				continue;
			}
			if (isChangeTrackingDisabled(error)) throw new ChangeTrackingDisabledError((error as DynamicsApiError).serviceMessage ?? 'Dynamics 365 refused the change-tracking query');
			throw error;
		}
	}
}

// ---- Modified On ----

/** The round's rows after the cursor, in (modifiedon, contactid) order: keyset paging never skips or repeats a row. */
function watermarkFilter(cursor: WatermarkCursor): string {
	const clauses = [`modifiedon lt ${literal(new Date(cursor.until as string))}`];
	if (cursor.after) {
		const at = literal(new Date(cursor.after.modifiedOn));
		clauses.push(`(modifiedon gt ${at} or (modifiedon eq ${at} and contactid gt ${literal({ guid: cursor.after.contactId })}))`);
	} else if (cursor.from) {
		clauses.push(`modifiedon ge ${literal(new Date(cursor.from))}`);
	}
	return clauses.join(' and ');
}

async function pollWatermark(run: PollRun, stored: WatermarkCursor | undefined): Promise<WatermarkCursor> {
	const { client, options, limits } = run;
	// "From now": the first activation only marks the place.
	if (!stored && options.startWith === 'now') return { v: 1, detection: 'modifiedOn', from: isoSeconds(await serverNow(run)) };
	let cursor: WatermarkCursor = stored ?? { v: 1, detection: 'modifiedOn' };
	if (cursor.until === undefined) {
		const now = Math.floor((await serverNow(run)) / 1000) * 1000;
		const until = now - (options.settleSeconds ?? DEFAULT_SETTLE_SECONDS) * 1000;
		if (cursor.from !== undefined && until <= timeOf(cursor.from)) return cursor;
		cursor = { ...cursor, until: isoSeconds(until), startedAt: isoSeconds(now) };
	}
	const initial = cursor.from === undefined;
	const ownUser = initial ? undefined : await ownUserId(run);
	for (;;) {
		const maxPageSize = Math.min(options.maxContacts - limits.rows, MAX_PAGE_SIZE);
		const query = buildQuery({ select: options.select, filter: watermarkFilter(cursor), orderby: 'modifiedon asc,contactid asc' });
		const first = await limits.timed(() => client.pages<Row>(CONTACTS + query, { maxPageSize, includeAnnotations: ANNOTATIONS })[Symbol.asyncIterator]().next());
		if (first.done) throw unexpectedAnswer('the contact query returned no page');
		const page = first.value;
		limits.rows += page.value.length;
		for (const row of page.value) {
			if (isEcho(ownUser, row)) continue;
			const event: ChangeEvent = initial || isNewInRound(row, cursor) ? 'created' : 'updated';
			if (options.events.includes(event)) run.changes.push(contactChange(event, row, false));
		}
		// The round is done: the next one starts where this one ended.
		if (!page.nextLink) {
			return { v: 1, detection: 'modifiedOn', from: cursor.until, previous: { from: cursor.from, startedAt: cursor.startedAt as string } };
		}
		const last = page.value[page.value.length - 1];
		cursor = { ...cursor, after: { modifiedOn: String(last.modifiedon), contactId: idOf(last) } };
		if (!limits.roomFor(1, options.maxContacts)) return cursor;
	}
}

/**
 * Created in this round, or in the round before but changed again before that round began: that
 * round's window had already closed behind it, so it was never emitted.
 */
function isNewInRound(row: Row, cursor: WatermarkCursor): boolean {
	const created = timeOf(row.createdon);
	if (created >= timeOf(cursor.from)) return true;
	const { previous } = cursor;
	if (!previous || (previous.from !== undefined && created < timeOf(previous.from))) return false;
	return timeOf(row.modifiedon) < timeOf(previous.startedAt);
}

// ---- Fetch test event ----

/** The most recently modified contacts, for the editor's "fetch test event": no cursor is read or moved. */
export async function sampleContacts(client: DynamicsClient, select: string[], count = 5): Promise<ContactChange[]> {
	const query = buildQuery({ select, orderby: 'modifiedon desc', top: count });
	const body = await client.getJson<{ value?: Row[] }>(CONTACTS + query, { prefer: { includeAnnotations: ANNOTATIONS } });
	if (!Array.isArray(body.value)) throw unexpectedAnswer('the contact query returned no "value" array');
	// Without a cursor there is no round to compare with: a contact never changed since it was created counts as created.
	return body.value.map((contact) => contactChange(contact.createdon === contact.modifiedon ? 'created' : 'updated', contact, false));
}
