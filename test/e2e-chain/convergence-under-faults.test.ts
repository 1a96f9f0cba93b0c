/**
 * Issue #9, convergence under faults: the two-way template (templates/dynamics365-google-contacts-two-way.json,
 * as users import it; only the writers' Output is switched to One Summary Item) runs in n8n-core on 5,000
 * contacts while both simulators inject 10% 429s with Retry-After, 3% 503s and 1% connection resets on their
 * API routes, expire access tokens during polls (the credentials refresh), expire the Dataverse delta token
 * and the Google sync token once, and users edit contacts on both sides between polls and during them (right
 * after a writer read the contacts it is about to write: 412 stale ETags in Dynamics 365, etag conflicts in
 * Google). Both triggers are polled until a round writes nothing and emits nothing. Then every contact exists
 * once on each side, the pairs hold equal values, each edited field holds what the sync rules say (Dynamics 365
 * wins a same-field conflict), no filled field was blanked, nothing was deleted, and each writer run's summary
 * adds up.
 *
 * The seed (printed at start; CONVERGENCE_SEED=<n> replays one) fixes the people, the edits and the fault draws;
 * requests sent in parallel may meet the draws in another order.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { people_v1 } from '@googleapis/people';
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';
import type { Person } from '../../lib/google/client';
import { readGoogleField, type GooglePerson } from '../../lib/google/fields';
import { LINK_KEYS, normalizeEmail } from '../../lib/mapping';
import { dynamicsSnapshot } from '../../lib/sync/payload';
import { googleSnapshot } from '../../lib/sync/snapshot';
import type { SyncSummary } from '../../lib/sync/summary';
import { compileSyncMapping } from '../../lib/sync/writer-common';
import { N8nHarness, type PollTick, type WorkflowJson } from '../harness/n8n';
import { simulatorCredential } from '../lib/dynamics/simulator-client';
import { type SimRequest, type SimResponse, bodyText } from '../simulators/common/http';
import { seedPeople, seededRandom } from '../simulators/common/seed';
import { seedContacts as seedDynamicsContacts, startDynamicsSimulator, type DynamicsSimulator } from '../simulators/dynamics';
import { recordJson } from '../simulators/dynamics/records';
import { CONTACT } from '../simulators/dynamics/schema';
import { personFromSeed, startGoogleSimulator, type GoogleSimulator } from '../simulators/google';
import { n8nCredentialFor } from '../simulators/google/testing';
import { dynamicsWrites, googleWrites } from './counting';

const SEED = Number(process.env.CONVERGENCE_SEED ?? 909);
/** The number; CONVERGENCE_CONTACTS=<n> runs a smaller replay while debugging. */
const TOTAL = Number(process.env.CONVERGENCE_CONTACTS ?? 5_000);
/** People [0, 84%) start in Dynamics 365, [76%, 100%) in Google: 8% on both sides, 16% only in Google. */
const DYNAMICS_SEEDED = Math.round(TOTAL * 0.84);
const GOOGLE_FROM = Math.round(TOTAL * 0.76);
const EDIT_ROUNDS = 4;
const MAX_ROUNDS = 14;
const LINK_COLUMN = 'new_googleresourcename';

const TEMPLATE = path.resolve(__dirname, '../../templates/dynamics365-google-contacts-two-way.json');
const DYNAMICS_TRIGGER = 'Dynamics 365 Contact Trigger';
const GOOGLE_TRIGGER = 'Google Contacts Trigger';
const TO_GOOGLE = { mapping: 'Map to Google Contacts', writer: 'Google Contacts Sync' };
const TO_DYNAMICS = { mapping: 'Map to Dynamics 365', writer: 'Dynamics 365 Contact' };
const PACKAGE = {
	packageName: 'n8n-nodes-dynamics365-sync',
	nodes: [
		'nodes/Dynamics365ContactTrigger/Dynamics365ContactTrigger.node.ts',
		'nodes/GoogleContactsTrigger/GoogleContactsTrigger.node.ts',
		'nodes/ContactFilter/ContactFilter.node.ts',
		'nodes/ContactFieldMapping/ContactFieldMapping.node.ts',
		'nodes/Dynamics365Contact/Dynamics365Contact.node.ts',
		'nodes/GoogleContactsSync/GoogleContactsSync.node.ts',
	],
	credentials: ['credentials/MicrosoftDynamics365Api.credentials.ts', 'credentials/GoogleContactsSyncOAuth2Api.credentials.ts'],
};

