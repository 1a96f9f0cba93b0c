/**
 * npm run demo [-- --keep-open]: the two-way sync, live. Starts both simulators with seeded contacts
 * and a real n8n 2.x with this package installed as a community package, imports and activates the
 * two-way template as it ships, makes a few edits in each app, shows progress while n8n syncs on its
 * every-minute schedule, and ends with a short report. --keep-open leaves everything running and
 * prints the editor's URL and login.
 */
import type { GooglePerson } from '../lib/google/fields';
import { OWNER } from '../test/e2e/n8n-instance';
import { TEMPLATES, startSyncEnvironment, waitFor, type SyncEnvironment } from '../test/e2e/sync-environment';
import * as sync from '../test/e2e/sync-state';

const DYNAMICS_CONTACTS = 20;
const GOOGLE_CONTACTS = 6;
/** Generous: each trigger polls once a minute at a random second. */
const STEP_TIMEOUT_MS = 6 * 60_000;
const keepOpen = process.argv.includes('--keep-open');
const started = Date.now();

const elapsed = () => `${Math.round((Date.now() - started) / 1000)}s`.padStart(5);
const log = (message: string) => console.log(`[${elapsed()}] ${message}`);

interface Snapshot {
	dynamicsIds: Set<string>;
	inactiveIds: Set<string>;
	googleNames: Set<string>;
	/** Google etags and Dynamics versions, to count the contacts the sync updated. */
	googleEtags: Map<string, string>;
}

async function snapshot(env: SyncEnvironment): Promise<Snapshot> {
	const people = sync.googlePeople(env);
	const rows = await sync.dynamicsRows(env);
	return {
		dynamicsIds: new Set(rows.map((row) => row.contactid)),
		inactiveIds: new Set(rows.filter((row) => row.statecode === 1).map((row) => row.contactid)),
		googleNames: new Set(people.map((person) => person.resourceName as string)),
		googleEtags: new Map(people.map((person) => [person.resourceName as string, person.etag as string])),
	};
}

/** Waits for `check`, printing the counts on both sides every few seconds. */
async function withProgress<T>(env: SyncEnvironment, what: string, check: () => Promise<T | undefined>): Promise<T> {
	log(`waiting for ${what} (the triggers poll every minute)`);
	let last = '';
	return await waitFor(
		what,
		async () => {
			const rows = await sync.dynamicsRows(env);
			const polls = sync.pollCounts(env);
			const line = `Dynamics 365: ${rows.length} contacts | Google Contacts: ${sync.googlePeople(env).length} contacts | change reads: ${polls.dynamics + polls.google}`;
			if (line !== last) log(line);
			last = line;
			return await check();
		},
		{ timeoutMs: STEP_TIMEOUT_MS, intervalMs: 3000, explain: () => sync.explainSync(env) },
	);
}

