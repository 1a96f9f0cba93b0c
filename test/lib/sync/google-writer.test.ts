/**
 * The Google Contacts writer against the People API simulator (the unchanged `@googleapis/people`
 * client over HTTP), with Dynamics contacts as the Dataverse simulator stores and returns them,
 * mapped by the Contact Field Mapping's own item mapping. Requests are counted by route: what a run
 * reads, and above all what it writes (compare before write: an unchanged contact costs no write).
 */
import { GoogleContactsClient, type Person } from '../../../lib/google/client';
import { createOAuth2Client } from '../../../lib/google/connection';
import { readGoogleField, writeGoogleField, type GooglePerson } from '../../../lib/google/fields';
import { nodeHttpTransport, type HttpTransport } from '../../../lib/http/transport';
import { LINK_KEYS, type MappingSpec } from '../../../lib/mapping';
import { mapItem } from '../../../lib/mapping/items';
import { compileMapping } from '../../../lib/mapping/spec';
import { SNAPSHOT_CLIENT_DATA_FIELD, isOwnEcho, storedSnapshot } from '../../../lib/sync/snapshot';
import { writeToGoogle, type GoogleWriterOptions, type GoogleWriterSettings } from '../../../lib/sync/google-writer';
import { MassDeletionError, readSyncRecord, type ReadResult } from '../../../lib/sync/writer-common';
import { DynamicsTestOrg } from '../mapping/records';
import { startGoogleSimulator, type GoogleSimulator } from '../../simulators/google';
import { personFromSeed } from '../../simulators/google/seed';
import { HARD_CASES, seedPeople } from '../../simulators/common/seed';

type Json = Record<string, unknown>;

const WRITES = ['people.batchCreateContacts', 'people.batchUpdateContacts', 'people.createContact', 'people.updateContact', 'people.batchDeleteContacts', 'people.deleteContact', 'contactGroups.create', 'contactGroups.members.modify'];
const LINK = `clientData:${LINK_KEYS.googleDynamicsContactId}`;

let sim: GoogleSimulator;
let org: DynamicsTestOrg;

beforeAll(async () => {
	sim = await startGoogleSimulator();
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
	const compiled = compileMapping(mapping);
	if (!compiled.ok) throw new Error(compiled.errors[0].message);
	const item = event === 'deleted' ? { event, contactId: contact.contactid } : { event, contactId: contact.contactid, contact };
	const mapped = mapItem(item, compiled.mapping);
	if ('error' in mapped) throw new Error(mapped.error.message);
	return readSyncRecord({ ...mapped.json, ...(event === 'deleted' ? {} : { source: contact }), mapping: spec.direction ? spec : mapping }, 'google');
}

async function sync(inputs: ReadResult[], settings: Partial<GoogleWriterSettings> = {}, options: Partial<GoogleWriterOptions> = {}) {
	sim.counters.reset();
	return writeToGoogle(inputs, { google: google(), settings, ...options });
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
		expect(writes()).toEqual({ 'people.batchCreateContacts': 1, 'contactGroups.create': 1, 'contactGroups.members.modify': 1 });

		const second = await sync(contacts.map((contact) => record(contact, 'resync')));
		expect(writes()).toEqual({});
		expect(second.summary.counts).toMatchObject({ created: 0, updated: 0, unchanged: withEmail.length - 1, failed: 0 });
	});
});
