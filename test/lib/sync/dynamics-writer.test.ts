/**
 * The Dynamics 365 writer's sync-aware upsert against both simulators: mapped Google contacts go into
 * Dynamics 365 through $batch, found by link, link column and email; compare before write, three-way
 * merges and conflicts, stale ETags read and decided again, tombstones, deletion tags and the guard,
 * in-run duplicates, a bad record among good ones, dry runs, and the links and snapshots stored on
 * the Google contacts.
 */
import { DynamicsClient } from '../../../lib/dynamics/client';
import { readFields } from '../../../lib/dynamics/metadata';
import { GoogleContactsClient, type Person } from '../../../lib/google/client';
import { createOAuth2Client } from '../../../lib/google/connection';
import { readGoogleField, type GooglePerson } from '../../../lib/google/fields';
import { LINK_KEYS, compileMapping, type MappingSpec } from '../../../lib/mapping';
import { mapItem } from '../../../lib/mapping/items';
import type { FieldDescriptor } from '../../../lib/model/fields';
import { TRASH_GROUP } from '../../../lib/sync/decide';
import { DEFAULT_DYNAMICS_WRITER_SETTINGS, deletionTagValue, syncIntoDynamics, type DynamicsWriterSettings, type WriterRun } from '../../../lib/sync/dynamics-writer';
import { isOwnEcho, storedSnapshot } from '../../../lib/sync/snapshot';
import { MassDeletionError, SyncSetupError, readSyncRecord, type ReadResult } from '../../../lib/sync/writer-common';
import { dynamicsWrites, googleWrites } from '../../e2e-chain/counting';
import { startDynamicsSimulator, type DynamicsSimulator } from '../../simulators/dynamics';
import { startGoogleSimulator, type GoogleSimulator } from '../../simulators/google';
import { simulatorClient } from '../dynamics/simulator-client';

const LINK_COLUMN = 'new_googleresourcename';
const PERSON_FIELDS = ['names', 'emailAddresses', 'phoneNumbers', 'addresses', 'organizations', 'birthdays', 'biographies', 'userDefined', 'clientData', 'memberships', 'metadata'];

let dynamicsSim: DynamicsSimulator;
let googleSim: GoogleSimulator;
let dynamics: DynamicsClient;
let google: GoogleContactsClient;

beforeAll(async () => {
	[dynamicsSim, googleSim] = await Promise.all([startDynamicsSimulator(), startGoogleSimulator()]);
	dynamics = simulatorClient(dynamicsSim);
	const auth = createOAuth2Client({ clientId: googleSim.clientId, clientSecret: googleSim.clientSecret, refreshToken: googleSim.refreshToken, tokenUrl: googleSim.tokenUrl });
	google = new GoogleContactsClient({ auth, rootUrl: googleSim.rootUrl, retry: { baseDelayMs: 5, maxDelayMs: 50 } });
});
afterAll(async () => {
	await dynamicsSim?.close();
	await googleSim?.close();
});
beforeEach(() => {
	dynamicsSim.state.reset();
	googleSim.reset();
	dynamicsSim.faults.clear();
	resetCounters();
});

function resetCounters(): void {
	dynamicsSim.counters.reset();
	googleSim.counters.reset();
}

// ---- Google side ------------------------------------------------------------------------------

function addPerson(given: string, family: string, emails: string[], extra: Person = {}): string {
	return googleSim.state.createContact({ names: [{ givenName: given, familyName: family }], emailAddresses: emails.map((value) => ({ value })), ...extra }).resourceName as string;
}

const fullPerson = (resourceName: string) => googleSim.state.getFull(resourceName) as GooglePerson;
const linkOf = (resourceName: string) => readGoogleField(fullPerson(resourceName), `clientData:${LINK_KEYS.googleDynamicsContactId}`) as string | undefined;
const editGoogle = (resourceName: string, changes: Person) => googleSim.state.editAsUser(resourceName, changes);

