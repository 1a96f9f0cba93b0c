/**
 * The Contact Field Mapping's parameters: the direction, the default mappings (each one can be
 * switched off), custom mappings picked from the org's columns and the fields that fit them, fixed
 * values set on the target (PieSync's THEN), and options.
 */
import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';
import { DYNAMICS_CONTACT_FIELDS } from '../../lib/dynamics/contact-fields';
import { describeGoogleField } from '../../lib/google/fields';
import { DEFAULT_MAPPING_IDS, defaultMappings, type DefaultMapping } from '../../lib/mapping';
import { linkFieldNames } from '../../lib/mapping/defaults';
import { CURRENT_RECORD_FIELD } from '../../lib/mapping/items';
import { linkColumnParameter } from '../shared/columns';

/** The option that stands for a field named by the user: a Google custom field, or a plain key of their own. */
export const CUSTOM_FIELD = '__customField';

const FROM_GOOGLE = ['googleToDynamics'];
const TO_GOOGLE = ['dynamicsToGoogle'];

const dynamicsLabel = (name: string) => DYNAMICS_CONTACT_FIELDS.find((field) => field.name === name)?.label ?? name;
const googleLabel = (name: string) => describeGoogleField(name)?.label ?? name;

/** One option per default mapping: the plain shape's label, and the fields it links on each side. */
function defaultMappingOptions(): INodePropertyOptions[] {
	const byId = (mappings: DefaultMapping[], id: string) => mappings.find((mapping) => mapping.id === id) as DefaultMapping;
	const names = (mapping: DefaultMapping) => {
		const links = mapping.links.map(linkFieldNames);
		return { dynamics: links.flatMap((link) => link.dynamics), other: links.flatMap((link) => link.other) };
	};
	return DEFAULT_MAPPING_IDS.map((id) => {
		const [google, plain] = [byId(defaultMappings('google'), id), byId(defaultMappings('plain'), id)];
		const dynamicsSide = names(plain).dynamics.map(dynamicsLabel).join(', ');
		const googleSide = names(google).other.map(googleLabel).join(', ');
		return { name: plain.label, value: id, description: `Dynamics 365: ${dynamicsSide} ↔ Google Contacts: ${googleSide}; plain: ${names(plain).other.join(', ')}` };
	}).sort((a, b) => a.name.localeCompare(b.name));
}

const CUSTOM_MAPPINGS: INodeProperties = {
	displayName: 'Custom Mappings',
	name: 'customMappings',
	type: 'fixedCollection',
	typeOptions: { multipleValues: true, sortable: true },
	placeholder: 'Add Custom Mapping',
	default: {},
	description: 'Map any other column, standard or custom, to a field of the other app. Only pairs of compatible types are offered, each with the direction it allows.',
	options: [
		{
			name: 'mapping',
			displayName: 'Mapping',
			values: [
				{
					displayName: 'Dynamics 365 Column Name or ID',
					name: 'dynamicsField',
					type: 'options',
					typeOptions: { loadOptionsMethod: 'getMappableColumns', loadOptionsDependsOn: ['direction', 'defaultMappings'] },
					default: '',
					description:
						'A contact column, with its type: the organization\'s columns with the Dynamics 365 credential, otherwise the standard ones. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
				},
				{
					displayName: 'Other Field Name or ID',
					name: 'otherField',
					type: 'options',
					typeOptions: { loadOptionsMethod: 'getPairedFields', loadOptionsDependsOn: ['&dynamicsField', 'direction', 'defaultMappings'] },
					default: '',
					description:
						'The Google Contacts or plain field to map the column with: only fields of a fitting type are listed, each with the direction the pair can sync in. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
				},
				{
					displayName: "Other Field's Custom Name",
					name: 'customFieldName',
					type: 'string',
					default: '',
					placeholder: 'Customer Number',
					description: 'Google Contacts: the custom field\'s label as Google Contacts shows it. Plain fields: the key in the JSON.',
					displayOptions: { show: { otherField: [CUSTOM_FIELD] } },
				},
				{
					displayName: 'Sync Direction',
					name: 'syncDirection',
					type: 'options',
					options: [
						{ name: 'As the Types Allow', value: 'auto', description: 'Both ways where the pair allows it (the field list says which)' },
						{ name: 'Only From Dynamics 365', value: 'dynamicsToOther', description: 'A node going the other way leaves this mapping out' },
						{ name: 'Only Into Dynamics 365', value: 'otherToDynamics', description: 'A node going the other way leaves this mapping out' },
					],
					default: 'auto',
					description: 'Restricts a two-way pair to one way, so the same mappings can be copied into the node going back',
				},
				{
					displayName: 'Value Map',
					name: 'valueMap',
					type: 'json',
					default: '{}',
					placeholder: '{ "100000000": "Email", "100000001": "Phone" }',
					description: 'For a choice column: each option value (the column list shows them) and the other field\'s value for it. Leave {} for other columns.',
				},
			],
		},
	],
};

