/**
 * Realistic inputs for the Contact Filter core: contact column metadata as EntityDefinitions/Attributes
 * returns it (custom columns, option sets, a multi-select choice), contact rows as the Web API returns
 * them with `Prefer: odata.include-annotations="*"`, trigger items, and People API persons.
 */

import { DYNAMICS_CONTACT_FIELDS } from '../../../lib/dynamics/contact-fields';
import { GOOGLE_FIELDS, type GooglePerson } from '../../../lib/google/fields';
import { describeDynamicsAttribute, type DynamicsAttributeMetadata, type FieldDescriptor } from '../../../lib/model/fields';

const FORMATTED = '@OData.Community.Display.V1.FormattedValue';

function label(text: string) {
	return { LocalizedLabels: [{ Label: text, LanguageCode: 1033 }], UserLocalizedLabel: { Label: text, LanguageCode: 1033 } };
}

function attribute(LogicalName: string, AttributeType: string, displayName: string, extra: Partial<DynamicsAttributeMetadata> = {}): DynamicsAttributeMetadata {
	return {
		LogicalName,
		AttributeType,
		AttributeTypeName: { Value: `${AttributeType}Type` },
		DisplayName: label(displayName),
		IsCustomAttribute: LogicalName.startsWith('new_'),
		IsValidForCreate: true,
		IsValidForUpdate: true,
		IsValidForRead: true,
		...extra,
	};
}

function optionSet(options: Array<[number, string]>) {
	return { Options: options.map(([Value, text]) => ({ Value, Label: label(text) })) };
}

/**
 * This org's own columns, as its metadata returns them: custom status reasons, two standard numeric
 * columns, and custom columns of every kind (choice, multi-select choice, number, text, yes/no, datetime).
 */
const ORG_METADATA: DynamicsAttributeMetadata[] = [
	attribute('statuscode', 'Status', 'Status Reason', { OptionSet: optionSet([[1, 'Active'], [100000000, 'On Hold'], [2, 'Inactive'], [100000001, 'Moved Away']]) }),
	attribute('creditlimit', 'Money', 'Credit Limit'),
	attribute('address1_latitude', 'Double', 'Address 1: Latitude'),
	attribute('owneridname', 'String', 'Owner Name', { AttributeOf: 'ownerid', MaxLength: 100 }),
	attribute('entityimage', 'Virtual', 'Default Image', { AttributeTypeName: { Value: 'ImageType' } }),
	attribute('new_tier', 'Picklist', 'Customer Tier', { OptionSet: optionSet([[100000000, 'Gold'], [100000001, 'Silver'], [100000002, 'Bronze'], [100000003, '2024 Cohort']]) }),
	attribute('new_interests', 'Virtual', 'Interests', {
		AttributeTypeName: { Value: 'MultiSelectPicklistType' },
		OptionSet: optionSet([[100000000, 'Newsletter'], [100000001, 'Events'], [100000002, 'Product Updates'], [100000003, 'Partner Offers']]),
	}),
	attribute('new_loyaltypoints', 'Integer', 'Loyalty Points'),
	attribute('new_googleresourcename', 'String', 'Google Resource Name', { MaxLength: 100, FormatName: { Value: 'Text' } }),
	attribute('new_vip', 'Boolean', 'VIP'),
	attribute('new_lastcontacted', 'DateTime', 'Last Contacted', { Format: 'DateAndTime' }),
];

const ORG_FIELDS = ORG_METADATA.map(describeDynamicsAttribute).filter((field): field is FieldDescriptor => field !== undefined);

/** The org's contact fields: the standard columns, with this org's status reasons and custom columns. */
export const CONTACT_FIELDS: FieldDescriptor[] = [
	...DYNAMICS_CONTACT_FIELDS.filter((standard) => !ORG_FIELDS.some((own) => own.name === standard.name)),
	...ORG_FIELDS,
];

