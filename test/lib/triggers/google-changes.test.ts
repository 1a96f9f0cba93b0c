/**
 * The Google Contacts Trigger's core against the People API simulator, through the real
 * GoogleContactsClient: start from now or with everything, bounded polls, the event of each
 * contact, echoes, expired sync tokens and stale page tokens, counted in requests.
 */
import { GoogleContactsClient, type Person } from '../../../lib/google/client';
import { createOAuth2Client } from '../../../lib/google/connection';
import { writeGoogleField, type GooglePerson } from '../../../lib/google/fields';
import { LINK_KEYS } from '../../../lib/mapping';
import { SNAPSHOT_CLIENT_DATA_FIELD, encodeSnapshot, googleSnapshot } from '../../../lib/sync/snapshot';
import {
	DEFAULT_TRIGGER_PERSON_FIELDS,
	SAMPLE_SIZE,
	parseGoogleChangesCursor,
	pollGoogleChanges,
	sampleGoogleChanges,
	validateGoogleChangesOptions,
	type GoogleChange,
	type GoogleChangesCursor,
	type GoogleChangesOptions,
	type GoogleChangesPoll,
} from '../../../lib/triggers/google-changes';
import { seedPeople } from '../../simulators/common/seed';
import { startGoogleSimulator, type GoogleSimulator } from '../../simulators/google';
import { personFromSeed } from '../../simulators/google/seed';

const LIST = 'people.connections.list';

function clientFor(sim: GoogleSimulator): GoogleContactsClient {
	const auth = createOAuth2Client({ clientId: sim.clientId, clientSecret: sim.clientSecret, refreshToken: sim.refreshToken, tokenUrl: sim.tokenUrl });
	return new GoogleContactsClient({ auth, rootUrl: sim.rootUrl, retry: { baseDelayMs: 5, maxDelayMs: 50 } });
}

function options(overrides: Partial<GoogleChangesOptions> = {}): GoogleChangesOptions {
	return { events: ['created', 'updated', 'deleted'], startWith: 'now', personFields: DEFAULT_TRIGGER_PERSON_FIELDS, maxContacts: 1000, ignoreOwnWrites: true, ...overrides };
}

function newPerson(offset: number): Person {
	return personFromSeed(seedPeople(1, { offset, hardCases: false })[0]);
}

/** A contact linked to a Dynamics contact, as the sync leaves it: link and snapshot of its values in clientData. */
function syncedPerson(offset: number, contactId: string): Person {
	const person = newPerson(offset) as GooglePerson;
	writeGoogleField(person, `clientData:${LINK_KEYS.googleDynamicsContactId}`, contactId);
	writeGoogleField(person, SNAPSHOT_CLIENT_DATA_FIELD, encodeSnapshot(googleSnapshot(person)));
	return person as Person;
}

const summary = (changes: GoogleChange[]) => changes.map((change) => [change.event, change.resourceName]);

/** Polls until the cursor holds a sync token (no listing in progress); returns every poll. */
async function pollUntilIdle(client: GoogleContactsClient, cursor: GoogleChangesCursor | undefined, pollOptions: GoogleChangesOptions): Promise<GoogleChangesPoll[]> {
	const polls: GoogleChangesPoll[] = [];
	do {
		polls.push(await pollGoogleChanges(client, polls.at(-1)?.cursor ?? cursor, pollOptions));
		if (polls.length > 100) throw new Error('the listing never ended');
	} while ('listing' in polls.at(-1)!.cursor);
	return polls;
}

