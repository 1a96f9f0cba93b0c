/**
 * Load-options pickers shared by the nodes: record owners (the org's users and teams), the contact's
 * status reasons with their labels from the org's metadata, and Google contact groups (labels). Values
 * are what the conditions and writes need: owner GUIDs (a systemuserid or teamid; both kinds live in
 * one column, `_ownerid_value`, and never collide), status reason option values, group resource names.
 */
import { NodeOperationError, type ILoadOptionsFunctions, type INodePropertyOptions } from 'n8n-workflow';
import { listSystemUsers, listTeams, readFields } from '../../lib/dynamics/metadata';
import type { ContactGroup } from '../../lib/google/client';
import { GOOGLE_CREDENTIAL, googleContactsClient } from './google';
import { DYNAMICS_CREDENTIAL, dynamicsClient } from './transport';

const CREDENTIAL_NAMES: Record<string, string> = {
	[DYNAMICS_CREDENTIAL]: 'Microsoft Dynamics 365 API',
	[GOOGLE_CREDENTIAL]: 'Google Contacts (Sync) OAuth2 API',
};

/**
 * Fails with a message naming the credential to select and what needs it, before n8n's own
 * "Node does not require credentials" (what it says for a credential a node lists as optional).
 */
export function assertCredentialSelected(context: Pick<ILoadOptionsFunctions, 'getNode'>, type: string, purpose: string): void {
	if (context.getNode().credentials?.[type]) return;
	throw new NodeOperationError(context.getNode(), `Select a ${CREDENTIAL_NAMES[type] ?? type} credential to ${purpose}`, {
		description: `The node's "Credential for ${CREDENTIAL_NAMES[type] ?? type}" is empty.`,
	});
}

/** The org's enabled users, then its teams, each by name; the value is the systemuserid or teamid. */
export async function getOwners(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	assertCredentialSelected(this, DYNAMICS_CREDENTIAL, 'list the users and teams of Dynamics 365');
	const client = await dynamicsClient(this);
	const [users, teams] = await Promise.all([listSystemUsers(client), listTeams(client)]);
	return [
		...users.map((user) => ({ name: user.name, value: user.id, description: user.email ? `User · ${user.email}` : 'User' })),
		...teams.map((team) => ({ name: `${team.name} (Team)`, value: team.id, description: 'Team' })),
	];
}

/** The contact's status reasons (`statuscode`), with the labels and values of the org's metadata, custom ones included. */
export async function getStatusReasons(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	assertCredentialSelected(this, DYNAMICS_CREDENTIAL, 'list the status reasons of Dynamics 365 contacts');
	const fields = await readFields(await dynamicsClient(this), 'contact');
	const statusReason = fields.find((field) => field.name === 'statuscode');
	return (statusReason?.options ?? []).map((option) => ({ name: option.label, value: option.value, description: `Value ${option.value}` }));
}

/** A group as Google Contacts shows it: system groups by their display name ("My Contacts"), user groups by name. */
export function contactGroupName(group: ContactGroup): string {
	return group.formattedName || group.name || group.resourceName || '';
}

/** The account's contact groups (labels), user groups first, each by name; the value is the group's resource name. */
export async function getContactGroups(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	assertCredentialSelected(this, GOOGLE_CREDENTIAL, 'list the labels of Google Contacts');
	const groups = await (await googleContactsClient(this)).listContactGroups();
	const isSystem = (group: ContactGroup) => group.groupType === 'SYSTEM_CONTACT_GROUP';
	return groups
		.filter((group) => group.resourceName)
		.sort((a, b) => Number(isSystem(a)) - Number(isSystem(b)) || contactGroupName(a).localeCompare(contactGroupName(b)))
		.map((group) => ({
			name: contactGroupName(group),
			value: group.resourceName as string,
			description: isSystem(group) ? 'System label' : `${group.memberCount ?? 0} contacts`,
		}));
}
