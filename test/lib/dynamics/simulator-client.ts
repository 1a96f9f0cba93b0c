/**
 * Settings and clients aimed at a running Dynamics simulator, the way a user would fill in the
 * credential for it ("Use Custom Endpoint" with the simulator as org and authority host).
 */
import { DynamicsSettings, parseDynamicsSettings } from '../../../lib/dynamics/settings';
import { dynamicsTokenProvider } from '../../../lib/dynamics/auth';
import { DynamicsClient, DynamicsClientOptions } from '../../../lib/dynamics/client';
import { authenticatedTransport } from '../../../lib/http/bearer';
import { HttpRequest, HttpTransport, nodeHttpTransport } from '../../../lib/http/transport';
import type { DynamicsSimulator } from '../../simulators/dynamics';

/** Credential values as n8n stores them: strings and booleans. */
export type CredentialFields = Record<string, string | boolean>;

export function simulatorCredential(sim: DynamicsSimulator, overrides: CredentialFields = {}): CredentialFields {
	return {
		rootServiceAddress: sim.url,
		apiVersion: '9.2',
		tenantId: sim.tenantId,
		clientId: sim.clientId,
		authentication: 'clientSecret',
		clientSecret: sim.clientSecret,
		useCustomEndpoint: true,
		customAuthorityHost: sim.authorityHost,
		...overrides,
	};
}

export function simulatorSettings(sim: DynamicsSimulator, overrides: CredentialFields = {}): DynamicsSettings {
	return parseDynamicsSettings(simulatorCredential(sim, overrides));
}

export function simulatorTransport(sim: DynamicsSimulator): HttpTransport {
	return nodeHttpTransport({ ca: sim.caCertPem });
}

export interface SimulatorClientOptions {
	client?: Partial<DynamicsClientOptions>;
	credential?: CredentialFields;
	/** Sees every request on the wire (token requests included, Authorization header set). */
	observe?: (request: HttpRequest) => void;
}

/** A client that gets its tokens from the simulator's Entra endpoints with MSAL. Retries do not wait unless told to. */
export function simulatorClient(sim: DynamicsSimulator, options: SimulatorClientOptions = {}): DynamicsClient {
	const settings = simulatorSettings(sim, options.credential);
	const wire = simulatorTransport(sim);
	const transport: HttpTransport = options.observe
		? (request) => {
				options.observe!(request);
				return wire(request);
			}
		: wire;
	return new DynamicsClient({
		transport: authenticatedTransport(transport, dynamicsTokenProvider(settings, transport)),
		apiBaseUrl: settings.apiBaseUrl,
		retry: { baseDelayMs: 2, maxDelayMs: 10, sleep: async () => undefined },
		...options.client,
	});
}
