/**
 * The Google side of the chain, Dynamics 365 → Google Contacts, as an active n8n workflow polled by
 * n8n-core (the harness): Dynamics 365 Contact Trigger → Contact Field Mapping → Google Contacts
 * Sync, with the Dynamics 365 link column. An initial sync into an account that already has some of
 * the contacts (emails in other case), quiet polls, edits, opt-outs and deletions made in Dynamics 365
 * as a person would, and the mass-deletion guard. Writes are counted on both simulators.
 */
import type { IDataObject } from 'n8n-workflow';
import { readGoogleField, type GooglePerson } from '../../lib/google/fields';
import { LINK_KEYS } from '../../lib/mapping';
import { DEFAULT_CONTACT_COLUMNS } from '../../lib/triggers/dynamics-columns';
import type { ActivePollingWorkflow, PollTick } from '../harness/n8n';
import { personFromSeed } from '../simulators/google/seed';
import { seedPeople } from '../simulators/common/seed';
import { dynamicsWrites, googleWrites } from './counting';
import { DYNAMICS_CREDENTIAL, GOOGLE_CREDENTIAL, NODE_TYPES, chainWorkflow, startChainTestbed, type ChainTestbed } from './testbed';

const TRIGGER = 'Dynamics 365 Contact Trigger';
const WRITER = 'Google Contacts Sync';
const LINK_COLUMN = 'new_googleresourcename';
const CONTACTS = 60;
/** Contacts the Google account has before the first sync, made by hand (emails in upper case). */
const ALREADY_IN_GOOGLE = 10;

let bed: ChainTestbed;
let workflow: ActivePollingWorkflow;
let initialSync: PollTick;

const people = () => bed.google.state.listAll() as GooglePerson[];
const linkOf = (person: GooglePerson) => readGoogleField(person, `clientData:${LINK_KEYS.googleDynamicsContactId}`) as string | undefined;
const counterpartOf = (contactId: string) => people().filter((person) => linkOf(person) === contactId);
const groupMembers = (name: string) => {
	const group = bed.google.state.listGroups(new Set(['name']), 1000).contactGroups?.find((candidate) => candidate.name === name);
	return people().filter((person) => group && (readGoogleField(person, 'memberships') as string[]).includes(group.resourceName as string));
};
const writerOutput = (tick: PollTick) => (tick.execution?.output(WRITER) ?? []).map((item) => item.json as IDataObject);

/** A scheduled poll and the run it starts; the writes it made, counted on both sides. */
async function poll(): Promise<{ tick: PollTick; writes: { dynamics: number; google: number } }> {
	bed.dynamics.counters.reset();
	bed.google.counters.reset();
	const tick = await workflow.poll(TRIGGER);
	return { tick, writes: { dynamics: dynamicsWrites(bed.dynamics), google: googleWrites(bed.google) } };
}

beforeAll(async () => {
	bed = await startChainTestbed({ nodes: ['dynamicsTrigger', 'mapping', 'googleWriter'], dynamicsContacts: CONTACTS });
	const distinct = new Set<string>();
	for (const seed of seedPeople(ALREADY_IN_GOOGLE)) {
		// Only the first of two seed people with one email (in other case): Google has no duplicate before the sync.
		const emails = seed.emails.map((email) => email.toUpperCase());
		if (!emails.length || emails.some((email) => distinct.has(email))) continue;
		emails.forEach((email) => distinct.add(email));
		bed.google.state.createContact(personFromSeed({ ...seed, emails }));
	}
	const chain = chainWorkflow([
		{
			name: TRIGGER,
			type: NODE_TYPES.dynamicsTrigger,
			parameters: { startWith: 'allContacts', columns: [...DEFAULT_CONTACT_COLUMNS, LINK_COLUMN] },
			credentials: [DYNAMICS_CREDENTIAL],
		},
		{ name: 'Contact Field Mapping', type: NODE_TYPES.mapping, parameters: { direction: 'dynamicsToGoogle', options: { dynamicsLinkColumn: LINK_COLUMN } }, credentials: [DYNAMICS_CREDENTIAL] },
		{ name: WRITER, type: NODE_TYPES.googleWriter, parameters: { operation: 'upsert', options: { linkColumn: LINK_COLUMN } }, credentials: [GOOGLE_CREDENTIAL, DYNAMICS_CREDENTIAL] },
	]);
	({ workflow, activationPolls: { [TRIGGER]: initialSync } } = await bed.n8n.activateWorkflow(chain));
}, 60_000);
afterAll(() => bed?.close());