/**
 * 10% 429 (Retry-After: 1 s), 3% 503, 1% resets (half before the request is carried out, half after: the answer
 * is lost), on every API route (token endpoints and control APIs left alone).
 */
const FAULTS = [
	{ status: 429, retryAfterSeconds: 1, probability: 0.1 },
	{ status: 503, probability: 0.03 },
	{ reset: true, probability: 0.005 },
	{ resetAfterHandling: true, probability: 0.005 },
];
const DYNAMICS_API_ROUTES = ['contacts.*', 'batch', 'whoami', 'metadata.*', 'systemusers.*', 'teams.*'];
const GOOGLE_API_ROUTES = ['people.*', 'contactGroups.*'];
/** Access tokens expire every this many API answers of a side, mid-poll (a token is never expired as it is issued). */
const TOKEN_EXPIRY_EVERY = 40;

/** The fields users edit: department in Dynamics 365 only; jobtitle and mobile on both sides (same-field conflicts among them). */
type EditedField = 'jobtitle' | 'department' | 'mobile';
type Organization = people_v1.Schema$Organization;

interface Pair {
	email: string;
	contactId: string;
	resourceName: string;
}

const random = seededRandom(SEED);
let dynamics: DynamicsSimulator;
let google: GoogleSimulator;

// ---- the two apps, as users see them ---------------------------------------------------------------

const primaryEmail = (person: GooglePerson) => normalizeEmail(String((readGoogleField(person, 'emailAddresses') as string[])[0] ?? ''));
const linkOf = (person: GooglePerson) => readGoogleField(person, `clientData:${LINK_KEYS.googleDynamicsContactId}`) as string | undefined;
const dynamicsRows = () => dynamics.state.listContacts().map((record) => recordJson(CONTACT, record, { annotate: () => true, nameOf: (ref) => dynamics.state.nameOf(ref) }));
const googlePeople = () => google.state.listAll() as GooglePerson[];

/** Pairs linked both ways (Google clientData → contactid, the link column → resource name), by primary email. */
function currentPairs(): Map<string, Pair> {
	const linkColumn = new Map(dynamics.state.listContacts().map((record) => [record.id, record.values[LINK_COLUMN]]));
	const pairs = new Map<string, Pair>();
	for (const person of googlePeople()) {
		const contactId = linkOf(person);
		if (contactId && linkColumn.get(contactId) === person.resourceName) pairs.set(primaryEmail(person), { email: primaryEmail(person), contactId, resourceName: person.resourceName as string });
	}
	return pairs;
}

function editDynamics(contactId: string, field: EditedField, value: string): void {
	dynamics.state.updateContact(contactId, { [field === 'mobile' ? 'mobilephone' : field]: value });
}

function editGoogle(resourceName: string, field: EditedField, value: string): void {
	const person = google.state.getFull(resourceName) as Person;
	if (field === 'mobile') {
		const others = (person.phoneNumbers ?? []).filter((phone) => phone.type !== 'mobile').map(({ value: number, type }) => ({ value: number, type }));
		google.state.editAsUser(resourceName, { phoneNumbers: [...others, { value, type: 'mobile' }] });
		return;
	}
	// What a user sees of an organization, without the metadata Google adds.
	const visible = ({ name, title, department, type }: Organization): Organization => ({ name, title, department, type });
	const [first, ...rest] = (person.organizations ?? [{}]).map(visible);
	google.state.editAsUser(resourceName, { organizations: [{ ...first, [field === 'jobtitle' ? 'title' : 'department']: value }, ...rest] });
}

// ---- the users: edits between polls and during them -----------------------------------------------

