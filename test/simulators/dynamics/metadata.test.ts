/** Metadata on the wire, and that the shared field model reads it into the right canonical types. */
import { type DynamicsAttributeMetadata, describeDynamicsAttribute } from '../../../lib/model/fields';
import { type DynamicsSimulator, startDynamicsSimulator } from './index';
import { type RawClient, rawClient } from './raw-client';

let sim: DynamicsSimulator;
let api: RawClient;

beforeAll(async () => {
	sim = await startDynamicsSimulator();
	api = await rawClient(sim);
});
afterAll(() => sim.close());

const CONTACT = "EntityDefinitions(LogicalName='contact')";
const FIELD_SELECT = 'LogicalName,AttributeType,AttributeTypeName,DisplayName,IsCustomAttribute,IsValidForCreate,IsValidForUpdate,IsValidForRead,AttributeOf,RequiredLevel';

describe('metadata endpoints', () => {
	it('describes the contact table, and filters the table list', async () => {
		const contact = await api.get(`${CONTACT}?$select=LogicalName,EntitySetName,PrimaryIdAttribute,PrimaryNameAttribute,ChangeTrackingEnabled,IsOptimisticConcurrencyEnabled`);
		expect(contact.json).toEqual({
			'@odata.context': `${sim.apiUrl}/$metadata#EntityDefinitions(LogicalName,EntitySetName,PrimaryIdAttribute,PrimaryNameAttribute,ChangeTrackingEnabled,IsOptimisticConcurrencyEnabled)/$entity`,
			LogicalName: 'contact',
			EntitySetName: 'contacts',
			PrimaryIdAttribute: 'contactid',
			PrimaryNameAttribute: 'fullname',
			ChangeTrackingEnabled: true,
			IsOptimisticConcurrencyEnabled: true,
			MetadataId: expect.stringMatching(/^[0-9a-f-]{36}$/),
		});
		const tracked = await api.get('EntityDefinitions?$select=LogicalName&$filter=ChangeTrackingEnabled eq true and OwnershipType eq Microsoft.Dynamics.CRM.OwnershipTypes\'UserOwned\'');
		expect(tracked.json.value.map((entity: { LogicalName: string }) => entity.LogicalName).sort()).toEqual(['account', 'contact']);
		const keys = await api.get(`${CONTACT}/Keys`);
		expect(keys.json.value).toEqual([expect.objectContaining({ KeyAttributes: ['new_googleresourcename'], EntityKeyIndexStatus: 'Active' })]);
		const unknown = await api.get("EntityDefinitions(LogicalName='nope')");
		expect(unknown.status).toBe(404);
	});

	it('lists attributes with base properties, filters by enum and complex values, and refuses derived ones without a cast', async () => {
		const all = await api.get(`${CONTACT}/Attributes?$select=${FIELD_SELECT}`);
		const email = all.json.value.find((attribute: { LogicalName: string }) => attribute.LogicalName === 'emailaddress3');
		expect(email).toEqual({
			'@odata.type': '#Microsoft.Dynamics.CRM.StringAttributeMetadata',
			LogicalName: 'emailaddress3',
			MetadataId: expect.any(String),
			AttributeType: 'String',
			AttributeTypeName: { Value: 'StringType' },
			IsCustomAttribute: false,
			IsValidForCreate: true,
			IsValidForUpdate: true,
			IsValidForRead: true,
			AttributeOf: null,
			RequiredLevel: { Value: 'None', CanBeChanged: true, ManagedPropertyLogicalName: 'canmodifyrequirementlevelsettings' },
			DisplayName: {
				LocalizedLabels: [{ Label: 'Email Address 3', LanguageCode: 1033, IsManaged: true, MetadataId: expect.any(String), HasChanged: null }],
				UserLocalizedLabel: { Label: 'Email Address 3', LanguageCode: 1033, IsManaged: true, MetadataId: expect.any(String), HasChanged: null },
			},
		});
		const picklists = await api.get(`${CONTACT}/Attributes?$select=LogicalName&$filter=AttributeType eq Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist'`);
		expect(picklists.json.value.map((attribute: { LogicalName: string }) => attribute.LogicalName)).toEqual(
			expect.arrayContaining(['preferredcontactmethodcode', 'gendercode', 'familystatuscode', 'address1_addresstypecode', 'new_preferredchannel']),
		);
		const required = await api.get(`${CONTACT}/Attributes?$select=LogicalName&$filter=RequiredLevel/Value eq Microsoft.Dynamics.CRM.AttributeRequiredLevel'ApplicationRequired'`);
		expect(required.json.value.map((attribute: { LogicalName: string }) => attribute.LogicalName)).toEqual(['lastname']);
		const custom = await api.get(`${CONTACT}/Attributes?$select=LogicalName&$filter=IsCustomAttribute eq true`);
		expect(custom.json.value.map((attribute: { LogicalName: string }) => attribute.LogicalName).sort()).toEqual([
			'new_customernumber',
			'new_googleresourcename',
			'new_interests',
			'new_loyaltypoints',
			'new_preferredchannel',
			'new_vip',
		]);
		const derived = await api.get(`${CONTACT}/Attributes?$select=LogicalName,MaxLength`);
		expect([derived.status, derived.json.error.message]).toEqual([400, "Could not find a property named 'MaxLength' on type 'Microsoft.Dynamics.CRM.AttributeMetadata'."]);
	});

	it('reads type-specific properties through casts: lengths and formats, ranges, date behaviour, targets', async () => {
		const strings = await api.get(`${CONTACT}/Attributes/Microsoft.Dynamics.CRM.StringAttributeMetadata?$select=LogicalName,MaxLength,Format,FormatName&$filter=IsCustomAttribute eq true`);
		expect(strings.json['@odata.context']).toBe(`${sim.apiUrl}/$metadata#EntityDefinitions('contact')/Attributes/Microsoft.Dynamics.CRM.StringAttributeMetadata(LogicalName,MaxLength,Format,FormatName)`);
		expect(strings.json.value.map(({ LogicalName, MaxLength }: { LogicalName: string; MaxLength: number }) => [LogicalName, MaxLength])).toEqual([
			['new_customernumber', 20],
			['new_googleresourcename', 100],
		]);
		const phone = await api.get(`${CONTACT}/Attributes(LogicalName='telephone1')/Microsoft.Dynamics.CRM.StringAttributeMetadata?$select=MaxLength,FormatName,DisplayName`);
		expect(phone.json).toMatchObject({ MaxLength: 50, FormatName: { Value: 'Phone' }, DisplayName: { UserLocalizedLabel: { Label: 'Business Phone' } } });
		const birthdate = await api.get(`${CONTACT}/Attributes(LogicalName='birthdate')/Microsoft.Dynamics.CRM.DateTimeAttributeMetadata?$select=Format,DateTimeBehavior`);
		expect(birthdate.json).toMatchObject({ Format: 'DateOnly', DateTimeBehavior: { Value: 'DateOnly' } });
		const points = await api.get(`${CONTACT}/Attributes(LogicalName='new_loyaltypoints')/Microsoft.Dynamics.CRM.IntegerAttributeMetadata?$select=MinValue,MaxValue`);
		expect(points.json).toMatchObject({ MinValue: 0, MaxValue: 1000000 });
		const lookups = await api.get(`${CONTACT}/Attributes/Microsoft.Dynamics.CRM.LookupAttributeMetadata?$select=LogicalName,Targets&$filter=LogicalName eq 'parentcustomerid' or LogicalName eq 'ownerid'`);
		expect(lookups.json.value.map(({ LogicalName, Targets }: { LogicalName: string; Targets: string[] }) => [LogicalName, Targets])).toEqual([
			['parentcustomerid', ['account', 'contact']],
			['ownerid', ['systemuser', 'team']],
		]);
		const mismatch = await api.get(`${CONTACT}/Attributes(LogicalName='firstname')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata`);
		expect(mismatch.status).toBe(404);
		const shadow = await api.get(`${CONTACT}/Attributes(LogicalName='parentcustomeridname')?$select=AttributeOf,IsValidForUpdate`);
		expect(shadow.json).toMatchObject({ AttributeOf: 'parentcustomerid', IsValidForUpdate: false });
	});

	it('expands option sets on the choice casts: picklist, state, status, multi-select (global) and boolean', async () => {
		const channel = await api.get(`${CONTACT}/Attributes(LogicalName='new_preferredchannel')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet($select=Options),GlobalOptionSet`);
		expect(channel.json.OptionSet.Options.map((option: { Value: number; Label: { UserLocalizedLabel: { Label: string } } }) => [option.Value, option.Label.UserLocalizedLabel.Label])).toEqual([
			[100000000, 'Email'],
			[100000001, 'Phone'],
			[100000002, 'Text Message'],
			[100000003, 'Post'],
		]);
		expect(channel.json.GlobalOptionSet).toBeNull();
		const state = await api.get(`${CONTACT}/Attributes/Microsoft.Dynamics.CRM.StateAttributeMetadata?$select=LogicalName&$expand=OptionSet`);
		expect(state.json.value[0].OptionSet).toMatchObject({ OptionSetType: 'State', Options: [expect.objectContaining({ Value: 0, DefaultStatus: 1 }), expect.objectContaining({ Value: 1, DefaultStatus: 2 })] });
		const status = await api.get(`${CONTACT}/Attributes/Microsoft.Dynamics.CRM.StatusAttributeMetadata?$select=LogicalName&$expand=OptionSet`);
		expect(status.json.value[0].OptionSet.Options.map((option: { Value: number; State: number }) => [option.Value, option.State])).toEqual([
			[1, 0],
			[2, 1],
		]);
		const interests = await api.get(`${CONTACT}/Attributes/Microsoft.Dynamics.CRM.MultiSelectPicklistAttributeMetadata?$select=LogicalName,AttributeType,AttributeTypeName&$expand=GlobalOptionSet`);
		expect(interests.json.value).toEqual([
			expect.objectContaining({ LogicalName: 'new_interests', AttributeType: 'Virtual', AttributeTypeName: { Value: 'MultiSelectPicklistType' }, GlobalOptionSet: expect.objectContaining({ IsGlobal: true, Name: 'new_interests' }) }),
		]);
		const flag = await api.get(`${CONTACT}/Attributes(LogicalName='donotemail')/Microsoft.Dynamics.CRM.BooleanAttributeMetadata?$select=LogicalName&$expand=OptionSet`);
		expect(flag.json.OptionSet).toMatchObject({ TrueOption: { Value: 1, Label: { UserLocalizedLabel: { Label: 'Do Not Allow' } } }, FalseOption: { Value: 0, Label: { UserLocalizedLabel: { Label: 'Allow' } } } });
		const uncast = await api.get(`${CONTACT}/Attributes?$select=LogicalName&$expand=OptionSet`);
		expect(uncast.status).toBe(400);
	});

	it('publishes a CSDL document with the change-tracking annotation', async () => {
		const csdl = await api.get('$metadata?annotations=true');
		expect(csdl.headers.get('content-type')).toBe('application/xml');
		expect(csdl.text).toContain('<EntityType Name="contact"><Key><PropertyRef Name="contactid" /></Key>');
		expect(csdl.text).toContain('<Property Name="_parentcustomerid_value" Type="Edm.Guid" />');
		expect(csdl.text).toContain('<NavigationProperty Name="parentcustomerid_account" Type="mscrm.account" />');
		expect(csdl.text).toContain('<EntitySet Name="contacts" EntityType="Microsoft.Dynamics.CRM.contact"><Annotation Term="Org.OData.Capabilities.V1.ChangeTracking">');
	});
});

