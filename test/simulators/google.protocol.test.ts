/**
 * The simulator's People API protocol: documented limits, field masks, search, contact groups,
 * quotas, sync-token expiry, auth and the control API, checked on the wire.
 */
import { personFromSeed, startGoogleSimulator, type GoogleSimulator } from './google';
import { accessTokenFor, rawRequest } from './google/testing';
import { seedPeople } from './common/seed';

let sim: GoogleSimulator;
let token: string;

beforeAll(async () => {
	sim = await startGoogleSimulator({ contacts: 150 });
	token = await accessTokenFor(sim);
});
afterAll(() => sim.close());

const call = (method: string, path: string, options: { query?: Record<string, string | string[]>; body?: unknown } = {}) => rawRequest(sim, method, path, { ...options, token });
const connections = (query: Record<string, string | string[]>) => call('GET', '/v1/people/me/connections', { query });
const newContacts = (count: number, offset: number) => seedPeople(count, { offset, hardCases: false }).map((person) => personFromSeed(person));

function expectGoogleError(answer: { status: number; body: any }, httpStatus: number, status: string, message?: string | RegExp) {
	expect(answer.status).toBe(httpStatus);
	expect(answer.body.error).toMatchObject({ code: httpStatus, status, errors: [expect.objectContaining({ domain: 'global' })] });
	if (message) expect(answer.body.error.message).toMatch(message);
}