/** What each edited field must end up as on both sides, by pair email. */
const expected = new Map<string, Partial<Record<EditedField, string>>>();
/** Same-field conflicts the users made (Dynamics 365 must win each). */
let conflictsMade = 0;
let editCount = 0;
/** Pairs whose other side a user edits as soon as a writer has read them (mid-flight), by the side the writer writes. */
const midFlight = { dynamics: new Set<string>(), google: new Set<string>() };
const used = new Set<string>();
let createdByUsers = 0;

/** The value a field of a pair must end with on both sides. */
function expectFinal(email: string, field: EditedField, value: string): void {
	expected.set(email, { ...expected.get(email), [field]: value });
}

function uniqueValue(field: EditedField): string {
	editCount += 1;
	if (field === 'mobile') return `+1 206 55${String(editCount).padStart(5, '0')}`;
	return `${field === 'jobtitle' ? 'Title' : 'Dept'} ${editCount}`;
}

/** Takes `count` pairs no edit has used yet, picked with the seeded generator. */
function freshPairs(pairs: Map<string, Pair>, count: number): Pair[] {
	const candidates = [...pairs.values()].filter((pair) => !used.has(pair.email)).sort((a, b) => a.email.localeCompare(b.email));
	const picked: Pair[] = [];
	while (picked.length < count && candidates.length) {
		const [pair] = candidates.splice(Math.floor(random() * candidates.length), 1);
		used.add(pair.email);
		picked.push(pair);
	}
	return picked;
}

/** The users' edits before a round's polls: one-sided, both sides on different fields, same field on both, and new contacts. */
function editBetweenPolls(round: number): void {
	const pairs = currentPairs();
	for (const pair of freshPairs(pairs, 40)) {
		const value = uniqueValue('jobtitle');
		editDynamics(pair.contactId, 'jobtitle', value);
		expectFinal(pair.email, 'jobtitle', value);
	}
	for (const pair of freshPairs(pairs, 40)) {
		const value = uniqueValue('mobile');
		editGoogle(pair.resourceName, 'mobile', value);
		expectFinal(pair.email, 'mobile', value);
	}
	for (const pair of freshPairs(pairs, 20)) {
		const [title, mobile] = [uniqueValue('jobtitle'), uniqueValue('mobile')];
		editDynamics(pair.contactId, 'jobtitle', title);
		editGoogle(pair.resourceName, 'mobile', mobile);
		expectFinal(pair.email, 'jobtitle', title);
		expectFinal(pair.email, 'mobile', mobile);
	}
	// The same field on both sides before either is synced: Dynamics 365 wins (the template's setting).
	for (const pair of freshPairs(pairs, 20)) {
		const [ours, theirs] = [uniqueValue('jobtitle'), uniqueValue('jobtitle')];
		editDynamics(pair.contactId, 'jobtitle', ours);
		editGoogle(pair.resourceName, 'jobtitle', theirs);
		expectFinal(pair.email, 'jobtitle', ours);
		conflictsMade += 1;
	}
	// Edited on one side now; the other side is edited once a writer has read the pair (onDynamicsAnswer, onGoogleAnswer).
	for (const pair of freshPairs(pairs, 20)) {
		const value = uniqueValue('mobile');
		editGoogle(pair.resourceName, 'mobile', value);
		expectFinal(pair.email, 'mobile', value);
		midFlight.dynamics.add(pair.email);
	}
	for (const pair of freshPairs(pairs, 20)) {
		const value = uniqueValue('department');
		editDynamics(pair.contactId, 'department', value);
		expectFinal(pair.email, 'department', value);
		midFlight.google.add(pair.email);
	}
	for (let index = 0; index < 10; index++) {
		createdByUsers += 1;
		const email = `new.${round}.${index}.d@users.example.com`;
		dynamics.state.createContact({ firstname: 'New', lastname: `Dynamics ${round}-${index}`, emailaddress1: email, jobtitle: 'Created in Dynamics 365' });
		google.state.createContact({ names: [{ givenName: 'New', familyName: `Google ${round}-${index}` }], emailAddresses: [{ value: `new.${round}.${index}.g@users.example.com` }], organizations: [{ title: 'Created in Google' }] });
		createdByUsers += 1;
	}
}

