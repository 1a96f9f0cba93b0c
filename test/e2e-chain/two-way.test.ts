/**
 * The whole chain, both ways, in n8n-core (triggers polled as an active workflow polls them, then
 * Contact Filter → Contact Field Mapping → writer), against both simulators: an edit on each side
 * reaches the other; edits to different fields on both sides both survive; a same-field conflict
 * follows the winning app; loops stop (ten more polls on each side write nothing) and a full second
 * run writes nothing; deletions and unsubscribes tag and never delete; the guard trips at its
 * threshold; a batch with one invalid record writes the others and reports the one.
 */
import type { Person } from '../../lib/google/client';
import { readGoogleField, type GooglePerson } from '../../lib/google/fields';
import { LINK_KEYS } from '../../lib/mapping';
import { TRASH_GROUP, UNSUBSCRIBES_GROUP } from '../../lib/sync/decide';
import { startChainTestbed, type ChainTestbed } from './testbed';
import { TwoWaySync, type TwoWayOptions } from './two-way';

let bed: ChainTestbed;
let excluded: Pick<TwoWayOptions, 'excludedTeam' | 'excludedLabel'>;

beforeAll(async () => {
	bed = await startChainTestbed({ nodes: ['dynamicsTrigger', 'googleTrigger', 'filter', 'mapping', 'dynamicsWriter', 'googleWriter'] });
});
afterAll(() => bed?.close());
beforeEach(() => {
	bed.dynamics.state.reset();
	bed.google.reset();
	bed.dynamics.faults.clear();
	bed.google.faults.clear();
	const team = bed.dynamics.state.owners().find((owner) => owner.entity === 'team');
	const label = bed.google.state.createGroup({ name: 'Personal' }, new Set(['name']));
	excluded = { excludedTeam: team?.id as string, excludedLabel: label.resourceName as string };
});

// ---- the two apps, as their users change them -----------------------------------------------------

const dynamicsContacts = () => bed.dynamics.state.listContacts();
const dynamicsContact = (id: string) => bed.dynamics.state.getContact(id)?.values as Record<string, unknown>;
const addDynamics = (values: Record<string, unknown>) => bed.dynamics.state.createContact(values).id;
const editDynamics = (id: string, values: Record<string, unknown>) => bed.dynamics.state.updateContact(id, values);
const dynamicsByEmail = (email: string) => dynamicsContacts().find((contact) => String(contact.values.emailaddress1).toLowerCase() === email);

const googleContacts = () => bed.google.state.listAll() as GooglePerson[];
const googleContact = (resourceName: string) => bed.google.state.getFull(resourceName) as GooglePerson;
const addGoogle = (given: string, family: string, email: string, extra: Person = {}) =>
	bed.google.state.createContact({ names: [{ givenName: given, familyName: family }], emailAddresses: [{ value: email }], ...extra }).resourceName as string;
const editGoogle = (resourceName: string, changes: Person) => bed.google.state.editAsUser(resourceName, changes);
const googleByEmail = (email: string) => googleContacts().find((person) => (readGoogleField(person, 'emailAddresses') as string[]).includes(email));
const field = (person: GooglePerson | undefined, name: string) => (person ? readGoogleField(person, name) : undefined);
const groupNamed = (name: string) => bed.google.state.listGroups(new Set(['name']), 1000).contactGroups?.find((group) => group.name === name);
const membersOf = (name: string) => {
	const group = groupNamed(name);
	return group ? googleContacts().filter((person) => (readGoogleField(person, 'memberships') as string[]).includes(group.resourceName as string)).map((person) => person.resourceName) : [];
};

