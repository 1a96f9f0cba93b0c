/**
 * The simulated org's tables: every column of contact that the sync touches (names, types, lengths,
 * option sets and flags as in the Dataverse contact reference), plus the few columns of account,
 * systemuser and team that lookups, owners and WhoAmI need. One table drives validation, the wire
 * format, annotations, $filter/$orderby typing and the metadata endpoints, so they cannot disagree.
 */
import { createHash } from 'crypto';

export type AttributeType =
	| 'BigInt'
	| 'Boolean'
	| 'Customer'
	| 'DateTime'
	| 'Double'
	| 'EntityName'
	| 'Integer'
	| 'Lookup'
	| 'Memo'
	| 'Money'
	| 'Owner'
	| 'Picklist'
	| 'State'
	| 'Status'
	| 'String'
	| 'Uniqueidentifier'
	| 'Virtual';

export type RequiredLevel = 'None' | 'SystemRequired' | 'ApplicationRequired' | 'Recommended';

export interface OptionDefinition {
	value: number;
	label: string;
	/** Status options: the state they belong to. */
	state?: number;
	/** State options: the status a record gets when only the state is set. */
	defaultStatus?: number;
}

export interface AttributeDefinition {
	logicalName: string;
	schemaName: string;
	type: AttributeType;
	/** AttributeTypeName.Value; differs from `${type}Type` only for virtual columns (MultiSelectPicklistType). */
	typeName: string;
	label: string;
	maxLength?: number;
	/** String columns: the FormatName (Email, Text, TextArea, Url, Phone); DateTime columns: DateOnly or DateAndTime. */
	format?: string;
	dateBehavior?: 'UserLocal' | 'DateOnly';
	min?: number;
	max?: number;
	precision?: number;
	options?: OptionDefinition[];
	optionSetName?: string;
	globalOptionSet?: boolean;
	trueLabel?: string;
	falseLabel?: string;
	defaultValue?: boolean | number;
	targets?: string[];
	requiredLevel: RequiredLevel;
	validForCreate: boolean;
	validForUpdate: boolean;
	validForRead: boolean;
	custom: boolean;
	/** Name shadows (parentcustomeridname, owneridtype...) point at their lookup; they have no Web API property. */
	attributeOf?: string;
	metadataId: string;
}

export interface EntityDefinition {
	logicalName: string;
	schemaName: string;
	entitySetName: string;
	primaryIdAttribute: string;
	primaryNameAttribute: string;
	ownershipType: 'UserOwned' | 'BusinessOwned' | 'OrganizationOwned';
	changeTrackingEnabled: boolean;
	/** Alternate keys usable in URLs such as contacts(new_googleresourcename='people/c1'). */
	alternateKeys: string[];
	/** Whether the API accepts POST/PATCH/DELETE on the set (systemusers and teams are read-only here). */
	writable: boolean;
	attributes: AttributeDefinition[];
	metadataId: string;
}

export type LookupAttributeType = 'Lookup' | 'Customer' | 'Owner';

export function isLookup(attribute: AttributeDefinition): boolean {
	return attribute.type === 'Lookup' || attribute.type === 'Customer' || attribute.type === 'Owner';
}

