/**
 * Contact group (label) membership for the Add to Group and Remove From Group operations: the group
 * picker (an existing label, or one by name, created when missing on add) and the bulk change, one
 * members:modify per group and 1000 contacts, a result per item.
 */
import {
	NodeOperationError,
	type IExecuteFunctions,
	type ILoadOptionsFunctions,
	type INodeExecutionData,
	type INodeListSearchResult,
	type INodeProperties,
} from 'n8n-workflow';
import type { ContactGroup, GoogleContactsClient } from '../../lib/google/client';
import { googleContactsClient, googleNodeError } from '../shared/google';
import { contactGroupName } from '../shared/pickers';

const RESOURCE_NAME = /^people\/[^/\s]+$/;

/** The Contact and Group parameters of a membership operation. */
export function membershipProperties(operation: string, verb: 'add' | 'remove'): INodeProperties[] {
	const show = { show: { operation: [operation] } };
	return [
		{
			displayName: 'Contact ID',
			name: 'contactId',
			type: 'string',
			required: true,
			default: '={{ $json.targetId || $json.resourceName }}',
			placeholder: 'people/c1234567890',
			description: 'The Google contact\'s resource name: "targetId" of a Create or Update result, "resourceName" of the Google Contacts Trigger',
			displayOptions: show,
		},
		{
			displayName: 'Group',
			name: 'group',
			type: 'resourceLocator',
			required: true,
			default: { mode: 'list', value: '' },
			description: verb === 'add' ? 'The group (label) to add the contact to' : 'The group (label) to take the contact out of',
			displayOptions: show,
			modes: [
				{ displayName: 'From List', name: 'list', type: 'list', typeOptions: { searchListMethod: 'searchContactGroups', searchable: true } },
				{
					displayName: 'By Name',
					name: 'name',
					type: 'string',
					placeholder: 'Dynamics 365 Unsubscribes',
					hint: verb === 'add' ? 'Created when missing' : 'Nothing happens when no group has this name',
				},
			],
		},
	];
}

/** listSearch: the account's groups a contact can be added to (user groups, My Contacts, Starred), by name. */
export async function searchContactGroups(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
	const groups = await (await googleContactsClient(this)).listContactGroups();
	const wanted = (filter ?? '').trim().toLowerCase();
	const results = groups
		.filter((group) => group.resourceName && (group.groupType === 'USER_CONTACT_GROUP' || ['contactGroups/myContacts', 'contactGroups/starred'].includes(group.resourceName)))
		.map((group) => ({ name: contactGroupName(group), value: group.resourceName as string }))
		.filter((group) => group.name.toLowerCase().includes(wanted))
		.sort((a, b) => a.name.localeCompare(b.name));
	return { results };
}

interface Membership {
	item: number;
	contact: string;
	/** The group's resource name (picked from the list) or its name (typed). */
	group: { resourceName: string } | { name: string };
}

/** The groups by resource name for the memberships asked: names looked up once, and created when adding. */
async function resolveGroups(google: GoogleContactsClient, memberships: Membership[], add: boolean): Promise<Map<string, ContactGroup | undefined>> {
	const byKey = new Map<string, ContactGroup | undefined>();
	const names = [...new Set(memberships.flatMap((membership) => ('name' in membership.group ? [membership.group.name] : [])))];
	if (names.length) {
		const existing = await google.listContactGroups();
		for (const name of names) {
			const found = existing.find((group) => group.name === name || group.formattedName === name);
			byKey.set(`name:${name}`, found ?? (add ? await google.ensureContactGroup(name) : undefined));
		}
	}
	for (const membership of memberships) {
		if ('resourceName' in membership.group) byKey.set(`id:${membership.group.resourceName}`, { resourceName: membership.group.resourceName });
	}
	return byKey;
}

const keyOf = (group: Membership['group']) => ('name' in group ? `name:${group.name}` : `id:${group.resourceName}`);

/** Adds the items' contacts to their groups, or removes them; one result (or error) per item. */
export async function changeMembership(context: IExecuteFunctions, add: boolean): Promise<INodeExecutionData[][]> {
	const items = context.getInputData();
	const results: INodeExecutionData[] = new Array(items.length);
	const fail = (item: number, message: string, description: string) => {
		const error = new NodeOperationError(context.getNode(), message, { itemIndex: item, description });
		if (!context.continueOnFail()) throw error;
		results[item] = { json: { error: { message, description } }, pairedItem: { item } };
	};
	const memberships: Membership[] = [];
	for (let item = 0; item < items.length; item++) {
		const contact = String(context.getNodeParameter('contactId', item, '')).trim();
		const value = String(context.getNodeParameter('group', item, '', { extractValue: true })).trim();
		const mode = context.getNodeParameter('group.mode', item, 'list') as string;
		if (!RESOURCE_NAME.test(contact)) fail(item, `Contact ID: "${contact}" is not a Google contact's resource name`, 'Use the contact\'s resource name, such as people/c1234567890 (the "targetId" of a Create or Update result).');
		else if (value === '') fail(item, 'Group: no group is chosen', 'Pick a group from the list, or enter its name.');
		else memberships.push({ item, contact, group: mode === 'name' ? { name: value } : { resourceName: value } });
	}
	try {
		const google = await googleContactsClient(context);
		const groups = await resolveGroups(google, memberships, add);
		for (const [key, group] of groups) {
			const members = memberships.filter((membership) => keyOf(membership.group) === key);
			const groupName = group ? contactGroupName(group) : key.slice('name:'.length);
			const done = (membership: Membership, change: string) => {
				results[membership.item] = { json: { contactId: membership.contact, group: group?.resourceName ?? null, groupName, change }, pairedItem: { item: membership.item } };
			};
			// Removing from a group that does not exist: nobody is in it.
			if (!group?.resourceName) {
				for (const membership of members) done(membership, 'none');
				continue;
			}
			const contacts = members.map((membership) => membership.contact);
			const answer = await google.modifyGroupMembers(group.resourceName, add ? { add: contacts } : { remove: contacts });
			for (const membership of members) {
				if (answer.notFound.includes(membership.contact)) fail(membership.item, `Google contact ${membership.contact} was not found`, 'Check the Contact ID: the contact may have been deleted.');
				else if (answer.cannotRemoveLastGroup.includes(membership.contact)) {
					fail(membership.item, `Google contact ${membership.contact} cannot leave "${groupName}": it is its only group`, 'Add the contact to another group (e.g. My Contacts) first.');
				} else done(membership, add ? 'added' : 'removed');
			}
		}
	} catch (error) {
		throw googleNodeError(context, error);
	}
	return [results];
}