/** The contacts as the Google trigger emits them (read over the API, with etags and clientData), mapped as the Contact Field Mapping outputs them. */
async function mapped(resourceNames: string[], spec: Partial<MappingSpec> = {}, catalog?: FieldDescriptor[]): Promise<ReadResult[]> {
	const compiled = compileMapping({ direction: 'googleToDynamics', ...spec, ...(catalog ? { catalogs: { dynamics: catalog } } : {}) });
	if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
	const people = await google.getContacts(resourceNames, PERSON_FIELDS);
	resetCounters();
	return resourceNames.map((name) => {
		const item = mapItem({ event: 'updated', resourceName: name, person: people.get(name) as Record<string, unknown> }, compiled.mapping);
		if ('error' in item) throw new Error(JSON.stringify(item.error));
		return readSyncRecord({ ...item.json, mapping: { direction: 'googleToDynamics', ...spec } }, 'dynamics');
	});
}

function deletion(resourceName: string): ReadResult {
	return readSyncRecord({ target: 'dynamics', sourceApp: 'google', sourceId: resourceName, event: 'deleted', values: {}, matchKeys: { emails: [] } }, 'dynamics');
}

interface SyncOptions {
	settings?: Partial<DynamicsWriterSettings>;
	dryRun?: boolean;
	client?: DynamicsClient;
}

function sync(records: ReadResult[], options: SyncOptions = {}): Promise<WriterRun> {
	return syncIntoDynamics(records, { dynamics: options.client ?? dynamics, google, settings: { ...DEFAULT_DYNAMICS_WRITER_SETTINGS, ...options.settings }, dryRun: options.dryRun });
}

/** Maps the Google contacts as they are now and syncs them. */
async function syncPeople(resourceNames: string[], options: SyncOptions = {}): Promise<WriterRun> {
	return sync(await mapped(resourceNames), options);
}

const actions = (run: WriterRun) => run.outcomes.map((outcome) => outcome.action);

// ---- Dynamics side ----------------------------------------------------------------------------

const contacts = () => dynamicsSim.state.listContacts().map((record) => ({ id: record.id, ...record.values }));
const contactById = (id: string) => dynamicsSim.state.getContact(id)?.values as Record<string, unknown>;
const addContact = (values: Record<string, unknown>) => dynamicsSim.state.createContact(values).id;
const editDynamics = (id: string, values: Record<string, unknown>) => dynamicsSim.state.updateContact(id, values);

/** A pair in sync: created in Google, synced into Dynamics (link and snapshot stored). */
async function syncedPair(given: string, family: string, email: string, extra: Person = {}, options: SyncOptions = {}): Promise<{ person: string; contact: string }> {
	const person = addPerson(given, family, [email], extra);
	const run = await syncPeople([person], options);
	expect(actions(run)).toEqual(['create']);
	resetCounters();
	return { person, contact: run.outcomes[0].targetId as string };
}

