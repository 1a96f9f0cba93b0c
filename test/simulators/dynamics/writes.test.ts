/** Writes on the wire: create / update / upsert / delete, conditions, lookups, validation, who changed what. */
import { type DynamicsSimulator, startDynamicsSimulator } from './index';
import { type RawClient, rawClient } from './raw-client';

let sim: DynamicsSimulator;
let api: RawClient;

beforeAll(async () => {
	sim = await startDynamicsSimulator({ contacts: 20 });
	api = await rawClient(sim);
});
afterAll(() => sim.close());

const representation = { Prefer: 'return=representation' };

async function create(body: Record<string, unknown>): Promise<string> {
	const response = await api.request('POST', 'contacts', { body });
	expect(response.status).toBe(204);
	return /contacts\(([0-9a-f-]{36})\)$/.exec(response.headers.get('odata-entityid') ?? '')?.[1] as string;
}

describe('create, update, delete', () => {
	it('creates with 204 and OData-EntityId, or 201 with the record; the app user is creator and modifier', async () => {
		const plain = await api.request('POST', 'contacts', { body: { firstname: 'Jane', lastname: 'Doe', emailaddress1: 'jane@example.com' } });
		expect(plain.status).toBe(204);
		expect(plain.text).toBe('');
		expect(plain.headers.get('odata-entityid')).toMatch(new RegExp(`^${sim.apiUrl.replace(/[.]/g, '\\.')}/contacts\\([0-9a-f-]{36}\\)$`));
		const rich = await api.request('POST', 'contacts?$select=fullname,_createdby_value,_modifiedby_value,statecode,statuscode,donotemail,followemail', {
			body: { firstname: 'John', lastname: 'Doe' },
			headers: representation,
		});
		expect(rich.status).toBe(201);
		expect(rich.headers.get('preference-applied')).toBe('return=representation');
		expect(rich.headers.get('etag')).toBe(rich.json['@odata.etag']);
		expect(rich.json).toMatchObject({
			'@odata.context': `${sim.apiUrl}/$metadata#contacts(fullname,_createdby_value,_modifiedby_value,statecode,statuscode,donotemail,followemail)/$entity`,
			fullname: 'John Doe',
			_createdby_value: sim.applicationUserId,
			_modifiedby_value: sim.applicationUserId,
			statecode: 0,
			statuscode: 1,
			donotemail: false,
			followemail: true,
		});
	});

	it('updates with PATCH (204, or 200 with the record), bumping the version and modifiedon', async () => {
		const id = await create({ firstname: 'Up', lastname: 'Date' });
		const before = sim.state.getContact(id)!;
		sim.state.advanceClock(90);
		const patched = await api.request('PATCH', `contacts(${id})`, { body: { jobtitle: 'CTO' }, headers: { 'If-Match': '*' } });
		expect(patched.status).toBe(204);
		const after = sim.state.getContact(id)!;
		expect(after.version).toBeGreaterThan(before.version);
		expect(Date.parse(after.values.modifiedon as string) - Date.parse(before.values.modifiedon as string)).toBeGreaterThanOrEqual(90_000);
		const returned = await api.request('PATCH', `contacts(${id})?$select=jobtitle,versionnumber`, { body: { jobtitle: 'CEO' }, headers: representation });
		expect(returned.status).toBe(200);
		expect(returned.json).toMatchObject({ jobtitle: 'CEO', versionnumber: sim.state.getContact(id)!.version });
	});

	it('upserts: PATCH to a new id creates it; If-Match: * prevents the create, If-None-Match: * the update', async () => {
		const id = 'c0ffee00-0000-4000-8000-000000000001';
		const guarded = await api.request('PATCH', `contacts(${id})`, { body: { lastname: 'Guarded' }, headers: { 'If-Match': '*' } });
		expect([guarded.status, guarded.json.error.code]).toEqual([404, '0x80040217']);
		expect(sim.state.getContact(id)).toBeUndefined();
		const created = await api.request('PATCH', `contacts(${id})`, { body: { lastname: 'Upserted' }, headers: representation });
		expect(created.status).toBe(201);
		const updated = await api.request('PATCH', `contacts(${id})`, { body: { firstname: 'Now' }, headers: representation });
		expect([updated.status, updated.json.fullname]).toEqual([200, 'Now Upserted']);
		const createOnly = await api.request('PATCH', `contacts(${id})`, { body: { firstname: 'Again' }, headers: { 'If-None-Match': '*' } });
		expect([createOnly.status, createOnly.json.error.message]).toEqual([412, 'A record with matching key values already exists.']);
		expect((await api.request('PATCH', `contacts(${id})`, { body: { firstname: 'Plain' } })).status).toBe(204);
	});

	it('upserts by alternate key, and keeps that key unique', async () => {
		const key = "contacts(new_googleresourcename='people%2Fc123')";
		expect((await api.request('PATCH', key, { body: { lastname: 'Keyed' } })).status).toBe(204);
		const record = sim.state.findByKey('contact', 'new_googleresourcename', 'people/c123')!;
		expect(record.values).toMatchObject({ lastname: 'Keyed', new_googleresourcename: 'people/c123' });
		expect((await api.request('PATCH', key, { body: { firstname: 'Still' } })).status).toBe(204);
		expect(sim.state.getContact(record.id)!.values.fullname).toBe('Still Keyed');
		expect((await api.get(`${key}?$select=fullname`)).json.fullname).toBe('Still Keyed');
		const missing = await api.get("contacts(new_googleresourcename='people%2Fnope')");
		expect([missing.status, missing.json.error]).toEqual([404, { code: '0x80060891', message: 'A record with the specified key values does not exist in contact entity' }]);
		const duplicate = await api.request('POST', 'contacts', { body: { lastname: 'Twin', new_googleresourcename: 'PEOPLE/C123' } });
		expect([duplicate.status, duplicate.json.error.code]).toEqual([412, '0x80060892']);
		const notAKey = await api.get("contacts(emailaddress1='x@example.com')");
		expect(notAKey.status).toBe(400);
	});

	it('refuses a stale ETag with 412 on PATCH and DELETE, and deletes with 204 / 404', async () => {
		const id = await create({ lastname: 'Versioned' });
		const stale = `W/"${sim.state.getContact(id)!.version}"`;
		expect((await api.request('PATCH', `contacts(${id})`, { body: { firstname: 'A' }, headers: { 'If-Match': stale } })).status).toBe(204);
		for (const method of ['PATCH', 'DELETE']) {
			const conflict = await api.request(method, `contacts(${id})`, { body: method === 'PATCH' ? { firstname: 'B' } : undefined, headers: { 'If-Match': stale } });
			expect([conflict.status, conflict.json]).toEqual([412, { error: { code: '0x80060882', message: "The version of the existing record doesn't match the RowVersion property provided." } }]);
		}
		expect((await api.request('DELETE', `contacts(${id})`)).status).toBe(204);
		const again = await api.request('DELETE', `contacts(${id})`);
		expect([again.status, again.json.error.message]).toEqual([404, `contact With Id = ${id} Does Not Exist`]);
	});

	it('sets, changes and clears single properties and lookups through their own URLs', async () => {
		const account = sim.state.records('account')[0];
		const id = await create({ lastname: 'Props', description: 'old' });
		expect((await api.request('PUT', `contacts(${id})/firstname`, { body: { value: 'Single' } })).status).toBe(204);
		expect((await api.request('DELETE', `contacts(${id})/description`)).status).toBe(204);
		expect((await api.request('PUT', `contacts(${id})/parentcustomerid_account/$ref`, { body: { '@odata.id': `${sim.apiUrl}/accounts(${account.id})` } })).status).toBe(204);
		expect(sim.state.getContact(id)!.values).toMatchObject({ fullname: 'Single Props', parentcustomerid: { entity: 'account', id: account.id }, accountid: { entity: 'account', id: account.id } });
		expect(sim.state.getContact(id)!.values.description).toBeUndefined();
		expect((await api.request('DELETE', `contacts(${id})/parentcustomerid_account/$ref`)).status).toBe(204);
		expect(sim.state.getContact(id)!.values.parentcustomerid).toBeUndefined();
		expect((await api.get(`contacts(${id})/description`)).status).toBe(204);
	});
});

