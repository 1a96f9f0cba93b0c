import { clearMetadataCache, listSystemUsers, listTeams, readEntityDefinition, readFields } from '../../../lib/dynamics/metadata';
import type { FieldDescriptor } from '../../../lib/model/fields';
import { startDynamicsSimulator, type DynamicsSimulator } from '../../simulators/dynamics';
import { simulatorClient } from './simulator-client';
import type { DynamicsClient } from '../../../lib/dynamics/client';

let sim: DynamicsSimulator;
let client: DynamicsClient;

beforeAll(async () => {
	sim = await startDynamicsSimulator();
	client = simulatorClient(sim);
});
afterAll(() => sim.close());
beforeEach(() => {
	clearMetadataCache();
	sim.counters.reset();
});

/** Requests that read metadata: single ones, and $batch requests (the batch's parts are counted apart, as batch:<route>). */
const metadataRequests = () => Object.entries(sim.counters.snapshot()).reduce((sum, [route, count]) => (route.startsWith('metadata') || route === 'batch' ? sum + count : sum), 0);

describe('readFields', () => {
	let fields: Map<string, FieldDescriptor>;

	beforeEach(async () => {
		fields = new Map((await readFields(client)).map((field) => [field.name, field]));
	});

	it('returns the custom columns with their types and options', () => {
		expect(fields.get('new_preferredchannel')).toEqual({
			app: 'dynamics',
			name: 'new_preferredchannel',
			label: 'Preferred Channel',
			type: 'choice',
			writable: true,
			custom: true,
			options: [
				{ value: 100000000, label: 'Email' },
				{ value: 100000001, label: 'Phone' },
				{ value: 100000002, label: 'Text Message' },
				{ value: 100000003, label: 'Post' },
			],
		});
		expect(fields.get('new_interests')).toMatchObject({ type: 'multiChoice', custom: true, options: expect.arrayContaining([{ value: 100000001, label: 'Events' }]) });
		expect(fields.get('new_customernumber')).toMatchObject({ type: 'text', maxLength: 20, custom: true });
		expect(fields.get('new_loyaltypoints')).toMatchObject({ type: 'integer', custom: true });
		expect(fields.get('new_vip')).toMatchObject({ type: 'boolean', custom: true });
	});

	it('describes the standard columns from their typed metadata', () => {
		expect(fields.get('emailaddress1')).toMatchObject({ label: 'Email', type: 'email', maxLength: 100, writable: true, custom: false });
		expect(fields.get('telephone1')).toMatchObject({ label: 'Business Phone', type: 'phone', maxLength: 50 });
		expect(fields.get('description')).toMatchObject({ type: 'multilineText', maxLength: 2000 });
		expect(fields.get('birthdate')).toMatchObject({ type: 'date' });
		expect(fields.get('modifiedon')).toMatchObject({ type: 'datetime', writable: false });
		expect(fields.get('fullname')).toMatchObject({ writable: false });
		expect(fields.get('statuscode')!.options).toEqual([
			{ value: 1, label: 'Active' },
			{ value: 2, label: 'Inactive' },
		]);
		expect(fields.get('ownerid')).toMatchObject({ type: 'owner', writable: false });
		expect(fields.has('parentcustomeridname')).toBe(false);
	});

	it('reads every column in one request (the base query and the casts in one $batch), then answers from the per-process cache until the TTL passes', async () => {
		clearMetadataCache();
		sim.counters.reset();
		let now = 1_000;
		await readFields(client, 'contact', { now: () => now });
		const firstRead = metadataRequests();
		expect(firstRead).toBe(1);
		expect(sim.counters.snapshot()).toEqual({ batch: 1, 'batch:metadata.attributes': 8 });
		await readFields(client, 'contact', { now: () => now });
		expect(metadataRequests()).toBe(firstRead);
		now += 11 * 60_000;
		await readFields(client, 'contact', { now: () => now });
		expect(metadataRequests()).toBe(2 * firstRead);
	});

	it('does not cache a failed read', async () => {
		clearMetadataCache();
		const withoutRetries = simulatorClient(sim, { client: { retry: false } });
		sim.faults.add({ route: 'batch', status: 500, count: 1 });
		await expect(readFields(withoutRetries)).rejects.toThrow('Dynamics 365 answered 500');
		expect((await readFields(withoutRetries)).length).toBeGreaterThan(50);
	});
});

describe('entity definition and owners', () => {
	it('reads whether the table tracks changes and its keys', async () => {
		expect(await readEntityDefinition(client, 'contact')).toMatchObject({
			LogicalName: 'contact',
			EntitySetName: 'contacts',
			PrimaryIdAttribute: 'contactid',
			ChangeTrackingEnabled: true,
			IsOptimisticConcurrencyEnabled: true,
		});
		await expect(readEntityDefinition(client, "contact') or ('1")).rejects.toThrow('is not a table logical name');
	});

	it('lists enabled users and teams for owner pickers', async () => {
		const users = await listSystemUsers(client);
		expect(users.map((user) => user.id)).toContain(sim.applicationUserId);
		expect(users.every((user) => user.kind === 'systemuser' && user.name.length > 0)).toBe(true);
		expect(users.find((user) => user.name === 'Alex Wilber')).toMatchObject({ email: 'alex.wilber@simorg.onmicrosoft.com' });
		const teams = await listTeams(client);
		expect(teams.map((team) => team.name)).toContain('Sales Team');
		expect(teams.every((team) => team.kind === 'team')).toBe(true);
	});
});