describe('creates, links and the second run', () => {
	it('creates the contacts, stores each link and snapshot on its Google contact, and a second run writes nothing', async () => {
		const people = [addPerson('Ada', 'Lovelace', ['ada@example.com'], { phoneNumbers: [{ value: '+44 20 7946 0001', type: 'mobile' }] }), addPerson('Alan', 'Turing', ['alan@example.com'])];

		const first = await syncPeople(people);

		expect(actions(first)).toEqual(['create', 'create']);
		expect(first.summary.counts).toMatchObject({ created: 2, updated: 0, failed: 0 });
		expect(contactById(first.outcomes[0].targetId as string)).toMatchObject({ firstname: 'Ada', lastname: 'Lovelace', emailaddress1: 'ada@example.com', mobilephone: '+44 20 7946 0001' });
		expect(linkOf(people[0])).toBe(first.outcomes[0].targetId);
		expect(storedSnapshot(fullPerson(people[0]))?.fields).toMatchObject({ 'names.givenName': 'Ada', emailAddresses: ['ada@example.com'] });
		// One $batch for both creates, one People API call for both links.
		expect(dynamicsSim.counters.snapshot()).toMatchObject({ batch: 1, 'batch:contacts.update': 2 });
		expect(googleSim.counters.snapshot()['people.batchUpdateContacts']).toBe(1);

		const second = await syncPeople(people);

		expect(actions(second)).toEqual(['skip-equal', 'skip-equal']);
		expect(second.summary.counts).toMatchObject({ unchanged: 2, created: 0, updated: 0 });
		expect(dynamicsWrites(dynamicsSim) + googleWrites(googleSim)).toBe(0);
		expect(contacts()).toHaveLength(2);
	});

	it('a contact already in Dynamics 365 under the same email in another case is matched, never duplicated, and linked', async () => {
		const existing = addContact({ firstname: 'Grace', lastname: 'Hopper', emailaddress1: 'Grace.Hopper@Example.com', jobtitle: 'Rear Admiral' });
		const person = addPerson('Grace', 'Hopper', ['grace.hopper@example.com'], { organizations: [{ title: 'Rear Admiral', department: 'Navy' }] });

		const run = await syncPeople([person]);

		expect(run.outcomes[0]).toMatchObject({ action: 'update', targetId: existing, fields: ['organizations[0].department'] });
		expect(contacts()).toHaveLength(1);
		// Only the differing column is sent; the email keeps Dynamics' own spelling.
		expect(contactById(existing)).toMatchObject({ department: 'Navy', emailaddress1: 'Grace.Hopper@Example.com', jobtitle: 'Rear Admiral' });
		expect(linkOf(person)).toBe(existing);
	});

	it('the link survives an email change on either side', async () => {
		const { person, contact } = await syncedPair('Linus', 'Torvalds', 'linus@example.com');
		editGoogle(person, { emailAddresses: [{ value: 'linus@kernel.example' }] });

		const run = await syncPeople([person]);

		expect(run.outcomes[0]).toMatchObject({ action: 'update', targetId: contact, fields: ['emailAddresses'] });
		expect(contactById(contact).emailaddress1).toBe('linus@kernel.example');
		editDynamics(contact, { emailaddress1: 'torvalds@elsewhere.example' });
		editGoogle(person, { names: [{ givenName: 'Linus B.', familyName: 'Torvalds' }] });
		expect((await syncPeople([person])).outcomes[0]).toMatchObject({ action: 'update', targetId: contact, fields: ['names.givenName'] });
		expect(contacts()).toHaveLength(1);
	});

	it('with a link column, the Google resource name is written there too, and found by it', async () => {
		const settings = { linkColumn: LINK_COLUMN };
		const { person, contact } = await syncedPair('Edsger', 'Dijkstra', 'edsger@example.com', {}, { settings });
		expect(contactById(contact)[LINK_COLUMN]).toBe(person);
		// The Google contact loses its clientData link: the column still finds the pair.
		googleSim.state.updateContact(person, { etag: fullPerson(person).etag, clientData: [] }, new Set(['clientData']));
		editGoogle(person, { emailAddresses: [{ value: 'ewd@example.com' }] });

		const run = await syncPeople([person], { settings });

		expect(run.outcomes[0]).toMatchObject({ action: 'update', targetId: contact });
		expect(linkOf(person)).toBe(contact);
		expect(contacts()).toHaveLength(1);
	});
});

