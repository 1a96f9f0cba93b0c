/**
 * `npm run sim`: starts the Dynamics 365 and Google People API simulators, seeds both with the same
 * people, prints one JSON line with everything a client (or an n8n credential) needs, and runs until
 * SIGINT or SIGTERM.
 *
 *   npm run sim -- --contacts 500 --seed 7 --latency-ms 20 --port-dynamics 8443 --port-google 8092
 */
import { startDynamicsSimulator, type DynamicsSimulator } from './dynamics';
import { startGoogleSimulator, type GoogleSimulator } from './google';

interface CliOptions {
	contacts: number;
	seed: number;
	latencyMs: number;
	portDynamics?: number;
	portGoogle?: number;
}

const USAGE = 'usage: npm run sim -- [--contacts N (default 200)] [--seed N (default 42)] [--latency-ms N] [--port-dynamics PORT] [--port-google PORT]';

const FLAGS: Record<string, keyof CliOptions> = {
	'--contacts': 'contacts',
	'--seed': 'seed',
	'--latency-ms': 'latencyMs',
	'--port-dynamics': 'portDynamics',
	'--port-google': 'portGoogle',
};

export function parseArguments(args: string[]): CliOptions {
	const options: CliOptions = { contacts: 200, seed: 42, latencyMs: 0 };
	for (let index = 0; index < args.length; index++) {
		const [flag, inline] = args[index].split('=', 2);
		const key = FLAGS[flag];
		if (!key) throw new Error(`unknown option "${args[index]}"\n${USAGE}`);
		const value = inline ?? args[++index];
		if (value === undefined || !/^\d+$/.test(value)) throw new Error(`${flag} needs a whole number, got ${value === undefined ? 'nothing' : `"${value}"`}\n${USAGE}`);
		const number = Number(value);
		if (key.startsWith('port') && (number < 1 || number > 65535)) throw new Error(`${flag} must be a port between 1 and 65535, got ${number}`);
		options[key] = number;
	}
	return options;
}

/** The one line `npm run sim` prints: connection settings for both simulators. */
export function connectionInfo(dynamics: DynamicsSimulator, google: GoogleSimulator) {
	return {
		dynamics: {
			url: dynamics.url,
			apiUrl: dynamics.apiUrl,
			httpUrl: dynamics.httpUrl,
			authorityHost: dynamics.authorityHost,
			tenantId: dynamics.tenantId,
			clientId: dynamics.clientId,
			clientSecret: dynamics.clientSecret,
			caCertPath: dynamics.caCertPath,
			applicationUserId: dynamics.applicationUserId,
			certificateThumbprint: dynamics.certificate.thumbprintSha1,
		},
		google: {
			rootUrl: google.rootUrl,
			tokenUrl: google.tokenUrl,
			authUrl: google.authUrl,
			clientId: google.clientId,
			clientSecret: google.clientSecret,
			refreshToken: google.refreshToken,
			controlUrl: `${google.rootUrl}_sim/`,
		},
	};
}

export async function startSimulators(options: CliOptions): Promise<{ dynamics: DynamicsSimulator; google: GoogleSimulator; close(): Promise<void> }> {
	const google = await startGoogleSimulator({ contacts: options.contacts, seed: options.seed, latencyMs: options.latencyMs, port: options.portGoogle });
	let dynamics: DynamicsSimulator;
	try {
		dynamics = await startDynamicsSimulator({ contacts: options.contacts, seed: options.seed, latencyMs: options.latencyMs, port: options.portDynamics });
	} catch (error) {
		await google.close();
		throw error;
	}
	return { dynamics, google, close: async () => void (await Promise.all([dynamics.close(), google.close()])) };
}

async function main(): Promise<void> {
	let options: CliOptions;
	try {
		options = parseArguments(process.argv.slice(2));
	} catch (error) {
		process.stderr.write(`${(error as Error).message}\n`);
		process.exit(2);
	}
	const simulators = await startSimulators(options);
	process.stdout.write(`${JSON.stringify(connectionInfo(simulators.dynamics, simulators.google))}\n`);
	let stopping = false;
	const stop = () => {
		if (stopping) return;
		stopping = true;
		simulators.close().then(() => process.exit(0), () => process.exit(1));
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

if (require.main === module) {
	main().catch((error) => {
		process.stderr.write(`the simulators could not start: ${error instanceof Error ? error.message : String(error)}\n`);
		process.exit(1);
	});
}
