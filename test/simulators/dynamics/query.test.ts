/** Reading collections on the wire: paging a 12,000-contact org, $select / $orderby / $top / $count, annotations, $expand, GET by key. */
import { type DynamicsSimulator, startDynamicsSimulator } from './index';
import { type RawClient, rawClient } from './raw-client';

const ORG_SIZE = 12_000;

let sim: DynamicsSimulator;
let api: RawClient;

beforeAll(async () => {
	sim = await startDynamicsSimulator({ contacts: ORG_SIZE });
	api = await rawClient(sim);
});
afterAll(() => sim.close());

async function readAll(path: string, headers: Record<string, string>): Promise<{ rows: Array<Record<string, unknown>>; pages: number; sizes: number[] }> {
	const rows: Array<Record<string, unknown>> = [];
	const sizes: number[] = [];
	let next: string | undefined = path;
	while (next) {
		const page = await api.get(next, headers);
		expect(page.status).toBe(200);
		rows.push(...page.json.value);
		sizes.push(page.json.value.length);
		next = page.json['@odata.nextLink'];
	}
	return { rows, pages: sizes.length, sizes };
}

describe('paging', () => {
	it('pages a 12,000-contact org at the default 5000 per page: complete, no duplicates', async () => {
		const first = await api.get('contacts?$select=fullname');
		expect(first.json.value).toHaveLength(5000);
		expect(Object.keys(first.json)).toEqual(['@odata.context', 'value', '@odata.nextLink']);
		expect(first.json['@odata.nextLink']).toMatch(/\/contacts\?\$select=fullname&\$skiptoken=%3Ccookie%20pagenumber%3D%222%22%20pagingcookie%3D/);
		const { rows, sizes } = await readAll('contacts?$select=fullname', {});
		expect(sizes).toEqual([5000, 5000, 2000]);
		const ids = rows.map((row) => row.contactid);
		expect(new Set(ids).size).toBe(ORG_SIZE);
		expect(new Set(ids)).toEqual(new Set(sim.state.listContacts().map((record) => record.id)));
	});

	it('honours odata.maxpagesize, says so in Preference-Applied, and keeps a $orderby across pages', async () => {
		const headers = { Prefer: 'odata.maxpagesize=1000' };
		const first = await api.get('contacts?$select=lastname,firstname&$orderby=lastname asc,firstname desc', headers);
		expect(first.headers.get('preference-applied')).toBe('odata.maxpagesize=1000');
		const { rows, pages } = await readAll('contacts?$select=lastname,firstname&$orderby=lastname asc,firstname desc', headers);
		expect(pages).toBe(12);
		expect(new Set(rows.map((row) => row.contactid)).size).toBe(ORG_SIZE);
		const key = (row: Record<string, unknown>) => [String(row.lastname ?? '').toLowerCase(), String(row.firstname ?? '').toLowerCase()];
		for (let index = 1; index < rows.length; index++) {
			const [lastA, firstA] = key(rows[index - 1]);
			const [lastB, firstB] = key(rows[index]);
			expect(lastA < lastB || (lastA === lastB && firstA >= firstB)).toBe(true);
		}
	});

	it('keeps paging after the cached id list is gone, from the cookie alone', async () => {
		const first = await api.get('contacts?$select=fullname', { Prefer: 'odata.maxpagesize=4000' });
		// More than the cache holds: the first query's list is dropped.
		for (let index = 0; index < 70; index++) await api.get('contacts?$select=fullname&$top=1', { Prefer: 'odata.maxpagesize=1' });
		const second = await api.get(first.json['@odata.nextLink'], { Prefer: 'odata.maxpagesize=4000' });
		const firstIds = new Set(first.json.value.map((row: { contactid: string }) => row.contactid));
		expect(second.json.value).toHaveLength(4000);
		expect(second.json.value.some((row: { contactid: string }) => firstIds.has(row.contactid))).toBe(false);
	});

	it('applies $top without a page size, ignores it with one, and caps counts at 5000', async () => {
		const top = await api.get('contacts?$select=fullname&$top=7');
		expect(top.json.value).toHaveLength(7);
		expect(top.json['@odata.nextLink']).toBeUndefined();
		const ignored = await api.get('contacts?$select=fullname&$top=7', { Prefer: 'odata.maxpagesize=20' });
		expect(ignored.json.value).toHaveLength(20);
		expect(ignored.json['@odata.nextLink']).toBeDefined();
		const counted = await api.get("contacts?$select=fullname&$count=true&$filter=startswith(lastname,'Smith')", { Prefer: 'odata.maxpagesize=10' });
		const smiths = sim.state.listContacts().filter((record) => String(record.values.lastname).startsWith('Smith')).length;
		expect(counted.json['@odata.count']).toBe(smiths);
		const total = await api.get('contacts?$select=fullname&$count=true', { Prefer: 'odata.maxpagesize=1,odata.include-annotations="Microsoft.Dynamics.CRM.totalrecordcount,Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"' });
		expect(total.json).toMatchObject({ '@odata.count': 5000, '@Microsoft.Dynamics.CRM.totalrecordcount': 5000, '@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded': true });
		const plainCount = await api.get('contacts/$count');
		expect([plainCount.headers.get('content-type'), plainCount.text]).toEqual(['text/plain', '5000']);
		expect((await api.get("contacts/$count?$filter=lastname eq 'Cher'")).text).toBe('1');
	});
});