const FIXED_VALUES: INodeProperties = {
	displayName: 'Fixed Values',
	name: 'fixedValues',
	type: 'fixedCollection',
	typeOptions: { multipleValues: true, sortable: true },
	placeholder: 'Add Fixed Value',
	default: {},
	description: 'PieSync\'s THEN action "update (custom) field values": set these values on every target record, e.g. Source = Google Contacts',
	options: [
		{
			name: 'value',
			displayName: 'Fixed Value',
			values: [
				{
					displayName: 'Field Name or ID',
					name: 'field',
					type: 'options',
					typeOptions: { loadOptionsMethod: 'getTargetFields', loadOptionsDependsOn: ['direction'] },
					default: '',
					description: 'A writable field of the target. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
				},
				{
					displayName: 'Custom Field Name',
					name: 'customFieldName',
					type: 'string',
					default: '',
					placeholder: 'Source',
					description: 'Google Contacts: the custom field\'s label. Plain fields: the key in the JSON.',
					displayOptions: { show: { field: [CUSTOM_FIELD] } },
				},
				{
					displayName: 'Value',
					name: 'value',
					type: 'string',
					default: '',
					description: 'Text as it is; numbers with "." for decimals; Yes/No as true or false; dates as 2024-01-31; choices by label or value. Empty clears the field.',
				},
			],
		},
	],
};

export const CONTACT_FIELD_MAPPING_PROPERTIES: INodeProperties[] = [
	{
		displayName: 'Direction',
		name: 'direction',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Dynamics 365 → Google Contacts', value: 'dynamicsToGoogle', description: 'People API Person fields, ready for the Google Contacts Sync node' },
			{ name: 'Dynamics 365 → Plain Fields', value: 'dynamicsToPlain', description: 'A flat JSON record (firstName, email, mobilePhone, …) any other node can take' },
			{ name: 'Google Contacts → Dynamics 365', value: 'googleToDynamics', description: 'Contact columns, ready for the Dynamics 365 Contact node' },
			{ name: 'Plain Fields → Dynamics 365', value: 'plainToDynamics', description: 'Contact columns from a flat JSON record (firstName, email, mobilePhone, …)' },
		],
		default: 'dynamicsToGoogle',
	},
	{
		displayName: 'Default Mappings',
		name: 'defaultMappings',
		type: 'multiOptions',
		options: defaultMappingOptions(),
		default: [...DEFAULT_MAPPING_IDS],
		description: 'The built-in mappings to apply; remove one to switch it off and map its fields yourself',
	},
	CUSTOM_MAPPINGS,
	FIXED_VALUES,
	{
		displayName: 'Add to Label Names or IDs',
		name: 'addToLabels',
		type: 'multiOptions',
		typeOptions: { loadOptionsMethod: 'getContactGroups' },
		default: [],
		description:
			'PieSync\'s THEN action "add to label": the Google contact joins these labels (the list needs the Google Contacts credential). Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		displayOptions: { show: { direction: TO_GOOGLE } },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Blank Values Overwrite',
				name: 'blankValuesOverwrite',
				type: 'boolean',
				default: false,
				description: 'Whether an empty source value clears the target\'s value; by default an empty value never blanks a filled field (plain targets always get every key)',
			},
			{
				displayName: 'Current Target Record Field',
				name: 'currentRecordField',
				type: 'string',
				default: CURRENT_RECORD_FIELD,
				description: 'Where in the input item the target\'s current record is, when a node before looked it up (dot path, e.g. current or lookup.contact). With it, a changed full name updates only the part that changed, and phone and address formatting stays as the target has it.',
			},
			linkColumnParameter('dynamicsLinkColumn', 'A text column that keeps the linked Google contact\'s resource name (people/c…), if the organization has one: Google → Dynamics 365 writes it, Dynamics 365 → Google reads the link from it.'),
			{
				displayName: 'Plain Record ID Field',
				name: 'plainIdField',
				type: 'string',
				default: 'id',
				description: 'The key of the plain record that holds its ID (the output\'s source ID)',
				displayOptions: { show: { '/direction': ['plainToDynamics'] } },
			},
			{
				displayName: 'Text Longer Than the Column Allows',
				name: 'overLengthText',
				type: 'options',
				options: [
					{ name: 'Error', value: 'error', description: 'The item fails, naming the column and its maximum length' },
					{ name: 'Truncate', value: 'truncate', description: 'Cut the text to the column\'s maximum length' },
				],
				default: 'error',
				description: 'What to do with text longer than the Dynamics 365 column\'s maximum length',
				displayOptions: { show: { '/direction': [...FROM_GOOGLE, 'plainToDynamics'] } },
			},
		],
	},
];