describe('Dynamics 365 → Google Contacts, polled by n8n', () => {
	it('the initial sync creates no duplicate: contacts already in Google (emails in other case) are linked, the rest created, each link stored in Dynamics 365', async () => {
		expect(initialSync.execution?.status).toBe('success');
		const outcomes = writerOutput(initialSync);
		expect(outcomes).toHaveLength(CONTACTS);
		const contacts = bed.dynamics.state.listContacts();
		const withEmail = contacts.filter((contact) => contact.values.emailaddress1);
		const emails = people().flatMap((person) => (readGoogleField(person, 'emailAddresses') as string[]).map((email) => email.toLowerCase()));
		expect(new Set(emails).size).toBe(emails.length);
		// One Dynamics contact repeats another's email in other case ("Case.Sensitive@Example.com"): it is reported, not created.
		expect(people()).toHaveLength(withEmail.length - 1);
		expect(outcomes.filter((outcome) => outcome.action === 'skip-ambiguous')).toHaveLength(1);
		const existing = outcomes.filter((outcome) => outcome.action === 'update' || outcome.action === 'conflict-resolved');
		expect(existing).toHaveLength(ALREADY_IN_GOOGLE - 2);
		for (const contact of contacts) {
			const counterparts = counterpartOf(contact.id);
			if (counterparts.length === 0) continue;
			expect(counterparts).toHaveLength(1);
			expect(contact.values[LINK_COLUMN]).toBe(counterparts[0].resourceName);
		}
	});

	it('after the sync settles, ten further polls write nothing on either side', async () => {
		for (let round = 0; round < 10; round++) {
			const { writes } = await poll();
			expect(writes).toEqual({ dynamics: 0, google: 0 });
		}
	});

	it('an edit in Dynamics 365 reaches Google in one write; an opt-out tags the counterpart; the next polls are quiet', async () => {
		const [edited, optedOut] = bed.dynamics.state.listContacts().filter((contact) => counterpartOf(contact.id).length && !contact.values.donotbulkemail);
		// The seed's two opted-out contacts were tagged by the initial sync.
		const unsubscribed = groupMembers('Dynamics 365 Unsubscribes').map((person) => person.resourceName);
		expect(unsubscribed).toHaveLength(2);
		bed.dynamics.state.updateContact(edited.id, { jobtitle: 'Head of Purchasing' });
		bed.dynamics.state.updateContact(optedOut.id, { donotbulkemail: true });
		const { tick, writes } = await poll();
		expect(writerOutput(tick).map((outcome) => [outcome.sourceId, outcome.action])).toEqual(
			expect.arrayContaining([
				[edited.id, 'update'],
				[optedOut.id, 'skip-equal'],
			]),
		);
		expect(readGoogleField(counterpartOf(edited.id)[0], 'organizations[0].title')).toBe('Head of Purchasing');
		expect(groupMembers('Dynamics 365 Unsubscribes').map((person) => person.resourceName).sort()).toEqual([...unsubscribed, counterpartOf(optedOut.id)[0].resourceName].sort());
		// The update and the group's member change.
		expect(writes).toEqual({ dynamics: 0, google: 2 });
		expect((await poll()).writes).toEqual({ dynamics: 0, google: 0 });
	});

	it('a deletion in Dynamics 365 puts the counterpart in "Dynamics 365 Trash" and deletes nothing; too many at once trip the guard', async () => {
		const linked = bed.dynamics.state.listContacts().filter((contact) => counterpartOf(contact.id).length);
		const before = people().length;
		bed.dynamics.state.deleteContact(linked[2].id);
		const { tick } = await poll();
		expect(writerOutput(tick)).toEqual([expect.objectContaining({ action: 'tag-deleted', sourceId: linked[2].id })]);
		expect(groupMembers('Dynamics 365 Trash').map(linkOf)).toEqual([linked[2].id]);
		expect(people()).toHaveLength(before);

		for (const contact of linked.slice(3, 13)) bed.dynamics.state.deleteContact(contact.id);
		const { tick: tripped, writes } = await poll();
		expect(tripped.execution?.status).toBe('error');
		expect(tripped.execution?.error?.message).toMatch(/^Mass-deletion guard: this run would tag 10 of \d+ linked contacts/);
		expect(writes).toEqual({ dynamics: 0, google: 0 });
		expect(groupMembers('Dynamics 365 Trash')).toHaveLength(1);
	});
});
