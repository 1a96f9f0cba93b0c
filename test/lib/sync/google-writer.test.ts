/**
 * The Google Contacts writer against the People API simulator (the unchanged `@googleapis/people`
 * client over HTTP), with Dynamics contacts as the Dataverse simulator stores and returns them,
 * mapped by the Contact Field Mapping's own item mapping. Requests are counted by route: what a run
 * reads, and above all what it writes (compare before write: an unchanged contact costs no write).
 */
import { GoogleContactsClient, type Person } from '../../../lib/google/client';
import { createOAuth2Client } from '../../../lib/google/connection';
import { readGoogleField, type GooglePerson } from '../../../lib/google/fields';
import { nodeHttpTransport, type HttpTransport } from '../../../lib/http/transport';
import { LINK_KEYS, type MappingSpec } from '../../../lib/mapping';
import { mapItem } from '../../../lib/mapping/items';
import { compileMapping } from '../../../lib/mapping/spec';
import type { FieldDescriptor } from '../../../lib/model/fields';
import { isOwnEcho, storedSnapshot } from '../../../lib/sync/snapshot';
import { writeToGoogle, type GoogleWriterOptions, type GoogleWriterSettings } from '../../../lib/sync/google-writer';
import { MassDeletionError, readSyncRecord, type ReadResult } from '../../../lib/sync/writer-common';
import { DynamicsTestOrg } from '../mapping/records';
import { simulatorClient } from '../dynamics/simulator-client';
import { startDynamicsSimulator } from '../../simulators/dynamics';
import { startGoogleSimulator, type GoogleSimulator } from '../../simulators/google';
import { personFromSeed } from '../../simulators/google/seed';
import { HARD_CASES, seedPeople } from '../../simulators/common/seed';

type Json = Record<string, unknown>;

const WRITES = ['people.batchCreateContacts', 'people.batchUpdateContacts', 'people.createContact', 'people.updateContact', 'people.batchDeleteContacts', 'people.deleteContact', 'contactGroups.create', 'contactGroups.members.modify'];
const LINK = `clientData:${LINK_KEYS.googleDynamicsContactId}`;

let sim: GoogleSimulator;
let org: DynamicsTestOrg;
/** The org's contact columns, custom ones (the link column) included. */
let catalog: FieldDescriptor[];

beforeAll(async () => {
	sim = await startGoogleSimulator();
	catalog = await new DynamicsTestOrg().fields();
});
afterAll(() => sim.close());
beforeEach(() => {
	sim.reset();
	sim.faults.clear();
	sim.counters.reset();
	org = new DynamicsTestOrg();
});

function google(transport?: HttpTransport): GoogleContactsClient {
	const auth = createOAuth2Client({ clientId: sim.clientId, clientSecret: sim.clientSecret, refreshToken: sim.refreshToken, tokenUrl: sim.tokenUrl });
	return new GoogleContactsClient({ auth, rootUrl: sim.rootUrl, transport, retry: { baseDelayMs: 5, maxDelayMs: 50 } });
}

/** A Dynamics contact as the Contact Field Mapping hands it to the writer: mapped to Google, with the trigger's event, the contact and the mapping. */
function record(contact: Json, event = 'updated', spec: Partial<MappingSpec> = {}): ReadResult {
	const mapping: MappingSpec = { direction: 'dynamicsToGoogle', ...spec };
	const compiled = compileMapping({ ...mapping, catalogs: { dynamics: catalog } });
	if (!compiled.ok) throw new Error(compiled.errors[0].message);
	const item = event === 'deleted' ? { event, contactId: contact.contactid } : { event, contactId: contact.contactid, contact };
	const mapped = mapItem(item, compiled.mapping);
	if ('error' in mapped) throw new Error(mapped.error.message);
	return readSyncRecord({ ...mapped.json, ...(event === 'deleted' ? {} : { source: contact }), mapping: spec.direction ? spec : mapping }, 'google');
}

async function sync(inputs: ReadResult[], settings: Partial<GoogleWriterSettings> = {}, options: Partial<GoogleWriterOptions> = {}) {
	sim.counters.reset();
	return writeToGoogle(inputs, { google: google(), settings, catalog, ...options });
}

/** Requests per route since the last sync, writes only. */
function writes(): Record<string, number> {
	const counts = sim.counters.snapshot();
	return Object.fromEntries(Object.entries(counts).filter(([route]) => WRITES.includes(route)));
}

const byLink = (contactId: unknown) => sim.state.listAll().filter((person) => readGoogleField(person as GooglePerson, LINK) === contactId) as GooglePerson[];
const only = (contactId: unknown): GooglePerson => {
	const found = byLink(contactId);
	expect(found).toHaveLength(1);
	return found[0];
};
const groupNamed = (name: string) => sim.state.listGroups(new Set(['name']), 1000).contactGroups?.find((group) => group.name === name);
const groupsOf = (person: GooglePerson) => readGoogleField(sim.state.getFull(person.resourceName as string) as GooglePerson, 'memberships') as string[];

