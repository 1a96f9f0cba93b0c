/**
 * The Contact Filter's parameters. Conditions are one list per app, since each app has its own kinds
 * (ownership and status reason for Dynamics 365, labels and deletions for Google Contacts); the field
 * condition's inputs are the same for both and are built once here.
 */
import type { INodeProperties } from 'n8n-workflow';
import { linkColumnParameter } from '../shared/columns';
import { CUSTOM_GOOGLE_FIELD, LIST_OPERATORS, SINGLE_VALUE_OPERATORS, type ContactApp } from './rule';


const MATCH: INodeProperties = {
	displayName: 'Match',
	name: 'match',
	type: 'options',
	options: [
			{ name: 'Is', value: 'is', description: 'Keep contacts that meet the condition' },
			{ name: 'Is Not', value: 'isNot', description: 'Keep contacts that do not meet the condition' },
	],
	default: 'is',
	displayOptions: { hide: { type: ['field'] } },
};

/** Field, operator and value(s) of a field condition; `fieldPicker` lists the app's fields. */
function fieldInputs(fieldPicker: string, fieldDescription: string): INodeProperties[] {
	const shownForField = { show: { type: ['field'] } };
	return [
		{
			displayName: 'Field Name or ID',
			name: 'field',
			type: 'options',
			typeOptions: { loadOptionsMethod: fieldPicker },
			default: '',
			description: fieldDescription,
			displayOptions: shownForField,
		},
		{
			displayName: 'Operator Name or ID',
			name: 'operator',
			type: 'options',
			typeOptions: { loadOptionsMethod: 'getFieldOperators', loadOptionsDependsOn: ['&field'] },
			default: 'isNotEmpty',
			description: 'The comparisons that fit the field\'s type. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
			displayOptions: shownForField,
		},
		{
			displayName: 'Value',
			name: 'value',
			type: 'string',
			default: '',
			description:
				'Text compares ignoring case and surrounding spaces, phones by their digits, numbers as numbers, dates as 2024-01-31 or 2024-01-31T09:30:00Z, choices by label or value',
			displayOptions: { show: { type: ['field'], operator: SINGLE_VALUE_OPERATORS } },
		},
		{
			displayName: 'Value Names or IDs',
			name: 'values',
			type: 'multiOptions',
			typeOptions: { loadOptionsMethod: 'getFieldChoices', loadOptionsDependsOn: ['&field'] },
			default: [],
			description: 'The choices to look for, by label or value; an expression may give a list or comma-separated text. Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
			displayOptions: { show: { type: ['field'], operator: LIST_OPERATORS } },
		},
	];
}

/** The Conditions list shown for one app's contacts: its condition types, Is / Is Not, and the types' own inputs. */
function conditionList(name: string, source: ContactApp, type: INodeProperties, inputs: INodeProperties[]): INodeProperties {
	return {
		displayName: 'Conditions',
		name,
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Condition',
		default: {},
		description: `PieSync-style IF conditions on ${source === 'google' ? 'Google' : 'Dynamics 365'} contacts`,
		displayOptions: { show: { source: [source] } },
		options: [{ name: 'condition', displayName: 'Condition', values: [type, MATCH, ...inputs] }],
	};
}

const DYNAMICS_CONDITIONS = conditionList(
	'dynamicsConditions',
	'dynamics',
	{
		displayName: 'Type',
		name: 'type',
		type: 'options',
		default: 'active',
		description: 'What to test',
		options: [
			{ name: 'Active', value: 'active', description: 'The contact is active (Status is Active)' },
			{ name: 'Allows Bulk Email', value: 'allowsBulkEmail', description: 'Do Not Allow Bulk Emails is No (opted in to marketing email)' },
			{ name: 'Allows Email', value: 'allowsEmail', description: 'Do Not Allow Emails is No' },
			{ name: 'Exists in Google Contacts', value: 'existsInOtherApp', description: 'A Google contact is linked to it, or has one of its emails' },
			{ name: 'Field', value: 'field', description: 'Any column of the contact, custom columns included' },
			{ name: 'Ownership', value: 'ownership', description: 'The contact is owned by one of the chosen users or teams, or by the connection\'s user' },
			{ name: 'Status Reason', value: 'statusReason', description: 'The Status Reason is one of the chosen ones' },
		],
	},
	[
		{
			displayName: 'Owner',
			name: 'ownerMatch',
			type: 'options',
			options: [
				{ name: 'One of the Chosen Users or Teams', value: 'chosen' },
				{ name: 'The Connection\'s User', value: 'connectionUser', description: 'The application user the Dynamics 365 credential signs in as' },
			],
			default: 'chosen',
			displayOptions: { show: { type: ['ownership'] } },
		},
		{
			displayName: 'Owner Names or IDs',
			name: 'owners',
			type: 'multiOptions',
			typeOptions: { loadOptionsMethod: 'getOwners' },
			default: [],
			description: 'Users and teams of the organization. Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
			displayOptions: { show: { type: ['ownership'], ownerMatch: ['chosen'] } },
		},
		{
			displayName: 'Status Reason Names or IDs',
			name: 'statusReasons',
			type: 'multiOptions',
			typeOptions: { loadOptionsMethod: 'getStatusReasons' },
			default: [],
			description: 'The contact\'s status reasons as the organization defines them, custom ones included. Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
			displayOptions: { show: { type: ['statusReason'] } },
		},
		...fieldInputs('getDynamicsColumns', 'A column of the contact table, from the organization\'s metadata. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>'),
	],
);

