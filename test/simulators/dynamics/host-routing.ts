/**
 * Name resolution for tests: routes fetch() connections for chosen host names (login.microsoftonline.com,
 * an org host such as simorg.crm.dynamics.com) to a local simulator, like an /etc/hosts entry plus a
 * port map. TLS still checks the certificate against the original name, so the simulator's certificate
 * must carry it (startDynamicsSimulator's `hostnames`). MSAL Node does its HTTP with fetch(), so this is
 * how its instance discovery, which always goes to login.microsoftonline.com, reaches the simulator.
 *
 * It swaps globalThis.fetch rather than undici's global dispatcher: jest runs tests in a VM context whose
 * globalThis is not the one Node's own fetch reads its dispatcher from.
 */
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';

/** Sends fetch() connections for each host name to the origin it maps to; returns a function that undoes it. */
export function routeHostsToSimulator(routes: Record<string, string>): () => void {
	const targets = new Map(Object.entries(routes).map(([name, origin]) => [name.toLowerCase(), new URL(origin)]));
	const connect = buildConnector({});
	const agent = new Agent({
		connect: (options, callback) => {
			const target = targets.get(options.hostname.toLowerCase());
			if (!target) return connect(options, callback);
			return connect({ ...options, hostname: target.hostname, port: target.port, servername: options.hostname }, callback);
		},
	});
	const original = globalThis.fetch;
	globalThis.fetch = ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
		undiciFetch(input as Parameters<typeof undiciFetch>[0], { ...(init as object), dispatcher: agent } as Parameters<typeof undiciFetch>[1])) as unknown as typeof fetch;
	return () => {
		globalThis.fetch = original;
		void agent.close();
	};
}