describe('the field model reads the served metadata', () => {
	async function readFieldModel(): Promise<Map<string, ReturnType<typeof describeDynamicsAttribute>>> {
		const base = await api.get(`${CONTACT}/Attributes`);
		const attributes = base.json.value as DynamicsAttributeMetadata[];
		// Options come from the typed casts, as the sync reads them.
		for (const cast of ['PicklistAttributeMetadata', 'StateAttributeMetadata', 'StatusAttributeMetadata', 'MultiSelectPicklistAttributeMetadata']) {
			const typed = await api.get(`${CONTACT}/Attributes/Microsoft.Dynamics.CRM.${cast}?$select=LogicalName&$expand=OptionSet`);
			for (const item of typed.json.value) Object.assign(attributes.find((attribute) => attribute.LogicalName === item.LogicalName)!, { OptionSet: item.OptionSet });
		}
		return new Map(attributes.map((attribute) => [attribute.LogicalName, describeDynamicsAttribute(attribute)]));
	}

	it('maps every sync column to the right canonical type, length, writability and options', async () => {
		const fields = await readFieldModel();
		const summary = (name: string) => {
			const field = fields.get(name);
			return field && { type: field.type, writable: field.writable, maxLength: field.maxLength, custom: field.custom };
		};
		expect(summary('firstname')).toEqual({ type: 'text', writable: true, maxLength: 50, custom: false });
		expect(summary('fullname')).toEqual({ type: 'text', writable: false, maxLength: 160, custom: false });
		expect(summary('emailaddress1')).toEqual({ type: 'email', writable: true, maxLength: 100, custom: false });
		expect(summary('telephone2')).toEqual({ type: 'phone', writable: true, maxLength: 50, custom: false });
		expect(summary('description')).toEqual({ type: 'multilineText', writable: true, maxLength: 2000, custom: false });
		expect(summary('address1_composite')).toEqual({ type: 'multilineText', writable: false, maxLength: 1000, custom: false });
		expect(summary('birthdate')?.type).toBe('date');
		expect(summary('modifiedon')).toMatchObject({ type: 'datetime', writable: false });
		expect(summary('donotbulkemail')).toMatchObject({ type: 'boolean', writable: true });
		expect(summary('new_loyaltypoints')).toMatchObject({ type: 'integer', custom: true });
		expect(summary('creditlimit')?.type).toBe('money');
		expect(summary('versionnumber')).toMatchObject({ type: 'integer', writable: false });
		expect(summary('ownerid')).toMatchObject({ type: 'owner', writable: false });
		expect(summary('parentcustomerid')).toMatchObject({ type: 'lookup', writable: false });
		expect(summary('new_customernumber')).toEqual({ type: 'text', writable: true, maxLength: 20, custom: true });
		expect(fields.get('statecode')).toMatchObject({ type: 'choice', label: 'Status', options: [{ value: 0, label: 'Active' }, { value: 1, label: 'Inactive' }] });
		expect(fields.get('new_interests')).toMatchObject({ type: 'multiChoice', options: expect.arrayContaining([{ value: 100000001, label: 'Events' }]) });
		expect(fields.get('new_preferredchannel')?.options).toHaveLength(4);
		// Name shadows and ids are not sync fields.
		expect(fields.get('parentcustomeridname')).toBeUndefined();
		expect(fields.get('contactid')).toBeUndefined();
	});
});
