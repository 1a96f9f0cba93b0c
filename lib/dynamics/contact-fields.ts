/**
 * The standard Dataverse `contact` columns (types, MaxLength, writability), for use when the org's
 * live metadata is not at hand, and as the base the default field maps refer to. The columns are
 * written as the AttributeMetadata the Web API returns and described by describeDynamicsAttribute,
 * so a live metadata catalogue and this one come out alike.
 * Source: the contact table reference (powerapps-docs reference/entities/contact.md).
 *
 * Also the typed reader and writer of contact records in Web API JSON.
 */
import { describeDynamicsAttribute, type DynamicsAttributeMetadata, type FieldDescriptor } from '../model/fields';
import { formatDateOnly, parseDateOnly } from '../mapping/dates';

/** A contact as the Web API returns it (with formatted-value annotations when requested). */
export type DynamicsRecord = Record<string, unknown>;

export const FORMATTED_VALUE_ANNOTATION = '@OData.Community.Display.V1.FormattedValue';

type Format = 'Text' | 'Email' | 'Phone' | 'Url' | 'TextArea';

function label(text: string): DynamicsAttributeMetadata['DisplayName'] {
	return { UserLocalizedLabel: { Label: text } };
}

function text(name: string, displayName: string, maxLength: number, format: Format = 'Text', writable = true): DynamicsAttributeMetadata {
	return {
		LogicalName: name,
		AttributeType: 'String',
		AttributeTypeName: { Value: 'StringType' },
		DisplayName: label(displayName),
		MaxLength: maxLength,
		FormatName: { Value: format },
		IsValidForUpdate: writable,
		IsValidForCreate: writable,
	};
}

function memo(name: string, displayName: string, maxLength: number, writable = true): DynamicsAttributeMetadata {
	return { ...text(name, displayName, maxLength, 'TextArea', writable), AttributeType: 'Memo', AttributeTypeName: { Value: 'MemoType' } };
}

function typed(name: string, displayName: string, type: string, extra: Partial<DynamicsAttributeMetadata> = {}): DynamicsAttributeMetadata {
	return { LogicalName: name, AttributeType: type, AttributeTypeName: { Value: `${type}Type` }, DisplayName: label(displayName), ...extra };
}

function choice(name: string, displayName: string, type: 'Picklist' | 'State' | 'Status', options: Array<[number, string]>, extra: Partial<DynamicsAttributeMetadata> = {}): DynamicsAttributeMetadata {
	return typed(name, displayName, type, {
		OptionSet: { Options: options.map(([value, optionLabel]) => ({ Value: value, Label: label(optionLabel) })) },
		...extra,
	});
}

const READ_ONLY = { IsValidForUpdate: false, IsValidForCreate: false };

function addressColumns(number: 1 | 2 | 3): DynamicsAttributeMetadata[] {
	const prefix = `address${number}_`;
	const title = `Address ${number}`;
	return [
		text(`${prefix}line1`, `${title}: Street 1`, 250),
		text(`${prefix}line2`, `${title}: Street 2`, 250),
		text(`${prefix}line3`, `${title}: Street 3`, 250),
		text(`${prefix}city`, `${title}: City`, 80),
		text(`${prefix}stateorprovince`, `${title}: State/Province`, 50),
		text(`${prefix}postalcode`, `${title}: ZIP/Postal Code`, 20),
		text(`${prefix}country`, `${title}: Country/Region`, 80),
		text(`${prefix}county`, `${title}: County`, 50),
		text(`${prefix}postofficebox`, `${title}: Post Office Box`, 20),
		text(`${prefix}name`, `${title}: Name`, number === 2 ? 100 : 200),
		text(`${prefix}telephone1`, `${title}: Phone`, 50, 'Phone'),
		memo(`${prefix}composite`, title, 1000, false),
	];
}

const DO_NOT_COLUMNS: Array<[string, string]> = [
	['donotemail', 'Do not allow Emails'],
	['donotbulkemail', 'Do not allow Bulk Emails'],
	['donotphone', 'Do not allow Phone Calls'],
	['donotfax', 'Do not allow Faxes'],
	['donotpostalmail', 'Do not allow Mails'],
	['donotbulkpostalmail', 'Do not allow Bulk Mails'],
	['donotsendmm', 'Send Marketing Materials'],
	['followemail', 'Follow Email Activity'],
];