async function main(): Promise<void> {
	log('starting the Dynamics 365 and Google Contacts simulators and n8n (the first run installs n8n: several minutes)');
	const env = await startSyncEnvironment({ dynamicsContacts: DYNAMICS_CONTACTS, googleContacts: GOOGLE_CONTACTS });
	const stop = async () => {
		await env.close();
		process.exit(0);
	};
	process.once('SIGINT', () => void stop());
	try {
		log(`n8n is up at ${env.n8n.url}; ${DYNAMICS_CONTACTS} contacts in Dynamics 365, ${GOOGLE_CONTACTS} in Google Contacts (the same people, some of them)`);
		const before = await snapshot(env);
		const workflow = await env.importTemplate(TEMPLATES.twoWay);
		await env.activate(workflow);
		log(`imported and activated "${workflow.name}": the initial sync runs now`);

		await withProgress(env, 'the initial sync', async () => ((await sync.initialSyncReachedGoogle(env)) && (await sync.linkColumnFilled(env)) ? true : undefined));

		log('editing: in Dynamics 365 a new contact, a new job title, an unsubscribe; in Google Contacts a new contact, a new phone number, a deletion');
		const rows = (await sync.dynamicsRows(env)).filter((row) => row.statecode === 0 && row.emailaddress1 && sync.counterpartOf(env, row.contactid));
		const [retitled, unsubscribed, rephoned, deleted] = rows;
		const editedByHand = new Set([sync.counterpartOf(env, rephoned.contactid)?.resourceName as string]);
		const nora = await env.dynamicsControl<sync.DynamicsRow>('POST', 'contacts', { values: { firstname: 'Nora', lastname: 'Newman', emailaddress1: 'nora.newman@example.org', jobtitle: 'Buyer' } });
		await env.dynamicsControl('PATCH', `contacts/${retitled.contactid}`, { values: { jobtitle: 'Chief Listener' } });
		await env.dynamicsControl('PATCH', `contacts/${unsubscribed.contactid}`, { values: { donotbulkemail: true } });
		const gus = await env.googleControl<GooglePerson>('POST', 'contacts', { names: [{ givenName: 'Gus', familyName: 'Gmail' }], emailAddresses: [{ value: 'gus.gmail@example.org' }] });
		await env.googleControl('PATCH', `contacts/${sync.counterpartOf(env, rephoned.contactid)?.resourceName}`, { phoneNumbers: [{ value: '+31 20 555 0199', type: 'mobile' }] });
		await env.googleControl('DELETE', `contacts/${sync.counterpartOf(env, deleted.contactid)?.resourceName}`);

		await withProgress(env, 'the edits to reach the other app', async () => {
			const current = await sync.dynamicsRows(env);
			const byId = (id: string) => current.find((row) => row.contactid === id);
			const arrived = [
				sync.counterpartOf(env, nora.contactid),
				sync.counterpartOf(env, retitled.contactid)?.organizations?.[0]?.title === 'Chief Listener',
				sync.groupMembers(env, sync.UNSUBSCRIBES_GROUP).some((person) => sync.linkOf(person) === unsubscribed.contactid),
				current.some((row) => row[sync.LINK_COLUMN] === gus.resourceName),
				String(byId(rephoned.contactid)?.mobilephone ?? '').replace(/\D/g, '') === '31205550199',
				byId(deleted.contactid)?.statecode === 1,
			];
			return arrived.every(Boolean) ? true : undefined;
		});

		const after = await snapshot(env);
		const people = sync.googlePeople(env);
		const finalRows = await sync.dynamicsRows(env);
		const duplicates = Object.keys(sync.googleDuplicates(env)).length;
		const report = {
			'contacts in Dynamics 365': finalRows.length,
			'contacts in Google Contacts': people.length,
			'created in Dynamics 365': [...after.dynamicsIds].filter((id) => !before.dynamicsIds.has(id)).length,
			'created in Google Contacts': [...after.googleNames].filter((name) => !before.googleNames.has(name)).length,
			'Google contacts updated by the sync': [...before.googleEtags].filter(([name, etag]) => after.googleEtags.has(name) && after.googleEtags.get(name) !== etag && !editedByHand.has(name)).length,
			'Dynamics 365 contacts updated by the sync': finalRows.filter((row) => before.dynamicsIds.has(row.contactid) && row._modifiedby_value === env.dynamics.applicationUserId).length,
			'tagged in Google (Trash, Unsubscribes)': sync.groupMembers(env, sync.TRASH_GROUP).length + sync.groupMembers(env, sync.UNSUBSCRIBES_GROUP).length,
			'deactivated in Dynamics 365 (deleted in Google)': finalRows.filter((row) => row.statecode === 1 && !before.inactiveIds.has(row.contactid)).length,
			'duplicates (emails on two Google contacts)': duplicates,
			'time taken': `${Math.round((Date.now() - started) / 1000)} s`,
		};
		console.log('\nReport');
		for (const [label, value] of Object.entries(report)) console.log(`  ${label.padEnd(48)} ${value}`);
		if (!keepOpen) return await env.close();
		console.log(`\nThe editor: ${env.n8n.url}/workflow/${workflow.id}  (log in as ${OWNER.email} / ${OWNER.password})`);
		console.log(`Simulator control APIs: ${env.dynamics.httpUrl}/_sim/contacts and ${env.google.rootUrl}_sim/contacts. Ctrl-C stops everything.`);
	} catch (error) {
		await env.close();
		throw error;
	}
}

main().catch((error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	process.exit(1);
});