describe('compare before write and the three-way merge', () => {
	it('values equal up to case, spacing and phone format make no write', async () => {
		const id = addContact({ firstname: 'Tim', lastname: 'Berners-Lee', emailaddress1: 'TIM@example.org', telephone1: '+44 (20) 7946-0002' });
		const person = addPerson('Tim ', 'Berners-Lee', ['tim@example.org'], { phoneNumbers: [{ value: '+44 20 7946 0002', type: 'work' }] });

		const run = await syncPeople([person]);

		// Matched by email: only the link and the snapshot are stored, on Google; nothing is written in Dynamics 365.
		expect(run.outcomes[0]).toMatchObject({ action: 'update', targetId: id, fields: [] });
		expect(dynamicsWrites(dynamicsSim)).toBe(0);
		expect((await syncPeople([person])).outcomes[0].action).toBe('skip-equal');
	});

	it('edits to different fields on both sides both survive, the Dynamics one carried to Google with the link', async () => {
		const { person, contact } = await syncedPair('Barbara', 'Liskov', 'barbara@example.com', { organizations: [{ title: 'Professor' }] });
		editDynamics(contact, { jobtitle: 'Institute Professor' });
		editGoogle(person, { names: [{ givenName: 'Barbara Jane', familyName: 'Liskov' }], organizations: [{ title: 'Professor' }] });

		const run = await syncPeople([person]);

		expect(run.outcomes[0]).toMatchObject({ action: 'update', fields: ['names.givenName'] });
		expect(contactById(contact)).toMatchObject({ firstname: 'Barbara Jane', jobtitle: 'Institute Professor' });
		// Our write makes the sync the contact's last modifier, hiding the Dynamics edit from the trigger: it goes to Google with the link.
		expect(readGoogleField(fullPerson(person), 'organizations[0].title')).toBe('Institute Professor');
		// The stored snapshot holds it: the Google trigger sees its own echo, and the next run has nothing to do.
		expect(isOwnEcho(fullPerson(person))).toBe(true);
		resetCounters();
		expect(actions(await syncPeople([person]))).toEqual(['skip-equal']);
		expect(dynamicsWrites(dynamicsSim) + googleWrites(googleSim)).toBe(0);
	});

	it('a field changed on both sides follows the winning app: Dynamics 365 by default, Google when chosen', async () => {
		const { person, contact } = await syncedPair('Ken', 'Thompson', 'ken@example.com', { organizations: [{ title: 'Engineer' }] });
		editDynamics(contact, { jobtitle: 'Distinguished Engineer' });
		editGoogle(person, { organizations: [{ title: 'Fellow' }] });

		const dynamicsWins = await syncPeople([person]);

		expect(dynamicsWins.outcomes[0].action).toBe('skip-equal');
		expect(contactById(contact).jobtitle).toBe('Distinguished Engineer');

		const googleWins = await syncPeople([person], { settings: { winner: 'google' } });

		expect(googleWins.outcomes[0]).toMatchObject({ action: 'conflict-resolved', fields: ['organizations[0].title'], conflicts: [{ field: 'organizations[0].title', winner: 'google' }] });
		expect(googleWins.summary.conflicts).toEqual([{ id: person, counterpartId: contact, fields: ['organizations[0].title'], winner: 'google' }]);
		expect(contactById(contact).jobtitle).toBe('Fellow');
	});

	it('an emptied Google field does not blank Dynamics 365, unless empty values overwrite', async () => {
		const { person, contact } = await syncedPair('Dennis', 'Ritchie', 'dmr@example.com', { organizations: [{ title: 'Researcher' }] });
		editGoogle(person, { organizations: [] });

		expect((await syncPeople([person])).outcomes[0].action).toBe('skip-equal');
		expect(contactById(contact).jobtitle).toBe('Researcher');

		const overwrite = await sync(await mapped([person], { emptyValues: 'clear' }), { settings: { emptyOverwrites: true } });
		expect(overwrite.outcomes[0]).toMatchObject({ action: 'update', fields: ['organizations[0].title'] });
		expect(contactById(contact).jobtitle ?? null).toBeNull();
	});
});

