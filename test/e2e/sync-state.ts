/**
 * What a sync left in the two simulators, read from outside as a person would check it: Google
 * contacts and their links, group members, Dynamics 365 rows (through the control API), duplicate
 * emails on each side, and how often each trigger has polled.
 */
import { readGoogleField, type GooglePerson } from '../../lib/google/fields';
import { LINK_KEYS, normalizeEmail } from '../../lib/mapping';
import type { SyncEnvironment } from './sync-environment';

export const LINK_COLUMN = 'new_googleresourcename';
export const TRASH_GROUP = 'Dynamics 365 Trash';
export const UNSUBSCRIBES_GROUP = 'Dynamics 365 Unsubscribes';

export interface DynamicsRow {
	contactid: string;
	[column: string]: unknown;
}

export const googlePeople = (env: SyncEnvironment) => env.google.state.listAll() as GooglePerson[];

export const dynamicsRows = async (env: SyncEnvironment) => (await env.dynamicsControl<{ value: DynamicsRow[] }>('GET', 'contacts')).value;

/** The Dynamics 365 contact id a Google contact is linked to (hidden clientData). */
export const linkOf = (person: GooglePerson) => readGoogleField(person, `clientData:${LINK_KEYS.googleDynamicsContactId}`) as string | undefined;

/** The Dynamics 365 contacts that have a linked Google contact. */
export const linkedContactIds = (env: SyncEnvironment) => new Set(googlePeople(env).map(linkOf).filter((id): id is string => Boolean(id)));

/**
 * Whether the initial sync has reached Google: as many linked Google contacts as distinct primary
 * emails in Dynamics 365 (two contacts sharing an email, the seed's case-only duplicates, are one Google contact).
 */
export async function initialSyncReachedGoogle(env: SyncEnvironment): Promise<boolean> {
	const distinctEmails = new Set((await dynamicsRows(env)).map((row) => dynamicsEmailsOf(row)[0]).filter(Boolean));
	return linkedContactIds(env).size >= distinctEmails.size;
}

/** Whether every linked Dynamics 365 contact's link column holds its Google contact's resource name (what traces a Google deletion back). */
export async function linkColumnFilled(env: SyncEnvironment): Promise<boolean> {
	const rows = new Map((await dynamicsRows(env)).map((row) => [row.contactid, row]));
	return googlePeople(env).every((person) => {
		const contactId = linkOf(person);
		// A link to a contact deleted in Dynamics 365 (its Google contact tagged, kept) has no row to fill.
		return !contactId || !rows.has(contactId) || rows.get(contactId)?.[LINK_COLUMN] === person.resourceName;
	});
}

export const counterpartOf = (env: SyncEnvironment, contactId: string) => googlePeople(env).find((person) => linkOf(person) === contactId);

export const emailsOf = (person: GooglePerson) => (person.emailAddresses ?? []).map((email) => normalizeEmail(String(email.value)));

export const dynamicsEmailsOf = (row: DynamicsRow) => [row.emailaddress1, row.emailaddress2, row.emailaddress3].filter(Boolean).map((email) => normalizeEmail(String(email)));

export function groupMembers(env: SyncEnvironment, name: string): GooglePerson[] {
	const group = env.google.state.listGroups(new Set(['name']), 1000).contactGroups?.find((candidate) => candidate.name === name);
	return group ? googlePeople(env).filter((person) => (readGoogleField(person, 'memberships') as string[]).includes(group.resourceName as string)) : [];
}

/** Emails held by more than one contact of a side (normalized), with how many hold each. */
function duplicated(emailLists: string[][]): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const email of emailLists.flatMap((emails) => [...new Set(emails)])) counts[email] = (counts[email] ?? 0) + 1;
	return Object.fromEntries(Object.entries(counts).filter(([, count]) => count > 1));
}

export const googleDuplicates = (env: SyncEnvironment) => duplicated(googlePeople(env).map(emailsOf));

export const dynamicsDuplicates = async (env: SyncEnvironment) => duplicated((await dynamicsRows(env)).map(dynamicsEmailsOf));

/**
 * Change reads so far: Dynamics 365 delta reads (only the trigger makes them) and Google connection
 * listings (the trigger's polls, and a writer's listing when it looks up many emails).
 */
export function pollCounts(env: SyncEnvironment): { dynamics: number; google: number } {
	return { dynamics: env.dynamics.counters.snapshot()['contacts.delta'] ?? 0, google: env.google.counters.snapshot()['people.connections.list'] ?? 0 };
}

/** The failed executions and the end of n8n's log, for a failure message. */
export async function explainSync(env: SyncEnvironment): Promise<string> {
	const failures = await env.failedExecutions();
	return `failed executions: ${failures.length ? failures.join('\n') : 'none'}\nn8n log tail:\n${env.n8n.logs().slice(-1500)}`;
}