describe('first sync', () => {
	it('creates every new contact with its link and snapshot; a second run of the same records writes nothing', async () => {
		const contacts = org.seed(HARD_CASES.length);
		const first = await sync(contacts.map((contact) => record(contact)));
		const withEmail = contacts.filter((contact) => contact.emailaddress1);
		expect(first.summary.counts).toMatchObject({ created: withEmail.length - 1, skipped: 2, failed: 0 });
		expect(first.outcomes.filter((outcome) => outcome.action === 'skip-no-email').map((outcome) => outcome.sourceId)).toEqual(contacts.filter((contact) => !contact.emailaddress1).map((contact) => contact.contactid));
		// "Case.Sensitive@Example.com" and "case.sensitive@example.com" are one email: the second contact is not a duplicate.
		expect(first.outcomes.filter((outcome) => outcome.action === 'skip-ambiguous')).toHaveLength(1);
		const jan = only(contacts[0].contactid);
		expect(jan).toMatchObject({ names: [expect.objectContaining({ givenName: 'Jan', familyName: 'van der Berg' })], organizations: [expect.objectContaining({ name: 'Berg & Zonen', title: 'Directeur' })] });
		expect(isOwnEcho(jan)).toBe(true);
		// The opted-out contact is created in "Dynamics 365 Unsubscribes" (made first), staying in My Contacts: no members:modify.
		expect(writes()).toEqual({ 'people.batchCreateContacts': 1, 'contactGroups.create': 1 });
		const unsubscribes = groupNamed('Dynamics 365 Unsubscribes')!.resourceName;
		const optedOut = contacts.filter((contact) => contact.donotbulkemail === true && contact.emailaddress1);
		expect(optedOut.length).toBeGreaterThan(0);
		for (const contact of optedOut) expect(groupsOf(only(contact.contactid))).toEqual(expect.arrayContaining(['contactGroups/myContacts', unsubscribes]));

		const second = await sync(contacts.map((contact) => record(contact, 'resync')));
		expect(writes()).toEqual({});
		expect(second.summary.counts).toMatchObject({ created: 0, updated: 0, unchanged: withEmail.length - 1, failed: 0 });
	});
});

describe('records the mapping made without a current contact', () => {
	/** The contacts Google holds, without what Google itself assigns, in link order. */
	const createdContacts = () =>
		sim.state
			.listAll()
			.map(({ resourceName: _name, etag: _etag, metadata: _metadata, ...values }) => values as GooglePerson)
			.sort((a, b) => String(readGoogleField(a, LINK)).localeCompare(String(readGoogleField(b, LINK))));

	it('are created from their values as they are: the same contacts as mapping them again, and the items keep their values', async () => {
		const contacts = org.seed(HARD_CASES.length);
		const marked = contacts.map((contact) => record(contact));
		expect(marked.every((read) => read.ok && read.record.mappedWithoutCurrent === true)).toBe(true);
		const valuesBefore = structuredClone(marked.map((read) => read.ok && read.record.values));
		const first = await sync(marked);
		expect(marked.map((read) => read.ok && read.record.values)).toEqual(valuesBefore);
		const fromValues = createdContacts();
		expect(fromValues.length).toBe(first.summary.counts.created);

		sim.reset();
		const unmarked = marked.map((read): ReadResult => {
			if (!read.ok) return read;
			const { mappedWithoutCurrent: _marker, ...unmarkedRecord } = read.record;
			return { ok: true, record: unmarkedRecord };
		});
		const second = await sync(unmarked);
		expect(second.outcomes).toEqual(first.outcomes.map((outcome) => ({ ...outcome, ...(outcome.targetId ? { targetId: expect.any(String) } : {}) })));
		expect(createdContacts()).toEqual(fromValues);
	});

	it('is read only from a record that carries its source contact', () => {
		const [contact] = org.seed(1);
		const read = record(contact);
		if (!read.ok) throw new Error(read.problem.message);
		const { source: _source, ...withoutSource } = { ...read.record, mappedWithoutCurrent: true };
		const again = readSyncRecord(withoutSource as unknown as Json, 'google');
		expect(again.ok && again.record.mappedWithoutCurrent).toBeFalsy();
	});
});

/** A Google contact the user made before any sync (no link, no snapshot). */
function googleOwn(person: Person): GooglePerson {
	return sim.state.createContact(person) as GooglePerson;
}

/** The first `count` seed people, as Dynamics contacts and the matching Google contacts made by hand (emails in other case). */
function presentOnBothSides(count: number): { contacts: Json[]; people: GooglePerson[] } {
	const contacts = org.seed(count);
	const people = seedPeople(count).map((seed) => googleOwn(personFromSeed({ ...seed, emails: seed.emails.map((email) => email.toUpperCase()) })));
	return { contacts, people };
}

