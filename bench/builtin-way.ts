/**
 * The same initial sync the way an n8n user builds it today from built-in nodes, run by a real n8n
 * (2.x, on Node.js 24, from scripts/ensure-n8n.sh): Manual Trigger → HTTP Request paging through the
 * Dynamics 365 contacts (@odata.nextLink) → Split Out → Filter (has an email) → Edit Fields (a People
 * API Person) → HTTP Request POSTing people:createContact for each item. Bearer tokens from the
 * simulators go in the HTTP Request nodes' headers. Imported with `n8n import:workflow`, run with
 * `n8n execute --id`; the time is the job's own, from the first request the simulators see to the
 * last (n8n's boot and shutdown left out: they do not grow with the data).
 */
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MAX_PAGE_SIZE } from '../lib/dynamics/client';
import { ensureN8nInstall, freePort } from '../test/e2e/n8n-instance';
import { accessTokenFor } from '../test/simulators/google/testing';
import { startSimulators, type RequestCount, type Simulators } from './scenarios';

const WORKFLOW_ID = 'benchBuiltinWay1';
const SELECTED_COLUMNS = ['contactid', 'firstname', 'lastname', 'emailaddress1', 'telephone1', 'jobtitle'];

export interface BuiltinWayResult {
	contacts: number;
	requests: RequestCount;
	/** From the first request the simulators saw to the last. */
	wallMs: number;
	/** `n8n execute` from start to exit, n8n's boot included. */
	commandMs: number;
	contactsPerSecond: number;
	peakRssBytes: number;
	googleContactsAfter: number;
	/** Runs that failed before this one (each with the errors n8n reported), from fresh simulators each time. */
	failedAttempts: string[];
}

/** A failed run is tried once more: the built-in nodes have no retries, and one failed request fails the whole run. */
const ATTEMPTS = 2;

async function dynamicsAccessToken(sims: Simulators): Promise<string> {
	const { dynamics } = sims;
	const response = await fetch(`${dynamics.authorityHost}/${dynamics.tenantId}/oauth2/v2.0/token`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ grant_type: 'client_credentials', client_id: dynamics.clientId, client_secret: dynamics.clientSecret, scope: `${dynamics.url}/.default` }),
	});
	const body = (await response.json()) as { access_token?: string; error_description?: string };
	if (!body.access_token) throw new Error(`the Dynamics simulator refused a token: ${body.error_description}`);
	return body.access_token;
}

const bearer = (token: string) => ({ parameters: [{ name: 'Authorization', value: `Bearer ${token}` }] });

function node(name: string, type: string, typeVersion: number, parameters: Record<string, unknown>, index: number) {
	return { id: `bench-${index}`, name, type, typeVersion, position: [index * 220, 0], parameters };
}

/** The workflow as a user builds it in the editor. */
function builtinWorkflow(sims: Simulators, tokens: { dynamics: string; google: string }) {
	const nodes = [
		node('Run', 'n8n-nodes-base.manualTrigger', 1, {}, 0),
		node('Get Dynamics Contacts', 'n8n-nodes-base.httpRequest', 4.2, {
			url: `${sims.dynamics.url}/api/data/v9.2/contacts?$select=${SELECTED_COLUMNS.join(',')}`,
			sendHeaders: true,
			headerParameters: { parameters: [...bearer(tokens.dynamics).parameters, { name: 'Prefer', value: `odata.maxpagesize=${MAX_PAGE_SIZE}` }] },
			options: {
				pagination: {
					pagination: {
						paginationMode: 'responseContainsNextURL',
						nextURL: '={{ $response.body["@odata.nextLink"] }}',
						paginationCompleteWhen: 'other',
						completeExpression: '={{ !$response.body["@odata.nextLink"] }}',
					},
				},
			},
		}, 1),
		node('Split Out Contacts', 'n8n-nodes-base.splitOut', 1, { fieldToSplitOut: 'value', options: {} }, 2),
		node('Has Email', 'n8n-nodes-base.filter', 2, {
			conditions: {
				options: { caseSensitive: true, leftValue: '', typeValidation: 'loose', version: 1 },
				conditions: [{ id: 'has-email', leftValue: '={{ $json.emailaddress1 }}', rightValue: '', operator: { type: 'string', operation: 'notEmpty', singleValue: true } }],
				combinator: 'and',
			},
			options: {},
		}, 3),
		node('To Google Person', 'n8n-nodes-base.set', 3.4, {
			mode: 'raw',
			jsonOutput:
				'={{ JSON.stringify({ names: [{ givenName: $json.firstname ?? "", familyName: $json.lastname ?? "" }], emailAddresses: [{ value: $json.emailaddress1 }], phoneNumbers: $json.telephone1 ? [{ value: $json.telephone1 }] : [], organizations: $json.jobtitle ? [{ title: $json.jobtitle }] : [] }) }}',
			options: {},
		}, 4),
		node('Create Google Contact', 'n8n-nodes-base.httpRequest', 4.2, {
			method: 'POST',
			url: `${sims.google.rootUrl}v1/people:createContact`,
			sendHeaders: true,
			headerParameters: bearer(tokens.google),
			sendBody: true,
			specifyBody: 'json',
			jsonBody: '={{ JSON.stringify($json) }}',
			options: {},
		}, 5),
	];
	const connections = Object.fromEntries(nodes.slice(0, -1).map((from, index) => [from.name, { main: [[{ node: nodes[index + 1].name, type: 'main', index: 0 }]] }]));
	return { id: WORKFLOW_ID, name: 'Dynamics 365 → Google Contacts (built-in nodes)', active: false, nodes, connections, settings: {} };
}

