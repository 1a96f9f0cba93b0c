/**
 * The templates as a user runs them, end to end: a real n8n 2.x with our package installed as a
 * community package, the credentials created through n8n under the names the templates reference,
 * each template imported as it ships (POST /rest/workflows, as the editor's import does) and
 * activated on its every-minute schedule. Edits are made through the simulators' control APIs as a
 * person would make them in each app; the assertions are on the final state of both simulators.
 *
 * One n8n process serves both tests, in order: the one-way sync first, then the two-way template
 * takes over the same accounts (a user upgrading). Each poll runs at a random second of the minute,
 * so every wait has a generous deadline; nothing here measures time.
 */
import { dynamicsWrites, googleWrites } from '../e2e-chain/counting';
import type { GooglePerson } from '../../lib/google/fields';
import { CREDENTIAL_NAMES, TEMPLATES, startSyncEnvironment, waitFor, type ImportedWorkflow, type SyncEnvironment } from './sync-environment';
import * as sync from './sync-state';

jest.setTimeout(14 * 60_000);

/** A sync round: both triggers poll once a minute at a random second, then the chain runs. */
const ROUND_MS = 3 * 60_000;

let env: SyncEnvironment;

const people = () => sync.googlePeople(env);
const dynamicsRows = () => sync.dynamicsRows(env);
const counterpartOf = (contactId: string) => sync.counterpartOf(env, contactId);
const groupMembers = (name: string) => sync.groupMembers(env, name);
const googleDuplicates = () => sync.googleDuplicates(env);
const dynamicsDuplicates = () => sync.dynamicsDuplicates(env);
const polls = () => sync.pollCounts(env);
const { linkOf, emailsOf, LINK_COLUMN, TRASH_GROUP: TRASH, UNSUBSCRIBES_GROUP: UNSUBSCRIBES } = sync;
const digits = (value: unknown) => String(value ?? '').replace(/\D/g, '');

/** Waits for a sync round's outcome; the deadline covers a couple of polls of each trigger. */
const settled = <T>(what: string, check: () => Promise<T | undefined> | T | undefined, rounds = 2) => waitFor(what, check, { timeoutMs: rounds * ROUND_MS, explain: () => sync.explainSync(env) });

beforeAll(async () => {
	env = await startSyncEnvironment({ dynamicsContacts: 12, googleContacts: 4 });
});

afterAll(async () => {
	await env?.close();
});

describe('Dynamics 365 → Google Contacts (one-way) template', () => {
	let workflow: ImportedWorkflow;
	/** Emails that the seed already holds twice in Dynamics 365 (the hard cases): not a sync's doing. */
	let dynamicsDuplicatesBefore: Record<string, number>;

	it('imports as it ships, its nodes linked to the credentials by name', async () => {
		dynamicsDuplicatesBefore = await dynamicsDuplicates();
		workflow = await env.importTemplate(TEMPLATES.oneWay);
		const ours = workflow.nodes.filter((node) => node.type.startsWith('n8n-nodes-dynamics365-sync.'));
		expect(ours.map((node) => node.type.split('.')[1])).toEqual(['dynamics365ContactTrigger', 'contactFilter', 'contactFieldMapping', 'googleContactsSync']);
		for (const node of ours) {
			for (const [type, reference] of Object.entries(node.credentials ?? {})) {
				const expected = type === 'microsoftDynamics365Api' ? { id: env.credentialIds.dynamics, name: CREDENTIAL_NAMES.dynamics } : { id: env.credentialIds.google, name: CREDENTIAL_NAMES.google };
				expect({ node: node.name, ...reference }).toEqual({ node: node.name, ...expected });
			}
		}
	});

	it('copies every Dynamics 365 contact with an email into Google Contacts on activation, once', async () => {
		await env.activate(workflow);
		await settled('every Dynamics 365 contact with an email to have a linked Google contact', async () => ((await sync.initialSyncReachedGoogle(env)) ? true : undefined));
		expect(googleDuplicates()).toEqual({});
	});

	it('brings a new contact, an edit, a deletion and an unsubscribe over as tags, not deletions', async () => {
		const [edited, deleted, unsubscribed] = (await dynamicsRows()).filter((row) => row.emailaddress1 && counterpartOf(row.contactid));
		const deletedCounterpart = counterpartOf(deleted.contactid) as GooglePerson;
		const googleCountBefore = people().length;

		await env.dynamicsControl('PATCH', `contacts/${edited.contactid}`, { values: { jobtitle: 'Head of Partnerships' } });
		const created = await env.dynamicsControl<sync.DynamicsRow>('POST', 'contacts', { values: { firstname: 'Nora', lastname: 'Newman', emailaddress1: 'nora.newman@example.org' } });
		await env.dynamicsControl('DELETE', `contacts/${deleted.contactid}`);
		await env.dynamicsControl('PATCH', `contacts/${unsubscribed.contactid}`, { values: { donotbulkemail: true } });

		await settled('the four changes to reach Google Contacts', () => {
			const nora = counterpartOf(created.contactid);
			const title = counterpartOf(edited.contactid)?.organizations?.[0]?.title;
			const trashed = groupMembers(TRASH).some((person) => person.resourceName === deletedCounterpart.resourceName);
			const unsubscribedTagged = groupMembers(UNSUBSCRIBES).some((person) => linkOf(person) === unsubscribed.contactid);
			return nora && title === 'Head of Partnerships' && trashed && unsubscribedTagged ? nora : undefined;
		});
		expect(emailsOf(counterpartOf(created.contactid) as GooglePerson)).toEqual(['nora.newman@example.org']);
		// The deleted contact's Google counterpart is still there, tagged.
		expect(people().some((person) => person.resourceName === deletedCounterpart.resourceName)).toBe(true);
		expect(people()).toHaveLength(googleCountBefore + 1);
		expect(googleDuplicates()).toEqual({});
		expect(await dynamicsDuplicates()).toEqual(dynamicsDuplicatesBefore);
		await env.deactivate(workflow);
	});
});