const GOOGLE_CONDITIONS = conditionList(
	'googleConditions',
	'google',
	{
		displayName: 'Type',
		name: 'type',
		type: 'options',
		default: 'hasLabel',
		description: 'What to test',
		options: [
			{ name: 'Exists in Dynamics 365', value: 'existsInOtherApp', description: 'A Dynamics 365 contact is linked to it, or has one of its emails' },
			{ name: 'Field', value: 'field', description: 'Any field of the contact, custom fields included' },
			{ name: 'Has Label', value: 'hasLabel', description: 'The contact has one of the chosen labels (contact groups)' },
			{ name: 'Is Deleted', value: 'isDeleted', description: 'The contact was deleted (reported by the Google Contacts trigger)' },
		],
	},
	[
		{
			displayName: 'Label Names or IDs',
			name: 'labels',
			type: 'multiOptions',
			typeOptions: { loadOptionsMethod: 'getContactGroups' },
			default: [],
			description: 'Labels of the Google account; an expression may also give label names. Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
			displayOptions: { show: { type: ['hasLabel'] } },
		},
		...fieldInputs('getGoogleFields', 'A field of the Google contact. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>'),
		{
			displayName: 'Custom Field Key',
			name: 'customFieldKey',
			type: 'string',
			default: '',
			placeholder: 'Customer Number',
			description: 'The custom field\'s name as Google Contacts shows it',
			displayOptions: { show: { type: ['field'], field: [CUSTOM_GOOGLE_FIELD] } },
		},
	],
);

export const CONTACT_FILTER_PROPERTIES: INodeProperties[] = [
	{
		displayName: 'Contacts From',
		name: 'source',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Dynamics 365', value: 'dynamics', description: 'Items from the Dynamics 365 Contact Trigger or the Dynamics 365 Contact node' },
			{ name: 'Google Contacts', value: 'google', description: 'Items from the Google Contacts Trigger or the Google Contacts Sync node' },
		],
		default: 'dynamics',
	},
	{
		displayName: 'Combine',
		name: 'combine',
		type: 'options',
		options: [
			{ name: 'All Conditions Must Match', value: 'all' },
			{ name: 'Any Condition May Match', value: 'any' },
		],
		default: 'all',
		description: 'Whether a contact is kept when all conditions hold, or when at least one does',
	},
	DYNAMICS_CONDITIONS,
	GOOGLE_CONDITIONS,
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Add Reasons',
				name: 'addReasons',
				type: 'boolean',
				default: false,
				description: 'Whether to add a "_filter" field to each item, saying whether it was kept and which conditions decided',
			},
			linkColumnParameter('dynamicsLinkColumn', 'For the "exists" conditions: the contact column that holds the linked Google contact\'s resource name (people/c…), if the organization has one; contacts are matched by it first, then by email.'),
			{
				displayName: 'Google Email Lookup',
				name: 'googleEmailLookup',
				type: 'options',
				options: [
					{
						name: 'Fewest Requests',
						value: 'auto',
						description: 'Search Google Contacts by email for a few contacts, read all contacts for many',
					},
					{
						name: 'Read All Contacts',
						value: 'list',
						description: 'Also finds contacts created minutes ago, which Google\'s search index may not have yet',
					},
				],
				default: 'auto',
				description: 'How "Exists in Google Contacts" finds contacts by email',
				displayOptions: { show: { '/source': ['dynamics'] } },
			},
		],
	},
];