describe('matching', () => {
	it('an existing Google contact with the email in other case is linked and updated, never duplicated; the second run writes nothing', async () => {
		const { contacts, people } = presentOnBothSides(1);
		sim.state.editAsUser(people[0].resourceName as string, { organizations: [{ title: 'Old title' }] } as Person);
		const first = await sync([record(contacts[0])]);
		// Never synced before, so no snapshot says who changed the title: both did, and the winning app (Dynamics 365) keeps it.
		expect(first.outcomes).toEqual([
			expect.objectContaining({ action: 'conflict-resolved', targetId: people[0].resourceName, fields: ['organizations[0].name', 'organizations[0].title'], conflicts: [{ field: 'organizations[0].title', winner: 'dynamics' }] }),
		]);
		expect(sim.state.listAll()).toHaveLength(1);
		const linked = only(contacts[0].contactid);
		expect(linked.organizations).toEqual([expect.objectContaining({ name: 'Berg & Zonen', title: 'Directeur' })]);
		expect(isOwnEcho(linked)).toBe(true);
		expect(writes()).toEqual({ 'people.batchUpdateContacts': 1 });

		const second = await sync([record(contacts[0])]);
		expect(second.outcomes).toEqual([expect.objectContaining({ action: 'skip-equal', targetId: people[0].resourceName })]);
		expect(writes()).toEqual({});
	});

	it('a link survives an email change in Dynamics: the linked contact is found by its clientData and updated, not duplicated', async () => {
		const [contact] = org.seed(1);
		await sync([record(contact)]);
		const created = only(contact.contactid);
		sim.counters.reset();
		const changed = org.update(contact.contactid as string, { emailaddress1: 'jan@new-employer.example' });
		const result = await sync([record(changed)]);
		expect(result.outcomes).toEqual([expect.objectContaining({ action: 'update', targetId: created.resourceName, fields: ['emailAddresses'] })]);
		expect(readGoogleField(only(contact.contactid), 'emailAddresses')).toEqual(['jan@new-employer.example']);
		expect(sim.state.listAll()).toHaveLength(1);
	});

	it('two Google contacts with the email: nothing is written, both are named', async () => {
		const [contact] = org.seed(1);
		const twins = [0, 1].map(() => googleOwn(personFromSeed(seedPeople(1)[0])));
		const result = await sync([record(contact)]);
		expect(result.outcomes).toEqual([expect.objectContaining({ action: 'skip-ambiguous' })]);
		expect(result.outcomes[0].reason).toContain(twins[0].resourceName);
		expect(result.outcomes[0].reason).toContain(twins[1].resourceName);
		expect(writes()).toEqual({});
	});

	it('few changed contacts in a large account are searched, not listed; a miss lists once before it creates', async () => {
		sim.seed(3000);
		const contacts = ['ada@example.org', 'grace@example.org'].map((email) => org.create({ firstname: email.split('@')[0], lastname: 'Example', emailaddress1: email }));
		const existing = googleOwn({ names: [{ givenName: 'Ada' }], emailAddresses: [{ value: 'ADA@example.org' }] });
		await sync([record(contacts[0])]);
		expect(sim.counters.snapshot()).toMatchObject({ 'people.searchContacts': 2, 'people.batchUpdateContacts': 1 });
		expect(sim.counters.snapshot()['people.connections.list']).toBe(1);
		expect(only(contacts[0].contactid).resourceName).toBe(existing.resourceName);

		await sync([record(contacts[1])]);
		// The probe, then 4 listing pages: search found nothing, and only a listing is sure nothing has the email yet.
		expect(sim.counters.snapshot()).toMatchObject({ 'people.searchContacts': 2, 'people.connections.list': 5, 'people.batchCreateContacts': 1 });
	});
});

/** The contact after a first sync, then edited by the user in Google. */
async function synced(contact: Json, googleEdit?: Person): Promise<GooglePerson> {
	await sync([record(contact)]);
	const person = only(contact.contactid);
	return googleEdit ? (sim.state.editAsUser(person.resourceName as string, googleEdit) as GooglePerson) : person;
}