describe('limits', () => {
	test('connections pageSize is 1..1000, 0 or absent means 100', async () => {
		expect((await connections({ personFields: 'names' })).body.connections).toHaveLength(100);
		expect((await connections({ personFields: 'names', pageSize: '0' })).body.connections).toHaveLength(100);
		expect((await connections({ personFields: 'names', pageSize: '1000' })).body.connections).toHaveLength(150);
		expectGoogleError(await connections({ personFields: 'names', pageSize: '1001' }), 400, 'INVALID_ARGUMENT');
		expectGoogleError(await connections({ personFields: 'names', pageSize: '-1' }), 400, 'INVALID_ARGUMENT');
	});

	test('sortOrder orders the listing; totalPeople and totalItems count it', async () => {
		const names = async (sortOrder: string) => (await connections({ personFields: 'names', pageSize: '1000', sortOrder })).body.connections.map((person: any) => person.names?.[0]?.givenName ?? '');
		const byFirstName = await names('FIRST_NAME_ASCENDING');
		expect(byFirstName).toEqual([...byFirstName].sort((a, b) => a.localeCompare(b)));
		const ascending = (await connections({ personFields: 'metadata', pageSize: '1000' })).body;
		const descending = (await connections({ personFields: 'metadata', pageSize: '1000', sortOrder: 'LAST_MODIFIED_DESCENDING' })).body;
		expect(descending.connections.map((person: any) => person.resourceName)).toEqual(ascending.connections.map((person: any) => person.resourceName).reverse());
		expect(ascending).toMatchObject({ totalPeople: 150, totalItems: 150 });
		expectGoogleError(await connections({ personFields: 'names', sortOrder: 'RANDOM' }), 400, 'INVALID_ARGUMENT');
	});

	test('a page token only works with the parameters of the first call', async () => {
		const first = await connections({ personFields: 'names', pageSize: '100' });
		expect((await connections({ personFields: 'names', pageSize: '100', pageToken: first.body.nextPageToken })).body.connections).toHaveLength(50);
		expectGoogleError(await connections({ personFields: 'names,emailAddresses', pageSize: '100', pageToken: first.body.nextPageToken }), 400, 'INVALID_ARGUMENT', /must match the first call/);
	});

	test('batchGet takes at most 200 resource names and reports missing ones per name', async () => {
		const names = (await connections({ personFields: 'names', pageSize: '150' })).body.connections.map((person: any) => person.resourceName);
		const answer = await call('GET', '/v1/people:batchGet', { query: { resourceNames: [...names.slice(0, 2), 'people/c1'], personFields: 'names' } });
		expect(answer.body.responses.map((response: any) => response.httpStatusCode)).toEqual([200, 200, 404]);
		expect(answer.body.responses[2]).toMatchObject({ requestedResourceName: 'people/c1', status: { code: 5 } });
		const padded = [...names, ...names.slice(0, 51)];
		expectGoogleError(await call('GET', '/v1/people:batchGet', { query: { resourceNames: padded, personFields: 'names' } }), 400, 'INVALID_ARGUMENT', /201/);
	});

	test('batch update takes at most 200 contacts, batch delete at most 500', async () => {
		const people = (await connections({ personFields: 'names', pageSize: '150' })).body.connections;
		const contacts = Object.fromEntries(people.map((person: any) => [person.resourceName, { etag: person.etag, nicknames: [{ value: 'x' }] }]));
		const tooMany = { ...contacts, ...Object.fromEntries([...Array(51)].map((_, index) => [`people/c${index}`, { etag: 'e' }])) };
		expectGoogleError(await call('POST', '/v1/people:batchUpdateContacts', { body: { contacts: tooMany, updateMask: 'nicknames', readMask: 'names' } }), 400, 'INVALID_ARGUMENT', /201/);
		const updated = await call('POST', '/v1/people:batchUpdateContacts', { body: { contacts, updateMask: 'nicknames', readMask: 'nicknames' } });
		expect(Object.keys(updated.body.updateResult)).toHaveLength(150);
		expect(Object.values<any>(updated.body.updateResult)[0]).toMatchObject({ httpStatusCode: 200, person: { nicknames: [{ value: 'x' }] } });

		const created = await call('POST', '/v1/people:batchCreateContacts', { body: { contacts: newContacts(200, 3000).map((contactPerson) => ({ contactPerson })), readMask: 'names' } });
		const doomed = created.body.createdPeople.map((entry: any) => entry.person.resourceName);
		const fiveHundredOne = [...doomed, ...doomed, ...doomed.slice(0, 101)];
		expectGoogleError(await call('POST', '/v1/people:batchDeleteContacts', { body: { resourceNames: fiveHundredOne } }), 400, 'INVALID_ARGUMENT', /501/);
		const deleted = await call('POST', '/v1/people:batchDeleteContacts', { body: { resourceNames: fiveHundredOne.slice(0, 500) } });
		expect(deleted).toMatchObject({ status: 200, body: {} });
		expect(sim.state.contactCount).toBe(150);
	});

	test('a batch with one invalid contact creates none of them', async () => {
		const contacts = newContacts(3, 4000).map((contactPerson) => ({ contactPerson }));
		contacts[2].contactPerson = { ...contacts[2].contactPerson, names: [{ givenName: 'One' }, { givenName: 'Two' }] };
		expectGoogleError(await call('POST', '/v1/people:batchCreateContacts', { body: { contacts, readMask: 'names' } }), 400, 'INVALID_ARGUMENT', /contacts\[2\]/);
		expect(sim.state.contactCount).toBe(150);
	});
});