describe('columns, filters and annotations', () => {
	it('returns the selected columns plus the primary key and etag, and rejects unknown ones', async () => {
		const response = await api.get("contacts?$select=emailaddress1,_ownerid_value&$filter=emailaddress1 eq 'JAN.VANDERBERG@example.nl'");
		expect(response.json['@odata.context']).toBe(`${sim.apiUrl}/$metadata#contacts(emailaddress1,_ownerid_value)`);
		expect(response.json.value).toEqual([{ '@odata.etag': expect.stringMatching(/^W\/"\d+"$/), emailaddress1: 'jan.vanderberg@example.nl', _ownerid_value: expect.any(String), contactid: expect.any(String) }]);
		const unknown = await api.get('contacts?$select=fullname,xyz');
		expect([unknown.status, unknown.json]).toEqual([400, { error: { code: '0x80060888', message: "Could not find a property named 'xyz' on type 'Microsoft.Dynamics.CRM.contact'." } }]);
		const lookupName = await api.get('contacts?$select=ownerid');
		expect(lookupName.json.error.message).toBe("Could not find a property named 'ownerid' on type 'Microsoft.Dynamics.CRM.contact'.");
		const skip = await api.get('contacts?$skip=10');
		expect(skip.json.error).toEqual({ code: '0x80060888', message: 'Skip Clause is not supported in CRM' });
		const malformed = await api.get("contacts?$filter=lastname eqq 'x'");
		expect([malformed.status, malformed.json.error.message]).toEqual([400, "Syntax error at position 9 in 'lastname eqq 'x''."]);
	});

	it('filters on lookups by unquoted GUID, on dates and on email domains', async () => {
		const owner = sim.state.owners().find((ref) => ref.entity === 'team')!;
		const owned = await api.get(`contacts?$select=fullname&$filter=_ownerid_value eq ${owner.id}`);
		expect(owned.json.value.length).toBe(sim.state.listContacts().filter((record) => (record.values.ownerid as { id: string }).id === owner.id).length);
		expect(owned.json.value.length).toBeGreaterThan(0);
		const leap = await api.get('contacts?$select=fullname,birthdate&$filter=birthdate eq 1904-02-29');
		expect(leap.json.value).toEqual([expect.objectContaining({ fullname: 'Leap Day', birthdate: '1904-02-29' })]);
		const inactive = await api.get('contacts?$select=fullname&$filter=statecode eq 1&$count=true', { Prefer: 'odata.maxpagesize=5000' });
		expect(inactive.json['@odata.count']).toBe(Math.floor(ORG_SIZE / 11));
	});

	it('reads a list of ids (contactid eq … or …) with $orderby, skipping ids that do not exist', async () => {
		const [a, b] = sim.state.listContacts();
		const filter = `contactid eq ${a.id} or contactid eq ${b.id} or contactid eq 00000000-0000-0000-0000-000000000000`;
		const listed = await api.get(`contacts?$select=lastname&$filter=${filter}`);
		expect(listed.json.value.map((row: { contactid: string }) => row.contactid).sort()).toEqual([a.id, b.id].sort());
		const ordered = await api.get(`contacts?$select=lastname&$filter=${filter}&$orderby=contactid desc`);
		expect(ordered.json.value.map((row: { contactid: string }) => row.contactid)).toEqual([a.id, b.id].sort().reverse());
	});

	it('adds FormattedValue and lookup annotations before their properties when asked', async () => {
		const hardCase = sim.state.listContacts().find((record) => record.values.lastname === 'van der Berg')!;
		const response = await api.get(
			`contacts(${hardCase.id})?$select=statecode,donotbulkemail,birthdate,createdon,_parentcustomerid_value,_ownerid_value,_modifiedby_value`,
			{ Prefer: 'odata.include-annotations="*"' },
		);
		expect(response.headers.get('preference-applied')).toBeNull();
		const body = response.json;
		expect(body).toMatchObject({
			'statecode@OData.Community.Display.V1.FormattedValue': 'Active',
			statecode: 0,
			'donotbulkemail@OData.Community.Display.V1.FormattedValue': 'Allow',
			'birthdate@OData.Community.Display.V1.FormattedValue': '4/30/1975',
			birthdate: '1975-04-30',
			'_parentcustomerid_value@OData.Community.Display.V1.FormattedValue': 'Berg & Zonen',
			'_parentcustomerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty': 'parentcustomerid_account',
			'_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'account',
			'_modifiedby_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'systemuser',
		});
		expect(body['createdon@OData.Community.Display.V1.FormattedValue']).toMatch(/^\d{1,2}\/\d{1,2}\/\d{4} \d{1,2}:\d{2} (AM|PM)$/);
		const keys = Object.keys(body);
		expect(keys.indexOf('_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname')).toBeLessThan(keys.indexOf('_ownerid_value'));
		const onlyLabels = await api.get(`contacts(${hardCase.id})?$select=statecode,_ownerid_value`, { Prefer: 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"' });
		expect(Object.keys(onlyLabels.json).filter((key) => key.includes('@Microsoft.Dynamics.CRM'))).toEqual([]);
		const list = await api.get('contacts?$select=statecode&$top=1', { Prefer: 'odata.include-annotations="*"' });
		expect(list.headers.get('preference-applied')).toBe('odata.include-annotations="*"');
	});

	it('expands single-valued navigation properties with their own $select', async () => {
		const hardCase = sim.state.listContacts().find((record) => record.values.lastname === 'van der Berg')!;
		const response = await api.get(`contacts(${hardCase.id})?$select=fullname&$expand=parentcustomerid_account($select=name),ownerid($select=fullname)`);
		expect(response.json.parentcustomerid_account).toMatchObject({ name: 'Berg & Zonen', accountid: expect.any(String) });
		expect(response.json.ownerid === null || typeof response.json.ownerid === 'object').toBe(true);
		const unknown = await api.get('contacts?$expand=nonsense');
		expect(unknown.status).toBe(400);
	});
});

describe('single records', () => {
	it('reads by id with an ETag header, answers 304 to a matching If-None-Match and 404 / 400 to bad keys', async () => {
		const record = sim.state.listContacts()[0];
		const response = await api.get(`contacts(${record.id})?$select=fullname`);
		expect(response.headers.get('etag')).toBe(`W/"${record.version}"`);
		expect(response.json['@odata.context']).toBe(`${sim.apiUrl}/$metadata#contacts(fullname)/$entity`);
		expect((await api.get(`contacts(${record.id})?$select=fullname`, { 'If-None-Match': `W/"${record.version}"` })).status).toBe(304);
		expect((await api.get(`contacts(${record.id})?$select=fullname`, { 'If-None-Match': `W/"${record.version}"`, Prefer: 'odata.include-annotations="*"' })).status).toBe(200);
		const missing = await api.get('contacts(00000000-0000-0000-0000-000000000001)');
		expect([missing.status, missing.json]).toEqual([404, { error: { code: '0x80040217', message: 'contact With Id = 00000000-0000-0000-0000-000000000001 Does Not Exist' } }]);
		const badKey = await api.get('contacts(not-a-guid)');
		expect([badKey.status, badKey.json.error.message]).toEqual([400, 'Bad Request - Error in query syntax.']);
		const badSet = await api.get('acounts');
		expect([badSet.status, badSet.json.error]).toEqual([404, { code: '0x80060888', message: "Resource not found for the segment 'acounts'." }]);
	});

	it('reads a single property, the service document, WhoAmI and users / teams / accounts', async () => {
		const record = sim.state.listContacts()[0];
		const property = await api.get(`contacts(${record.id})/lastname`);
		expect(property.json).toEqual({ '@odata.context': `${sim.apiUrl}/$metadata#contacts(${record.id})/lastname`, value: record.values.lastname });
		expect((await api.get('WhoAmI()')).json).toMatchObject({ UserId: sim.applicationUserId, BusinessUnitId: sim.state.businessUnitId, OrganizationId: sim.state.organizationId });
		const service = await api.get('');
		expect(service.json.value).toEqual(expect.arrayContaining([{ name: 'contacts', kind: 'EntitySet', url: 'contacts' }]));
		const users = await api.get("systemusers?$select=fullname,isdisabled,applicationid&$filter=applicationid ne null");
		expect(users.json.value).toEqual([expect.objectContaining({ systemuserid: sim.applicationUserId, applicationid: sim.clientId, isdisabled: false })]);
		const teams = await api.get("teams?$select=name&$filter=name eq 'Sales Team'");
		expect(teams.json.value).toHaveLength(1);
		const accounts = await api.get('accounts?$select=name&$orderby=name');
		expect(accounts.json.value.map((account: { name: string }) => account.name)).toEqual(expect.arrayContaining(['Contoso Ltd', 'Berg & Zonen']));
		const readOnly = await api.request('POST', 'systemusers', { body: { firstname: 'X' } });
		expect(readOnly.status).toBe(403);
	});
});
