/**
 * Starts the Dynamics 365 simulator: the Dataverse Web API (HTTPS, and plain HTTP on a second port)
 * and the Entra ID endpoints MSAL needs, on one in-memory org.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { randomBytes } from 'crypto';
import { RequestCounters } from '../common/counters';
import { FaultInjector } from '../common/faults';
import { type ResponseObserver, type RunningServer, serve } from '../common/http';
import { type CertificateAuthority, TEST_CA_CERT_PATH, createCertificateAuthority, createSelfSignedCertificate, loadTestCertificateAuthority } from '../tls';
import { executeBatch } from './batch';
import { controlRouter } from './control';
import { PageCursors } from './query';
import { createRouter, faultBody, internalError, notFound } from './routes';
import { seedContacts } from './seed';
import { DynamicsState } from './state';
import { API_PATH } from './wire';

export { DynamicsState } from './state';
export { dynamicsContactFromSeed, seedContacts } from './seed';
export { routeHostsToSimulator } from './host-routing';

export interface DynamicsSimulatorOptions {
	/** Seed contacts to create at start (default 0). */
	contacts?: number;
	seed?: number;
	tokenLifetimeSeconds?: number;
	/** Default: generate one (the jest run's test CA when global-setup made one). */
	ca?: CertificateAuthority;
	/** How long a delta link stays valid (default 7 days, Dataverse's default retention). */
	changeTrackingTokenLifetimeSeconds?: number;
	/** Added to every request. */
	latencyMs?: number;
	/** The HTTPS port (default: a free one); the plain-http twin always takes a free one. */
	port?: number;
	/**
	 * Extra DNS names for the HTTPS certificate and the accepted org URLs, for tests that route real host
	 * names to the simulator (see routeHostsToSimulator). Default: login.microsoftonline.com and simorg.crm.dynamics.com.
	 */
	hostnames?: string[];
	/** Sees each answer (see ServeOptions.onResponse); $batch parts are inside the batch's answer. */
	onResponse?: ResponseObserver;
}

export interface DynamicsSimulator {
	/** The https org root, e.g. https://127.0.0.1:PORT (the API is at /api/data/v9.2/). */
	url: string;
	/** The same API over plain http on another port. */
	httpUrl: string;
	/** The https origin of the Entra endpoints (/{tenant}/oauth2/v2.0/token, discovery, OIDC metadata). */
	authorityHost: string;
	tenantId: string;
	clientId: string;
	clientSecret: string;
	certificate: { privateKeyPem: string; certificatePem: string; thumbprintSha1: string; thumbprintSha256: string };
	/** The systemuser WhoAmI returns for the app (modifiedby of its writes). */
	applicationUserId: string;
	caCertPem: string;
	caCertPath: string;
	/** In-process access for tests: read and edit records directly. */
	state: DynamicsState;
	faults: FaultInjector;
	counters: RequestCounters;
	/** The API root over https: `${url}/api/data/v9.2`. */
	apiUrl: string;
	/** The host names the HTTPS certificate and org URLs accept besides 127.0.0.1 and localhost. */
	hostnames: string[];
	close(): Promise<void>;
}

const DEFAULT_HOSTNAMES = ['login.microsoftonline.com', 'simorg.crm.dynamics.com'];

/** The CA to issue the server certificate from, and a file holding its certificate for clients to trust. */
function certificateAuthority(given: CertificateAuthority | undefined): { ca: CertificateAuthority; caCertPath: string; temporary: boolean } {
	const testCa = given ? undefined : loadTestCertificateAuthority();
	if (testCa && fs.existsSync(TEST_CA_CERT_PATH)) return { ca: testCa, caCertPath: TEST_CA_CERT_PATH, temporary: false };
	const ca = given ?? createCertificateAuthority();
	const caCertPath = path.join(os.tmpdir(), `dynamics-simulator-ca-${process.pid}-${randomBytes(4).toString('hex')}.pem`);
	fs.writeFileSync(caCertPath, ca.caCertPem);
	return { ca, caCertPath, temporary: true };
}

export async function startDynamicsSimulator(options: DynamicsSimulatorOptions = {}): Promise<DynamicsSimulator> {
	const { ca, caCertPath, temporary } = certificateAuthority(options.ca);
	const hostnames = options.hostnames ?? DEFAULT_HOSTNAMES;
	const serverCertificate = ca.issue(['127.0.0.1', 'localhost', ...hostnames]);
	const state = new DynamicsState({
		certificate: createSelfSignedCertificate('n8n Dynamics 365 Sync'),
		tokenLifetimeSeconds: options.tokenLifetimeSeconds,
		changeTrackingTokenLifetimeSeconds: options.changeTrackingTokenLifetimeSeconds,
		latencyMs: options.latencyMs,
	});
	const faults = new FaultInjector(options.seed ?? 1);
	const counters = new RequestCounters();
	const cursors = new PageCursors();
	const ports = { https: 0, http: 0 };
	const url = () => `https://127.0.0.1:${ports.https}`;
	const hosts = () => [`127.0.0.1:${ports.https}`, `localhost:${ports.https}`, ...hostnames];
	/** What a client needs to connect (the control API's info, and the simulator object). */
	const connection = () => ({
		url: url(),
		httpUrl: `http://127.0.0.1:${ports.http}`,
		apiUrl: `${url()}${API_PATH}`,
		authorityHost: url(),
		tenantId: state.tenantId,
		clientId: state.app.clientId,
		clientSecret: state.app.clientSecret,
		certificate: state.app.certificate,
		applicationUserId: state.app.applicationUserId,
		caCertPath,
	});
	const orgUrls = () => [
		...hosts().map((host) => `https://${host}`),
		`http://127.0.0.1:${ports.http}`,
		`http://localhost:${ports.http}`,
	];
	const control = controlRouter({
		state,
		faults,
		counters,
		cursors,
		info: () => connection(),
	});
	const { router } = createRouter(
		{ state, cursors, counters, hosts, orgUrls, authorityHost: url },
		{ control, batch: (request, dispatch) => executeBatch(state, request, dispatch) },
	);
	const shell = {
		router,
		notFound,
		internalError: (_request: unknown, error: unknown) => internalError(error),
		faultBody: (status: number, _retryAfter: number | undefined, route: string) => faultBody(state, status, route),
		faults,
		counters,
		onResponse: options.onResponse,
	};
	const servers: RunningServer[] = [];
	try {
		servers.push(await serve({ ...shell, port: options.port, tls: { key: serverCertificate.keyPem, cert: serverCertificate.certPem } }));
		servers.push(await serve(shell));
	} catch (error) {
		await Promise.all(servers.map((server) => server.close()));
		throw error;
	}
	const [httpsServer, httpServer] = servers;
	ports.https = httpsServer.port;
	ports.http = httpServer.port;
	if (options.contacts) seedContacts(state, options.contacts, { seed: options.seed });

	return {
		...connection(),
		caCertPem: ca.caCertPem,
		hostnames,
		state,
		faults,
		counters,
		close: async () => {
			await Promise.all(servers.map((server) => server.close()));
			if (temporary) fs.rmSync(caCertPath, { force: true });
		},
	};
}
