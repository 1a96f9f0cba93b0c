/**
 * The unchanged `@googleapis/people` client and google-auth-library against the simulator: the flows
 * the sync depends on, exactly as a Google app would run them.
 */
import { people, type people_v1 } from '@googleapis/people';
import { personFromSeed, startGoogleSimulator, type GoogleSimulator } from './google';
import { oauthClientFor, peopleApiFor } from './google/testing';
import { seedPeople } from './common/seed';

let sim: GoogleSimulator;
let api: people_v1.People;

beforeAll(async () => {
	sim = await startGoogleSimulator({ contacts: 30 });
	api = peopleApiFor(sim).api;
});
afterAll(() => sim.close());

async function listAll(params: people_v1.Params$Resource$People$Connections$List) {
	const pages: people_v1.Schema$ListConnectionsResponse[] = [];
	let pageToken: string | undefined;
	do {
		const { data } = await api.people.connections.list({ resourceName: 'people/me', ...params, pageToken });
		pages.push(data);
		pageToken = data.nextPageToken ?? undefined;
	} while (pageToken);
	return { pages, people: pages.flatMap((page) => page.connections ?? []) };
}

test('a full listing with requestSyncToken pages through every contact and gives a sync token on the last page only', async () => {
	const { pages, people: everyone } = await listAll({ personFields: 'names,emailAddresses', pageSize: 12, requestSyncToken: true });
	expect(pages).toHaveLength(3);
	expect(pages.slice(0, -1).every((page) => !page.nextSyncToken)).toBe(true);
	expect(pages[2].nextSyncToken).toEqual(expect.any(String));
	expect(pages[0].totalItems).toBe(30);
	expect(new Set(everyone.map((person) => person.resourceName)).size).toBe(30);
	expect(everyone[0].names?.[0]).toMatchObject({ givenName: 'Jan', familyName: 'van der Berg', displayName: 'Jan van der Berg' });
	expect(everyone[0]).not.toHaveProperty('phoneNumbers');
});

test('with the sync token, a listing returns exactly the contacts created, updated and deleted since, deletions as tombstones', async () => {
	const { pages } = await listAll({ personFields: 'names,emailAddresses', requestSyncToken: true });
	const syncToken = pages[pages.length - 1].nextSyncToken!;
	const [first, second, third, fourth] = (await listAll({ personFields: 'names,metadata' })).people;

	const created = (await api.people.createContact({ requestBody: personFromSeed(seedPeople(1, { offset: 500 })[0]) })).data;
	const updated = (
		await api.people.updateContact({
			resourceName: first.resourceName!,
			updatePersonFields: 'biographies',
			requestBody: { etag: first.etag, biographies: [{ value: 'Met at the fair', contentType: 'TEXT_PLAIN' }] },
		})
	).data;
	await api.people.deleteContact({ resourceName: second.resourceName! });
	sim.state.editAsUser(third.resourceName!, { nicknames: [{ value: 'Tee' }] });
	sim.state.deleteContact(fourth.resourceName!);

	const changes = await listAll({ personFields: 'names,nicknames', syncToken, requestSyncToken: true });
	const byName = new Map(changes.people.map((person) => [person.resourceName, person]));
	expect([...byName.keys()].sort()).toEqual([created.resourceName, first.resourceName, second.resourceName, third.resourceName, fourth.resourceName].sort());
	expect(byName.get(second.resourceName)?.metadata?.deleted).toBe(true);
	expect(byName.get(fourth.resourceName)?.metadata).toMatchObject({ deleted: true, sources: [{ type: 'CONTACT' }] });
	expect(byName.get(first.resourceName)?.etag).toBe(updated.etag);
	expect(byName.get(third.resourceName)?.nicknames?.[0].value).toBe('Tee');
	expect(byName.get(created.resourceName)?.metadata?.deleted).toBeUndefined();

	const nothingNew = await listAll({ personFields: 'names', syncToken: changes.pages[changes.pages.length - 1].nextSyncToken!, requestSyncToken: true });
	expect(nothingNew.people).toEqual([]);
	expect(nothingNew.pages[0].nextSyncToken).toEqual(expect.any(String));
});