describe('three-way merge against the stored snapshot', () => {
	it('edits to different fields on both sides both survive; the snapshot keeps the Google edit pending for Dynamics', async () => {
		const [contact] = org.seed(1);
		const person = await synced(contact, { organizations: [{ name: 'Berg & Zonen', title: 'CEO' }] } as Person);
		const changed = org.update(contact.contactid as string, { telephone1: '+31 20 765 4321' });
		const result = await sync([record(changed)]);
		expect(result.outcomes).toEqual([expect.objectContaining({ action: 'update', fields: ['phoneNumbers:work'] })]);
		const after = sim.state.getFull(person.resourceName as string) as GooglePerson;
		expect([readGoogleField(after, 'phoneNumbers:work'), readGoogleField(after, 'organizations[0].title')]).toEqual(['+31 20 765 4321', 'CEO']);
		// The title is Google's newer value: the snapshot still has the old one, so the Google trigger reports it and it reaches Dynamics.
		expect(storedSnapshot(after)?.fields['organizations[0].title']).toBe('Directeur');
		expect(isOwnEcho(after)).toBe(false);
	});

	it('a field changed on both sides takes the winning app\'s value: Dynamics 365 by default, Google Contacts when chosen', async () => {
		const [contact] = org.seed(1);
		const person = await synced(contact, { organizations: [{ name: 'Berg & Zonen', title: 'CEO' }] } as Person);
		const changed = org.update(contact.contactid as string, { jobtitle: 'Voorzitter' });

		const googleWins = await sync([record(changed)], { winner: 'google' });
		expect(googleWins.outcomes).toEqual([expect.objectContaining({ action: 'skip-equal' })]);
		expect(writes()).toEqual({});

		const dynamicsWins = await sync([record(changed)]);
		expect(dynamicsWins.outcomes).toEqual([expect.objectContaining({ action: 'conflict-resolved', fields: ['organizations[0].title'], conflicts: [{ field: 'organizations[0].title', winner: 'dynamics' }] })]);
		expect(dynamicsWins.summary.conflicts).toEqual([{ id: contact.contactid, counterpartId: person.resourceName, fields: ['organizations[0].title'], winner: 'dynamics' }]);
		const after = sim.state.getFull(person.resourceName as string) as GooglePerson;
		expect(readGoogleField(after, 'organizations[0].title')).toBe('Voorzitter');
		expect(isOwnEcho(after)).toBe(true);
	});

	it('an emptied Dynamics value never blanks the Google one, unless Blank Values Overwrite is on', async () => {
		const [contact] = org.seed(1);
		const person = await synced(contact);
		const emptied = org.update(contact.contactid as string, { jobtitle: null });
		const kept = await sync([record(emptied)]);
		expect(kept.outcomes).toEqual([expect.objectContaining({ action: 'skip-equal' })]);
		expect(readGoogleField(sim.state.getFull(person.resourceName as string) as GooglePerson, 'organizations[0].title')).toBe('Directeur');

		// The writer's setting decides, whatever the mapping does with empty values when it maps.
		const blanked = await sync([record(emptied)], { emptyOverwrites: true });
		expect(blanked.outcomes).toEqual([expect.objectContaining({ action: 'update', fields: ['organizations[0].title'] })]);
		const after = sim.state.getFull(person.resourceName as string) as GooglePerson;
		expect(readGoogleField(after, 'organizations[0].title')).toBeUndefined();
		expect(readGoogleField(after, 'organizations[0].name')).toBe('Berg & Zonen');
	});

	it('Google values the mapping does not carry stay: emails past Dynamics\' three, a home address, a nickname', async () => {
		const [contact] = org.seed(1);
		const person = await synced(contact);
		const extras = {
			emailAddresses: [...(person.emailAddresses ?? []), { value: 'b@example.com' }, { value: 'c@example.com' }, { value: 'fourth@example.com' }],
			addresses: [...(person.addresses ?? []), { type: 'home', city: 'Utrecht' }],
			nicknames: [{ value: 'Jantje' }],
		};
		sim.state.editAsUser(person.resourceName as string, extras as Person);
		const changed = org.update(contact.contactid as string, { emailaddress2: 'jan.private@example.nl', address1_city: 'Haarlem' });
		await sync([record(changed)]);
		const after = sim.state.getFull(person.resourceName as string) as GooglePerson;
		// The list is one field changed on both sides: Dynamics 365 wins its three slots (the third is empty there); the fourth email stays.
		expect(readGoogleField(after, 'emailAddresses')).toEqual(['jan.vanderberg@example.nl', 'jan.private@example.nl', 'fourth@example.com']);
		expect([readGoogleField(after, 'addresses:work.city'), readGoogleField(after, 'addresses:home.city'), readGoogleField(after, 'nicknames[0].value')]).toEqual(['Haarlem', 'Utrecht', 'Jantje']);
	});
});

