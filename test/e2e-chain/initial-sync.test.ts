/**
 * The initial sync through the whole chain in n8n-core (both triggers starting "with all existing
 * contacts"): 2,000 people, 850 only in Dynamics 365, 850 only in Google Contacts and 300 in both
 * (100 of those with emails differing only in case, 50 with another job title in Google). Afterwards
 * each side has every person once, each pair is linked once, the differing titles follow the winning
 * app, and a full second run writes nothing. Requests are counted per 1,000 contacts.
 */
import type { Person } from '../../lib/google/client';
import { readGoogleField, type GooglePerson } from '../../lib/google/fields';
import { LINK_KEYS, normalizeEmail } from '../../lib/mapping';
import { seedPeople, type SeedPerson } from '../simulators/common/seed';
import { dynamicsContactFromSeed } from '../simulators/dynamics';
import { personFromSeed } from '../simulators/google';
import { dynamicsRequests, dynamicsWrites, googleRequests, googleWrites } from './counting';
import { startChainTestbed, type ChainTestbed } from './testbed';
import { TwoWaySync } from './two-way';

const PEOPLE = 2_000;
const ONLY_DYNAMICS = 850;
const SHARED = 300;
const CASE_DIFFERS = 100;
const TITLE_DIFFERS = 50;

let bed: ChainTestbed;

beforeAll(async () => {
	bed = await startChainTestbed({ nodes: ['dynamicsTrigger', 'googleTrigger', 'filter', 'mapping', 'dynamicsWriter', 'googleWriter'] });
});
afterAll(() => bed?.close());

/** "Jan.Smit.12@Example.com": the same address, another case. */
const otherCase = (email: string) => email.replace(/(^|[.@])([a-z])/g, (_match, separator: string, letter: string) => `${separator}${letter.toUpperCase()}`);

function seedBothSides(people: SeedPerson[]): void {
	people.forEach((person, index) => {
		const inDynamics = index < ONLY_DYNAMICS + SHARED;
		const inGoogle = index >= ONLY_DYNAMICS;
		if (inDynamics) bed.dynamics.state.createContact(dynamicsContactFromSeed({ ...person, jobTitle: person.jobTitle ?? 'Consultant' }));
		if (!inGoogle) return;
		const shared = index - ONLY_DYNAMICS;
		const inGoogleAs: SeedPerson = {
			...person,
			jobTitle: shared >= 0 && shared < TITLE_DIFFERS ? 'Title From Google' : person.jobTitle ?? 'Consultant',
			emails: shared >= TITLE_DIFFERS && shared < TITLE_DIFFERS + CASE_DIFFERS ? person.emails.map(otherCase) : person.emails,
		};
		bed.google.state.createContact(personFromSeed(inGoogleAs) as Person);
	});
}

const primaryEmailsOf = {
	dynamics: () => bed.dynamics.state.listContacts().map((contact) => normalizeEmail(String(contact.values.emailaddress1))),
	google: () => (bed.google.state.listAll() as GooglePerson[]).map((person) => normalizeEmail((readGoogleField(person, 'emailAddresses') as string[])[0] ?? '')),
};

const duplicates = (emails: string[]) => emails.filter((email, index) => emails.indexOf(email) !== index);

it('2,000 contacts, 300 on both sides (100 differing only in email case): no duplicate on either side, every pair linked once, and a second run writes nothing', async () => {
	const people = seedPeople(PEOPLE, { hardCases: false });
	seedBothSides(people);
	const team = bed.dynamics.state.owners().find((owner) => owner.entity === 'team')?.id as string;
	const label = bed.google.state.createGroup({ name: 'Personal' }, new Set(['name'])).resourceName as string;
	bed.dynamics.counters.reset();
	bed.google.counters.reset();

	const sync = await TwoWaySync.start(bed, { startWith: 'allContacts', excludedTeam: team, excludedLabel: label });
	await sync.settle(8);

	const requests = { dynamics: dynamicsRequests(bed.dynamics), google: googleRequests(bed.google) };
	const everyone = people.map((person) => normalizeEmail(person.emails[0]));
	expect(primaryEmailsOf.dynamics().sort()).toEqual([...everyone].sort());
	expect(primaryEmailsOf.google().sort()).toEqual([...everyone].sort());
	expect(duplicates(primaryEmailsOf.dynamics())).toEqual([]);
	expect(duplicates(primaryEmailsOf.google())).toEqual([]);

	// Each Google contact links to the Dynamics contact with its email, and no two link to the same one.
	const byEmail = new Map(bed.dynamics.state.listContacts().map((contact) => [normalizeEmail(String(contact.values.emailaddress1)), contact]));
	const links = (bed.google.state.listAll() as GooglePerson[]).map((person) => {
		const email = normalizeEmail((readGoogleField(person, 'emailAddresses') as string[])[0]);
		expect(readGoogleField(person, `clientData:${LINK_KEYS.googleDynamicsContactId}`)).toBe(byEmail.get(email)?.id);
		return byEmail.get(email)?.id;
	});
	expect(new Set(links).size).toBe(PEOPLE);

	// The shared people whose title differed: Dynamics 365, the winning app, kept its own, and Google took it.
	const titled = people.slice(ONLY_DYNAMICS, ONLY_DYNAMICS + TITLE_DIFFERS).map((person) => normalizeEmail(person.emails[0]));
	for (const email of titled) {
		const google = (bed.google.state.listAll() as GooglePerson[]).find((person) => normalizeEmail((readGoogleField(person, 'emailAddresses') as string[])[0]) === email) as GooglePerson;
		expect(readGoogleField(google, 'organizations[0].title')).toBe(byEmail.get(email)?.values.jobtitle);
		expect(byEmail.get(email)?.values.jobtitle).not.toBe('Title From Google');
	}
	// Emails that differ only in case were matched, not copied: each side keeps its own spelling.
	const caseDiffers = people[ONLY_DYNAMICS + TITLE_DIFFERS];
	expect(byEmail.get(normalizeEmail(caseDiffers.emails[0]))?.values.emailaddress1).toBe(caseDiffers.emails[0]);

	// What the initial sync cost, per 1,000 contacts (printed for the report; bounded so a scan per contact would fail).
	const perThousand = { dynamics: Math.round((requests.dynamics * 1000) / PEOPLE), google: Math.round((requests.google * 1000) / PEOPLE) };
	process.stdout.write(`initial sync of ${PEOPLE}: ${JSON.stringify(requests)} requests, per 1,000 contacts ${JSON.stringify(perThousand)}\n`);
	expect(perThousand.dynamics + perThousand.google).toBeLessThan(200);

	// A full second run: both triggers list everything again; nothing is written.
	bed.dynamics.counters.reset();
	bed.google.counters.reset();
	const again = await TwoWaySync.start(bed, { startWith: 'allContacts', excludedTeam: team, excludedLabel: label });
	await again.settle(8);
	expect(dynamicsWrites(bed.dynamics) + googleWrites(bed.google)).toBe(0);
	expect(again.activation.toGoogle.written.length + again.activation.toDynamics.written.length).toBeGreaterThan(0);
});