/** Three Dynamics contacts and two Google contacts, synced both ways from the start ("all existing contacts"), settled. */
async function syncedPeople(options: Partial<TwoWayOptions> = {}): Promise<TwoWaySync> {
	addDynamics({ firstname: 'Ada', lastname: 'Lovelace', emailaddress1: 'ada@example.com', jobtitle: 'Analyst' });
	addDynamics({ firstname: 'Alan', lastname: 'Turing', emailaddress1: 'alan@example.com', jobtitle: 'Mathematician', telephone1: '+44 20 7946 0000' });
	addDynamics({ firstname: 'Grace', lastname: 'Hopper', emailaddress1: 'grace@example.com', jobtitle: 'Rear Admiral' });
	addGoogle('Linus', 'Torvalds', 'linus@example.com', { phoneNumbers: [{ value: '+358 9 000 0000', type: 'mobile' }] });
	addGoogle('Ken', 'Thompson', 'ken@example.com', { organizations: [{ title: 'Engineer' }] });
	const sync = await TwoWaySync.start(bed, { ...excluded, startWith: 'allContacts', ...options });
	await sync.settle();
	expect(dynamicsContacts()).toHaveLength(5);
	expect(googleContacts()).toHaveLength(5);
	return sync;
}

describe('two-way', () => {
	it('the initial sync links every contact once; an edit on each side reaches the other; ten more polls on each side write nothing', async () => {
		const sync = await syncedPeople();
		for (const person of googleContacts()) {
			const email = (readGoogleField(person, 'emailAddresses') as string[])[0];
			expect(field(person, `clientData:${LINK_KEYS.googleDynamicsContactId}`)).toBe(dynamicsByEmail(email)?.id);
		}

		const ada = dynamicsByEmail('ada@example.com')?.id as string;
		editDynamics(ada, { jobtitle: 'Chief Analyst' });
		const toGoogle = await sync.pollDynamics();
		expect(toGoogle.written).toEqual([expect.objectContaining({ action: 'update', fields: ['organizations[0].title'] })]);
		expect(field(googleByEmail('ada@example.com'), 'organizations[0].title')).toBe('Chief Analyst');

		const linus = googleByEmail('linus@example.com')?.resourceName as string;
		editGoogle(linus, { phoneNumbers: [{ value: '+358 9 111 1111', type: 'mobile' }] });
		const toDynamics = await sync.pollGoogle();
		expect(toDynamics.written).toEqual([expect.objectContaining({ action: 'update', fields: ['phoneNumbers:mobile'] })]);
		expect(dynamicsByEmail('linus@example.com')?.values.mobilephone).toBe('+358 9 111 1111');

		// The sync's own writes come back as changes: the triggers leave them out, the writers would find nothing to do.
		await sync.settle();
		for (let poll = 0; poll < 10; poll++) {
			const [dynamicsTurn, googleTurn] = [await sync.pollDynamics(), await sync.pollGoogle()];
			expect([dynamicsTurn.emitted, dynamicsTurn.dynamicsWrites + dynamicsTurn.googleWrites, googleTurn.emitted, googleTurn.dynamicsWrites + googleTurn.googleWrites]).toEqual([null, 0, null, 0]);
		}
	});

	it('edits to different fields on both sides both survive; a same-field conflict follows the winning app', async () => {
		const sync = await syncedPeople();
		const alan = dynamicsByEmail('alan@example.com')?.id as string;
		const grace = dynamicsByEmail('grace@example.com')?.id as string;
		editDynamics(alan, { jobtitle: 'Codebreaker' });
		editGoogle(googleByEmail('alan@example.com')?.resourceName as string, { names: [{ givenName: 'Alan Mathison', familyName: 'Turing' }], organizations: [{ title: 'Mathematician' }] });
		editDynamics(grace, { jobtitle: 'Commodore' });
		editGoogle(googleByEmail('grace@example.com')?.resourceName as string, { organizations: [{ title: 'Professor' }] });

		await sync.settle();

		expect(dynamicsContact(alan)).toMatchObject({ firstname: 'Alan Mathison', jobtitle: 'Codebreaker' });
		expect(googleByEmail('alan@example.com')).toMatchObject({ names: [expect.objectContaining({ givenName: 'Alan Mathison' })], organizations: [expect.objectContaining({ title: 'Codebreaker' })] });
		// Dynamics 365 is the default winning app.
		expect(dynamicsContact(grace).jobtitle).toBe('Commodore');
		expect(field(googleByEmail('grace@example.com'), 'organizations[0].title')).toBe('Commodore');
	});

	it('with Google Contacts as the winning app, a same-field conflict takes the Google value on both sides', async () => {
		const sync = await syncedPeople({ writers: { winner: 'google' } });
		const grace = dynamicsByEmail('grace@example.com')?.id as string;
		editDynamics(grace, { jobtitle: 'Commodore' });
		editGoogle(googleByEmail('grace@example.com')?.resourceName as string, { organizations: [{ title: 'Professor' }] });

		const turns = await sync.settle();

		expect(dynamicsContact(grace).jobtitle).toBe('Professor');
		expect(field(googleByEmail('grace@example.com'), 'organizations[0].title')).toBe('Professor');
		expect(turns.flatMap((turn) => turn.written)).toContainEqual(expect.objectContaining({ action: 'conflict-resolved', conflicts: [{ field: 'organizations[0].title', winner: 'google' }] }));
	});

	it('a full second run (an initial sync again, over every contact) makes zero writes', async () => {
		await syncedPeople();
		const again = await TwoWaySync.start(bed, { ...excluded, startWith: 'allContacts' });
		const turns = [again.activation.toGoogle, again.activation.toDynamics, ...(await again.settle())];
		expect(turns.reduce((sum, turn) => sum + turn.dynamicsWrites + turn.googleWrites, 0)).toBe(0);
		expect(turns.flatMap((turn) => turn.written).map((outcome) => outcome.action)).toEqual(expect.arrayContaining(['skip-equal']));
	});

	it('the filters keep contacts out: one owned by the excluded team stays out of Google, one labelled Personal out of Dynamics 365', async () => {
		const sync = await syncedPeople();
		bed.dynamics.state.createContact({ firstname: 'In', lastname: 'House', emailaddress1: 'internal@example.com', 'ownerid@odata.bind': `/teams(${excluded.excludedTeam})` });
		addGoogle('My', 'Sister', 'sister@example.com', { memberships: [{ contactGroupMembership: { contactGroupResourceName: excluded.excludedLabel } }] });
		await sync.settle();
		expect(googleByEmail('internal@example.com')).toBeUndefined();
		expect(dynamicsByEmail('sister@example.com')).toBeUndefined();
	});
});