describe('deletions and unsubscribes', () => {
	it('a deleted Dynamics contact puts its counterpart in "Dynamics 365 Trash" (created once), never deletes it, and it is not re-created', async () => {
		const contacts = org.seed(3);
		await sync(contacts.map((contact) => record(contact)));
		const [gone, kept] = [only(contacts[0].contactid), only(contacts[1].contactid)];
		const result = await sync([record(contacts[0], 'deleted'), record({ contactid: '00000000-0000-4000-8000-00000000dead' }, 'deleted')]);
		expect(result.outcomes.map((outcome) => [outcome.action, outcome.targetId])).toEqual([['tag-deleted', gone.resourceName], ['skip-no-counterpart', undefined]]);
		expect(result.summary.tagged).toEqual([{ id: contacts[0].contactid, counterpartId: gone.resourceName, tag: 'Dynamics 365 Trash', change: 'added' }]);
		expect(writes()).toEqual({ 'contactGroups.create': 1, 'contactGroups.members.modify': 1 });
		const trash = groupNamed('Dynamics 365 Trash')!.resourceName;
		expect(groupsOf(gone)).toContain(trash);
		expect(groupsOf(kept)).not.toContain(trash);
		expect(sim.state.listAll()).toHaveLength(3);

		// The same contact again (a restored record, a replayed poll): the trashed counterpart is a tombstone.
		const again = await sync([record(contacts[0])]);
		expect(again.outcomes).toEqual([expect.objectContaining({ action: 'skip-tombstone' })]);
		const deletedAgain = await sync([record(contacts[0], 'deleted')]);
		expect(deletedAgain.outcomes).toEqual([expect.objectContaining({ action: 'skip-tombstone' })]);
		expect(writes()).toEqual({});
		expect(byLink(contacts[0].contactid)).toHaveLength(1);
	});

	it('Deletions off: a deletion changes nothing in Google and needs no listing', async () => {
		const [contact] = org.seed(1);
		await sync([record(contact)]);
		const result = await sync([record(contact, 'deleted')], { trashGroup: undefined });
		expect(result.outcomes).toEqual([expect.objectContaining({ action: 'skip-off' })]);
		expect(sim.counters.snapshot()['people.connections.list']).toBeUndefined();
		expect(writes()).toEqual({});
	});

	it('opting out of bulk email tags the counterpart "Dynamics 365 Unsubscribes"; opting in again removes the tag', async () => {
		const [contact] = org.seed(1);
		const person = await synced(contact);
		const optedOut = org.update(contact.contactid as string, { donotbulkemail: true });
		const tagged = await sync([record(optedOut)]);
		expect(tagged.outcomes).toEqual([expect.objectContaining({ action: 'skip-equal', unsubscribe: { change: 'added', group: 'Dynamics 365 Unsubscribes' } })]);
		const group = groupNamed('Dynamics 365 Unsubscribes')!.resourceName;
		expect(groupsOf(person)).toContain(group);
		expect(writes()).toEqual({ 'contactGroups.create': 1, 'contactGroups.members.modify': 1 });

		await sync([record(optedOut)]);
		expect(writes()).toEqual({});

		const optedIn = await sync([record(org.update(contact.contactid as string, { donotbulkemail: false }))]);
		expect(optedIn.outcomes[0].unsubscribe).toEqual({ change: 'removed', group: 'Dynamics 365 Unsubscribes' });
		expect(groupsOf(person)).not.toContain(group);
		expect(groupsOf(person)).toContain('contactGroups/myContacts');
	});

	it('the mass-deletion guard stops a run that would tag more than the share, before anything is written', async () => {
		const contacts = org.seed(40);
		await sync(contacts.map((contact) => record(contact)));
		const deletions = contacts.slice(0, 5).map((contact) => record(contact, 'deleted'));
		const edit = record(org.update(contacts[10].contactid as string, { jobtitle: 'Changed' }));
		const error = await sync([...deletions, edit]).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(MassDeletionError);
		const linked = sim.state.listAll().length;
		expect((error as Error).message).toContain(`this run would tag 5 of ${linked} linked contacts`);
		expect(writes()).toEqual({});

		const allowed = await sync([...deletions, edit], { maxDeletionShare: 0.2 });
		expect(allowed.summary.counts).toMatchObject({ tagged: 5, updated: 1 });
	});
});

describe('dry run', () => {
	it('reports what it would create, update and tag, and writes nothing', async () => {
		const contacts = org.seed(3);
		await sync(contacts.slice(0, 2).map((contact) => record(contact)));
		const before = sim.state.listAll();
		const inputs = [record(org.update(contacts[0].contactid as string, { jobtitle: 'Changed', donotbulkemail: true })), record(contacts[1], 'deleted'), record(contacts[2])];
		const dry = await sync(inputs, { dryRun: true });
		expect(writes()).toEqual({});
		expect(sim.state.listAll()).toEqual(before);
		expect(dry.outcomes.map((outcome) => [outcome.action, outcome.dryRun])).toEqual([['update', true], ['tag-deleted', true], ['create', true]]);
		expect(dry.summary).toMatchObject({ dryRun: true, counts: { created: 1, updated: 1, tagged: 2 } });

		const real = await sync(inputs);
		expect(real.outcomes.map((outcome) => outcome.action)).toEqual(['update', 'tag-deleted', 'create']);
		expect(real.summary.counts).toEqual(dry.summary.counts);
	});
});

