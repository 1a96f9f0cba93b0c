/**
 * The two-way template's end-to-end scenario, shared by the single-process test (templates.test.ts)
 * and the queue-mode one (queue-mode.test.ts), so both hold n8n to the same assertions: activation
 * brings both sides together (a contact made in Google before it lands in Dynamics 365, every
 * Dynamics 365 contact in Google, nothing twice), edits cross both ways, a Google deletion is tagged in
 * Dynamics 365, and the sync settles without a loop.
 */
import { dynamicsWrites, googleWrites } from '../e2e-chain/counting';
import type { GooglePerson } from '../../lib/google/fields';
import { TEMPLATES, waitFor, type ImportedWorkflow, type SyncEnvironment } from './sync-environment';
import * as sync from './sync-state';

/** A sync round: both triggers poll once a minute at a random second, then the chain runs. */
export const ROUND_MS = 3 * 60_000;

const digits = (value: unknown) => String(value ?? '').replace(/\D/g, '');

/** The checks of sync-state bound to the environment a test file starts in its beforeAll. */
export function syncChecks(getEnv: () => SyncEnvironment) {
	return {
		people: () => sync.googlePeople(getEnv()),
		dynamicsRows: () => sync.dynamicsRows(getEnv()),
		counterpartOf: (contactId: string) => sync.counterpartOf(getEnv(), contactId),
		groupMembers: (name: string) => sync.groupMembers(getEnv(), name),
		googleDuplicates: () => sync.googleDuplicates(getEnv()),
		dynamicsDuplicates: () => sync.dynamicsDuplicates(getEnv()),
		polls: () => sync.pollCounts(getEnv()),
		/** Waits for a sync round's outcome; the deadline covers a couple of polls of each trigger. */
		settled: <T>(what: string, check: () => Promise<T | undefined> | T | undefined, rounds = 2) =>
			waitFor(what, check, { timeoutMs: rounds * ROUND_MS, explain: () => sync.explainSync(getEnv()) }),
	};
}

export interface TwoWayScenarioHooks {
	/** Receives the workflow once imported (e.g. to check afterwards where its executions ran). */
	onImported?: (workflow: ImportedWorkflow) => void;
	/** Runs once the initial sync has settled, before the edits (e.g. to take a worker away). */
	afterInitialSync?: () => Promise<void>;
}

/** Declares the two-way template's tests. */
export function describeTwoWayTemplate(getEnv: () => SyncEnvironment, hooks: TwoWayScenarioHooks = {}): void {
	const { dynamicsRows, counterpartOf, googleDuplicates, dynamicsDuplicates, polls, settled } = syncChecks(getEnv);
	const { LINK_COLUMN } = sync;

	describe('Dynamics 365 ⇄ Google Contacts (two-way) template', () => {
		let workflow: ImportedWorkflow;
		let dynamicsDuplicatesBefore: Record<string, number>;

		it('on activation, a contact made in Google before lands in Dynamics 365 and every Dynamics 365 contact in Google, nothing twice', async () => {
			const env = getEnv();
			dynamicsDuplicatesBefore = await dynamicsDuplicates();
			const greta = await env.googleControl<GooglePerson>('POST', 'contacts', { names: [{ givenName: 'Greta', familyName: 'Googler' }], emailAddresses: [{ value: 'greta.googler@example.org' }] });
			workflow = await env.importTemplate(TEMPLATES.twoWay);
			hooks.onImported?.(workflow);
			expect(workflow.nodes.filter((node) => node.type.startsWith('n8n-nodes-dynamics365-sync.'))).toHaveLength(8);
			await env.activate(workflow);
			const row = await settled('Greta to be created in Dynamics 365 with her Google link', async () =>
				(await dynamicsRows()).find((candidate) => candidate[LINK_COLUMN] === greta.resourceName),
			);
			expect(row).toEqual(expect.objectContaining({ firstname: 'Greta', lastname: 'Googler', emailaddress1: 'greta.googler@example.org' }));
			await settled('every Dynamics 365 contact with an email to have a linked Google contact', async () => ((await sync.initialSyncReachedGoogle(env)) ? true : undefined));
			// The initial sync of the Dynamics side fills the link column of every linked contact (what traces a Google deletion back).
			await settled('the link column of every linked Dynamics 365 contact to hold its Google resource name', async () => ((await sync.linkColumnFilled(env)) ? true : undefined));
			expect(await dynamicsDuplicates()).toEqual(dynamicsDuplicatesBefore);
			expect(googleDuplicates()).toEqual({});
			await hooks.afterInitialSync?.();
		});

		it('syncs edits both ways, tags a Google deletion in Dynamics 365, and settles without a loop', async () => {
			const env = getEnv();
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
}