describe('field masks', () => {
	test('personFields is required and every path must be a Person field', async () => {
		expectGoogleError(await connections({}), 400, 'INVALID_ARGUMENT', /^personFields mask is required/);
		expectGoogleError(await connections({ personFields: 'names,nope' }), 400, 'INVALID_ARGUMENT', /^Invalid personFields mask path: "nope"/);
		const person = (await connections({ personFields: 'names', pageSize: '1' })).body.connections[0];
		expectGoogleError(await call('GET', `/v1/${person.resourceName}`, {}), 400, 'INVALID_ARGUMENT', /personFields mask is required/);
		expect(Object.keys((await call('GET', `/v1/${person.resourceName}`, { query: { personFields: 'emailAddresses' } })).body).sort()).toEqual(['emailAddresses', 'etag', 'resourceName']);
	});

	test('updateContact replaces exactly the fields in updatePersonFields, clearing those left out of the body', async () => {
		const person = (await call('GET', '/v1/people/me/connections', { query: { personFields: 'names,emailAddresses,phoneNumbers', pageSize: '1' } })).body.connections[0];
		expectGoogleError(await call('PATCH', `/v1/${person.resourceName}:updateContact`, { body: { etag: person.etag } }), 400, 'INVALID_ARGUMENT', /updatePersonFields mask is required/);
		expectGoogleError(await call('PATCH', `/v1/${person.resourceName}:updateContact`, { query: { updatePersonFields: 'photos' }, body: { etag: person.etag } }), 400, 'INVALID_ARGUMENT', /Invalid updatePersonFields mask path: "photos"/);

		const updated = await call('PATCH', `/v1/${person.resourceName}:updateContact`, {
			query: { updatePersonFields: 'names,phoneNumbers', personFields: 'names,emailAddresses,phoneNumbers' },
			body: { etag: person.etag, names: [{ givenName: 'Renamed', familyName: 'Person' }], emailAddresses: [{ value: 'ignored@example.com' }] },
		});
		expect(updated.status).toBe(200);
		expect(updated.body.names[0]).toMatchObject({ givenName: 'Renamed', displayName: 'Renamed Person' });
		expect(updated.body.emailAddresses).toEqual(person.emailAddresses);
		expect(updated.body.phoneNumbers).toBeUndefined();
		expect(updated.body.etag).not.toBe(person.etag);
	});

	test('unknown body fields and repeated singleton fields are rejected', async () => {
		expectGoogleError(await call('POST', '/v1/people:createContact', { body: { names: [{ givenName: 'A' }], nickName: 'x' } }), 400, 'INVALID_ARGUMENT', /Unknown name "nickName"/);
		expectGoogleError(await call('POST', '/v1/people:createContact', { body: { birthdays: [{ text: 'a' }, { text: 'b' }] } }), 400, 'INVALID_ARGUMENT', /only one item in birthdays/);
	});

	test('created contacts carry source metadata, memberships and output-only values', async () => {
		const created = await call('POST', '/v1/people:createContact', {
			body: { names: [{ givenName: 'Ada', familyName: 'Lovelace' }], phoneNumbers: [{ value: '(425) 555-0100', type: 'workFax' }], clientData: [{ key: 'd365ContactId', value: 'abc' }], externalIds: [{ value: '42', type: 'customer' }], userDefined: [{ key: 'Tier', value: 'Gold' }] },
		});
		expect(created.body).toMatchObject({
			names: [{ displayName: 'Ada Lovelace', displayNameLastFirst: 'Lovelace, Ada', metadata: { primary: true, source: { type: 'CONTACT' } } }],
			phoneNumbers: [{ canonicalForm: '+14255550100', formattedType: 'Work Fax' }],
			memberships: [{ contactGroupMembership: { contactGroupId: 'myContacts', contactGroupResourceName: 'contactGroups/myContacts' } }],
			clientData: [{ key: 'd365ContactId', value: 'abc' }],
			externalIds: [{ value: '42', type: 'customer' }],
			userDefined: [{ key: 'Tier', value: 'Gold' }],
			metadata: { objectType: 'PERSON', sources: [{ type: 'CONTACT', id: expect.stringMatching(/^[0-9a-f]+$/), etag: expect.any(String), updateTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/) }] },
		});
		expect(created.body.resourceName).toBe(`people/c${BigInt(`0x${created.body.metadata.sources[0].id}`)}`);
		await call('DELETE', `/v1/${created.body.resourceName}:deleteContact`);
	});
});