function n8nEnvironment(userFolder: string, brokerPort: number): NodeJS.ProcessEnv {
	return {
		...process.env,
		NODE_ENV: 'production',
		N8N_USER_FOLDER: userFolder,
		// The task runners' broker listens on a port of its own (5679 by default): another n8n on the machine would hold it.
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		N8N_ENCRYPTION_KEY: 'bench-encryption-key-not-a-secret',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_LOG_LEVEL: 'info',
	};
}

/** The distinct error messages in the execution JSON `n8n execute` printed (it runs to hundreds of megabytes: read from a file). */
function executionErrors(outputFile: string): string[] {
	const output = fs.readFileSync(outputFile, 'utf8');
	const messages = [...output.matchAll(/"message":\s*"((?:[^"\\]|\\.){1,300})"/g)].map((match) => match[1]);
	return [...new Set(messages)].slice(0, 5);
}

/** Runs `n8n execute` under /usr/bin/time for its peak RSS. */
async function executeWorkflow(n8nBin: string, env: NodeJS.ProcessEnv, outputFile: string): Promise<{ peakRssBytes: number; commandMs: number }> {
	const started = performance.now();
	const child = spawn('/usr/bin/time', ['-f', 'peak-rss-kib=%M', n8nBin, 'execute', `--id=${WORKFLOW_ID}`, '--rawOutput'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
	const output = fs.createWriteStream(outputFile);
	child.stdout.pipe(output);
	let stderr = '';
	child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
	const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
	await new Promise((resolve) => output.close(resolve));
	if (code !== 0) throw new Error(`n8n execute exited with ${code}: ${JSON.stringify(executionErrors(outputFile))}\n${stderr}`);
	const rss = /peak-rss-kib=(\d+)/.exec(stderr);
	return { peakRssBytes: rss ? Number(rss[1]) * 1024 : 0, commandMs: performance.now() - started };
}

/** Notes when the simulators see their first and last request (each counted request passes here). */
function watchRequestTimes(sims: Simulators): { firstMs?: number; lastMs?: number } {
	const times: { firstMs?: number; lastMs?: number } = {};
	for (const counters of [sims.dynamics.counters, sims.google.counters]) {
		const record = counters.record.bind(counters);
		counters.record = (route: string) => {
			const now = performance.now();
			times.firstMs ??= now;
			times.lastMs = now;
			record(route);
		};
	}
	return times;
}

export async function builtinWayInitialSync(contacts: number, latencyMs: number): Promise<BuiltinWayResult> {
	const failedAttempts: string[] = [];
	for (;;) {
		try {
			return { ...(await builtinWayAttempt(contacts, latencyMs)), failedAttempts };
		} catch (error) {
			failedAttempts.push((error as Error).message.slice(0, 2000));
			if (failedAttempts.length >= ATTEMPTS) throw error;
			process.stderr.write(`[bench] the built-in way failed (${failedAttempts.length} of ${ATTEMPTS}), trying again: ${failedAttempts[failedAttempts.length - 1].slice(0, 500)}\n`);
		}
	}
}

async function builtinWayAttempt(contacts: number, latencyMs: number): Promise<Omit<BuiltinWayResult, 'failedAttempts'>> {
	const n8nBin = path.join(ensureN8nInstall(), 'bin/n8n');
	const sims = await startSimulators({ dynamicsContacts: contacts, latencyMs });
	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-bench-'));
	try {
		const env = n8nEnvironment(userFolder, await freePort());
		const tokens = { dynamics: await dynamicsAccessToken(sims), google: await accessTokenFor(sims.google) };
		const workflowFile = path.join(userFolder, 'workflow.json');
		fs.writeFileSync(workflowFile, JSON.stringify(builtinWorkflow(sims, tokens)));
		execFileSync(n8nBin, ['import:workflow', `--input=${workflowFile}`], { env, stdio: ['ignore', 'ignore', 'pipe'] });
		sims.resetCounters();
		const requestTimes = watchRequestTimes(sims);
		const run = await executeWorkflow(n8nBin, env, path.join(userFolder, 'execution.json'));
		const wallMs = (requestTimes.lastMs ?? 0) - (requestTimes.firstMs ?? 0);
		return {
			contacts,
			requests: sims.requests(),
			wallMs,
			commandMs: run.commandMs,
			contactsPerSecond: contacts / (wallMs / 1000),
			peakRssBytes: run.peakRssBytes,
			googleContactsAfter: sims.google.state.contactCount,
		};
	} finally {
		await sims.close();
		fs.rmSync(userFolder, { recursive: true, force: true });
	}
}