export function contactField(name: string): FieldDescriptor {
	const field = CONTACT_FIELDS.find((candidate) => candidate.name === name);
	if (!field) throw new Error(`fixture has no column ${name}`);
	return field;
}

export { GOOGLE_FIELDS };

export const ALICE = { id: '7c3e4f10-2b1a-ee11-9cbd-000d3a5b1c2d', name: 'Alice Johnson' };
export const SALES_TEAM = { id: '9a8b7c6d-5e4f-ee11-9cbd-000d3a5b1c2d', name: 'Sales EMEA' };
/** The application user the credential signs in as (WhoAmI's UserId). */
export const SYNC_APP_USER = { id: 'e1d2c3b4-a596-ee11-9cbd-000d3a5b1c2d', name: '# Contact Sync' };
export const BERG_ZONEN = { id: '3f2504e0-4f89-11d3-9a0c-0305e82c3301', name: 'Berg & Zonen' };

function owner(who: { id: string; name: string }, table: 'systemuser' | 'team') {
	return {
		[`_ownerid_value${FORMATTED}`]: who.name,
		'_ownerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty': 'ownerid',
		'_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': table,
		_ownerid_value: who.id,
	};
}

/** Active, owned by Alice, allows email but not bulk email, Gold tier, two interests. */
export const JAN = {
	'@odata.etag': 'W/"72201545"',
	contactid: '49b0be2e-d01c-ed11-b83e-000d3a572421',
	firstname: 'Jan',
	lastname: 'van der Berg',
	fullname: 'Jan van der Berg',
	emailaddress1: ' Jan.VanDerBerg@Example.NL ',
	emailaddress2: 'jan@berg-zonen.nl',
	emailaddress3: null,
	telephone1: '+31 20 123 4567',
	mobilephone: null,
	address1_city: 'Amsterdam',
	jobtitle: 'Directeur',
	description: 'Met at the Amsterdam fair.\nPrefers phone calls.',
	[`statecode${FORMATTED}`]: 'Active',
	statecode: 0,
	[`statuscode${FORMATTED}`]: 'Active',
	statuscode: 1,
	[`donotemail${FORMATTED}`]: 'Allow',
	donotemail: false,
	[`donotbulkemail${FORMATTED}`]: 'Do Not Allow',
	donotbulkemail: true,
	[`birthdate${FORMATTED}`]: '4/30/1975',
	birthdate: '1975-04-30',
	[`createdon${FORMATTED}`]: '1/31/2024 11:30 PM',
	createdon: '2024-01-31T23:30:00Z',
	[`modifiedon${FORMATTED}`]: '2/1/2024 8:00 AM',
	modifiedon: '2024-02-01T08:00:00Z',
	...owner(ALICE, 'systemuser'),
	[`_parentcustomerid_value${FORMATTED}`]: BERG_ZONEN.name,
	'_parentcustomerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty': 'parentcustomerid_account',
	'_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'account',
	_parentcustomerid_value: BERG_ZONEN.id,
	[`preferredcontactmethodcode${FORMATTED}`]: 'Phone',
	preferredcontactmethodcode: 3,
	[`creditlimit${FORMATTED}`]: '€10,000.00',
	creditlimit: 10000,
	_transactioncurrencyid_value: '5d6e7f80-1a2b-ee11-9cbd-000d3a5b1c2d',
	[`address1_latitude${FORMATTED}`]: '52.36641',
	address1_latitude: 52.36641,
	[`versionnumber${FORMATTED}`]: '72201545',
	versionnumber: 72201545,
	[`new_tier${FORMATTED}`]: 'Gold',
	new_tier: 100000000,
	[`new_interests${FORMATTED}`]: 'Newsletter; Events',
	new_interests: '100000000,100000001',
	[`new_loyaltypoints${FORMATTED}`]: '10',
	new_loyaltypoints: 10,
	new_googleresourcename: 'people/c5187881666262445018',
	[`new_vip${FORMATTED}`]: 'Yes',
	new_vip: true,
	[`new_lastcontacted${FORMATTED}`]: '1/31/2024 12:00 PM',
	new_lastcontacted: '2024-01-31T12:00:00Z',
};