describe('lookups and state', () => {
	it('assigns owners (user or team) and parent accounts with @odata.bind, and clears them with null', async () => {
		const team = sim.state.records('team').find((record) => record.values.name === 'Sales Team')!;
		const account = sim.state.records('account')[1];
		const id = await create({ lastname: 'Owned', 'ownerid@odata.bind': `/teams(${team.id})`, 'parentcustomerid_account@odata.bind': `accounts(${account.id})` });
		const read = await api.get(`contacts(${id})?$select=_ownerid_value,_owningteam_value,_owninguser_value,_parentcustomerid_value`, { Prefer: 'odata.include-annotations="*"' });
		expect(read.json).toMatchObject({
			_ownerid_value: team.id,
			'_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'team',
			'_ownerid_value@OData.Community.Display.V1.FormattedValue': 'Sales Team',
			_owningteam_value: team.id,
			_owninguser_value: null,
			_parentcustomerid_value: account.id,
		});
		await api.request('PATCH', `contacts(${id})`, { body: { 'parentcustomerid_account@odata.bind': null, 'ownerid@odata.bind': `/systemusers(${sim.applicationUserId})` } });
		expect(sim.state.getContact(id)!.values).toMatchObject({ ownerid: { entity: 'systemuser', id: sim.applicationUserId } });
		expect(sim.state.getContact(id)!.values.parentcustomerid).toBeUndefined();
	});

	it('rejects binds to missing records, to the wrong table, and writes to _x_value properties', async () => {
		const missing = await api.request('POST', 'contacts', { body: { lastname: 'X', 'ownerid@odata.bind': '/systemusers(00000000-0000-0000-0000-0000000000aa)' } });
		expect([missing.status, missing.json.error]).toEqual([404, { code: '0x80040217', message: 'systemuser With Id = 00000000-0000-0000-0000-0000000000aa Does Not Exist' }]);
		const account = sim.state.records('account')[0];
		const wrongTable = await api.request('POST', 'contacts', { body: { lastname: 'X', 'ownerid@odata.bind': `/accounts(${account.id})` } });
		expect(wrongTable.status).toBe(400);
		const direct = await api.request('POST', 'contacts', { body: { lastname: 'X', _parentcustomerid_value: account.id } });
		expect([direct.status, direct.json.error]).toEqual([400, { code: '0x80048d19', message: 'CRM do not support direct update of Entity Reference properties, Use Navigation properties instead.' }]);
		const unknownNavigation = await api.request('POST', 'contacts', { body: { lastname: 'X', 'parentaccount@odata.bind': `/accounts(${account.id})` } });
		expect(unknownNavigation.json.error.message).toMatch(/^An undeclared property 'parentaccount' which only has property annotations in the payload/);
	});

	it('keeps statecode and statuscode together (SetState), and ignores statecode on create', async () => {
		const id = await create({ lastname: 'Stateful', statecode: 1 });
		expect(sim.state.getContact(id)!.values).toMatchObject({ statecode: 0, statuscode: 1 });
		await api.request('PATCH', `contacts(${id})`, { body: { statecode: 1 } });
		expect(sim.state.getContact(id)!.values).toMatchObject({ statecode: 1, statuscode: 2 });
		await api.request('PATCH', `contacts(${id})`, { body: { statuscode: 1 } });
		expect(sim.state.getContact(id)!.values).toMatchObject({ statecode: 0, statuscode: 1 });
		const mismatch = await api.request('PATCH', `contacts(${id})`, { body: { statecode: 1, statuscode: 1 } });
		expect([mismatch.status, mismatch.json.error.code]).toEqual([400, '0x8004431A']);
	});
});