describe('concurrency and failures', () => {
	it('a contact edited in Google between the read and the write is read again and decided anew: both edits survive', async () => {
		const [contact] = org.seed(1);
		const person = await synced(contact);
		let edited = false;
		const wire = nodeHttpTransport();
		// The user edits the contact while the sync's update is on its way: its etag is stale when it arrives.
		const transport: HttpTransport = async (request) => {
			if (!edited && request.url.includes('batchUpdateContacts')) {
				edited = true;
				sim.state.editAsUser(person.resourceName as string, { biographies: [{ value: 'Met at the fair' }] } as Person);
			}
			return wire(request);
		};
		sim.counters.reset();
		const result = await writeToGoogle([record(org.update(contact.contactid as string, { jobtitle: 'CEO' }))], { google: google(transport), catalog });
		expect(result.outcomes).toEqual([expect.objectContaining({ action: 'update', fields: ['organizations[0].title'] })]);
		const after = sim.state.getFull(person.resourceName as string) as GooglePerson;
		expect([readGoogleField(after, 'organizations[0].title'), readGoogleField(after, 'biographies[0].value')]).toEqual(['CEO', 'Met at the fair']);
		expect(sim.counters.snapshot()['people.batchUpdateContacts']).toBe(2);
	});

	it('one invalid record in a batch fails alone, naming why; the others are written', async () => {
		const contacts = org.seed(4);
		const inputs = contacts.map((contact) => record(contact));
		const bad = inputs[2];
		if (!bad.ok) throw new Error('unreadable');
		// A value the People API refuses: two names on one contact.
		bad.record.source = undefined;
		bad.record.values = { ...bad.record.values, names: [{ givenName: 'One' }, { givenName: 'Two' }] };
		const result = await sync([...inputs, { ok: false, problem: { field: 'values', message: 'The record\'s values are not an object', fix: 'Map it first.' } }]);
		expect(result.outcomes.map((outcome) => outcome.action)).toEqual(['create', 'create', 'failed', 'create', 'failed']);
		expect(result.outcomes[2].error?.message).toMatch(/only one item in names/);
		expect(result.summary.counts).toMatchObject({ created: 3, failed: 2 });
		expect(byLink(contacts[2].contactid)).toHaveLength(0);
		expect(contacts.filter((_contact, index) => index !== 2).every((contact) => byLink(contact.contactid).length === 1)).toBe(true);
	});
});

describe('an outage', () => {
	it('a create call Google fails (500) fails its records, saying nothing of them was written; the next run creates them', async () => {
		const contacts = org.seed(3);
		sim.faults.add({ route: 'people.batchCreateContacts', status: 500, count: 1 });
		const failed = await sync(contacts.map((contact) => record(contact)));
		expect(failed.outcomes.map((outcome) => [outcome.action, outcome.error?.field, outcome.error?.fix])).toEqual(
			contacts.map(() => ['failed', 'request', 'Run again later: nothing of this contact was written.']),
		);
		expect(sim.state.listAll()).toHaveLength(0);
		const retried = await sync(contacts.map((contact) => record(contact)));
		expect(retried.summary.counts).toMatchObject({ created: 3, failed: 0 });
	});

	it('creates whose answer is lost (connection reset after Google made them) are found by their links in a listing, not made twice; the next chunk is still sent', async () => {
		const contacts = org.seed(250).filter((contact) => contact.emailaddress1 && !/case\.sensitive/i.test(String(contact.emailaddress1)));
		sim.faults.add({ route: 'people.batchCreateContacts', resetAfterHandling: true, count: 1 });
		const result = await sync(contacts.map((contact) => record(contact)));
		expect(sim.faults.injectedCounts()).toMatchObject({ resetAfterHandling: 1 });
		expect(result.summary.counts).toMatchObject({ created: contacts.length, failed: 0 });
		for (const contact of contacts) expect(only(contact.contactid).resourceName).toBe(result.outcomes.find((outcome) => outcome.sourceId === contact.contactid)?.targetId);
		expect(sim.counters.snapshot()['people.batchCreateContacts']).toBe(2);
	});

	it('creates dropped before Google made them (connection reset) are not found by their links, so they are created once more', async () => {
		const contacts = org.seed(20).filter((contact) => contact.emailaddress1 && !/case\.sensitive/i.test(String(contact.emailaddress1)));
		sim.faults.add({ route: 'people.batchCreateContacts', reset: true, count: 1 });
		const result = await sync(contacts.map((contact) => record(contact)));
		expect(result.summary.counts).toMatchObject({ created: contacts.length, failed: 0 });
		for (const contact of contacts) only(contact.contactid);
		expect(sim.counters.snapshot()['people.batchCreateContacts']).toBe(2);
	});
});

describe('the mapping\'s THEN actions', () => {
	it('labels and fixed values are set on creates, and on updates where they are missing', async () => {
		const group = sim.state.createGroup({ name: 'Customers' }, new Set(['name'])).resourceName as string;
		const spec: Partial<MappingSpec> = { addToLabels: [group], fixedValues: [{ field: 'userDefined:Source', value: 'Dynamics 365' }] };
		const [contact] = org.seed(1);
		await sync([record(contact, 'updated', spec)]);
		const person = only(contact.contactid);
		expect(groupsOf(person).sort()).toEqual(['contactGroups/myContacts', group].sort());
		expect(readGoogleField(person, 'userDefined:Source')).toBe('Dynamics 365');

		sim.state.editAsUser(person.resourceName as string, { memberships: [{ contactGroupMembership: { contactGroupResourceName: 'contactGroups/myContacts' } }], userDefined: [] } as Person);
		const result = await sync([record(contact, 'updated', spec)]);
		expect(result.outcomes).toEqual([expect.objectContaining({ action: 'update', fields: ['userDefined:Source', 'memberships'] })]);
		expect(groupsOf(person).sort()).toEqual(['contactGroups/myContacts', group].sort());
		await sync([record(contact, 'updated', spec)]);
		expect(writes()).toEqual({});
	});
});