describe('custom mappings and fixed values', () => {
	it('a custom two-way field is merged like the defaults; fixed values are set where they differ', async () => {
		const catalog = await readFields(dynamics, 'contact');
		const spec: Partial<MappingSpec> = {
			customMappings: [{ dynamicsField: 'new_customernumber', otherField: 'userDefined:Customer number' }],
			fixedValues: [{ field: 'new_preferredchannel', value: 'Email' }],
		};
		const run = async (resourceName: string) => syncIntoDynamics(await mapped([resourceName], spec, catalog), { dynamics, google, settings: DEFAULT_DYNAMICS_WRITER_SETTINGS, catalog });
		const person = addPerson('Margaret', 'Hamilton', ['margaret@example.com'], { userDefined: [{ key: 'Customer number', value: 'C-1' }] });

		const first = await run(person);

		const contact = first.outcomes[0].targetId as string;
		expect(contactById(contact)).toMatchObject({ new_customernumber: 'C-1', new_preferredchannel: 100000000 });
		expect(storedSnapshot(fullPerson(person))?.fields['userDefined:Customer number']).toBe('C-1');

		editGoogle(person, { userDefined: [{ key: 'Customer number', value: 'C-2' }] });
		editDynamics(contact, { new_preferredchannel: 100000001 });
		const second = await run(person);

		expect(second.outcomes[0]).toMatchObject({ action: 'update', fields: ['userDefined:Customer number'] });
		expect(contactById(contact)).toMatchObject({ new_customernumber: 'C-2', new_preferredchannel: 100000000 });
		expect((await run(person)).outcomes[0].action).toBe('skip-equal');
	});
});

describe('concurrency: stale ETags are read and decided again', () => {
	it('a contact edited in Dynamics 365 between the read and the write is re-read: the edit survives and the Google change lands', async () => {
		const { person, contact } = await syncedPair('John', 'McCarthy', 'jmc@example.com', { organizations: [{ title: 'Professor' }] });
		editGoogle(person, { names: [{ givenName: 'John', familyName: 'McCarthy Jr' }], organizations: [{ title: 'Professor' }] });
		let edited = false;
		const racing = simulatorClient(dynamicsSim, {
			observe: (request) => {
				if (!edited && request.url.endsWith('$batch')) {
					edited = true;
					editDynamics(contact, { jobtitle: 'Emeritus' });
				}
			},
		});

		const run = await syncPeople([person], { client: racing });

		expect(edited).toBe(true);
		expect(run.outcomes[0]).toMatchObject({ action: 'update', fields: ['names.familyName'] });
		expect(contactById(contact)).toMatchObject({ lastname: 'McCarthy Jr', jobtitle: 'Emeritus' });
		// The first $batch part was refused (412), the second carried the fresh ETag.
		expect(dynamicsSim.counters.snapshot()['batch:contacts.update']).toBe(2);
	});

	it('a $batch carried out whose answer is lost (connection reset) is sent again: no twin is created, the update stays, every record is linked', async () => {
		const { person, contact } = await syncedPair('Barbara', 'Liskov', 'liskov@example.com');
		editGoogle(person, { names: [{ givenName: 'Barbara', familyName: 'Liskov-Jones' }] });
		const newcomer = addPerson('Edsger', 'Dijkstra', ['ewd@example.com']);
		dynamicsSim.faults.add({ route: 'batch', resetAfterHandling: true, count: 1 });

		const run = await syncPeople([person, newcomer]);

		expect(dynamicsSim.faults.injectedCounts()).toMatchObject({ resetAfterHandling: 1 });
		expect(run.summary.counts.failed).toBe(0);
		const created = dynamicsSim.state.listContacts().filter((record) => record.values.emailaddress1 === 'ewd@example.com');
		expect(created).toHaveLength(1);
		expect(contactById(contact)).toMatchObject({ lastname: 'Liskov-Jones' });
		expect(linkOf(newcomer)).toBe(created[0].id);
		// The repeated batch met its own first delivery: the create-only part and the ETag-guarded update answered 412.
		expect(dynamicsSim.counters.snapshot()).toMatchObject({ batch: 2 });
	});
});