// ---- what the simulators see: mid-flight edits, token expiry, conflicts --------------------------

const answers = { dynamics: 0, google: 0 };
const conflicts = { dynamics412: 0, googleStaleEtag: 0 };

/**
 * A writer's read of Dynamics 365 contacts (a filtered list, not the trigger's tracked read): the user edits those
 * pairs now, so the writer's write meets a 412. Every other pair gets the field the writer brings from Google (a
 * same-field conflict: Dynamics 365 wins), the rest another field, which the writer's own write then hides from
 * the Dynamics 365 trigger (the sync becomes the last modifier): the writer must carry it to Google itself.
 */
function onDynamicsAnswer(route: string, request: SimRequest, response: SimResponse): void {
	if (!route.startsWith('entra.') && ++answers.dynamics % TOKEN_EXPIRY_EVERY === 0) dynamics.state.expireAccessTokens();
	if (route === 'batch' && typeof response.body === 'string') conflicts.dynamics412 += (response.body.match(/^HTTP\/1\.1 412/gm) ?? []).length;
	if (route !== 'contacts.list' || !request.query.has('$filter') || /track-changes/.test(String(request.headers.prefer ?? ''))) return;
	for (const row of ((JSON.parse(bodyText(response.body)) as { value?: Array<Record<string, unknown>> }).value ?? [])) {
		const email = normalizeEmail(String(row.emailaddress1 ?? ''));
		if (!midFlight.dynamics.delete(email)) continue;
		const field: EditedField = editCount % 2 === 0 ? 'mobile' : 'department';
		const value = uniqueValue(field);
		editDynamics(String(row.contactid), field, value);
		expectFinal(email, field, value);
		if (field === 'mobile') conflictsMade += 1;
	}
}

/** A writer's read of Google contacts (batchGet, or a listing without a sync token): the user edits those pairs now. */
function onGoogleAnswer(route: string, request: SimRequest, response: SimResponse): void {
	if (route !== 'token' && ++answers.google % TOKEN_EXPIRY_EVERY === 0) google.state.expireAccessTokens();
	if (route === 'people.batchUpdateContacts' && response.status === 400 && JSON.stringify(response.body).includes('FAILED_PRECONDITION')) conflicts.googleStaleEtag += 1;
	const writerListing = route === 'people.connections.list' && !request.query.has('syncToken') && !request.query.has('requestSyncToken');
	if (route !== 'people.getBatchGet' && !writerListing) return;
	const body = response.body as { responses?: Array<{ person?: GooglePerson }>; connections?: GooglePerson[] };
	const people = body.responses?.map((entry) => entry.person).filter((person): person is GooglePerson => Boolean(person)) ?? body.connections ?? [];
	for (const person of people) {
		const email = primaryEmail(person);
		if (!midFlight.google.delete(email)) continue;
		const value = uniqueValue('mobile');
		editGoogle(person.resourceName as string, 'mobile', value);
		expectFinal(email, 'mobile', value);
	}
}

// ---- the sync: the template, polled -----------------------------------------------------------------

function templateWorkflow(): WorkflowJson {
	const template = JSON.parse(fs.readFileSync(TEMPLATE, 'utf8')) as WorkflowJson;
	const nodes = template.nodes.filter((node) => node.type !== 'n8n-nodes-base.stickyNote');
	for (const node of nodes) if (node.name === TO_GOOGLE.writer || node.name === TO_DYNAMICS.writer) node.parameters = { ...node.parameters, output: 'summary' };
	return { ...template, nodes, connections: template.connections };
}

interface WriterRun {
	poll: string;
	itemsIn: number;
	summary: SyncSummary;
}

const writerRuns: WriterRun[] = [];
const failedExecutions: string[] = [];

function record(poll: string, tick: PollTick, chain: typeof TO_GOOGLE): void {
	if (!tick.execution) return;
	if (tick.execution.status !== 'success') {
		failedExecutions.push(`${poll}: ${tick.execution.error?.message ?? tick.execution.status} ${JSON.stringify((tick.execution.error as { description?: string } | undefined)?.description ?? '')}`);
		return;
	}
	const itemsIn = tick.execution.runs[chain.mapping]?.[0]?.outputs[0]?.length ?? 0;
	const summary = tick.execution.runs[chain.writer]?.[0]?.outputs[0]?.[0]?.json as unknown as SyncSummary | undefined;
	if (summary) writerRuns.push({ poll, itemsIn, summary });
}