/** A stable GUID per name, so metadata ids do not change between runs. */
export function stableGuid(name: string): string {
	const hex = createHash('sha1').update(name).digest('hex');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

type AttributeOptions = Partial<Omit<AttributeDefinition, 'logicalName' | 'type' | 'label' | 'metadataId'>>;

function schemaNameOf(logicalName: string): string {
	const prefixed = /^([a-z]+_)(.*)$/.exec(logicalName);
	if (prefixed && prefixed[1] === 'new_') return `new_${prefixed[2].charAt(0).toUpperCase()}${prefixed[2].slice(1)}`;
	return logicalName.charAt(0).toUpperCase() + logicalName.slice(1);
}

function attribute(entity: string, logicalName: string, type: AttributeType, label: string, options: AttributeOptions = {}): AttributeDefinition {
	return {
		logicalName,
		schemaName: schemaNameOf(logicalName),
		type,
		typeName: `${type}Type`,
		label,
		requiredLevel: 'None',
		validForCreate: true,
		validForUpdate: true,
		validForRead: true,
		custom: logicalName.startsWith('new_'),
		metadataId: stableGuid(`${entity}.${logicalName}`),
		...options,
	};
}

const READ_ONLY: AttributeOptions = { validForCreate: false, validForUpdate: false };

/** Builds one table's columns with short helpers; `e` is the entity's logical name. */
function columns(e: string) {
	return {
		text: (name: string, label: string, maxLength: number, format = 'Text', options: AttributeOptions = {}) =>
			attribute(e, name, 'String', label, { maxLength, format, ...options }),
		memo: (name: string, label: string, maxLength: number, options: AttributeOptions = {}) =>
			attribute(e, name, 'Memo', label, { maxLength, format: 'TextArea', ...options }),
		flag: (name: string, label: string, trueLabel: string, falseLabel: string, defaultValue = false, options: AttributeOptions = {}) =>
			attribute(e, name, 'Boolean', label, { trueLabel, falseLabel, defaultValue, optionSetName: `${e}_${name}`, ...options }),
		choice: (name: string, label: string, choices: Array<[number, string]>, options: AttributeOptions = {}) =>
			attribute(e, name, 'Picklist', label, {
				options: choices.map(([value, text]) => ({ value, label: text })),
				optionSetName: `${e}_${name}`,
				...options,
			}),
		date: (name: string, label: string, options: AttributeOptions = {}) =>
			attribute(e, name, 'DateTime', label, { format: 'DateOnly', dateBehavior: 'DateOnly', ...options }),
		dateTime: (name: string, label: string, options: AttributeOptions = {}) =>
			attribute(e, name, 'DateTime', label, { format: 'DateAndTime', dateBehavior: 'UserLocal', ...options }),
		lookup: (name: string, label: string, targets: string[], type: LookupAttributeType = 'Lookup', options: AttributeOptions = {}) =>
			attribute(e, name, type, label, { targets, ...options }),
		shadow: (name: string, of: string, type: AttributeType, label: string, maxLength?: number) =>
			attribute(e, name, type, label, { ...READ_ONLY, attributeOf: of, maxLength }),
		other: (name: string, type: AttributeType, label: string, options: AttributeOptions = {}) => attribute(e, name, type, label, options),
		/** statecode (Active / Inactive) and statuscode (Active / Inactive), as on contact and account. */
		states: (stateOptions: AttributeOptions = {}) => [
			attribute(e, 'statecode', 'State', 'Status', {
				validForCreate: false,
				optionSetName: `${e}_statecode`,
				options: [
					{ value: 0, label: 'Active', defaultStatus: 1 },
					{ value: 1, label: 'Inactive', defaultStatus: 2 },
				],
				...stateOptions,
			}),
			attribute(e, 'statuscode', 'Status', 'Status Reason', {
				optionSetName: `${e}_statuscode`,
				options: [
					{ value: 1, label: 'Active', state: 0 },
					{ value: 2, label: 'Inactive', state: 1 },
				],
			}),
		],
	};
}

const DO_NOT = (c: ReturnType<typeof columns>, name: string, label: string) => c.flag(name, label, 'Do Not Allow', 'Allow');

function addressColumns(c: ReturnType<typeof columns>, n: 1 | 2): AttributeDefinition[] {
	const p = `address${n}_`;
	const label = `Address ${n}`;
	return [
		c.text(`${p}name`, `${label}: Name`, n === 1 ? 200 : 100),
		c.text(`${p}line1`, `${label}: Street 1`, 250),
		c.text(`${p}line2`, `${label}: Street 2`, 250),
		c.text(`${p}line3`, `${label}: Street 3`, 250),
		c.text(`${p}city`, `${label}: City`, 80),
		c.text(`${p}stateorprovince`, `${label}: State/Province`, 50),
		c.text(`${p}postalcode`, `${label}: ZIP/Postal Code`, 20),
		c.text(`${p}country`, `${label}: Country/Region`, 80),
		c.text(`${p}county`, `${label}: County`, 50),
		c.text(`${p}postofficebox`, `${label}: Post Office Box`, 20),
		c.text(`${p}telephone1`, `${label}: Telephone 1`, 50, 'Phone'),
		c.text(`${p}telephone2`, `${label}: Telephone 2`, 50, 'Phone'),
		c.text(`${p}telephone3`, `${label}: Telephone 3`, 50, 'Phone'),
		c.text(`${p}fax`, `${label}: Fax`, 50),
		c.choice(
			`${p}addresstypecode`,
			`${label}: Address Type`,
			n === 1 ? [[1, 'Bill To'], [2, 'Ship To'], [3, 'Primary'], [4, 'Other']] : [[1, 'Default Value']],
		),
		c.other(`${p}latitude`, 'Double', `${label}: Latitude`, { min: -90, max: 90, precision: 5 }),
		c.other(`${p}longitude`, 'Double', `${label}: Longitude`, { min: -180, max: 180, precision: 5 }),
		c.memo(`${p}composite`, `${label}`, 1000, READ_ONLY),
	];
}

function contactAttributes(): AttributeDefinition[] {
	const c = columns('contact');
	return [
		c.other('contactid', 'Uniqueidentifier', 'Contact', { validForUpdate: false, requiredLevel: 'SystemRequired' }),
		c.text('firstname', 'First Name', 50, 'Text', { requiredLevel: 'Recommended' }),
		c.text('middlename', 'Middle Name', 50),
		c.text('lastname', 'Last Name', 50, 'Text', { requiredLevel: 'ApplicationRequired' }),
		c.text('fullname', 'Full Name', 160, 'Text', READ_ONLY),
		c.text('nickname', 'Nickname', 100),
		c.text('salutation', 'Salutation', 100),
		c.text('suffix', 'Suffix', 10),
		c.text('emailaddress1', 'Email', 100, 'Email'),
		c.text('emailaddress2', 'Email Address 2', 100, 'Email'),
		c.text('emailaddress3', 'Email Address 3', 100, 'Email'),
		c.text('telephone1', 'Business Phone', 50, 'Phone'),
		c.text('telephone2', 'Home Phone', 50, 'Phone'),
		c.text('telephone3', 'Telephone 3', 50, 'Phone'),
		c.text('mobilephone', 'Mobile Phone', 50, 'Phone'),
		c.text('fax', 'Fax', 50),
		c.text('business2', 'Business Phone 2', 50, 'Phone'),
		c.text('home2', 'Home Phone 2', 50, 'Phone'),
		c.text('assistantphone', "Assistant's Phone", 50, 'Phone'),
		c.text('managerphone', "Manager's Phone", 50, 'Phone'),
		c.text('callback', 'Callback Number', 50, 'Phone'),
		c.text('pager', 'Pager', 50, 'Phone'),
		c.text('company', 'Company Phone', 50, 'Phone'),
		c.text('jobtitle', 'Job Title', 100),
		c.text('department', 'Department', 100),
		c.text('websiteurl', 'Website', 200, 'Url'),
		c.text('externaluseridentifier', 'External User Identifier', 50),
		c.text('employeeid', 'Employee', 50),
		c.text('governmentid', 'Government', 50),
		...addressColumns(c, 1),
		...addressColumns(c, 2),
		c.lookup('parentcustomerid', 'Company Name', ['account', 'contact'], 'Customer'),
		c.shadow('parentcustomeridname', 'parentcustomerid', 'String', 'Parent Customer Name', 160),
		c.shadow('parentcustomeridtype', 'parentcustomerid', 'EntityName', 'Parent Customer Type'),
		c.lookup('accountid', 'Account', ['account'], 'Lookup', READ_ONLY),
		c.lookup('ownerid', 'Owner', ['systemuser', 'team'], 'Owner', { requiredLevel: 'SystemRequired' }),
		c.shadow('owneridname', 'ownerid', 'String', 'Owner Name', 100),
		c.shadow('owneridtype', 'ownerid', 'EntityName', 'Owner Type'),
		c.lookup('owninguser', 'Owning User', ['systemuser'], 'Lookup', READ_ONLY),
		c.lookup('owningteam', 'Owning Team', ['team'], 'Lookup', READ_ONLY),
		c.lookup('owningbusinessunit', 'Owning Business Unit', ['businessunit'], 'Lookup', READ_ONLY),
		...c.states({ requiredLevel: 'SystemRequired' }),
		DO_NOT(c, 'donotemail', 'Do not allow Emails'),
		DO_NOT(c, 'donotbulkemail', 'Do not allow Bulk Emails'),
		DO_NOT(c, 'donotphone', 'Do not allow Phone Calls'),
		DO_NOT(c, 'donotfax', 'Do not allow Faxes'),
		DO_NOT(c, 'donotpostalmail', 'Do not allow Mails'),
		c.flag('donotbulkpostalmail', 'Do not allow Bulk Mails', 'Yes', 'No'),
		c.flag('donotsendmm', 'Send Marketing Materials', 'Do Not Send', 'Send'),
		c.flag('followemail', 'Follow Email Activity', 'Allow', 'Do Not Allow', true),
		c.flag('marketingonly', 'Marketing Only', 'Yes', 'No'),
		c.choice('preferredcontactmethodcode', 'Preferred Method of Contact', [[1, 'Any'], [2, 'Email'], [3, 'Phone'], [4, 'Fax'], [5, 'Mail']], { defaultValue: 1 }),
		c.choice('gendercode', 'Gender', [[1, 'Male'], [2, 'Female']]),
		c.choice('familystatuscode', 'Marital Status', [[1, 'Single'], [2, 'Married'], [3, 'Divorced'], [4, 'Widowed']]),
		c.date('birthdate', 'Birthday'),
		c.date('anniversary', 'Anniversary'),
		c.memo('description', 'Description', 2000),
		c.other('creditlimit', 'Money', 'Credit Limit', { min: 0, max: 100000000000000, precision: 2 }),
		c.lookup('transactioncurrencyid', 'Currency', ['transactioncurrency']),
		c.dateTime('createdon', 'Created On', READ_ONLY),
		c.dateTime('modifiedon', 'Modified On', READ_ONLY),
		c.dateTime('overriddencreatedon', 'Record Created On', { validForUpdate: false }),
		c.lookup('createdby', 'Created By', ['systemuser'], 'Lookup', READ_ONLY),
		c.shadow('createdbyname', 'createdby', 'String', 'Created By Name', 100),
		c.lookup('modifiedby', 'Modified By', ['systemuser'], 'Lookup', READ_ONLY),
		c.shadow('modifiedbyname', 'modifiedby', 'String', 'Modified By Name', 100),
		c.other('versionnumber', 'BigInt', 'Version Number', READ_ONLY),
		c.choice('new_preferredchannel', 'Preferred Channel', [[100000000, 'Email'], [100000001, 'Phone'], [100000002, 'Text Message'], [100000003, 'Post']]),
		c.other('new_loyaltypoints', 'Integer', 'Loyalty Points', { min: 0, max: 1000000, format: 'None' }),
		c.text('new_customernumber', 'Customer Number', 20),
		c.text('new_googleresourcename', 'Google Resource Name', 100),
		c.flag('new_vip', 'VIP', 'Yes', 'No'),
		c.other('new_interests', 'Virtual', 'Interests', {
			typeName: 'MultiSelectPicklistType',
			optionSetName: 'new_interests',
			globalOptionSet: true,
			options: [
				{ value: 100000000, label: 'Newsletter' },
				{ value: 100000001, label: 'Events' },
				{ value: 100000002, label: 'Product Updates' },
				{ value: 100000003, label: 'Partner Offers' },
			],
		}),
	];
}

function accountAttributes(): AttributeDefinition[] {
	const c = columns('account');
	return [
		c.other('accountid', 'Uniqueidentifier', 'Account', { validForUpdate: false, requiredLevel: 'SystemRequired' }),
		c.text('name', 'Account Name', 160, 'Text', { requiredLevel: 'ApplicationRequired' }),
		c.text('accountnumber', 'Account Number', 20),
		c.text('emailaddress1', 'Email', 100, 'Email'),
		c.text('telephone1', 'Main Phone', 50, 'Phone'),
		c.text('websiteurl', 'Website', 200, 'Url'),
		c.text('address1_city', 'Address 1: City', 80),
		c.text('address1_country', 'Address 1: Country/Region', 80),
		c.lookup('ownerid', 'Owner', ['systemuser', 'team'], 'Owner', { requiredLevel: 'SystemRequired' }),
		...c.states(),
		c.dateTime('createdon', 'Created On', READ_ONLY),
		c.dateTime('modifiedon', 'Modified On', READ_ONLY),
		c.lookup('modifiedby', 'Modified By', ['systemuser'], 'Lookup', READ_ONLY),
		c.other('versionnumber', 'BigInt', 'Version Number', READ_ONLY),
	];
}

function systemUserAttributes(): AttributeDefinition[] {
	const c = columns('systemuser');
	return [
		c.other('systemuserid', 'Uniqueidentifier', 'User', { validForUpdate: false }),
		c.text('fullname', 'Full Name', 200, 'Text', READ_ONLY),
		c.text('firstname', 'First Name', 256),
		c.text('lastname', 'Last Name', 256),
		c.text('domainname', 'User Name', 1024),
		c.text('internalemailaddress', 'Primary Email', 100, 'Email'),
		c.flag('isdisabled', 'Status', 'Disabled', 'Enabled'),
		c.other('applicationid', 'Uniqueidentifier', 'Application ID'),
		c.other('azureactivedirectoryobjectid', 'Uniqueidentifier', 'Azure AD Object ID', READ_ONLY),
		c.choice('accessmode', 'Access Mode', [[0, 'Read-Write'], [1, 'Administrative'], [2, 'Read'], [3, 'Support User'], [4, 'Non-interactive'], [5, 'Delegated Admin']]),
		c.lookup('businessunitid', 'Business Unit', ['businessunit']),
		c.other('versionnumber', 'BigInt', 'Version Number', READ_ONLY),
	];
}

function teamAttributes(): AttributeDefinition[] {
	const c = columns('team');
	return [
		c.other('teamid', 'Uniqueidentifier', 'Team', { validForUpdate: false }),
		c.text('name', 'Team Name', 160),
		c.choice('teamtype', 'Team Type', [[0, 'Owner'], [1, 'Access'], [2, 'Security Group'], [3, 'Office Group']]),
		c.flag('isdefault', 'Is Default', 'Yes', 'No'),
		c.lookup('businessunitid', 'Business Unit', ['businessunit']),
		c.other('versionnumber', 'BigInt', 'Version Number', READ_ONLY),
	];
}

function entity(
	logicalName: string,
	entitySetName: string,
	primaryNameAttribute: string,
	attributes: AttributeDefinition[],
	options: Partial<EntityDefinition> = {},
): EntityDefinition {
	return {
		logicalName,
		schemaName: schemaNameOf(logicalName),
		entitySetName,
		primaryIdAttribute: `${logicalName}id`,
		primaryNameAttribute,
		ownershipType: 'UserOwned',
		changeTrackingEnabled: true,
		alternateKeys: [],
		writable: true,
		attributes,
		metadataId: stableGuid(logicalName),
		...options,
	};
}

export const CONTACT = entity('contact', 'contacts', 'fullname', contactAttributes(), { alternateKeys: ['new_googleresourcename'] });
export const ACCOUNT = entity('account', 'accounts', 'name', accountAttributes());
export const SYSTEMUSER = entity('systemuser', 'systemusers', 'fullname', systemUserAttributes(), {
	ownershipType: 'BusinessOwned',
	writable: false,
	schemaName: 'SystemUser',
});
export const TEAM = entity('team', 'teams', 'name', teamAttributes(), { ownershipType: 'BusinessOwned', writable: false });

export const ENTITIES: EntityDefinition[] = [CONTACT, ACCOUNT, SYSTEMUSER, TEAM];

export function entityBySet(entitySetName: string): EntityDefinition | undefined {
	return ENTITIES.find((definition) => definition.entitySetName === entitySetName);
}

export function entityByName(logicalName: string): EntityDefinition | undefined {
	return ENTITIES.find((definition) => definition.logicalName === logicalName);
}

/** Memoizes a derived view of a table definition (definitions never change). */
function perDefinition<T>(build: (definition: EntityDefinition) => T): (definition: EntityDefinition) => T {
	const cache = new WeakMap<EntityDefinition, T>();
	return (definition) => {
		let value = cache.get(definition);
		if (value === undefined) cache.set(definition, (value = build(definition)));
		return value;
	};
}

const attributesByName = perDefinition((definition) => new Map(definition.attributes.map((candidate) => [candidate.logicalName, candidate])));

export function attributeOf(definition: EntityDefinition, logicalName: string): AttributeDefinition | undefined {
	return attributesByName(definition).get(logicalName);
}

/** The name of the Web API property that carries a column: `_ownerid_value` for lookups, the logical name otherwise. */
export function propertyName(attribute: AttributeDefinition): string {
	return isLookup(attribute) ? `_${attribute.logicalName}_value` : attribute.logicalName;
}

export interface NavigationProperty {
	attribute: AttributeDefinition;
	/** Logical names of the tables it may point at (an owner: systemuser or team). */
	targets: string[];
}

/** Single-valued navigation properties a write may bind (`ownerid`, `parentcustomerid_account`...). */
export const navigationProperties = perDefinition((definition) => {
	const navigation = new Map<string, NavigationProperty>();
	for (const candidate of definition.attributes) {
		if (!isLookup(candidate) || candidate.attributeOf || !candidate.targets) continue;
		if (candidate.type === 'Customer') {
			for (const target of candidate.targets) navigation.set(`${candidate.logicalName}_${target}`, { attribute: candidate, targets: [target] });
		} else navigation.set(candidate.logicalName, { attribute: candidate, targets: candidate.targets });
	}
	return navigation;
});

/** The navigation property a lookup value was set through, for the associatednavigationproperty annotation. */
export function navigationName(attribute: AttributeDefinition, target: string): string {
	return attribute.type === 'Customer' ? `${attribute.logicalName}_${target}` : attribute.logicalName;
}

const EDM_TYPES: Partial<Record<AttributeType, string>> = {
	String: 'Edm.String',
	Memo: 'Edm.String',
	Virtual: 'Edm.String',
	Integer: 'Edm.Int32',
	Picklist: 'Edm.Int32',
	State: 'Edm.Int32',
	Status: 'Edm.Int32',
	BigInt: 'Edm.Int64',
	Double: 'Edm.Double',
	Money: 'Edm.Decimal',
	Boolean: 'Edm.Boolean',
	Uniqueidentifier: 'Edm.Guid',
	Lookup: 'Edm.Guid',
	Customer: 'Edm.Guid',
	Owner: 'Edm.Guid',
};

/** The Edm type of a column's Web API property (date-only columns are Edm.Date). */
export function edmType(attribute: AttributeDefinition): string {
	if (attribute.type === 'DateTime') return attribute.format === 'DateOnly' ? 'Edm.Date' : 'Edm.DateTimeOffset';
	return EDM_TYPES[attribute.type] ?? 'Edm.String';
}

/** The Web API properties of a table, in the order a full read returns them. */
export const wireAttributes = perDefinition((definition) => definition.attributes.filter((candidate) => !candidate.attributeOf && candidate.validForRead));

/** The values a new record starts with: column defaults, the first state with its default status. */
export const defaultValues = perDefinition((definition) => {
	const defaults: Record<string, boolean | number> = {};
	for (const candidate of definition.attributes) {
		if (candidate.defaultValue !== undefined) defaults[candidate.logicalName] = candidate.defaultValue;
		const firstOption = candidate.options?.[0];
		if ((candidate.type === 'State' || candidate.type === 'Status') && firstOption) defaults[candidate.logicalName] = firstOption.value;
	}
	return defaults;
});

/** A table's Web API properties by name (`firstname`, `_ownerid_value`...). */
export const wireProperties = perDefinition((definition) => new Map(wireAttributes(definition).map((candidate) => [propertyName(candidate), candidate])));