describe('tombstones, ambiguity and duplicates', () => {
	it('a Google contact whose linked Dynamics contact was deleted is not re-created; nor one in the Trash group', async () => {
		const gone = await syncedPair('Gone', 'Away', 'gone@example.com');
		dynamicsSim.state.deleteContact(gone.contact);
		const trash = googleSim.state.createGroup({ name: TRASH_GROUP }, new Set(['name']));
		const trashed = addPerson('In', 'Trash', ['trash@example.com'], { memberships: [{ contactGroupMembership: { contactGroupResourceName: trash.resourceName } }] });
		editGoogle(gone.person, { names: [{ givenName: 'Gone', familyName: 'Again' }] });

		const run = await syncPeople([gone.person, trashed]);

		expect(actions(run)).toEqual(['skip-tombstone', 'skip-tombstone']);
		expect(contacts()).toHaveLength(0);
	});

	it('a contact deactivated in Dynamics 365 still takes the changes of the Google contact linked to it; another Google contact with its email does not sync into it', async () => {
		const pair = await syncedPair('Inactive', 'Member', 'inactive@example.com');
		editDynamics(pair.contact, { statecode: 1 });
		editGoogle(pair.person, { names: [{ givenName: 'Inactive', familyName: 'Member-Renamed' }] });
		const stranger = addPerson('Same', 'Email', ['inactive@example.com']);

		const run = await syncPeople([pair.person, stranger], { settings: { deletions: { kind: 'deactivate' } } });

		expect(actions(run)).toEqual(['update', 'skip-tombstone']);
		expect(contactById(pair.contact)).toMatchObject({ lastname: 'Member-Renamed', statecode: 1 });
	});

	it('several Dynamics contacts with the email: skipped and reported, nothing guessed', async () => {
		const ids = [addContact({ lastname: 'One', emailaddress1: 'shared@example.com' }), addContact({ lastname: 'Two', emailaddress2: 'SHARED@example.com' })];
		const run = await syncPeople([addPerson('Sha', 'Red', ['shared@example.com'])]);
		expect(run.outcomes[0]).toMatchObject({ action: 'skip-ambiguous' });
		expect(run.summary.skipped[0].reason).toContain(ids[0]);
		expect(dynamicsWrites(dynamicsSim)).toBe(0);
	});

	it('two Google contacts of one run with the same email create one Dynamics contact', async () => {
		const run = await syncPeople([addPerson('Twin', 'One', ['twin@example.com']), addPerson('Twin', 'Two', ['Twin@Example.com'])]);
		expect(actions(run)).toEqual(['create', 'skip-ambiguous']);
		expect(contacts()).toHaveLength(1);
	});

	it('a contact without an email is not created while avoid duplicates is on', async () => {
		const person = addPerson('No', 'Email', []);
		expect(actions(await syncPeople([person]))).toEqual(['skip-no-email']);
		expect(actions(await syncPeople([person], { settings: { avoidDuplicates: false } }))).toEqual(['create']);
	});
});

