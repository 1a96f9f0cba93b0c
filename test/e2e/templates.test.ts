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
import type { GooglePerson } from '../../lib/google/fields';
import { CREDENTIAL_NAMES, TEMPLATES, startSyncEnvironment, type ImportedWorkflow, type SyncEnvironment } from './sync-environment';
import * as sync from './sync-state';
import { describeTwoWayTemplate, syncChecks } from './two-way-scenario';

jest.setTimeout(14 * 60_000);

let env: SyncEnvironment;

const { people, dynamicsRows, counterpartOf, groupMembers, googleDuplicates, dynamicsDuplicates, settled } = syncChecks(() => env);
const { linkOf, emailsOf, TRASH_GROUP: TRASH, UNSUBSCRIBES_GROUP: UNSUBSCRIBES } = sync;

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

// The two-way template takes over the same accounts (a user upgrading): the scenario the queue-mode test shares.
describeTwoWayTemplate(() => env);
