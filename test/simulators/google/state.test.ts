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