describe('deletions, the guard, bad records, dry runs', () => {
	const settings = { linkColumn: LINK_COLUMN };

	async function linkedPairs(count: number, prefix = 'person'): Promise<Array<{ person: string; contact: string }>> {
		const people = Array.from({ length: count }, (_, index) => addPerson(prefix, `No ${index}`, [`${prefix}${index}@example.com`]));
		const run = await syncPeople(people, { settings });
		resetCounters();
		return run.outcomes.map((outcome, index) => ({ person: people[index], contact: outcome.targetId as string }));
	}

	it('a Google deletion deactivates the linked contact (found through the link column), or sets the chosen value; nothing is deleted', async () => {
		const [first, second, unlinked] = await linkedPairs(3);

		const deactivated = await sync([deletion(first.person)], { settings });
		expect(deactivated.outcomes[0]).toMatchObject({ action: 'tag-deleted', targetId: first.contact });
		expect(contactById(first.contact)).toMatchObject({ statecode: 1, statuscode: 2 });

		const valued = await sync([deletion(second.person)], { settings: { ...settings, deletions: { kind: 'setValue', field: 'new_customernumber', value: 'DELETED IN GOOGLE' } } });
		expect(valued.outcomes[0]).toMatchObject({ action: 'tag-deleted', targetId: second.contact });
		expect(contactById(second.contact)).toMatchObject({ new_customernumber: 'DELETED IN GOOGLE', statecode: 0 });

		const withoutColumn = await sync([deletion(unlinked.person)]);
		expect(withoutColumn.outcomes[0].action).toBe('skip-no-counterpart');
		expect(contacts()).toHaveLength(3);
	});

	it('the mass-deletion guard stops a run tagging more than the share of linked contacts, before any write', async () => {
		const pairs = await linkedPairs(20);
		const deletions = pairs.slice(0, 5).map((pair) => deletion(pair.person));

		const stopped = sync(deletions, { settings: { ...settings, maxDeletionShare: 0.2 } });
		await expect(stopped).rejects.toThrow(MassDeletionError);
		await expect(stopped).rejects.toThrow(/would tag 5 of 20 linked contacts \(25%\) as deleted in Google Contacts, more than the 20% \(4 contacts\)/);
		expect(dynamicsWrites(dynamicsSim)).toBe(0);

		const allowed = await sync(deletions, { settings: { ...settings, maxDeletionShare: 0.25 } });
		expect(allowed.summary.counts.tagged).toBe(5);
	});

	it('a batch with one invalid record writes the others and reports the one', async () => {
		const people = ['Alpha', 'Bravo', 'Charlie'].map((name) => addPerson(name, 'Batch', [`${name.toLowerCase()}@example.com`]));
		const records = await mapped(people);
		// A value the mapping would have refused, as a hand-edited record might carry it: Dataverse refuses it (MaxLength 50).
		const bad = records[1];
		if (bad.ok) bad.record.values.lastname = 'x'.repeat(60);

		const run = await sync(records);

		expect(actions(run)).toEqual(['create', 'failed', 'create']);
		expect(run.outcomes[1].error).toMatchObject({ field: 'values', message: expect.stringContaining("The length of the 'lastname' attribute") });
		expect(run.summary.counts).toMatchObject({ created: 2, failed: 1 });
		expect(contacts().map((contact) => (contact as Record<string, unknown>).firstname).sort()).toEqual(['Alpha', 'Charlie']);
		expect(linkOf(people[1])).toBeUndefined();
	});

	it('a dry run reports creates, updates and tags, and writes nothing', async () => {
		const [pair] = await linkedPairs(1);
		editGoogle(pair.person, { names: [{ givenName: 'Renamed', familyName: 'Person' }] });
		const fresh = addPerson('Brand', 'New', ['brand.new@example.com']);
		const [deleted] = await linkedPairs(1, 'deleted');

		const run = await sync([...(await mapped([pair.person, fresh])), deletion(deleted.person)], { settings, dryRun: true });

		expect(actions(run)).toEqual(['update', 'create', 'tag-deleted']);
		expect(run.outcomes.every((outcome) => outcome.dryRun === true)).toBe(true);
		expect(run.summary).toMatchObject({ dryRun: true, counts: { created: 1, updated: 1, tagged: 1 } });
		expect(dynamicsWrites(dynamicsSim) + googleWrites(googleSim)).toBe(0);
	});

	it('a record that is not a Google contact mapped for Dynamics 365 fails alone, naming the fix', async () => {
		const [good] = await mapped([addPerson('Good', 'Record', ['good@example.com'])]);
		const wrongTarget = readSyncRecord({ target: 'google', sourceApp: 'dynamics', sourceId: 'x', values: {}, matchKeys: { emails: [] } }, 'dynamics');
		const run = await sync([wrongTarget, good]);
		expect(run.outcomes[0]).toMatchObject({ action: 'failed', error: { field: 'target', fix: expect.stringContaining('Direction') } });
		expect(run.outcomes[1].action).toBe('create');
	});
});

