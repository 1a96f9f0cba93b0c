import { HARD_CASES, seedPeople } from '../common/seed';
import { dynamicsContactFromSeed } from './seed';
import { type DynamicsSimulator, startDynamicsSimulator } from './index';

describe('dynamicsContactFromSeed', () => {
	it('maps names, emails, phones by type, the address, company, birthday, notes and opt-outs to contact columns', () => {
		const [jan, mariaJose, , , cher, , , , zoe, leap, , , optedOut, jose] = HARD_CASES;
		expect(dynamicsContactFromSeed(jan, { accountId: (company) => `id-of-${company}` })).toEqual({
			firstname: 'Jan',
			lastname: 'van der Berg',
			emailaddress1: 'jan.vanderberg@example.nl',
			telephone1: '+31 20 123 4567',
			jobtitle: 'Directeur',
			address1_line1: 'Keizersgracht 123',
			address1_city: 'Amsterdam',
			address1_stateorprovince: 'Noord-Holland',
			address1_postalcode: '1015 CJ',
			address1_country: 'Netherlands',
			birthdate: '1975-04-30',
			'parentcustomerid_account@odata.bind': '/accounts(id-of-Berg & Zonen)',
		});
		expect(dynamicsContactFromSeed(mariaJose)).toMatchObject({ emailaddress1: 'mj.garcia@example.es', emailaddress2: 'mariajose@example.com', mobilephone: '+34 612 34 56 78', description: 'Prefiere español.\nLlamar por la tarde.' });
		expect(dynamicsContactFromSeed(mariaJose)).not.toHaveProperty('parentcustomerid_account@odata.bind');
		expect(dynamicsContactFromSeed(cher)).toEqual({ lastname: 'Cher', emailaddress1: 'cher@example.com' });
		expect(dynamicsContactFromSeed(zoe)).toMatchObject({ middlename: 'Ann', telephone1: '0049 30 1234567', fax: '+49 (0)30 1234568', department: 'Einkauf', birthdate: '2000-02-29' });
		expect(dynamicsContactFromSeed(leap)).toMatchObject({ mobilephone: '+1 (555) 010-0000', telephone2: '555-010-0002 ext. 12' });
		expect(dynamicsContactFromSeed(optedOut)).toMatchObject({ donotemail: true, donotbulkemail: true });
		expect(dynamicsContactFromSeed(jose)).toMatchObject({ address1_line1: 'Rua Augusta, 1500', address1_line2: 'Apto 12', address1_city: 'São Paulo' });
	});
});

describe('seeded org', () => {
	let sim: DynamicsSimulator;
	beforeAll(async () => {
		sim = await startDynamicsSimulator({ contacts: 300, seed: 5 });
	});
	afterAll(() => sim.close());

	it('holds every seed person as a valid contact, owners spread over people, the app and a team, some inactive', () => {
		const contacts = sim.state.listContacts();
		expect(contacts).toHaveLength(300);
		const people = seedPeople(300, { seed: 5 });
		const emails = new Set(contacts.map((record) => record.values.emailaddress1));
		for (const person of people) if (person.emails[0]) expect(emails.has(person.emails[0])).toBe(true);
		const ownerKinds = new Set(contacts.map((record) => (record.values.ownerid as { entity: string }).entity));
		expect(ownerKinds).toEqual(new Set(['systemuser', 'team']));
		const owners = new Set(contacts.map((record) => (record.values.ownerid as { id: string }).id));
		expect(owners.has(sim.applicationUserId)).toBe(true);
		expect(owners.size).toBeGreaterThanOrEqual(5);
		expect(contacts.filter((record) => record.values.statecode === 1)).toHaveLength(Math.floor(300 / 11));
		// Seeded contacts are written by people, so the sync does not take them for its own echoes.
		expect(contacts.some((record) => (record.values.modifiedby as { id: string }).id === sim.applicationUserId)).toBe(false);
		const companies = new Set(sim.state.records('account').map((record) => record.values.name));
		for (const person of people) if (person.company) expect(companies.has(person.company)).toBe(true);
	});
});