describe('Dynamics 365 ⇄ Google Contacts (two-way) template', () => {
	let workflow: ImportedWorkflow;
	let dynamicsDuplicatesBefore: Record<string, number>;

	it('takes over the accounts: a contact made in Google before activation lands in Dynamics 365, nothing twice', async () => {
		dynamicsDuplicatesBefore = await dynamicsDuplicates();
		const greta = await env.googleControl<GooglePerson>('POST', 'contacts', { names: [{ givenName: 'Greta', familyName: 'Googler' }], emailAddresses: [{ value: 'greta.googler@example.org' }] });
		workflow = await env.importTemplate(TEMPLATES.twoWay);
		expect(workflow.nodes.filter((node) => node.type.startsWith('n8n-nodes-dynamics365-sync.'))).toHaveLength(8);
		await env.activate(workflow);
		const row = await settled('Greta to be created in Dynamics 365 with her Google link', async () =>
			(await dynamicsRows()).find((candidate) => candidate[LINK_COLUMN] === greta.resourceName),
		);
		expect(row).toEqual(expect.objectContaining({ firstname: 'Greta', lastname: 'Googler', emailaddress1: 'greta.googler@example.org' }));
		// The initial sync of the Dynamics side fills the link column of every linked contact (what traces a Google deletion back).
		await settled('the link column of every linked Dynamics 365 contact to hold its Google resource name', async () => ((await sync.linkColumnFilled(env)) ? true : undefined));
		expect(await dynamicsDuplicates()).toEqual(dynamicsDuplicatesBefore);
		expect(googleDuplicates()).toEqual({});
	});

	it('syncs edits both ways, tags a Google deletion in Dynamics 365, and settles without a loop', async () => {
		const rows = await dynamicsRows();
		const active = rows.filter((row) => row.statecode === 0 && row.emailaddress1 && counterpartOf(row.contactid));
		const [editedInDynamics, editedInGoogle, deletedInGoogle] = active;
		const googleEdited = counterpartOf(editedInGoogle.contactid) as GooglePerson;
		const googleDeleted = counterpartOf(deletedInGoogle.contactid) as GooglePerson;

		await env.dynamicsControl('PATCH', `contacts/${editedInDynamics.contactid}`, { values: { jobtitle: 'Chief Listener' } });
		await env.googleControl('PATCH', `contacts/${googleEdited.resourceName}`, { phoneNumbers: [{ value: '+31 20 555 0199', type: 'mobile' }] });
		const gus = await env.googleControl<GooglePerson>('POST', 'contacts', { names: [{ givenName: 'Gus', familyName: 'Gmail' }], emailAddresses: [{ value: 'gus.gmail@example.org' }] });
		await env.googleControl('DELETE', `contacts/${googleDeleted.resourceName}`);

		let pending: string[] = [];
		await waitFor(
			'the edits to reach the other app',
			async () => {
				const current = await dynamicsRows();
				const byId = (id: string) => current.find((row) => row.contactid === id);
				const arrived = {
					'phone edited in Google': ['mobilephone', 'telephone1', 'telephone2'].some((column) => digits(byId(editedInGoogle.contactid)?.[column]) === '31205550199'),
					'job title edited in Dynamics 365': counterpartOf(editedInDynamics.contactid)?.organizations?.[0]?.title === 'Chief Listener',
					'Gus created in Google': current.some((row) => row[LINK_COLUMN] === gus.resourceName),
					'contact deleted in Google': byId(deletedInGoogle.contactid)?.statecode === 1,
				};
				pending = Object.keys(arrived).filter((edit) => !arrived[edit as keyof typeof arrived]);
				return pending.length ? undefined : true;
			},
			{ timeoutMs: 2 * ROUND_MS, explain: async () => `not arrived: ${pending.join(', ')}\n${await sync.explainSync(env)}` },
		);
		// Deactivated, never deleted.
		expect((await dynamicsRows()).some((row) => row.contactid === deletedInGoogle.contactid)).toBe(true);
		expect(await dynamicsDuplicates()).toEqual(dynamicsDuplicatesBefore);
		expect(googleDuplicates()).toEqual({});

		// No loop: once settled, two more polls of each trigger find nothing to write.
		const writes = () => dynamicsWrites(env.dynamics) + googleWrites(env.google);
		// Let the round that carried the edits finish its echo (each side's write comes back once as a change).
		const start = polls();
		await settled('each trigger to poll once more after the edits', () => (polls().dynamics > start.dynamics && polls().google > start.google ? true : undefined));
		const writesWhenSettled = writes();
		const quietStart = polls();
		await settled('each trigger to poll twice more', () => (polls().dynamics >= quietStart.dynamics + 2 && polls().google >= quietStart.google + 2 ? true : undefined), 3);
		expect(writes()).toBe(writesWhenSettled);
		await env.deactivate(workflow);
	});
});