describe('deletions, unsubscribes and the guard', () => {
	it('a Dynamics deletion puts the Google contact in "Dynamics 365 Trash", an opt-out in "Dynamics 365 Unsubscribes", a Google deletion deactivates; nothing is deleted or re-created', async () => {
		const sync = await syncedPeople({ linkColumn: true });
		const ada = dynamicsByEmail('ada@example.com')?.id as string;
		const adaInGoogle = googleByEmail('ada@example.com')?.resourceName;
		const linus = googleByEmail('linus@example.com')?.resourceName as string;
		const linusInDynamics = dynamicsByEmail('linus@example.com')?.id as string;

		bed.dynamics.state.deleteContact(ada);
		editDynamics(dynamicsByEmail('alan@example.com')?.id as string, { donotbulkemail: true });
		bed.google.state.deleteContact(linus);
		await sync.settle();

		expect(membersOf(TRASH_GROUP)).toEqual([adaInGoogle]);
		expect(membersOf(UNSUBSCRIBES_GROUP)).toEqual([googleByEmail('alan@example.com')?.resourceName]);
		expect(dynamicsContact(linusInDynamics)).toMatchObject({ statecode: 1, statuscode: 2 });
		expect(googleContacts()).toHaveLength(4);
		expect(dynamicsContacts()).toHaveLength(4);

		// The trashed Google contact changes again: it is not re-created in Dynamics 365; nor is Linus in Google.
		editGoogle(adaInGoogle as string, { organizations: [{ title: 'Still here' }] });
		editDynamics(linusInDynamics, { jobtitle: 'Kernel hacker' });
		await sync.settle();
		expect(dynamicsByEmail('ada@example.com')).toBeUndefined();
		expect(googleByEmail('linus@example.com')).toBeUndefined();

		// Opted back in: the tag comes off.
		editDynamics(dynamicsByEmail('alan@example.com')?.id as string, { donotbulkemail: false });
		await sync.settle();
		expect(membersOf(UNSUBSCRIBES_GROUP)).toEqual([]);
	});

	it('the mass-deletion guard trips above its threshold, writing nothing, and lets a run at the threshold through', async () => {
		const emails = Array.from({ length: 20 }, (_, index) => `member${index}@example.com`);
		emails.forEach((email, index) => addDynamics({ firstname: 'Member', lastname: `No ${index}`, emailaddress1: email }));
		const sync = await TwoWaySync.start(bed, { ...excluded, startWith: 'allContacts', writerOptions: { maxDeletionPercent: 25 } });
		await sync.settle();
		const linked = dynamicsContacts().map((contact) => contact.id);
		expect(linked).toHaveLength(20);

		// 6 of 20 (30%) is above 25%: the run stops before tagging anything.
		linked.slice(0, 6).forEach((id) => bed.dynamics.state.deleteContact(id));
		await expect(sync.pollDynamics()).rejects.toThrow(/Mass-deletion guard: this run would tag 6 of 20 linked contacts \(30%\) as deleted in Dynamics 365/);
		expect(membersOf(TRASH_GROUP)).toEqual([]);

		// 5 of 20 (25%) is at the threshold: tagged.
		const atThreshold = await TwoWaySync.start(bed, { ...excluded, writerOptions: { maxDeletionPercent: 25 } });
		linked.slice(6, 11).forEach((id) => bed.dynamics.state.deleteContact(id));
		await atThreshold.pollDynamics();
		expect(membersOf(TRASH_GROUP)).toHaveLength(5);
		expect(googleContacts()).toHaveLength(20);
	});

	it('Google deletions: the guard trips above its threshold, and a run at the threshold deactivates, never deletes', async () => {
		Array.from({ length: 20 }, (_, index) => addGoogle('Member', `No ${index}`, `gmember${index}@example.com`));
		const sync = await TwoWaySync.start(bed, { ...excluded, startWith: 'allContacts', linkColumn: true, writerOptions: { maxDeletionPercent: 25 } });
		await sync.settle();
		const people = googleContacts().map((person) => person.resourceName as string);
		expect(dynamicsContacts().filter((contact) => contact.values.new_googleresourcename)).toHaveLength(20);

		people.slice(0, 6).forEach((resourceName) => bed.google.state.deleteContact(resourceName));
		await expect(sync.pollGoogle()).rejects.toThrow(/Mass-deletion guard: this run would tag 6 of 20 linked contacts \(30%\) as deleted in Google Contacts/);
		expect(dynamicsContacts().filter((contact) => contact.values.statecode === 1)).toHaveLength(0);

		const atThreshold = await TwoWaySync.start(bed, { ...excluded, linkColumn: true, writerOptions: { maxDeletionPercent: 25 } });
		people.slice(6, 11).forEach((resourceName) => bed.google.state.deleteContact(resourceName));
		const turn = await atThreshold.pollGoogle();
		expect(turn.written.map((outcome) => outcome.action)).toEqual(Array(5).fill('tag-deleted'));
		expect(dynamicsContacts().filter((contact) => contact.values.statecode === 1)).toHaveLength(5);
		expect(dynamicsContacts()).toHaveLength(20);
	});

	it('a batch with one invalid record writes the others and reports the one', async () => {
		const sync = await syncedPeople({ continueOnFail: true });
		// A first name longer than Dynamics 365 keeps (50 characters): the mapping refuses it, the writer reports it.
		const tooLong = addGoogle('Maximilianus-Bartholomaeus-Christophorus-Alexandre-Zacharias', 'Batch', 'bravo@example.com');
		['Alpha', 'Charlie'].forEach((name) => addGoogle(name, 'Batch', `${name.toLowerCase()}@example.com`));

		const turn = await sync.pollGoogle();

		expect(turn.written.map((outcome) => outcome.action).sort()).toEqual(['create', 'create', 'failed']);
		expect(turn.written.find((outcome) => outcome.action === 'failed')?.error).toMatchObject({ field: 'firstname', message: expect.stringContaining('holds at most 50 characters') });
		expect(['alpha', 'bravo', 'charlie'].map((name) => dynamicsByEmail(`${name}@example.com`) !== undefined)).toEqual([true, false, true]);
		expect(field(googleContact(tooLong), `clientData:${LINK_KEYS.googleDynamicsContactId}`)).toBeUndefined();
	});
});