describe('searchContacts', () => {
	test('answers from the cache, which only the empty warm-up query refreshes', async () => {
		const created = await call('POST', '/v1/people:createContact', { body: { names: [{ givenName: 'Warmup', familyName: 'Check' }] } });
		expect((await call('GET', '/v1/people:searchContacts', { query: { query: 'Warmup', readMask: 'names' } })).body).toEqual({});
		expect((await call('GET', '/v1/people:searchContacts', { query: { query: '', readMask: 'names' } })).body).toEqual({});
		const found = await call('GET', '/v1/people:searchContacts', { query: { query: 'Warmup', readMask: 'names' } });
		expect(found.body.results.map((result: any) => result.person.resourceName)).toEqual([created.body.resourceName]);
		await call('DELETE', `/v1/${created.body.resourceName}:deleteContact`);
	});

	test('matches prefixes of words in names, emails, phones and organizations, ignoring case and accents', async () => {
		const fresh = await startGoogleSimulator({ contacts: 60 });
		const freshToken = await accessTokenFor(fresh);
		const search = async (query: string) =>
			((await rawRequest(fresh, 'GET', '/v1/people:searchContacts', { query: { query, readMask: 'names' }, token: freshToken })).body.results ?? []).map((result: any) => result.person.names[0].displayName);
		try {
			await search('');
			expect(await search('van der')).toEqual(['Jan van der Berg']);
			expect(await search('der be')).toEqual(['Jan van der Berg']);
			expect(await search('an der')).toEqual([]); // not at a word start
			expect(await search('JAN.VANDERB')).toEqual(['Jan van der Berg']);
			expect(await search('garcia')).toEqual(['María José García Pérez']);
			expect(await search('+34 612')).toEqual(['María José García Pérez']);
			expect(await search('Compañía Ibé')).toEqual(['María José García Pérez']);
			expect(await search('case.sensitive@example.com')).toEqual(['Case Upper', 'Case Lower']);
			expect(await search('小龙')).toEqual(['李小龙']);
		} finally {
			await fresh.close();
		}
	});

	test('caps pageSize at 30 and requires readMask', async () => {
		const many = await call('GET', '/v1/people:searchContacts', { query: { query: 'example.com', readMask: 'emailAddresses', pageSize: '100' } });
		expect(many.body.results).toHaveLength(30);
		expect((await call('GET', '/v1/people:searchContacts', { query: { query: 'example.com', readMask: 'names' } })).body.results).toHaveLength(10);
		expectGoogleError(await call('GET', '/v1/people:searchContacts', { query: { query: 'jan' } }), 400, 'INVALID_ARGUMENT', /readMask mask is required/);
	});
});