describe('validation', () => {
	it('answers bad writes with the error bodies Dataverse uses', async () => {
		const cases: Array<[unknown, number, string, string]> = [
			[{ lastname: 'X', nonexistent: 1 }, 400, '0x80060888', "The property 'nonexistent' does not exist on type 'Microsoft.Dynamics.CRM.contact'. Make sure to only use property names that are defined by the type or mark the type as open type."],
			[{ firstname: 'F'.repeat(51) }, 400, '0x80044331', "A validation error occurred.  The length of the 'firstname' attribute of the 'contact' entity exceeded the maximum allowed length of '50'."],
			[{ new_customernumber: 'N'.repeat(21) }, 400, '0x80044331', "A validation error occurred.  The length of the 'new_customernumber' attribute of the 'contact' entity exceeded the maximum allowed length of '20'."],
			[{ description: 'D'.repeat(2001) }, 400, '0x80044331', "A validation error occurred.  The length of the 'description' attribute of the 'contact' entity exceeded the maximum allowed length of '2000'."],
			[{ gendercode: 3 }, 400, '0x8004431A', "A validation error occurred.  The value 3 of 'gendercode' on record of type 'contact' is outside the valid range. Accepted Values: 1,2"],
			[{ new_preferredchannel: 1 }, 400, '0x8004431A', "A validation error occurred.  The value 1 of 'new_preferredchannel' on record of type 'contact' is outside the valid range. Accepted Values: 100000000,100000001,100000002,100000003"],
			[{ new_loyaltypoints: 1_000_001 }, 400, '0x8004431A', "A validation error occurred.  The value 1000001 of 'new_loyaltypoints' on record of type 'contact' is outside the valid range. Accepted Values: 0 to 1000000"],
			[{ new_loyaltypoints: 'many' }, 400, '0x80060888', "Cannot convert the literal 'many' to the expected type 'Edm.Int32'."],
			[{ birthdate: '1975-02-30' }, 400, '0x80060888', "Cannot convert the literal '1975-02-30' to the expected type 'Edm.Date'."],
			[{ donotemail: 'yes' }, 400, '0x80060888', "Cannot convert the literal 'yes' to the expected type 'Edm.Boolean'."],
			[{ new_interests: '100000000,7' }, 400, '0x8004431A', "A validation error occurred.  The value 7 of 'new_interests' on record of type 'contact' is outside the valid range. Accepted Values: 100000000,100000001,100000002,100000003"],
			['{"lastname": "broken",', 400, '0x80060888', 'Invalid JSON. A token was not recognized in the JSON content.'],
		];
		for (const [body, status, code, message] of cases) {
			const response = await api.request('POST', 'contacts', { body });
			expect({ body, status: response.status, error: response.json?.error }).toEqual({ body, status, error: { code, message } });
		}
	});

	it('stores text at exactly MaxLength, turns empty strings into empty columns, ignores writes to read-only columns', async () => {
		const id = await create({
			firstname: 'F'.repeat(50),
			lastname: 'Ærø 🎉',
			middlename: '',
			fullname: 'Ignored Name',
			versionnumber: 1,
			createdon: '2000-01-01T00:00:00Z',
			new_interests: '100000002,100000000',
			birthdate: '2000-02-29',
		});
		const values = sim.state.getContact(id)!.values;
		expect(values).toMatchObject({ fullname: `${'F'.repeat(50)} Ærø 🎉`, new_interests: [100000000, 100000002], birthdate: '2000-02-29' });
		expect(values.middlename).toBeUndefined();
		expect(values.createdon).not.toBe('2000-01-01T00:00:00Z');
		const read = await api.get(`contacts(${id})?$select=new_interests,birthdate`, { Prefer: 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"' });
		expect(read.json).toMatchObject({ new_interests: '100000000,100000002', 'new_interests@OData.Community.Display.V1.FormattedValue': 'Newsletter; Product Updates', birthdate: '2000-02-29' });
	});
});

describe('who changed what', () => {
	it('records the app user for API writes and another user for control edits; impersonation via MSCRMCallerID', async () => {
		const id = await create({ lastname: 'Echo' });
		expect(sim.state.getContact(id)!.values.modifiedby).toEqual({ entity: 'systemuser', id: sim.applicationUserId });
		const before = sim.state.getContact(id)!.version;
		const edited = sim.state.updateContact(id, { jobtitle: 'Edited in the UI' }, { as: 'Alex Wilber' });
		expect(edited.version).toBeGreaterThan(before);
		const alex = sim.state.userId('Alex Wilber');
		const read = await api.get(`contacts(${id})?$select=_modifiedby_value,jobtitle`, { Prefer: 'odata.include-annotations="*"' });
		expect(read.json).toMatchObject({ _modifiedby_value: alex, '_modifiedby_value@OData.Community.Display.V1.FormattedValue': 'Alex Wilber', jobtitle: 'Edited in the UI' });
		const diego = sim.state.userId('diego.siciliani@simorg.onmicrosoft.com');
		await api.request('PATCH', `contacts(${id})`, { body: { jobtitle: 'Impersonated' }, headers: { MSCRMCallerID: diego } });
		expect(sim.state.getContact(id)!.values.modifiedby).toEqual({ entity: 'systemuser', id: diego });
		expect((await api.get('WhoAmI', { MSCRMCallerID: diego })).json.UserId).toBe(diego);
	});
});