describe('pollGoogleChanges', () => {
	let sim: GoogleSimulator;
	let client: GoogleContactsClient;

	beforeEach(async () => {
		sim = await startGoogleSimulator({ contacts: 2500 });
		client = clientFor(sim);
	});

	afterEach(() => sim.close());

	it('starts from now: lists metadata only, one page of 1000 per poll, reports nothing, then exactly the changes since the start', async () => {
		const linked = sim.state.createContact(syncedPerson(9000, 'c0ffee00-0000-4000-8000-000000000001'));
		const unlinked = sim.state.listAll()[0];

		const first = await pollGoogleChanges(client, undefined, options());
		// Written while the start-up listing is still going on: reported once it is done.
		const early = sim.state.createContact(newPerson(9001));
		const rest = await pollUntilIdle(client, first.cursor, options());
		const bootstrap = [first, ...rest];

		expect(bootstrap.map((poll) => [poll.requests, poll.contactsRead, poll.changes.length])).toEqual([
			[1, 1000, 0],
			[1, 1000, 0],
			[1, 501, 0],
		]);
		expect(sim.counters.snapshot()[LIST]).toBe(3);

		const created = sim.state.createContact(newPerson(9002));
		sim.state.editAsUser(linked.resourceName!, { organizations: [{ title: 'Head of Sales' }] });
		sim.state.editAsUser(unlinked.resourceName!, { biographies: [{ value: 'First edit since the sync started' }] });
		const removed = sim.state.listAll()[5].resourceName!;
		sim.state.deleteContact(removed);
		const changes = await pollGoogleChanges(client, bootstrap.at(-1)!.cursor, options());

		expect(changes.requests).toBe(1);
		expect(summary(changes.changes)).toEqual([
			['created', early.resourceName],
			['created', created.resourceName],
			['updated', linked.resourceName],
			['created', unlinked.resourceName],
			['deleted', removed],
		]);
		expect(changes.changes[4].person).toEqual({ resourceName: removed, metadata: { deleted: true } });
		expect(changes.changes[2].person.organizations?.[0].title).toBe('Head of Sales');

		const quiet = await pollGoogleChanges(client, changes.cursor, options());
		expect([quiet.requests, quiet.changes]).toEqual([1, []]);
	});

	it('with all existing contacts: each contact exactly once over polls of at most Max Contacts, with a cursor of a few hundred bytes', async () => {
		const maxContacts = 400;
		const polls = await pollUntilIdle(client, undefined, options({ startWith: 'allContacts', maxContacts }));
		const names = polls.flatMap((poll) => poll.changes.map((change) => change.resourceName));

		expect(polls.map((poll) => poll.contactsRead)).toEqual([400, 400, 400, 400, 400, 400, 100]);
		expect(polls.every((poll) => poll.changes.length <= maxContacts)).toBe(true);
		expect(names).toHaveLength(2500);
		expect(new Set(names).size).toBe(2500);
		expect(new Set(polls.flatMap((poll) => poll.changes.map((change) => change.event)))).toEqual(new Set(['created']));
		const cursorSizes = polls.map((poll) => JSON.stringify(poll.cursor).length);
		expect(Math.max(...cursorSizes)).toBeLessThan(400);
		expect(polls.at(-1)!.cursor).toEqual({ syncToken: expect.any(String) });
	});

	it('splits Max Contacts into equal pages of at most 1000 and reads several per poll', async () => {
		const polls = await pollUntilIdle(client, undefined, options({ startWith: 'allContacts', maxContacts: 1500 }));

		expect(polls.map((poll) => [poll.requests, poll.contactsRead])).toEqual([
			[2, 1500],
			[2, 1000],
		]);
	});

	it('stops before the time budget runs out and goes on from there next time', async () => {
		let clock = 0;
		// Each reading of the clock moves it 1 s, so one page "takes" 1 s.
		const now = () => (clock += 1000);
		const polls = await pollUntilIdle(client, undefined, options({ startWith: 'allContacts', maxContacts: 2500, budgetMs: 3500, now }));

		expect(polls.map((poll) => poll.requests)).toEqual([1, 1, 1, 1]);
		expect(new Set(polls.flatMap((poll) => poll.changes.map((change) => change.resourceName))).size).toBe(2500);
	});

	it('reports only the selected events, and the person fields asked for', async () => {
		const start = await pollUntilIdle(client, undefined, options());
		const linked = sim.state.createContact(syncedPerson(9003, 'c0ffee00-0000-4000-8000-000000000003'));
		const cursor = (await pollGoogleChanges(client, start.at(-1)!.cursor, options())).cursor;
		sim.state.createContact(newPerson(9004));
		sim.state.editAsUser(linked.resourceName!, { names: [{ givenName: 'Renamed', familyName: 'Person' }] });
		sim.state.deleteContact(sim.state.listAll()[0].resourceName!);

		const updatesOnly = await pollGoogleChanges(client, cursor, options({ events: ['updated'], personFields: ['names'] }));

		expect(summary(updatesOnly.changes)).toEqual([['updated', linked.resourceName]]);
		const [{ person }] = updatesOnly.changes;
		expect(Object.keys(person).sort()).toEqual(['etag', 'names', 'resourceName']);
		expect(person.names?.[0].givenName).toBe('Renamed');
	});

	it('leaves out our own writes coming back (values equal to the snapshot), unless asked to report them', async () => {
		const start = await pollUntilIdle(client, undefined, options());
		const ours = sim.state.createContact(syncedPerson(9005, 'c0ffee00-0000-4000-8000-000000000005'));

		const ignored = await pollGoogleChanges(client, start.at(-1)!.cursor, options());
		const reported = await pollGoogleChanges(client, start.at(-1)!.cursor, options({ ignoreOwnWrites: false }));
		sim.state.editAsUser(ours.resourceName!, { phoneNumbers: [{ value: '+1 425 555 0199', type: 'mobile' }] });
		const userEdit = await pollGoogleChanges(client, ignored.cursor, options());

		expect([ignored.changes, ignored.echoesSkipped, ignored.contactsRead]).toEqual([[], 1, 1]);
		expect(summary(reported.changes)).toEqual([['updated', ours.resourceName]]);
		expect(summary(userEdit.changes)).toEqual([['updated', ours.resourceName]]);
	});

	it('replaces an expired sync token with a full pass marked resync, logged, losing no contact', async () => {
		const start = await pollUntilIdle(client, undefined, options());
		const created = sim.state.createContact(newPerson(9006));
		const edited = sim.state.listAll()[3];
		sim.state.editAsUser(edited.resourceName!, { organizations: [{ name: 'Changed Corp' }] });
		sim.state.expireSyncTokens();
		const warnings: string[] = [];
		const log = { info: () => undefined, warn: (message: string) => warnings.push(message) };

		const polls = await pollUntilIdle(client, start.at(-1)!.cursor, options({ log }));
		const changes = polls.flatMap((poll) => poll.changes);

		expect(warnings).toEqual([expect.stringContaining('sync token has expired')]);
		expect(polls.map((poll) => poll.requests)).toEqual([2, 1, 1]);
		expect(changes).toHaveLength(2501);
		expect(changes.every((change) => change.resync === true)).toBe(true);
		expect(changes.map((change) => change.resourceName)).toEqual(expect.arrayContaining([created.resourceName, edited.resourceName]));

		sim.state.deleteContact(created.resourceName!);
		const after = await pollGoogleChanges(client, polls.at(-1)!.cursor, options());
		expect(summary(after.changes)).toEqual([['deleted', created.resourceName]]);
		expect(after.changes[0].resync).toBeUndefined();
	});

	it('restarts a listing whose page token Google no longer accepts', async () => {
		const warnings: string[] = [];
		const stale = parseGoogleChangesCursor({ listing: { pass: 'initial', personFields: 'names,metadata,clientData', pageSize: 1000, pageToken: 'expired-page-token' } });

		const polls = await pollUntilIdle(client, stale, options({ log: { info: () => undefined, warn: (message) => warnings.push(message) } }));

		expect(warnings).toEqual([expect.stringContaining('restarting that listing')]);
		expect(polls.map((poll) => [poll.requests, poll.contactsRead])).toEqual([
			[2, 1000],
			[1, 1000],
			[1, 500],
		]);
		expect(Object.keys(polls[0].changes[0].person).sort()).toEqual(['etag', 'metadata', 'names', 'resourceName']);
	});

	it('fails on errors it cannot recover from, naming them', async () => {
		sim.faults.add({ route: LIST, status: 500, count: 1 });

		await expect(pollGoogleChanges(client, undefined, options())).rejects.toThrow('people.connections.list failed with HTTP 500 INTERNAL');
	});
});