test('batchCreateContacts creates 200 contacts in one call and refuses 201', async () => {
	const contacts = seedPeople(201, { offset: 1000 }).map((person) => ({ contactPerson: personFromSeed(person) }));
	const { data } = await api.people.batchCreateContacts({ requestBody: { contacts: contacts.slice(0, 200), readMask: 'names,emailAddresses' } });
	expect(data.createdPeople).toHaveLength(200);
	expect(new Set(data.createdPeople!.map((created) => created.person?.resourceName)).size).toBe(200);
	expect(data.createdPeople![0]).toMatchObject({ httpStatusCode: 200, person: { names: [{ givenName: expect.any(String) }] } });

	const tooMany = await api.people.batchCreateContacts({ requestBody: { contacts, readMask: 'names' } }).catch((error) => error);
	expect(tooMany.status).toBe(400);
	expect(tooMany.response.data.error.status).toBe('INVALID_ARGUMENT');
});

test('an update with a stale etag fails with 400 FAILED_PRECONDITION and Google\'s message', async () => {
	const { data: person } = await api.people.get({ resourceName: (await listAll({ personFields: 'names' })).people[5].resourceName!, personFields: 'names' });
	sim.state.editAsUser(person.resourceName!, { nicknames: [{ value: 'changed elsewhere' }] });
	const error = await api.people
		.updateContact({ resourceName: person.resourceName!, updatePersonFields: 'names', requestBody: { etag: person.etag, names: [{ givenName: 'Stale' }] } })
		.catch((caught) => caught);
	expect(error.status).toBe(400);
	expect(error.response.data.error).toMatchObject({
		status: 'FAILED_PRECONDITION',
		message: 'Request person.etag is different than the current person.etag. Clear local cache and get the latest person.',
		errors: [{ reason: 'failedPrecondition' }],
	});
});

test('google-auth-library refreshes an access token the server expired, by itself', async () => {
	const first = peopleApiFor(sim);
	await first.api.people.connections.list({ resourceName: 'people/me', personFields: 'names', pageSize: 1 });
	// An app that stored its tokens: the access token and refresh token, without an expiry date.
	const oauth = oauthClientFor(sim, { access_token: first.oauth.credentials.access_token, refresh_token: sim.refreshToken });
	const stored = people({ version: 'v1', auth: oauth, rootUrl: sim.rootUrl, retry: false });

	sim.state.expireAccessTokens();
	const tokensBefore = sim.counters.snapshot().token ?? 0;
	const listsBefore = sim.counters.snapshot()['people.connections.list'];
	const { data } = await stored.people.connections.list({ resourceName: 'people/me', personFields: 'names', pageSize: 1 });
	expect(data.connections).toHaveLength(1);
	expect(sim.counters.snapshot().token).toBe(tokensBefore + 1);
	expect(sim.counters.snapshot()['people.connections.list']).toBe(listsBefore + 2); // the 401, then the retry
	expect(oauth.credentials.access_token).not.toBe(first.oauth.credentials.access_token);
});

test('an access token about to expire is refreshed before use (eager refresh)', async () => {
	const shortLived = await startGoogleSimulator({ contacts: 1, tokenLifetimeSeconds: 60 });
	try {
		const { api: shortApi } = peopleApiFor(shortLived);
		for (let call = 0; call < 3; call++) await shortApi.people.connections.list({ resourceName: 'people/me', personFields: 'names' });
		// 60 s is inside google-auth-library's 5-minute refresh threshold: each call fetches a fresh token, none is refused.
		expect(shortLived.counters.snapshot()).toEqual({ 'people.connections.list': 3, token: 3 });
	} finally {
		await shortLived.close();
	}
});

test('a revoked refresh token gives invalid_grant', async () => {
	const revoked = await startGoogleSimulator({ contacts: 1 });
	try {
		revoked.state.revokeRefreshTokens();
		const error = await peopleApiFor(revoked).api.people.connections.list({ resourceName: 'people/me', personFields: 'names' }).catch((caught) => caught);
		expect(error.status).toBe(400);
		expect(error.response.data).toEqual({ error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
		expect(revoked.counters.snapshot()['people.connections.list']).toBeUndefined();
	} finally {
		await revoked.close();
	}
});