/** The standard contact columns as the metadata endpoint describes them. */
export const STANDARD_CONTACT_ATTRIBUTES: DynamicsAttributeMetadata[] = [
	typed('contactid', 'Contact', 'Uniqueidentifier', { IsValidForUpdate: false }),
	text('firstname', 'First Name', 50),
	text('middlename', 'Middle Name', 50),
	text('lastname', 'Last Name', 50),
	text('fullname', 'Full Name', 160, 'Text', false),
	text('nickname', 'Nickname', 100),
	text('salutation', 'Salutation', 100),
	text('suffix', 'Suffix', 10),
	text('emailaddress1', 'Email', 100, 'Email'),
	text('emailaddress2', 'Email Address 2', 100, 'Email'),
	text('emailaddress3', 'Email Address 3', 100, 'Email'),
	text('telephone1', 'Business Phone', 50, 'Phone'),
	text('telephone2', 'Home Phone', 50, 'Phone'),
	text('telephone3', 'Telephone 3', 50, 'Phone'),
	text('mobilephone', 'Mobile Phone', 50, 'Phone'),
	text('fax', 'Fax', 50),
	text('business2', 'Business Phone 2', 50, 'Phone'),
	text('home2', 'Home Phone 2', 50, 'Phone'),
	text('assistantphone', 'Assistant Phone', 50, 'Phone'),
	text('managerphone', 'Manager Phone', 50, 'Phone'),
	text('callback', 'Callback Number', 50, 'Phone'),
	text('pager', 'Pager', 50, 'Phone'),
	text('company', 'Company Phone', 50, 'Phone'),
	text('jobtitle', 'Job Title', 100),
	text('department', 'Department', 100),
	text('websiteurl', 'Website', 200, 'Url'),
	text('externaluseridentifier', 'External User Identifier', 50),
	text('employeeid', 'Employee', 50),
	text('governmentid', 'Government', 50),
	...addressColumns(1),
	...addressColumns(2),
	...addressColumns(3),
	choice('address1_addresstypecode', 'Address 1: Address Type', 'Picklist', [[1, 'Bill To'], [2, 'Ship To'], [3, 'Primary'], [4, 'Other']]),
	typed('parentcustomerid', 'Company Name', 'Customer'),
	typed('accountid', 'Account', 'Lookup', READ_ONLY),
	typed('ownerid', 'Owner', 'Owner'),
	typed('createdby', 'Created By', 'Lookup', READ_ONLY),
	typed('modifiedby', 'Modified By', 'Lookup', READ_ONLY),
	choice('statecode', 'Status', 'State', [[0, 'Active'], [1, 'Inactive']], { IsValidForCreate: false }),
	choice('statuscode', 'Status Reason', 'Status', [[1, 'Active'], [2, 'Inactive']]),
	...DO_NOT_COLUMNS.map(([name, displayName]) => typed(name, displayName, 'Boolean')),
	typed('marketingonly', 'Marketing Only', 'Boolean'),
	choice('preferredcontactmethodcode', 'Preferred Method of Contact', 'Picklist', [[1, 'Any'], [2, 'Email'], [3, 'Phone'], [4, 'Fax'], [5, 'Mail']]),
	choice('gendercode', 'Gender', 'Picklist', [[1, 'Male'], [2, 'Female']]),
	choice('familystatuscode', 'Marital Status', 'Picklist', [[1, 'Single'], [2, 'Married'], [3, 'Divorced'], [4, 'Widowed']]),
	typed('birthdate', 'Birthday', 'DateTime', { Format: 'DateOnly' }),
	typed('anniversary', 'Anniversary', 'DateTime', { Format: 'DateOnly' }),
	memo('description', 'Description', 2000),
	typed('createdon', 'Created On', 'DateTime', { Format: 'DateAndTime', ...READ_ONLY }),
	typed('modifiedon', 'Modified On', 'DateTime', { Format: 'DateAndTime', ...READ_ONLY }),
	typed('versionnumber', 'Version Number', 'BigInt', READ_ONLY),
];

/** The standard contact columns as canonical fields (columns the sync cannot carry are left out). */
export const DYNAMICS_CONTACT_FIELDS: FieldDescriptor[] = STANDARD_CONTACT_ATTRIBUTES.map(describeDynamicsAttribute).filter(
	(descriptor): descriptor is FieldDescriptor => descriptor !== undefined,
);

const isEmpty = (value: unknown) => value === undefined || value === null || value === '';

/** Each column's formatted-value key, built once per descriptor: the filter and the mapping read it for every contact. */
const FORMATTED_VALUE_KEYS = new WeakMap<FieldDescriptor, string>();

function formattedValueKey(field: FieldDescriptor): string {
	let key = FORMATTED_VALUE_KEYS.get(field);
	if (key === undefined) {
		const property = field.type === 'lookup' || field.type === 'owner' ? `_${field.name}_value` : field.name;
		key = `${property}${FORMATTED_VALUE_ANNOTATION}`;
		FORMATTED_VALUE_KEYS.set(field, key);
	}
	return key;
}

/** The annotation the Web API adds with the display form of a value (choice label, lookup name). */
export function dynamicsFormattedValue(record: DynamicsRecord, field: FieldDescriptor): string | undefined {
	const formatted = record[formattedValueKey(field)];
	return typeof formatted === 'string' ? formatted : undefined;
}

/**
 * Reads a column in its canonical form: lookups and owners as the linked record's name (from the
 * formatted-value annotation), multi-select choices as a number array (the Web API sends "1,2"),
 * date-only columns as "YYYY-MM-DD"; other values as the Web API sends them. Undefined when empty.
 */
export function readDynamicsField(record: DynamicsRecord, field: FieldDescriptor): unknown {
	if (field.type === 'lookup' || field.type === 'owner') return dynamicsFormattedValue(record, field);
	const value = record[field.name];
	if (isEmpty(value)) return undefined;
	if (field.type === 'multiChoice' && typeof value === 'string') return value.split(',').map((option) => Number(option.trim()));
	if (field.type === 'date' && typeof value === 'string') {
		const date = parseDateOnly(value);
		return date ? formatDateOnly(date) : value;
	}
	return value;
}

/** A canonical value in the Web API's JSON form for a create or update body (null clears the column). */
export function toDynamicsWireValue(field: FieldDescriptor, value: unknown): unknown {
	if (isEmpty(value) || (Array.isArray(value) && value.length === 0)) return null;
	if (field.type === 'multiChoice' && Array.isArray(value)) return value.join(',');
	return value;
}