describe('the Dynamics 365 link column', () => {
	const COLUMN = 'new_googleresourcename';

	it('gets each contact\'s Google link once; then the link finds the counterpart (batchGet), and a deleted counterpart is not re-created', async () => {
		const dynamics = await startDynamicsSimulator({ contacts: 5 });
		try {
			const client = simulatorClient(dynamics);
			const read = () => client.getAll<Json>('contacts', { includeAnnotations: true });
			const withLinkColumn = { linkField: COLUMN };
			const run = (contacts: Json[]) => sync(contacts.map((contact) => record(contact, 'updated', withLinkColumn)), {}, { dynamicsLink: { client, column: COLUMN } });
			const contacts = await read();
			const first = await run(contacts);
			expect(first.summary.counts).toMatchObject({ created: 5, failed: 0 });
			const linked = await read();
			for (const contact of linked) expect(contact[COLUMN]).toBe(only(contact.contactid).resourceName);
			expect(dynamics.counters.snapshot().batch).toBe(1);

			dynamics.counters.reset();
			const second = await run(linked);
			expect(second.summary.counts).toMatchObject({ unchanged: 5 });
			expect(writes()).toEqual({});
			expect(sim.counters.snapshot()).toMatchObject({ 'people.getBatchGet': 1 });
			expect(sim.counters.snapshot()['people.connections.list']).toBeUndefined();
			expect(dynamics.counters.snapshot().batch).toBeUndefined();

			sim.state.deleteContact(linked[1][COLUMN] as string);
			const third = await run([linked[1]]);
			expect(third.outcomes).toEqual([expect.objectContaining({ action: 'skip-tombstone' })]);
			expect(writes()).toEqual({});
			expect(byLink(linked[1].contactid)).toHaveLength(0);

			// The link column counts even when only the writer, not the mapping, was told about it.
			const unaware = await sync([record(linked[1], 'updated')], {}, { dynamicsLink: { client, column: COLUMN } });
			expect(unaware.outcomes).toEqual([expect.objectContaining({ action: 'skip-tombstone' })]);
			expect(writes()).toEqual({});
			expect(byLink(linked[1].contactid)).toHaveLength(0);
		} finally {
			await dynamics.close();
		}
	});
});

describe('requests for 1,000 contacts', () => {
	it('an initial sync, an unchanged resync and a run that changes every contact, counted by route', async () => {
		const contacts = org.seed(1000);
		const first = await sync(contacts.map((contact) => record(contact)));
		const created = first.summary.counts.created;
		expect(created).toBeGreaterThan(990);
		// The groups, the (empty) account listed, the unsubscribe group created, 5 creates of 200 that put opted-out contacts in it.
		expect(sim.counters.snapshot()).toEqual({ token: 1, 'contactGroups.list': 1, 'people.connections.list': 1, 'contactGroups.create': 1, 'people.batchCreateContacts': 5 });

		// A client without a credential key shares no index: each run lists the account (one page of 1000), which also reads the counterparts.
		const second = await sync(contacts.map((contact) => record(contact, 'resync')));
		expect(second.summary.counts).toMatchObject({ unchanged: created, failed: 0 });
		expect(sim.counters.snapshot()).toEqual({ token: 1, 'contactGroups.list': 1, 'people.connections.list': 1 });

		const edited = contacts.map((contact) => org.update(contact.contactid as string, { jobtitle: 'Partner' }));
		const third = await sync(edited.map((contact) => record(contact)));
		expect(third.summary.counts).toMatchObject({ updated: created, failed: 0 });
		expect(sim.counters.snapshot()).toEqual({ token: 1, 'contactGroups.list': 1, 'people.connections.list': 1, 'people.batchUpdateContacts': 5 });
	});
});

