/** Change tracking on the wire: delta links, paging, deletions, each row once, expiry, forbidden options. */
import { type DynamicsSimulator, startDynamicsSimulator } from './index';
import { type RawClient, rawClient } from './raw-client';

let sim: DynamicsSimulator;
let api: RawClient;

beforeEach(async () => {
	sim = await startDynamicsSimulator({ contacts: 250 });
	api = await rawClient(sim);
});
afterEach(() => sim.close());

const TRACK = { Prefer: 'odata.track-changes,odata.maxpagesize=100' };

/** Follows nextLinks to the end; returns the rows and the deltaLink of the last page. */
async function readTracked(path: string, headers: Record<string, string> = TRACK): Promise<{ rows: Array<Record<string, unknown>>; deltaLink: string; pages: number }> {
	const rows: Array<Record<string, unknown>> = [];
	let next: string | undefined = path;
	let pages = 0;
	let deltaLink = '';
	while (next) {
		const page = await api.get(next, headers);
		expect(page.status).toBe(200);
		pages++;
		rows.push(...page.json.value);
		next = page.json['@odata.nextLink'];
		if (next) expect(page.json['@odata.deltaLink']).toBeUndefined();
		else deltaLink = page.json['@odata.deltaLink'];
	}
	return { rows, deltaLink, pages };
}

