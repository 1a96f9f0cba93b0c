/**
 * Real records for the mapping tests, from the simulators' own state (records without HTTP; the
 * columns over HTTPS, as the client reads them):
 * - Dynamics contacts as the Dataverse simulator seeds, stores and reads them (the Web API's JSON
 *   with every formatted-value and lookup annotation), and the org's contact columns as the
 *   Dynamics client reads them from the simulator's metadata (custom columns included);
 * - Google contacts as the People simulator creates them (resource names, primary flags, display
 *   names, canonical phone forms).
 */
import { GoogleState } from '../../simulators/google/state';
import { personFromSeed } from '../../simulators/google/seed';
import { DynamicsState } from '../../simulators/dynamics/state';
import { seedContacts } from '../../simulators/dynamics/seed';
import { recordJson } from '../../simulators/dynamics/records';
import { startDynamicsSimulator } from '../../simulators/dynamics';
import { CONTACT } from '../../simulators/dynamics/schema';
import { createSelfSignedCertificate } from '../../simulators/tls';
import type { SeedPerson } from '../../simulators/common/seed';
import { readFields } from '../../../lib/dynamics/metadata';
import type { FieldDescriptor } from '../../../lib/model/fields';
import { simulatorClient } from '../dynamics/simulator-client';
import type { GooglePerson } from '../../../lib/google/fields';

type Json = Record<string, unknown>;

/** A simulated Dataverse org in memory: seeded contacts, writes as Dataverse validates them, reads as the Web API returns them. */
export class DynamicsTestOrg {
	readonly state = new DynamicsState({ certificate: createSelfSignedCertificate('n8n mapping tests') });

	/** Seeds the first `count` seed people (as seedPeople(count) lists them) and reads them back. */
	seed(count: number): Json[] {
		return seedContacts(this.state, count).map((record) => this.read(record.id));
	}

	/** A contact as GET contacts(<id>) returns it with Prefer: odata.include-annotations="*". */
	read(id: string): Json {
		const record = this.state.get(CONTACT.logicalName, id);
		if (!record) throw new Error(`no contact ${id}`);
		return recordJson(CONTACT, record, { annotate: () => true, nameOf: (ref) => this.state.nameOf(ref) });
	}

	/** POST contacts: the body is validated as Dataverse does (types, MaxLength, option values). */
	create(body: Json): Json {
		return this.read(this.state.createRecord(CONTACT.logicalName, body).id);
	}

	/** PATCH contacts(<id>). */
	update(id: string, body: Json): Json {
		return this.read(this.state.updateRecord(CONTACT.logicalName, id, body).id);
	}

	/**
	 * The org's contact columns as the Dynamics client reads them (its metadata queries, in one $batch)
	 * from a simulator serving the same schema.
	 */
	async fields(): Promise<FieldDescriptor[]> {
		const simulator = await startDynamicsSimulator();
		try {
			return await readFields(simulatorClient(simulator), 'contact');
		} finally {
			await simulator.close();
		}
	}
}

/** Seed people as the Google simulator stores them (resourceName, etag, metadata, primary flags). */
export function googleContacts(people: SeedPerson[], state = new GoogleState()): GooglePerson[] {
	return people.map((person) => state.createContact(personFromSeed(person)) as unknown as GooglePerson);
}

/** updateContact as the People API does it: the Person fields in `values` replaced whole, the etag checked. */
export function updateGoogleContact(state: GoogleState, current: GooglePerson, values: Record<string, unknown>): GooglePerson {
	const resourceName = current.resourceName as string;
	return state.updateContact(resourceName, { ...values, etag: current.etag }, new Set(Object.keys(values))) as unknown as GooglePerson;
}
