/**
 * An independent Dataverse client from npm (dynamics-web-api), unchanged, against the simulator over
 * HTTPS: it trusts the test CA through NODE_EXTRA_CA_CERTS, like any Node https client would.
 */
import { DynamicsWebApi } from 'dynamics-web-api';
import { type DynamicsSimulator, startDynamicsSimulator } from './index';
import { fetchToken } from './raw-client';

interface Contact {
	contactid: string;
	firstname?: string;
	lastname?: string;
	fullname?: string;
	emailaddress1?: string | null;
	'@odata.etag'?: string;
}

let sim: DynamicsSimulator;
let api: DynamicsWebApi;

beforeAll(async () => {
	sim = await startDynamicsSimulator({ contacts: 240 });
	api = new DynamicsWebApi({
		serverUrl: sim.url,
		dataApi: { version: '9.2' },
		onTokenRefresh: async () => (await fetchToken(sim)).json.access_token as string,
	});
});
afterAll(() => sim.close());

async function failure(promise: Promise<unknown>): Promise<{ status: number; code: string; message: string }> {
	try {
		await promise;
	} catch (error) {
		return error as { status: number; code: string; message: string };
	}
	throw new Error('expected the request to fail');
}

describe('dynamics-web-api against the simulator', () => {
	it('creates contacts, with and without return=representation', async () => {
		const id = (await api.create({ collection: 'contacts', data: { firstname: 'Ada', lastname: 'Lovelace', emailaddress1: 'ada@example.com' } })) as string;
		expect(id).toMatch(/^[0-9a-f-]{36}$/);
		expect(sim.state.getContact(id)?.values).toMatchObject({ fullname: 'Ada Lovelace', modifiedby: { entity: 'systemuser', id: sim.applicationUserId } });
		const created = await api.create<Partial<Contact>, Contact>({
			collection: 'contacts',
			data: { firstname: 'Grace', lastname: 'Hopper' },
			returnRepresentation: true,
			select: ['fullname'],
		});
		expect(created).toMatchObject({ fullname: 'Grace Hopper', contactid: expect.any(String), '@odata.etag': expect.stringMatching(/^W\/"\d+"$/) });
	});

	it('lists across pages with maxPageSize and with retrieveAll, every contact once', async () => {
		const total = sim.state.listContacts().length;
		const seen: string[] = [];
		let response = await api.retrieveMultiple<Contact>({ collection: 'contacts', select: ['fullname'], maxPageSize: 25 });
		seen.push(...response.value.map((contact) => contact.contactid));
		let pages = 1;
		while (response.oDataNextLink) {
			response = await api.retrieveMultiple<Contact>({ collection: 'contacts', select: ['fullname'], maxPageSize: 25 }, response.oDataNextLink);
			seen.push(...response.value.map((contact) => contact.contactid));
			pages++;
		}
		expect(pages).toBe(Math.ceil(total / 25));
		expect(new Set(seen).size).toBe(total);
		expect(seen).toHaveLength(total);

		const all = await api.retrieveAll<Contact>({ collection: 'contacts', select: ['emailaddress1'], maxPageSize: 100, filter: "contains(emailaddress1,'@example.com')", orderBy: ['emailaddress1 desc'] });
		const expected = sim.state.listContacts().filter((record) => typeof record.values.emailaddress1 === 'string' && record.values.emailaddress1.toLowerCase().includes('@example.com'));
		expect(all.value).toHaveLength(expected.length);
		const emails = all.value.map((contact) => (contact.emailaddress1 as string).toLowerCase());
		expect(emails).toEqual([...emails].sort().reverse());
		expect(await api.count({ collection: 'contacts' })).toBe(total);
	});

	it('updates with an ETag, and gets 412 with a stale one', async () => {
		const id = (await api.create({ collection: 'contacts', data: { firstname: 'Stale', lastname: 'Etag' } })) as string;
		const before = await api.retrieve<Contact>({ collection: 'contacts', key: id, select: ['firstname'] });
		const staleTag = before['@odata.etag'] as string;
		expect(await api.update({ collection: 'contacts', key: id, data: { firstname: 'Fresh' }, ifmatch: staleTag })).toBe(true);
		// The library reports a failed precondition as `false`, or as the error itself with propagateErrors.
		expect(await api.update({ collection: 'contacts', key: id, data: { firstname: 'Late' }, ifmatch: staleTag })).toBe(false);
		const strict = new DynamicsWebApi({ serverUrl: sim.url, dataApi: { version: '9.2' }, propagateErrors: true, onTokenRefresh: async () => (await fetchToken(sim)).json.access_token as string });
		const conflict = await failure(strict.update({ collection: 'contacts', key: id, data: { firstname: 'Late' }, ifmatch: staleTag }));
		expect(conflict.status).toBe(412);
		expect(conflict.code).toBe('0x80060882');
		expect(conflict.message).toBe("The version of the existing record doesn't match the RowVersion property provided.");
		expect(sim.state.getContact(id)?.values.firstname).toBe('Fresh');
	});

	it('deletes, after which the record is gone (404)', async () => {
		const id = (await api.create({ collection: 'contacts', data: { lastname: 'Ephemeral' } })) as string;
		await api.deleteRecord({ collection: 'contacts', key: id });
		const missing = await failure(api.retrieve({ collection: 'contacts', key: id }));
		expect(missing.status).toBe(404);
		expect(missing.message).toBe(`contact With Id = ${id} Does Not Exist`);
	});

	it('runs a $batch: a change set with a Content-ID reference, then a read', async () => {
		const account = sim.state.records('account')[0];
		api.startBatch();
		api.create({ collection: 'contacts', data: { firstname: 'Batch', lastname: 'One', 'parentcustomerid_account@odata.bind': `/accounts(${account.id})` }, contentId: '1' });
		api.update({ contentId: '$1', data: { jobtitle: 'Referenced by Content-ID' } });
		api.create({ collection: 'contacts', data: { firstname: 'Batch', lastname: 'Two' } });
		api.retrieveMultiple({ collection: 'contacts', filter: "firstname eq 'Batch'", select: ['lastname', 'jobtitle', '_parentcustomerid_value'] });
		const [firstId, updated, secondId, listed] = await api.executeBatch();
		expect(typeof firstId).toBe('string');
		expect(typeof secondId).toBe('string');
		expect(updated).toBeDefined();
		const rows = (listed as { value: Array<{ lastname: string; jobtitle: string | null; _parentcustomerid_value: string | null }> }).value;
		expect(rows.map((row) => row.lastname).sort()).toEqual(['One', 'Two']);
		expect(rows.find((row) => row.lastname === 'One')).toMatchObject({ jobtitle: 'Referenced by Content-ID', _parentcustomerid_value: account.id });
		expect(sim.counters.snapshot()).toMatchObject({ batch: 1, 'batch:contacts.create': 2, 'batch:contacts.update': 1, 'batch:contacts.list': 1 });
	});

	it('reads change tracking: the full set with a delta link, then only what changed, deletions included', async () => {
		const initial = await api.retrieveAll<Contact>({ collection: 'contacts', select: ['firstname', 'lastname'], trackChanges: true, maxPageSize: 100 });
		expect(initial.value).toHaveLength(sim.state.listContacts().length);
		expect(initial.oDataDeltaLink).toContain('$deltatoken=');
		const [changed, removed] = sim.state.listContacts();
		sim.state.updateContact(changed.id, { lastname: 'Changed Elsewhere' }, { as: 'Alex Wilber' });
		sim.state.deleteContact(removed.id);
		const added = sim.state.createContact({ firstname: 'New', lastname: 'Arrival' });
		const delta = await api.retrieveMultiple<Contact & { id?: string; reason?: string }>({ collection: 'contacts' }, initial.oDataDeltaLink);
		expect(delta.value).toEqual([
			expect.objectContaining({ contactid: changed.id, lastname: 'Changed Elsewhere' }),
			expect.objectContaining({ contactid: added.id, firstname: 'New' }),
			expect.objectContaining({ id: removed.id, reason: 'deleted' }),
		]);
		const quiet = await api.retrieveMultiple({ collection: 'contacts' }, delta.oDataDeltaLink);
		expect(quiet.value).toEqual([]);
	});
});
