/**
 * The Contact Field Mapping's test bed: both simulators, an n8n harness with a Dynamics 365 and a
 * Google Contacts credential pointed at them, one without credentials (the standard columns), and
 * contacts as the triggers emit them, read over the simulators' APIs.
 */
import type { ICredentialDataDecryptedObject, IDataObject } from 'n8n-workflow';
import { N8nHarness } from '../../harness/n8n';
import { simulatorClient, simulatorCredential } from '../../lib/dynamics/simulator-client';
import { startDynamicsSimulator, type DynamicsSimulator } from '../../simulators/dynamics';
import { startGoogleSimulator, type GoogleSimulator } from '../../simulators/google';
import { n8nCredentialFor, peopleApiFor } from '../../simulators/google/testing';

export const MAPPING = 'n8n-nodes-dynamics365-sync.contactFieldMapping';

const PACKAGE = {
	packageName: 'n8n-nodes-dynamics365-sync',
	nodes: ['nodes/ContactFieldMapping/ContactFieldMapping.node.ts'],
	credentials: ['credentials/MicrosoftDynamics365Api.credentials.ts', 'credentials/GoogleContactsSyncOAuth2Api.credentials.ts'],
};

/** Every Person field the sync reads, as the Google Contacts trigger asks for them. */
export const PERSON_FIELDS = 'names,emailAddresses,phoneNumbers,addresses,organizations,birthdays,biographies,userDefined,clientData,memberships,metadata';

export interface Testbed {
	dynamics: DynamicsSimulator;
	google: GoogleSimulator;
	/** With both credentials saved, so the node has them. */
	n8n: N8nHarness;
	/** Without credentials: the node knows the standard contact columns only. */
	offline: N8nHarness;
	close(): Promise<void>;
}

export async function startTestbed(options: { dynamicsContacts?: number; googleContacts?: number } = {}): Promise<Testbed> {
	const dynamics = await startDynamicsSimulator({ contacts: options.dynamicsContacts ?? 0 });
	const google = await startGoogleSimulator({ contacts: options.googleContacts ?? 0 });
	const credentials = {
		microsoftDynamics365Api: simulatorCredential(dynamics) as ICredentialDataDecryptedObject,
		googleContactsSyncOAuth2Api: (await n8nCredentialFor(google)) as ICredentialDataDecryptedObject,
	};
	const [n8n, offline] = await Promise.all([N8nHarness.create({ packages: [PACKAGE], credentials }), N8nHarness.create({ packages: [PACKAGE] })]);
	return {
		dynamics,
		google,
		n8n,
		offline,
		close: async () => {
			await dynamics.close();
			await google.close();
		},
	};
}

/** The org's contacts as the Dynamics 365 trigger emits them: `{ event, contactId, modifiedOn, contact }`, the contact with every annotation. */
export async function dynamicsTriggerItems(dynamics: DynamicsSimulator): Promise<IDataObject[]> {
	const contacts = await simulatorClient(dynamics).getAll<IDataObject>('contacts', { includeAnnotations: true });
	return contacts.map((contact) => ({ event: 'updated', contactId: contact.contactid, modifiedOn: contact.modifiedon, contact }));
}

/** The account's contacts as the Google Contacts trigger emits them: `{ event, resourceName, person }`. */
export async function googleTriggerItems(google: GoogleSimulator): Promise<IDataObject[]> {
	const { api } = peopleApiFor(google);
	const { data } = await api.people.connections.list({ resourceName: 'people/me', personFields: PERSON_FIELDS, pageSize: 1000 });
	return (data.connections ?? []).map((person) => ({ event: 'updated', resourceName: person.resourceName, person: person as IDataObject }));
}