/** Inactive (Moved Away), owned by a team, opted out of all email, Bronze tier, no interests. */
export const SIOBHAN = {
	'@odata.etag': 'W/"72201990"',
	contactid: '5c1d0e9f-8a7b-ee11-9cbd-000d3a5b1c2d',
	firstname: 'Siobhán',
	lastname: "O'Brien",
	fullname: "Siobhán O'Brien",
	emailaddress1: "siobhan.o'brien@example.ie",
	emailaddress2: null,
	emailaddress3: null,
	telephone1: null,
	mobilephone: '0049 30 1234567',
	address1_city: '',
	jobtitle: null,
	description: null,
	[`statecode${FORMATTED}`]: 'Inactive',
	statecode: 1,
	[`statuscode${FORMATTED}`]: 'Moved Away',
	statuscode: 100000001,
	[`donotemail${FORMATTED}`]: 'Do Not Allow',
	donotemail: true,
	[`donotbulkemail${FORMATTED}`]: 'Do Not Allow',
	donotbulkemail: true,
	[`birthdate${FORMATTED}`]: '12/31/1969',
	birthdate: '1969-12-31',
	[`createdon${FORMATTED}`]: '2/1/2024 12:30 AM',
	createdon: '2024-02-01T00:30:00Z',
	...owner(SALES_TEAM, 'team'),
	_parentcustomerid_value: null,
	[`preferredcontactmethodcode${FORMATTED}`]: 'Email',
	preferredcontactmethodcode: 2,
	creditlimit: null,
	[`new_tier${FORMATTED}`]: 'Bronze',
	new_tier: 100000002,
	new_interests: null,
	[`new_loyaltypoints${FORMATTED}`]: '9',
	new_loyaltypoints: 9,
	new_googleresourcename: null,
	[`new_vip${FORMATTED}`]: 'No',
	new_vip: false,
};

/**
 * A contact read with a narrow $select (fullname, emailaddress1), owned by the sync's application user:
 * every other column is missing from the row, not empty.
 */
export const LEAP = {
	'@odata.etag': 'W/"72202001"',
	contactid: 'a0b1c2d3-e4f5-ee11-9cbd-000d3a5b1c2d',
	fullname: 'Leap Day',
	emailaddress1: 'LEAP.DAY@example.com',
	...owner(SYNC_APP_USER, 'systemuser'),
};

/** The Dynamics trigger's items. */
export const JAN_UPDATED = { event: 'updated', contactId: JAN.contactid, modifiedOn: JAN.modifiedon, contact: JAN };
export const SIOBHAN_DELETED = { event: 'deleted', contactId: SIOBHAN.contactid, modifiedOn: '2024-03-01T10:00:00Z' };

export const CUSTOMERS_GROUP = { resourceName: 'contactGroups/4f2e1a0b8c3d', name: 'Customers' };
export const UNSUBSCRIBES_GROUP = { resourceName: 'contactGroups/7a6b5c4d3e2f', name: 'Dynamics 365 Unsubscribes' };

function membership(resourceName: string) {
	return {
		metadata: { source: { type: 'CONTACT', id: '47f2a0ee8b1c3d9f' } },
		contactGroupMembership: { contactGroupId: resourceName.split('/')[1], contactGroupResourceName: resourceName },
	};
}

const CONTACT_SOURCE = { primary: true, source: { type: 'CONTACT', id: '47f2a0ee8b1c3d9f' } };

