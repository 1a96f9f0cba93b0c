/**
 * Seed people as Dynamics contacts: the column mapping (exported for round-trip mapping tests) and
 * a seeder that spreads owners over users and a team, links companies as parent accounts, makes some
 * contacts inactive, and dates them over the past so modifiedon watermarks have something to do.
 */
import { type SeedPerson, type SeedPhoneType, seedPeople } from '../common/seed';
import type { EntityRecord } from './records';
import { CONTACT, entityByName, stableGuid } from './schema';
import type { DynamicsState } from './state';

const PHONE_COLUMNS: Record<SeedPhoneType, string> = {
	business: 'telephone1',
	home: 'telephone2',
	mobile: 'mobilephone',
	fax: 'fax',
};

export interface SeedContactOptions {
	/** The id of the account for the person's company; without it, parentcustomerid stays empty. */
	accountId?: (company: string) => string;
}

/**
 * The contact columns of a seed person, as a Web API create body: emails → emailaddress1..3, phones by
 * type (business → telephone1, home → telephone2, mobile → mobilephone, fax → fax; the first of each
 * type), address → address1_* (street lines split on line breaks), company → parent account,
 * birthday → birthdate, notes → description, the two email opt-outs. Empty values are left out.
 */
export function dynamicsContactFromSeed(person: SeedPerson, options: SeedContactOptions = {}): Record<string, unknown> {
	const body: Record<string, unknown> = {};
	const set = (column: string, value: string | boolean | undefined) => {
		if (value !== undefined && value !== '') body[column] = value;
	};
	set('firstname', person.firstName);
	set('middlename', person.middleName);
	set('lastname', person.lastName);
	person.emails.slice(0, 3).forEach((email, index) => set(`emailaddress${index + 1}`, email));
	for (const phone of person.phones) {
		if (!(PHONE_COLUMNS[phone.type] in body)) set(PHONE_COLUMNS[phone.type], phone.value);
	}
	set('jobtitle', person.jobTitle);
	set('department', person.department);
	if (person.address) {
		person.address.street.split(/\r?\n/).slice(0, 3).forEach((line, index) => set(`address1_line${index + 1}`, line));
		set('address1_city', person.address.city);
		set('address1_stateorprovince', person.address.region);
		set('address1_postalcode', person.address.postalCode);
		set('address1_country', person.address.country);
	}
	set('birthdate', person.birthday);
	set('description', person.notes);
	if (person.doNotEmail !== undefined) body.donotemail = person.doNotEmail;
	if (person.doNotBulkEmail !== undefined) body.donotbulkemail = person.doNotBulkEmail;
	if (person.company && options.accountId) body['parentcustomerid_account@odata.bind'] = `/accounts(${options.accountId(person.company)})`;
	return body;
}

export interface SeedOptions {
	seed?: number;
	/** Continue a previous seed: people (and ids) from this index on. */
	offset?: number;
}

/** Every this many contacts one is inactive (statecode 1). */
const INACTIVE_EVERY = 11;

/** Adds `count` seed contacts, written by people of the org (not the app), and returns them. */
export function seedContacts(state: DynamicsState, count: number, options: SeedOptions = {}): EntityRecord[] {
	const seed = options.seed ?? 42;
	const offset = options.offset ?? 0;
	const owners = state.owners();
	const writers = owners.filter((owner) => owner.entity === 'systemuser' && owner.id !== state.app.applicationUserId);
	const people = seedPeople(count, { seed, offset });
	const now = state.now().getTime();
	const accounts = new Map<string, string>();
	const accountId = (company: string) => accounts.get(company) ?? accounts.set(company, state.accountNamed(company)).get(company) as string;
	return people.map((person, position) => {
		const index = offset + position;
		const owner = owners[index % owners.length];
		const as = writers[index % writers.length].id;
		const body = dynamicsContactFromSeed(person, { accountId });
		body['ownerid@odata.bind'] = `/${entityByName(owner.entity)?.entitySetName}(${owner.id})`;
		const at = new Date(now - (count - position) * 60_000);
		let record = state.createRecord(CONTACT.logicalName, body, { as, at, id: stableGuid(`contact:${seed}:${index}`) });
		if (index % INACTIVE_EVERY === INACTIVE_EVERY - 1) record = state.updateRecord(CONTACT.logicalName, record.id, { statecode: 1 }, { as, at });
		return record;
	});
}