describe('change tracking', () => {
	it('returns the full set over pages, with the delta link on the last page only', async () => {
		const first = await api.get('contacts?$select=firstname,lastname', TRACK);
		expect(first.headers.get('preference-applied')).toBe('odata.maxpagesize=100,odata.track-changes');
		const { rows, deltaLink, pages } = await readTracked('contacts?$select=firstname,lastname');
		expect(pages).toBe(3);
		expect(new Set(rows.map((row) => row.contactid)).size).toBe(250);
		const token = decodeURIComponent(/\$deltatoken=([^&]+)/.exec(deltaLink)![1]);
		expect(token).toMatch(/^\d+!\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}$/);
		expect(deltaLink.startsWith(`${sim.apiUrl}/contacts?$select=firstname,lastname&$deltatoken=`)).toBe(true);
	});

	it('returns changed rows once in their latest state, then deletions, and a new delta link', async () => {
		const { deltaLink } = await readTracked('contacts?$select=firstname,lastname');
		const [twiceChanged, deleted, untouched] = sim.state.listContacts();
		sim.state.updateContact(twiceChanged.id, { lastname: 'First Edit' });
		sim.state.updateContact(twiceChanged.id, { lastname: 'Second Edit' });
		sim.state.deleteContact(deleted.id);
		const createdThenDeleted = sim.state.createContact({ lastname: 'Fleeting' });
		sim.state.deleteContact(createdThenDeleted.id);
		const created = sim.state.createContact({ firstname: 'Brand', lastname: 'New' });

		const delta = await api.get(deltaLink);
		expect(delta.json['@odata.context']).toBe(`${sim.apiUrl}/$metadata#contacts(firstname,lastname)/$delta`);
		expect(delta.json.value).toEqual([
			{ '@odata.etag': `W/"${sim.state.getContact(twiceChanged.id)!.version}"`, firstname: twiceChanged.values.firstname ?? null, lastname: 'Second Edit', contactid: twiceChanged.id },
			{ '@odata.etag': `W/"${created.version}"`, firstname: 'Brand', lastname: 'New', contactid: created.id },
			{ '@odata.context': `${sim.apiUrl}/$metadata#contacts/$deletedEntity`, id: deleted.id, reason: 'deleted' },
			{ '@odata.context': `${sim.apiUrl}/$metadata#contacts/$deletedEntity`, id: createdThenDeleted.id, reason: 'deleted' },
		]);
		expect(delta.json.value.some((row: { contactid?: string }) => row.contactid === untouched.id)).toBe(false);
		const quiet = await api.get(delta.json['@odata.deltaLink']);
		expect(quiet.json.value).toEqual([]);
		expect(quiet.json['@odata.deltaLink']).toContain('$deltatoken=');
		expect(sim.counters.snapshot()).toMatchObject({ 'contacts.delta': 2 });
	});

	it('pages a large delta and hands out the next delta link at its end', async () => {
		const { deltaLink } = await readTracked('contacts?$select=lastname');
		for (const record of sim.state.listContacts()) sim.state.updateContact(record.id, { jobtitle: 'Bulk edit' });
		const { rows, pages, deltaLink: next } = await readTracked(deltaLink);
		expect(pages).toBe(3);
		expect(rows).toHaveLength(250);
		expect((await api.get(next)).json.value).toEqual([]);
	});

	it('delivers changes made while a full sync is being paged in the next delta', async () => {
		const first = await api.get('contacts?$select=lastname', TRACK);
		const late = sim.state.createContact({ lastname: 'Arrived During Paging' });
		let next = first.json['@odata.nextLink'] as string | undefined;
		let deltaLink = '';
		while (next) {
			const page = await api.get(next, TRACK);
			next = page.json['@odata.nextLink'];
			deltaLink = page.json['@odata.deltaLink'] ?? deltaLink;
		}
		const delta = await api.get(deltaLink);
		expect(delta.json.value.map((row: { contactid: string }) => row.contactid)).toContain(late.id);
	});

	it('rejects an expired delta token with ExpiredVersionStamp, after which a full sync works again', async () => {
		const { deltaLink } = await readTracked('contacts?$select=lastname');
		sim.state.expireChangeTracking();
		const expired = await api.get(deltaLink);
		expect([expired.status, expired.json]).toEqual([
			400,
			{ error: { code: '0x80044352', message: 'Version stamp associated with the client has expired. Please perform a full sync.' } },
		]);
		const again = await readTracked('contacts?$select=lastname');
		expect((await api.get(again.deltaLink)).status).toBe(200);
		// Tokens also expire with age (Dataverse keeps 7 days by default).
		sim.state.advanceClock(7 * 24 * 60 * 60 + 1);
		const later = await rawClient(sim); // the access token has long expired too
		expect((await later.get(again.deltaLink)).json.error.code).toBe('0x80044352');
	});

	it('refuses $filter, $orderby, $expand and $top together with change tracking', async () => {
		for (const option of ["$filter=lastname eq 'x'", '$orderby=lastname', '$expand=parentcustomerid_account', '$top=5']) {
			const response = await api.get(`contacts?$select=lastname&${option}`, TRACK);
			const name = option.split('=')[0];
			expect([response.status, response.json.error.message]).toEqual([400, `The ${name} query parameter isn't supported when Change Tracking is enabled.`]);
		}
		const garbage = await api.get('contacts?$select=lastname&$deltatoken=not-a-token');
		expect(garbage.status).toBe(400);
	});

	it('returns the selected columns with their formatted values on tracked pages; on request, plays a reported loss of the delta link with them', async () => {
		const annotated = { Prefer: `${TRACK.Prefer},odata.include-annotations="OData.Community.Display.V1.FormattedValue"` };
		const { rows, deltaLink } = await readTracked('contacts?$select=lastname,statecode,_ownerid_value', annotated);
		expect(rows[0]).toMatchObject({ lastname: expect.any(String), statecode: 0, 'statecode@OData.Community.Display.V1.FormattedValue': 'Active', '_ownerid_value@OData.Community.Display.V1.FormattedValue': expect.any(String) });
		expect(deltaLink).toContain('$deltatoken=');

		// MicrosoftDocs/powerapps-docs#439: no deltaLink on the last page when formatted values were asked for.
		sim.state.dropsDeltaLinkWithFormattedValues = true;
		const last = await api.get(deltaLink, annotated);
		expect([last.json['@odata.nextLink'], last.json['@odata.deltaLink']]).toEqual([undefined, undefined]);
		expect((await api.get(deltaLink, TRACK)).json['@odata.deltaLink']).toContain('$deltatoken=');
	});

	it('counts the changes behind a delta token', async () => {
		const { deltaLink } = await readTracked('contacts?$select=lastname');
		sim.state.createContact({ lastname: 'One' });
		sim.state.deleteContact(sim.state.listContacts()[0].id);
		const token = /\$deltatoken=([^&]+)/.exec(deltaLink)![1];
		expect((await api.get(`contacts/$count?$deltatoken=${token}`)).text).toBe('2');
	});
});
