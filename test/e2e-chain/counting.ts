/**
 * Counting what the sync asks of the simulators: writes (every create, update, delete or group
 * change, inside a $batch or not) and requests by route.
 */
import type { DynamicsSimulator } from '../simulators/dynamics';
import type { GoogleSimulator } from '../simulators/google';

/** Dynamics routes that change data (`batch:<route>` counts a $batch part). */
const DYNAMICS_WRITE = /^(batch:)?[a-z]+\.(create|update|delete|property|ref)$/;
const GOOGLE_WRITE = /^(people\.(createContact|updateContact|deleteContact|batchCreateContacts|batchUpdateContacts|batchDeleteContacts)|contactGroups\.(create|update|delete|members\.modify))$/;

function sum(counts: Record<string, number>, pattern: RegExp): number {
	return Object.entries(counts)
		.filter(([route]) => pattern.test(route))
		.reduce((total, [, count]) => total + count, 0);
}

/** Records written in Dynamics 365 (each $batch part counts once). */
export const dynamicsWrites = (sim: DynamicsSimulator): number => sum(sim.counters.snapshot(), DYNAMICS_WRITE);

/** Write requests to Google Contacts (a batch call counts once). */
export const googleWrites = (sim: GoogleSimulator): number => sum(sim.counters.snapshot(), GOOGLE_WRITE);

/** Requests to the Dynamics 365 Web API, token requests left out. */
export const dynamicsRequests = (sim: DynamicsSimulator): number => sum(sim.counters.snapshot(), /^(?!entra\.|batch:|control\.)/);

/** Requests to the People API, token requests left out. */
export const googleRequests = (sim: GoogleSimulator): number => sum(sim.counters.snapshot(), /^(people|contactGroups)\./);