describe('contact groups', () => {
	test('create, 409 on a duplicate name, list, get with members, members:modify, memberships on persons, rename, delete', async () => {
		const created = await call('POST', '/v1/contactGroups', { body: { contactGroup: { name: 'Dynamics 365 Unsubscribes' } } });
		expect(created.body).toMatchObject({ resourceName: expect.stringMatching(/^contactGroups\/[0-9a-f]+$/), groupType: 'USER_CONTACT_GROUP', name: 'Dynamics 365 Unsubscribes', memberCount: 0 });
		expectGoogleError(await call('POST', '/v1/contactGroups', { body: { contactGroup: { name: 'Dynamics 365 Unsubscribes' } } }), 409, 'ALREADY_EXISTS');

		const listed = await call('GET', '/v1/contactGroups', {});
		expect(listed.body.contactGroups.map((group: any) => group.name)).toEqual(expect.arrayContaining(['myContacts', 'starred', 'Dynamics 365 Unsubscribes']));

		const people = (await connections({ personFields: 'names', pageSize: '3' })).body.connections.map((person: any) => person.resourceName);
		const group = created.body.resourceName;
		const modified = await call('POST', `/v1/${group}/members:modify`, { body: { resourceNamesToAdd: [...people, 'people/c1'] } });
		expect(modified.body).toEqual({ notFoundResourceNames: ['people/c1'] });
		const withMembers = await call('GET', `/v1/${group}`, { query: { maxMembers: '2' } });
		expect(withMembers.body).toMatchObject({ memberCount: 3, memberResourceNames: people.slice(0, 2) });
		const person = await call('GET', `/v1/${people[0]}`, { query: { personFields: 'memberships' } });
		expect(person.body.memberships.map((membership: any) => membership.contactGroupMembership.contactGroupResourceName)).toEqual(['contactGroups/myContacts', group]);

		const tooMany = [...Array(1001)].map((_, index) => `people/c${index}`);
		expectGoogleError(await call('POST', `/v1/${group}/members:modify`, { body: { resourceNamesToAdd: tooMany } }), 400, 'INVALID_ARGUMENT', /1001/);
		const thousand = await call('POST', `/v1/${group}/members:modify`, { body: { resourceNamesToAdd: tooMany.slice(0, 1000) } });
		expect(thousand.body.notFoundResourceNames).toHaveLength(1000);

		const onlyInMyContacts = await call('POST', '/v1/contactGroups/myContacts/members:modify', { body: { resourceNamesToRemove: [people[0], people[1]] } });
		expect(onlyInMyContacts.status).toBe(200);
		const removeLast = await call('POST', `/v1/${group}/members:modify`, { body: { resourceNamesToRemove: [people[0]] } });
		expect(removeLast.body).toEqual({ canNotRemoveLastContactGroupResourceNames: [people[0]] });

		const batch = await call('GET', '/v1/contactGroups:batchGet', { query: { resourceNames: [group, 'contactGroups/myContacts', 'contactGroups/0'], maxMembers: '1' } });
		expect(batch.body.responses.map((response: any) => response.contactGroup?.memberResourceNames?.length ?? response.status.code)).toEqual([1, 1, 5]);
		const groupSync = (await call('GET', '/v1/contactGroups', {})).body.nextSyncToken;
		const renamed = await call('PUT', `/v1/${group}`, { body: { contactGroup: { name: 'Unsubscribed' }, updateGroupFields: 'name' } });
		expect(renamed.body).toMatchObject({ name: 'Unsubscribed', formattedName: 'Unsubscribed' });
		expect((await call('DELETE', `/v1/${group}`, { query: { deleteContacts: 'false' } })).status).toBe(200);
		expect((await call('GET', `/v1/${group}`)).status).toBe(404);
		const groupChanges = await call('GET', '/v1/contactGroups', { query: { syncToken: groupSync } });
		expect(groupChanges.body.contactGroups).toEqual([expect.objectContaining({ resourceName: group, metadata: expect.objectContaining({ deleted: true }) })]);
		const after = await call('GET', `/v1/${people[0]}`, { query: { personFields: 'memberships' } });
		expect(after.body.memberships.map((membership: any) => membership.contactGroupMembership.contactGroupId)).toEqual(['myContacts']);
		expectGoogleError(await call('POST', '/v1/contactGroups/friends/members:modify', { body: { resourceNamesToAdd: [people[0]] } }), 400, 'INVALID_ARGUMENT');
	});
});