/** Items a writer run accounts for: every record once (conflicts are updates; an unsubscribe tag rides along with another outcome). */
function accountedFor(summary: SyncSummary): number {
	const deletionTags = summary.tagged.filter((tag) => tag.tag !== 'Dynamics 365 Unsubscribes').length;
	const { created, updated, unchanged, skipped, failed } = summary.counts;
	return created + updated + unchanged + deletionTags + skipped + failed;
}

// ---- the test ----------------------------------------------------------------------------------------

beforeAll(async () => {
	process.stdout.write(`convergence-under-faults: seed ${SEED} (replay with CONVERGENCE_SEED=${SEED})\n`);
	[dynamics, google] = await Promise.all([startDynamicsSimulator({ seed: SEED, onResponse: (...args) => onDynamicsAnswer(...args) }), startGoogleSimulator({ seed: SEED, onResponse: (...args) => onGoogleAnswer(...args) })]);
	seedDynamicsContacts(dynamics.state, DYNAMICS_SEEDED, { seed: SEED });
	for (const person of seedPeople(TOTAL, { seed: SEED }).slice(GOOGLE_FROM)) google.state.createContact(personFromSeed(person));
});

afterAll(async () => {
	await dynamics?.close();
	await google?.close();
});

it(`converges: a two-way sync of ${TOTAL.toLocaleString('en-US')} contacts under 429s, 503s, resets, token expiry, expired delta and sync tokens and concurrent edits`, async () => {
	const before = {
		dynamics: new Map(dynamicsRows().map((row) => [String(row.contactid), row])),
		google: new Map(googlePeople().map((person) => [person.resourceName as string, person])),
	};
	const n8n = await N8nHarness.create({
		packages: [PACKAGE],
		credentials: {
			microsoftDynamics365Api: simulatorCredential(dynamics) as ICredentialDataDecryptedObject,
			googleContactsSyncOAuth2Api: (await n8nCredentialFor(google)) as ICredentialDataDecryptedObject,
		},
	});
	// On top of the 1%, resets on a write (carried out, answer lost) and a read of each side, so a small replay meets them too.
	dynamics.faults.add({ route: 'batch', resetAfterHandling: true, count: 1 });
	dynamics.faults.add({ route: 'contacts.list', reset: true, count: 1 });
	google.faults.add({ route: 'people.batchUpdateContacts', resetAfterHandling: true, count: 1 });
	google.faults.add({ route: 'people.batchCreateContacts', resetAfterHandling: true, count: 1 });
	google.faults.add({ route: 'people.connections.list', reset: true, count: 1 });
	for (const fault of FAULTS) {
		for (const route of DYNAMICS_API_ROUTES) dynamics.faults.add({ route, ...fault });
		for (const route of GOOGLE_API_ROUTES) google.faults.add({ route, ...fault });
	}

	const { workflow, activationPolls } = await n8n.activateWorkflow(templateWorkflow());
	record('activation: Dynamics 365', activationPolls[DYNAMICS_TRIGGER], TO_GOOGLE);
	record('activation: Google', activationPolls[GOOGLE_TRIGGER], TO_DYNAMICS);
	const poll = async (trigger: string, chain: typeof TO_GOOGLE, name: string) => {
		const tick = await workflow.poll(trigger).catch((error: Error) => {
			failedExecutions.push(`${name}: the poll failed: ${error.message}`);
			return { items: null } as PollTick;
		});
		record(name, tick, chain);
		return tick;
	};

	const rounds: string[] = [];
	let settledIn: number | undefined;
	for (let round = 1; round <= MAX_ROUNDS && settledIn === undefined; round++) {
		const editing = round <= EDIT_ROUNDS;
		const writesBefore = dynamicsWrites(dynamics) + googleWrites(google);
		if (editing) editBetweenPolls(round);
		// Between polls too: each round starts with both sides' access tokens expired.
		dynamics.state.expireAccessTokens();
		google.state.expireAccessTokens();
		if (round === 2) dynamics.state.expireChangeTracking();
		if (round === 3) google.state.expireSyncTokens();
		const toGoogle = await poll(DYNAMICS_TRIGGER, TO_GOOGLE, `round ${round}: Dynamics 365`);
		const toDynamics = await poll(GOOGLE_TRIGGER, TO_DYNAMICS, `round ${round}: Google`);
		const writes = dynamicsWrites(dynamics) + googleWrites(google) - writesBefore;
		const emitted = (toGoogle.items?.[0]?.length ?? 0) + (toDynamics.items?.[0]?.length ?? 0);
		rounds.push(`round ${round}: ${toGoogle.items?.[0]?.length ?? 0} + ${toDynamics.items?.[0]?.length ?? 0} emitted, ${writes} writes`);
		// Quiet: nothing written, and nothing emitted either (a trigger still paging through a full pass has more to come).
		if (!editing && writes === 0 && emitted === 0) settledIn = round;
	}
	process.stdout.write(`${rounds.join('\n')}\nfaults injected: Dynamics 365 ${JSON.stringify(dynamics.faults.injectedCounts())}, Google ${JSON.stringify(google.faults.injectedCounts())}\n`);
	process.stdout.write(`conflicts met: ${JSON.stringify(conflicts)}; token requests: Entra ID ${dynamics.counters.snapshot()['entra.token'] ?? 0}, Google ${google.counters.snapshot().token ?? 0}\n`);
	dynamics.faults.clear();
	google.faults.clear();

	// It settled, and every execution succeeded.
	expect({ settledIn: settledIn ?? `not within ${MAX_ROUNDS} rounds`, failedExecutions }).toEqual({ settledIn: expect.any(Number), failedExecutions: [] });
	// The faults really happened.
	for (const injected of [dynamics.faults.injectedCounts(), google.faults.injectedCounts()]) expect(injected).toMatchObject({ 429: expect.any(Number), 503: expect.any(Number), reset: expect.any(Number), resetAfterHandling: expect.any(Number) });
	expect(conflicts.dynamics412 + conflicts.googleStaleEtag).toBeGreaterThan(0);

	const rows = dynamicsRows();
	const people = googlePeople();
	// Nothing was deleted: no delete request, no tombstone, every contact there before is still there.
	const counters = { ...dynamics.counters.snapshot(), ...google.counters.snapshot() };
	expect(Object.entries(counters).filter(([route, count]) => /delete/i.test(route) && count > 0)).toEqual([]);
	expect(dynamics.state.tombstones(CONTACT.logicalName)).toHaveLength(0);
	const rowIds = new Set(rows.map((row) => String(row.contactid)));
	const resourceNames = new Set(people.map((person) => person.resourceName as string));
	expect([...before.dynamics.keys()].filter((id) => !rowIds.has(id))).toEqual([]);
	expect([...before.google.keys()].filter((name) => !resourceNames.has(name))).toEqual([]);

	// Each contact exactly once on each side, by email and by link.
	const rowsByEmail = groupBy(rows, (row) => normalizeEmail(String(row.emailaddress1 ?? '')));
	const peopleByEmail = groupBy(people, primaryEmail);
	const peopleByLink = groupBy(people, (person) => linkOf(person) ?? '');
	// The seed's own duplicate (one email in two cases) stays two contacts in Dynamics 365, one in Google; a contact without email is not synced.
	const seededDuplicates = [...rowsByEmail].filter(([email, group]) => email && group.length > 1).map(([email]) => email);
	expect(seededDuplicates).toEqual(['case.sensitive@example.com']);
	expect([...peopleByEmail].filter(([, group]) => group.length > 1).map(([email]) => email)).toEqual([]);
	expect(people.filter((person) => !linkOf(person)).map(primaryEmail)).toEqual([]);
	expect([...peopleByLink].filter(([, group]) => group.length > 1).map(([link]) => link)).toEqual([]);
	const unpaired = rows.filter((row) => row.emailaddress1 && !peopleByLink.has(String(row.contactid)) && !seededDuplicates.includes(normalizeEmail(String(row.emailaddress1))));
	expect(unpaired.map((row) => row.emailaddress1)).toEqual([]);
	expect(people.length).toBe(new Set(rows.map((row) => normalizeEmail(String(row.emailaddress1 ?? '')))).size - 1);
	expect(people.length).toBe(TOTAL - 2 + createdByUsers);
	const rowsById = new Map(rows.map((row) => [String(row.contactid), row]));
	const linkMismatches = people.filter((person) => rowsById.get(linkOf(person) as string)?.[LINK_COLUMN] !== person.resourceName);
	expect(linkMismatches.map((person) => person.resourceName)).toEqual([]);

	// The pairs hold equal values in every field the default mapping carries, and the edited fields hold what the rules say.
	const mapping = compileSyncMapping({ direction: 'dynamicsToGoogle' });
	const differences: string[] = [];
	for (const person of people) {
		const row = rowsById.get(linkOf(person) as string) as Record<string, unknown>;
		const dynamicsSide = dynamicsSnapshot(row, mapping.toGoogle, person).fields;
		const googleSide = googleSnapshot(person).fields;
		for (const field of mapping.scope.toGoogle) {
			// A field carried only toward Google (the company, from a lookup) keeps Google's own value while Dynamics 365 has none.
			const keptInGoogle = dynamicsSide[field] === undefined && !mapping.scope.toDynamics.includes(field);
			if (!keptInGoogle && JSON.stringify(dynamicsSide[field] ?? null) !== JSON.stringify(googleSide[field] ?? null)) differences.push(`${primaryEmail(person)} ${field}: Dynamics 365 ${JSON.stringify(dynamicsSide[field])}, Google ${JSON.stringify(googleSide[field])}`);
		}
	}
	expect(differences.slice(0, 20)).toEqual([]);
	const wrongEdits: string[] = [];
	for (const [email, fields] of expected) {
		const row = rowsByEmail.get(email)?.[0] as Record<string, unknown>;
		for (const [field, value] of Object.entries(fields)) {
			const held = field === 'mobile' ? String(row.mobilephone ?? '') : String(row[field] ?? '');
			if (field === 'mobile' ? held.replace(/\D/g, '') !== value.replace(/\D/g, '') : held !== value) wrongEdits.push(`${email} ${field}: ${JSON.stringify(held)}, expected ${JSON.stringify(value)}`);
		}
	}
	expect(wrongEdits.slice(0, 20)).toEqual([]);
	expect(conflictsMade).toBeGreaterThan(EDIT_ROUNDS * 20);

	// No value was blanked: every column filled before is filled now, on both sides.
	const blanked: string[] = [];
	for (const [id, old] of before.dynamics) {
		for (const [column, value] of Object.entries(old)) if (value !== null && value !== '' && !column.includes('@') && (rowsById.get(id)?.[column] ?? null) === null) blanked.push(`${id} ${column}`);
	}
	const peopleByName = new Map(people.map((person) => [person.resourceName as string, person]));
	for (const [name, old] of before.google) {
		for (const field of ['names', 'emailAddresses', 'phoneNumbers', 'addresses', 'organizations', 'birthdays', 'biographies'] as const) {
			if ((old[field]?.length ?? 0) > 0 && !(peopleByName.get(name)?.[field]?.length)) blanked.push(`${name} ${field}`);
		}
	}
	expect(blanked.slice(0, 20)).toEqual([]);

	// Each writer run's summary adds up: every record in is created, updated, unchanged, tagged, skipped or failed, once.
	expect(writerRuns.length).toBeGreaterThan(0);
	const mismatched = writerRuns.filter((run) => accountedFor(run.summary) !== run.itemsIn).map((run) => `${run.poll}: ${run.itemsIn} in, ${JSON.stringify(run.summary.counts)}`);
	expect(mismatched).toEqual([]);
	expect(writerRuns.flatMap((run) => run.summary.failed)).toEqual([]);
}, 900_000);

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
	const groups = new Map<string, T[]>();
	for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
	return groups;
}