describe('records and settings', () => {
	it('a record that does not carry its Google contact has it read, 200 a request; one deleted meanwhile fails alone', async () => {
		const people = [addPerson('Hand', 'Made', ['hand@example.com']), addPerson('Gone', 'Since', ['gone.since@example.com'])];
		const bare = (await mapped(people)).map((result) => {
			if (!result.ok) throw new Error(result.problem.message);
			const { source: _source, ...record } = result.record;
			return readSyncRecord({ ...record }, 'dynamics');
		});
		googleSim.state.deleteContact(people[1]);

		const run = await sync(bare);

		expect(actions(run)).toEqual(['create', 'failed']);
		expect(run.outcomes[1].error?.message).toBe(`Google contact ${people[1]} no longer exists`);
		expect(googleSim.counters.snapshot()['people.getBatchGet']).toBe(1);
		expect(linkOf(people[0])).toBe(run.outcomes[0].targetId);
	});

	it('deletion tag values are typed by their column: yes / no, a choice by label or value, numbers, text', () => {
		const column = (type: FieldDescriptor['type'], extra: Partial<FieldDescriptor> = {}): FieldDescriptor => ({ app: 'dynamics', name: 'new_x', label: 'X', type, writable: true, ...extra });
		const options = [{ value: 100000000, label: 'Email' }, { value: 100000001, label: 'Phone' }];
		expect(deletionTagValue(column('boolean'), 'Yes')).toBe(true);
		expect(deletionTagValue(column('boolean'), 'false')).toBe(false);
		expect(deletionTagValue(column('choice', { options }), 'phone')).toBe(100000001);
		expect(deletionTagValue(column('choice', { options }), '100000000')).toBe(100000000);
		expect(deletionTagValue(column('integer'), ' 42 ')).toBe(42);
		expect(deletionTagValue(column('text'), 'Deleted in Google')).toBe('Deleted in Google');
		expect(() => deletionTagValue(column('choice', { options }), 'Pigeon')).toThrow('Deleted in Google › Value: "Pigeon" is not an option (Email, Phone) for X (new_x).');
		expect(() => deletionTagValue(column('text'), ' ')).toThrow(/is not a value/);
	});

	it('settings that cannot work stop the run before anything is read', async () => {
		const records = await mapped([addPerson('Any', 'One', ['any@example.com'])]);
		await expect(sync(records, { settings: { maxDeletionShare: 0 } })).rejects.toThrow(SyncSetupError);
		await expect(sync(records, { settings: { maxDeletionShare: 0 } })).rejects.toThrow('Mass-Deletion Guard: the share must be above 0% and at most 100% (got 0%); 10% is the default.');
		await expect(syncIntoDynamics(records, { dynamics, google, settings: { ...DEFAULT_DYNAMICS_WRITER_SETTINGS, linkColumn: 'firstname ; drop' } })).rejects.toThrow(/not a valid column name/);
		await expect(syncIntoDynamics(records, { dynamics, settings: DEFAULT_DYNAMICS_WRITER_SETTINGS })).rejects.toThrow(/needs the Google Contacts connection/);
		expect(dynamicsWrites(dynamicsSim)).toBe(0);
	});
});

describe('requests', () => {
	it('1,000 records cost requests in proportion to the run, and an unchanged second run writes nothing', async () => {
		const people = Array.from({ length: 1000 }, (_, index) => addPerson('Bulk', `Person ${index}`, [`bulk${index}@example.com`]));
		const records = await mapped(people);

		const created = await sync(records);
		const first = { dynamics: dynamicsSim.counters.snapshot(), google: googleSim.counters.snapshot() };

		expect(created.summary.counts.created).toBe(1000);
		// Email lookups (about 33 emails a request over the three columns), $batch writes of 100, links stored 200 a call.
		expect(first.dynamics).toMatchObject({ batch: 10, 'batch:contacts.update': 1000 });
		expect(first.dynamics['contacts.list']).toBeLessThanOrEqual(40);
		expect(first.google['people.batchUpdateContacts']).toBe(5);

		const again = await sync(await mapped(people));
		expect(again.summary.counts.unchanged).toBe(1000);
		expect(dynamicsWrites(dynamicsSim) + googleWrites(googleSim)).toBe(0);
		// Found by the link each Google contact keeps: about 90 ids a request (a URL's budget).
		expect(dynamicsSim.counters.snapshot()['contacts.list']).toBeLessThanOrEqual(11);
		process.stdout.write(`Dynamics writer, 1,000 records: first run ${JSON.stringify(first)}; second run ${JSON.stringify({ dynamics: dynamicsSim.counters.snapshot(), google: googleSim.counters.snapshot() })}\n`);
	});
});