describe('quotas, sync tokens, auth and concurrency', () => {
	test('429 RESOURCE_EXHAUSTED once the per-minute read or write quota is used up', async () => {
		const limited = await startGoogleSimulator({ contacts: 2, quotaPerMinute: { read: 2, write: 1 } });
		try {
			const limitedToken = await accessTokenFor(limited);
			const read = () => rawRequest(limited, 'GET', '/v1/people/me/connections', { query: { personFields: 'names' }, token: limitedToken });
			const write = () => rawRequest(limited, 'POST', '/v1/people:createContact', { body: { names: [{ givenName: 'Q' }] }, token: limitedToken });
			expect((await read()).status).toBe(200);
			expect((await read()).status).toBe(200);
			expectGoogleError(await read(), 429, 'RESOURCE_EXHAUSTED', /^Quota exceeded for quota metric 'Critical read requests/);
			expect((await write()).status).toBe(200);
			const refused = await write();
			expectGoogleError(refused, 429, 'RESOURCE_EXHAUSTED');
			expect(refused.body.error.details[0]).toMatchObject({ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'RATE_LIMIT_EXCEEDED' });
		} finally {
			await limited.close();
		}
	});

	test('an expired sync token gives 400 FAILED_PRECONDITION with reason EXPIRED_SYNC_TOKEN', async () => {
		const full = await connections({ personFields: 'names', pageSize: '1000', requestSyncToken: 'true' });
		expect((await connections({ personFields: 'names', syncToken: full.body.nextSyncToken })).status).toBe(200);
		sim.state.expireSyncTokens();
		const expired = await connections({ personFields: 'names', syncToken: full.body.nextSyncToken });
		expectGoogleError(expired, 400, 'FAILED_PRECONDITION', 'Sync token is expired. Clear local cache and retry call without the sync token.');
		expect(expired.body.error.details).toEqual([{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'EXPIRED_SYNC_TOKEN', domain: 'people.googleapis.com' }]);
	});

	test('sync tokens expire on their own after syncTokenLifetimeSeconds, with 410 in legacy mode', async () => {
		const legacy = await startGoogleSimulator({ contacts: 1, syncTokenLifetimeSeconds: 0.05, expiredSyncTokenHttpStatus: 410 });
		try {
			const legacyToken = await accessTokenFor(legacy);
			const full = await rawRequest(legacy, 'GET', '/v1/people/me/connections', { query: { personFields: 'names', requestSyncToken: 'true' }, token: legacyToken });
			await new Promise((resolve) => setTimeout(resolve, 100));
			const expired = await rawRequest(legacy, 'GET', '/v1/people/me/connections', { query: { personFields: 'names', syncToken: full.body.nextSyncToken }, token: legacyToken });
			expect(expired.status).toBe(410);
			expect(expired.body.error.details[0].reason).toBe('EXPIRED_SYNC_TOKEN');
		} finally {
			await legacy.close();
		}
	});

	test('no token, an unknown token and a read-only token are refused as Google refuses them', async () => {
		const missing = await rawRequest(sim, 'GET', '/v1/people/me/connections', { query: { personFields: 'names' }, token: null });
		expectGoogleError(missing, 401, 'UNAUTHENTICATED', /missing required authentication credential/);
		expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer realm="https:\/\/accounts.google.com\/"/);
		expectGoogleError(await rawRequest(sim, 'GET', '/v1/people/me/connections', { query: { personFields: 'names' }, token: 'ya29.forged' }), 401, 'UNAUTHENTICATED');
		const readOnly = await accessTokenFor(sim, sim.state.grantRefreshToken('https://www.googleapis.com/auth/contacts.readonly'));
		expect((await rawRequest(sim, 'GET', '/v1/people/me/connections', { query: { personFields: 'names' }, token: readOnly })).status).toBe(200);
		expectGoogleError(await rawRequest(sim, 'POST', '/v1/people:createContact', { body: {}, token: readOnly }), 403, 'PERMISSION_DENIED', 'Request had insufficient authentication scopes.');
	});

	test('the token endpoint speaks OAuth: client authentication, grants and the authorization-code flow', async () => {
		const post = (form: Record<string, string>, headers: Record<string, string> = {}) =>
			fetch(sim.tokenUrl, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form) }).then(async (response) => ({ status: response.status, body: (await response.json()) as any }));
		expect(await post({ grant_type: 'refresh_token', refresh_token: sim.refreshToken, client_id: sim.clientId, client_secret: 'wrong' })).toEqual({ status: 401, body: { error: 'invalid_client', error_description: 'Unauthorized' } });
		const basic = `Basic ${Buffer.from(`${sim.clientId}:${sim.clientSecret}`).toString('base64')}`;
		expect(await post({ grant_type: 'refresh_token', refresh_token: sim.refreshToken }, { Authorization: basic })).toMatchObject({ status: 200, body: { token_type: 'Bearer', expires_in: 3599, scope: 'https://www.googleapis.com/auth/contacts' } });
		expect((await post({ grant_type: 'password', client_id: sim.clientId, client_secret: sim.clientSecret })).body.error).toBe('unsupported_grant_type');

		const consent = await fetch(`${sim.authUrl}?${new URLSearchParams({ client_id: sim.clientId, redirect_uri: 'http://localhost:5678/rest/oauth2-credential/callback', response_type: 'code', scope: 'https://www.googleapis.com/auth/contacts', state: 'xyz' })}`, { redirect: 'manual' });
		expect(consent.status).toBe(302);
		const location = new URL(consent.headers.get('location')!);
		expect(location.searchParams.get('state')).toBe('xyz');
		const exchanged = await post({ grant_type: 'authorization_code', code: location.searchParams.get('code')!, redirect_uri: 'http://localhost:5678/rest/oauth2-credential/callback', client_id: sim.clientId, client_secret: sim.clientSecret });
		expect(exchanged.body).toMatchObject({ access_token: expect.stringMatching(/^ya29\./), refresh_token: expect.stringMatching(/^1\/\//) });
		expect((await post({ grant_type: 'authorization_code', code: location.searchParams.get('code')!, redirect_uri: 'http://localhost:5678/rest/oauth2-credential/callback', client_id: sim.clientId, client_secret: sim.clientSecret })).body.error).toBe('invalid_grant');
	});

	test('with rejectConcurrentMutations, a mutation arriving during another fails with 409 ABORTED', async () => {
		const strict = await startGoogleSimulator({ rejectConcurrentMutations: true, mutationDurationMs: 200 });
		try {
			const strictToken = await accessTokenFor(strict);
			const create = () => rawRequest(strict, 'POST', '/v1/people:createContact', { body: { names: [{ givenName: 'Same time' }] }, token: strictToken });
			const answers = await Promise.all([create(), create()]);
			expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
			expect(answers.find((answer) => answer.status === 409)!.body.error.status).toBe('ABORTED');
			expect(strict.state.mutations).toMatchObject({ maxConcurrent: 1, rejectedAsConcurrent: 1 });
			expect((await create()).status).toBe(200);
		} finally {
			await strict.close();
		}
	});
});

describe('control API', () => {
	test('edits as the user bump the etag and show up in the next sync; faults and counters are reachable over HTTP', async () => {
		const control = (method: string, path: string, body?: unknown) => rawRequest(sim, method, `/_sim/${path}`, { body, token: null });
		const full = await connections({ personFields: 'names', pageSize: '1000', requestSyncToken: 'true' });
		const target = full.body.connections[7];
		const edited = await control('PATCH', `contacts/${target.resourceName.slice('people/'.length)}`, { names: [{ givenName: 'Edited', familyName: 'In UI' }] });
		expect(edited.body.etag).not.toBe(target.etag);
		const changes = await connections({ personFields: 'names', syncToken: full.body.nextSyncToken });
		expect(changes.body.connections).toEqual([expect.objectContaining({ resourceName: target.resourceName, names: [expect.objectContaining({ displayName: 'Edited In UI' })] })]);

		await control('POST', 'faults', { route: 'people.get', status: 503, count: 1 });
		expectGoogleError(await call('GET', `/v1/${target.resourceName}`, { query: { personFields: 'names' } }), 503, 'UNAVAILABLE');
		expect((await call('GET', `/v1/${target.resourceName}`, { query: { personFields: 'names' } })).status).toBe(200);
		expect((await control('GET', 'counters')).body['people.get']).toBeGreaterThanOrEqual(2);

		expect((await control('PATCH', 'settings', { latencyMs: 0, nope: 1 })).status).toBe(400);
		expect((await control('POST', 'reset', { contacts: 5 })).body).toEqual({ contacts: 5 });
		expect((await control('GET', 'contacts')).body.contacts).toHaveLength(5);
		await control('POST', 'reset', { contacts: 150 });
	});
});
