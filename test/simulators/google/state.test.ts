import { GoogleState } from './state';

const listing = (state: GoogleState, syncToken?: string) =>
	state.listConnections({ personFields: new Set(['names']), pageSize: 100, syncToken, requestSyncToken: true, sortOrder: 'LAST_MODIFIED_ASCENDING', sources: [] });

describe('GoogleState sync listings', () => {
	it('list each person changed since the token once, in the order of their last change, deletions as tombstones', () => {
		const state = new GoogleState();
		const [ann, bob, cy, dee] = ['Ann', 'Bob', 'Cy', 'Dee'].map((givenName) => state.createContact({ names: [{ givenName }] }).resourceName!);
		const syncToken = listing(state).nextSyncToken!;
		state.editAsUser(ann, { names: [{ givenName: 'Anne' }] });
		state.editAsUser(bob, { names: [{ givenName: 'Rob' }] });
		state.editAsUser(ann, { names: [{ givenName: 'Annie' }] });
		state.deleteContact(cy);
		const eve = state.createContact({ names: [{ givenName: 'Eve' }] }).resourceName!;

		const changes = listing(state, syncToken);
		expect(changes.connections?.map((person) => [person.resourceName, person.names?.[0]?.givenName ?? (person.metadata?.deleted ? 'deleted' : '')])).toEqual([
			[bob, 'Rob'],
			[ann, 'Annie'],
			[cy, 'deleted'],
			[eve, 'Eve'],
		]);
		expect(changes.connections?.map((person) => person.resourceName)).not.toContain(dee);
		expect(listing(state, changes.nextSyncToken!).connections).toBeUndefined();
	});
});

describe('GoogleState writes without copies', () => {
	it("normalises a caller's object as a copy, leaving it as it was", () => {
		const state = new GoogleState();
		const input = { names: [{ givenName: 'Ada', familyName: 'Lovelace', displayName: 'stale' }], phoneNumbers: [{ value: '425 555 0100', type: 'mobile' }] };
		const before = JSON.stringify(input);
		const first = state.createContact(input);
		const second = state.createContact(input);
		expect(JSON.stringify(input)).toBe(before);
		expect(first.names?.[0]?.displayName).toBe('Ada Lovelace');
		expect(second.phoneNumbers?.[0]?.canonicalForm).toBe('+14255550100');
	});

	it('normalises a parsed body in place, but never the default membership every new contact gets', () => {
		const state = new GoogleState();
		const parsed = JSON.parse('[{"names":[{"givenName":"One"}]},{"names":[{"givenName":"Two"}]}]') as unknown[];
		const created = state.createContacts(parsed, true);
		const later = state.createContact(JSON.parse('{"names":[{"givenName":"Three"}]}'), true);
		for (const person of [...created, later]) {
			const sourceId = person.metadata?.sources?.[0]?.id;
			expect(person.memberships?.map((membership) => [membership.contactGroupMembership?.contactGroupResourceName, membership.metadata?.source?.id])).toEqual([['contactGroups/myContacts', sourceId]]);
		}
		expect(created[0].names).toBe((parsed[0] as { names: unknown }).names);
	});

	it('stores an update as a new version, leaving the previous one as it was', () => {
		const state = new GoogleState();
		const first = state.createContact({ names: [{ givenName: 'Old' }], emailAddresses: [{ value: 'old@example.com' }] });
		const before = JSON.stringify(first);
		const updated = state.updateContact(first.resourceName!, JSON.parse(`{"etag":"${first.etag}","names":[{"givenName":"New"}]}`), new Set(['names', 'organizations']), true);
		expect(JSON.stringify(first)).toBe(before);
		expect(updated.names?.[0]?.givenName).toBe('New');
		expect(updated.emailAddresses).toEqual(first.emailAddresses);
		expect(updated.etag).not.toBe(first.etag);
		expect(state.getFull(first.resourceName!)?.names?.[0]?.displayName).toBe('New');
	});
});

describe('GoogleState field types', () => {
	it('refuses a non-string where the API has a string field, naming the item, and stores nothing of the call', () => {
		const state = new GoogleState();
		expect(() => state.createContact({ phoneNumbers: [{ value: 42 as unknown as string }] })).toThrow("Invalid value at 'person.phoneNumbers[0].value' (TYPE_STRING), 42");
		const good = { names: [{ givenName: 'Ada' }] };
		const flagged = { emailAddresses: [{ value: 'bo@example.com', type: true as unknown as string }] };
		expect(() => state.createContacts([good, flagged])).toThrow("Invalid value at 'contacts[1].contact_person.emailAddresses[0].type' (TYPE_STRING), true");
		expect(state.contactCount).toBe(0);
		// Nulls, dates, flags and nested messages are what the schema has there.
		const typed = state.createContact({ organizations: [{ name: 'Acme', current: true, startDate: { year: 2020, month: 1, day: 2 } }], phoneNumbers: [{ value: '425 555 0100', type: null as unknown as string }] });
		expect(typed.organizations?.[0]?.current).toBe(true);
		expect(state.contactCount).toBe(1);
	});
});