describe('runs of one credential: the account\'s contact index', () => {
	/** A client like the node's: keyed by its credential, so runs in this process share the account's index. */
	const keyed = () => {
		const auth = createOAuth2Client({ clientId: sim.clientId, clientSecret: sim.clientSecret, refreshToken: sim.refreshToken, tokenUrl: sim.tokenUrl });
		return new GoogleContactsClient({ auth, rootUrl: sim.rootUrl, retry: { baseDelayMs: 5, maxDelayMs: 50 }, mutationQueueKey: `credential-${expect.getState().currentTestName}` });
	};
	const keyedSync = async (inputs: ReadResult[], settings: Partial<GoogleWriterSettings> = {}) => {
		sim.counters.reset();
		return writeToGoogle(inputs, { google: keyed(), settings, catalog });
	};
	const listings = () => sim.counters.snapshot()['people.connections.list'];

	it('later runs read only what changed since: a contact made meanwhile in Google with the email is matched, never duplicated', async () => {
		const contacts = ['ada', 'bo', 'cy', 'di', 'ed', 'flo'].map((name) => org.create({ firstname: name, lastname: 'Example', emailaddress1: `${name}@example.org` }));
		await keyedSync(contacts.slice(0, 3).map((contact) => record(contact)));
		expect(listings()).toBe(1);
		// The user adds a contact in Google with the fourth contact's email, in other case.
		const made = googleOwn({ names: [{ givenName: 'di', familyName: 'Example' }], emailAddresses: [{ value: 'DI@example.org' }] });

		const second = await keyedSync(contacts.slice(3).map((contact) => record(contact)));
		expect(second.outcomes.map((outcome) => outcome.action)).toEqual(['update', 'create', 'create']);
		expect(second.outcomes[0].targetId).toBe(made.resourceName);
		// One incremental listing (the first run's three creates and the user's contact, read in full as they pass), one create call;
		// the group list of the first run is reused.
		expect(sim.counters.snapshot()).toEqual({ token: 1, 'people.connections.list': 1, 'people.batchCreateContacts': 1, 'people.batchUpdateContacts': 1 });
		for (const contact of contacts) expect(byLink(contact.contactid)).toHaveLength(1);
		expect(sim.state.listAll()).toHaveLength(6);
	});

	it('its own creates are known at once, before Google lists them: the same records again are matched by link, not created twice', async () => {
		const contacts = org.seed(3);
		const created = await keyedSync(contacts.map((contact) => record(contact)));
		const again = await keyedSync(contacts.map((contact) => record(contact)));
		expect(again.outcomes.map((outcome) => [outcome.action, outcome.targetId])).toEqual(created.outcomes.map((outcome) => ['skip-equal', outcome.targetId]));
		expect(sim.state.listAll()).toHaveLength(3);
	});

	it('a deletion finds its counterpart through the index (no listing of the account) and tags it; a contact deleted in Google leaves the index', async () => {
		const contacts = org.seed(3);
		await keyedSync(contacts.map((contact) => record(contact)));
		const [gone, removed] = [only(contacts[0].contactid), only(contacts[1].contactid)];
		sim.state.deleteContact(removed.resourceName as string);
		const result = await keyedSync([record(contacts[0], 'deleted'), record(contacts[1], 'deleted')]);
		expect(result.outcomes.map((outcome) => [outcome.action, outcome.targetId])).toEqual([['tag-deleted', gone.resourceName], ['skip-no-counterpart', undefined]]);
		expect(sim.counters.snapshot()).toEqual({ token: 1, 'people.connections.list': 1, 'contactGroups.create': 1, 'contactGroups.members.modify': 1 });
	});

	it('the group list is reused while Google takes the index\'s token; a tag group deleted in Google meanwhile is read again when a write finds it gone', async () => {
		const optedOut = (name: string) => org.create({ firstname: name, lastname: 'Example', emailaddress1: `${name}@example.org`, donotbulkemail: true });
		const [ada, bo, cy] = ['ada', 'bo', 'cy'].map(optedOut);
		await keyedSync([record(ada)]);
		expect(sim.counters.snapshot()).toMatchObject({ 'contactGroups.list': 1, 'contactGroups.create': 1, 'people.batchCreateContacts': 1 });
		await keyedSync([record(bo)]);
		expect(sim.counters.snapshot()['contactGroups.list']).toBeUndefined();
		const first = groupNamed('Dynamics 365 Unsubscribes')!.resourceName as string;
		expect(groupsOf(only(bo.contactid))).toContain(first);

		// The user deletes the group (its members stay); the reused list still names it.
		sim.state.deleteGroup(first, false);
		const created = await keyedSync([record(cy)]);
		expect(created.outcomes).toEqual([expect.objectContaining({ action: 'create', unsubscribe: { change: 'added', group: 'Dynamics 365 Unsubscribes' } })]);
		// The rejected create call, the groups read again, the group made anew, the call sent again: not split contact by contact.
		expect(sim.counters.snapshot()).toMatchObject({ 'people.batchCreateContacts': 2, 'contactGroups.list': 1, 'contactGroups.create': 1 });
		const second = groupNamed('Dynamics 365 Unsubscribes')!.resourceName as string;
		expect(second).not.toBe(first);
		expect(groupsOf(only(cy.contactid))).toEqual(expect.arrayContaining(['contactGroups/myContacts', second]));

		// Tagging an existing contact: members:modify finds the group gone (404), the groups are read again.
		sim.state.deleteGroup(second, false);
		const tagged = await keyedSync([record(ada)]);
		expect(tagged.outcomes).toEqual([expect.objectContaining({ action: 'skip-equal', unsubscribe: { change: 'added', group: 'Dynamics 365 Unsubscribes' } })]);
		expect(sim.counters.snapshot()).toMatchObject({ 'contactGroups.members.modify': 2, 'contactGroups.list': 1, 'contactGroups.create': 1 });
		expect(groupsOf(only(ada.contactid))).toContain(groupNamed('Dynamics 365 Unsubscribes')!.resourceName);
	});

	it('an expired sync token costs one refused request, then the account is listed again; nothing is duplicated', async () => {
		const contacts = org.seed(4);
		await keyedSync(contacts.slice(0, 2).map((contact) => record(contact)));
		sim.state.expireSyncTokens();
		const result = await keyedSync(contacts.map((contact) => record(contact)));
		expect(result.outcomes.map((outcome) => outcome.action)).toEqual(['skip-equal', 'skip-equal', 'create', 'create']);
		expect(listings()).toBe(2);
		expect(sim.state.listAll()).toHaveLength(4);
	});
});