/** A Google contact as people.connections.list returns it, linked to JAN through clientData. */
export const ZOE: GooglePerson = {
	resourceName: 'people/c5187881666262445018',
	etag: '%EgoBAgkLDC47PT4/GgQBAgUHIgxSNEFUakVNMTFzRT0=',
	metadata: { sources: [{ type: 'CONTACT', id: '47f2a0ee8b1c3d9f', etag: '#Fr0x1Rkq3Pw=', updateTime: '2024-02-01T08:15:42.132300Z' }], objectType: 'PERSON' },
	names: [
		{
			metadata: CONTACT_SOURCE,
			displayName: 'Zoë Müller-Lüdenscheidt',
			familyName: 'Müller-Lüdenscheidt',
			givenName: 'Zoe\u0308',
			middleName: 'Ann',
			displayNameLastFirst: 'Müller-Lüdenscheidt, Zoë',
			unstructuredName: 'Zoë Müller-Lüdenscheidt',
		},
	],
	emailAddresses: [
		{ metadata: { source: CONTACT_SOURCE.source }, value: 'zoe@privat.example.de', type: 'home', formattedType: 'Home' },
		{ metadata: CONTACT_SOURCE, value: 'Zoe.Mueller@Example.de', type: 'work', formattedType: 'Work' },
	],
	phoneNumbers: [
		{ metadata: CONTACT_SOURCE, value: '0049 30 1234567', canonicalForm: '+49301234567', type: 'work', formattedType: 'Work' },
		{ metadata: { source: CONTACT_SOURCE.source }, value: '+49 (0)151 2345678', canonicalForm: '+491512345678', type: 'mobile', formattedType: 'Mobile' },
	],
	organizations: [{ metadata: CONTACT_SOURCE, name: 'Müller GmbH', department: 'Einkauf', type: 'work', formattedType: 'Work' }],
	birthdays: [{ metadata: CONTACT_SOURCE, date: { year: 2000, month: 2, day: 29 } }],
	memberships: [membership('contactGroups/myContacts'), membership(CUSTOMERS_GROUP.resourceName)],
	userDefined: [{ metadata: CONTACT_SOURCE, key: 'Tier', value: 'Gold' } as { key: string; value: string }],
	clientData: [{ metadata: CONTACT_SOURCE, key: 'dynamics365.contactid', value: '49B0BE2E-D01C-ED11-B83E-000D3A572421' } as { key: string; value: string }],
};

/** An unlinked Google contact in the Unsubscribes label, with a year-less birthday. */
export const CHER: GooglePerson = {
	resourceName: 'people/c7741029385510293',
	etag: '%EgoBAgkLDC47PT4/GgQBAgUHIgxyZmJlSXpqZ0xRUT0=',
	metadata: { sources: [{ type: 'CONTACT', id: '6b1e2f3a4c5d7e8f', etag: '#aB3dE5fG7hI=', updateTime: '2024-02-02T09:00:00.000Z' }], objectType: 'PERSON' },
	names: [{ metadata: CONTACT_SOURCE, displayName: 'Cher', familyName: '', givenName: 'Cher', unstructuredName: 'Cher' }],
	emailAddresses: [{ metadata: CONTACT_SOURCE, value: 'CHER@example.com', type: 'other', formattedType: 'Other' }],
	birthdays: [{ metadata: CONTACT_SOURCE, date: { year: 0, month: 5, day: 20 } }],
	memberships: [membership('contactGroups/myContacts'), membership(UNSUBSCRIBES_GROUP.resourceName)],
};

/** The Google trigger's items: an update, and a deletion as a sync token reports it (a tombstone). */
export const ZOE_UPDATED = { event: 'updated', resourceName: ZOE.resourceName, person: ZOE };
export const CHER_DELETED = {
	event: 'deleted',
	resourceName: CHER.resourceName,
	person: { resourceName: CHER.resourceName, etag: '%EgoBAgkLDC47PT4/GgQBAgUHIgx0b21ic3RvbmU=', metadata: { sources: [{ type: 'CONTACT', id: '6b1e2f3a4c5d7e8f' }], deleted: true } },
};