describe('sampleGoogleChanges', () => {
	let sim: GoogleSimulator;

	beforeAll(async () => {
		sim = await startGoogleSimulator({ contacts: 30 });
	});

	afterAll(() => sim.close());

	it('shows the most recently changed contacts, our own writes included, without any cursor', async () => {
		const ours = sim.state.createContact(syncedPerson(9100, 'c0ffee00-0000-4000-8000-000000000100'));
		const latest = sim.state.createContact(newPerson(9101));
		sim.counters.reset();

		const sample = await sampleGoogleChanges(clientFor(sim), { events: ['created', 'updated'], personFields: ['names', 'emailAddresses'] });

		expect(sample).toHaveLength(SAMPLE_SIZE);
		expect(summary(sample.slice(0, 2))).toEqual([
			['created', latest.resourceName],
			['updated', ours.resourceName],
		]);
		expect(Object.keys(sample[0].person).sort()).toEqual(['emailAddresses', 'etag', 'names', 'resourceName']);
		expect(sim.counters.snapshot()[LIST]).toBe(1);
	});

	it('filters by event, and has nothing to show for deletions alone', async () => {
		const updated = await sampleGoogleChanges(clientFor(sim), { events: ['updated'], personFields: ['names'] });
		const deletedOnly = await sampleGoogleChanges(clientFor(sim), { events: ['deleted'], personFields: ['names'] });

		expect(updated.map((change) => change.event)).toEqual(['updated']);
		expect(deletedOnly).toEqual([]);
	});
});

describe('parseGoogleChangesCursor', () => {
	it('reads a sync token or a listing, and nothing else', () => {
		const listing = { pass: 'changes', personFields: 'names,metadata', pageSize: 500, pageToken: 'p', syncToken: 's' };

		expect(parseGoogleChangesCursor({ syncToken: 'abc' })).toEqual({ syncToken: 'abc' });
		expect(parseGoogleChangesCursor({ listing })).toEqual({ listing });
		for (const junk of [undefined, null, {}, { syncToken: '' }, { listing: { ...listing, pass: 'other' } }, { listing: { ...listing, pageSize: 5000 } }, { listing: { ...listing, syncToken: undefined } }, { lastSeq: 3 }]) {
			expect(parseGoogleChangesCursor(junk)).toBeUndefined();
		}
	});
});

describe('validateGoogleChangesOptions', () => {
	it('names the parameter and the fix', () => {
		expect(() => validateGoogleChangesOptions({ events: [], personFields: ['names'] })).toThrow('Events: select at least one of Created, Updated and Deleted.');
		expect(() => validateGoogleChangesOptions({ events: ['created'], personFields: ['names', 'nickname'] })).toThrow('Person Fields: "nickname" is not a People API person field');
		expect(() => validateGoogleChangesOptions({ events: ['created'], personFields: ['names'], maxContacts: 0 })).toThrow('Max Contacts per Poll must be a whole number of at least 1 (got 0).');
		expect(() => validateGoogleChangesOptions({ events: ['created'], personFields: ['names'], maxContacts: 2.5 })).toThrow('Max Contacts per Poll');
	});
});
