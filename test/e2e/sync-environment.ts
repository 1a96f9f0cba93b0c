/**
 * The sync as a user runs it: both simulators, a real n8n 2.x with our package installed as a
 * community package, the two credentials created through n8n's REST API under the names the
 * templates reference, and the templates imported and activated as they ship. Edits are made through
 * the simulators' control APIs (/_sim/), as a person at the keyboard of each app would make them.
 * The end-to-end tests and `npm run demo` share it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { simulatorCredential } from '../lib/dynamics/simulator-client';
import { startDynamicsSimulator, type DynamicsSimulator } from '../simulators/dynamics';
import { startGoogleSimulator, type GoogleSimulator } from '../simulators/google';
import { n8nCredentialFor } from '../simulators/google/testing';
import { packPackage, startN8n, type N8nInstance, type StartN8nOptions } from './n8n-instance';

const TEMPLATES_DIR = path.resolve(__dirname, '../../templates');

export const TEMPLATES = {
	oneWay: path.join(TEMPLATES_DIR, 'dynamics365-to-google-contacts-one-way.json'),
	twoWay: path.join(TEMPLATES_DIR, 'dynamics365-google-contacts-two-way.json'),
} as const;

/** The credential names the templates reference (n8n links them by name on import). */
export const CREDENTIAL_NAMES = { dynamics: 'Dynamics 365 account', google: 'Google Contacts account' } as const;

export interface TemplateNode {
	id: string;
	name: string;
	type: string;
	parameters: Record<string, unknown>;
	credentials?: Record<string, { id: string | null; name: string }>;
}

export interface WorkflowTemplate {
	name: string;
	nodes: TemplateNode[];
	connections: Record<string, unknown>;
	settings?: Record<string, unknown>;
}

export interface ImportedWorkflow extends WorkflowTemplate {
	id: string;
	versionId: string;
	active: boolean;
}

export function readTemplate(file: string): WorkflowTemplate {
	return JSON.parse(fs.readFileSync(file, 'utf8')) as WorkflowTemplate;
}

export interface SyncEnvironment {
	dynamics: DynamicsSimulator;
	google: GoogleSimulator;
	n8n: N8nInstance;
	credentialIds: { dynamics: string; google: string };
	/** POST /rest/workflows with the template file as it ships (what the editor's import does). */
	importTemplate(file: string): Promise<ImportedWorkflow>;
	activate(workflow: ImportedWorkflow): Promise<void>;
	deactivate(workflow: ImportedWorkflow): Promise<void>;
	/** The control API of each simulator: what a user of that app does by hand. */
	dynamicsControl<T = unknown>(method: string, route: string, body?: unknown): Promise<T>;
	googleControl<T = unknown>(method: string, route: string, body?: unknown): Promise<T>;
	/** The latest failed executions' error messages (for a clear failure message). */
	failedExecutions(): Promise<string[]>;
	close(): Promise<void>;
}

export interface SyncEnvironmentOptions {
	dynamicsContacts?: number;
	googleContacts?: number;
	/** A packed package (default: `npm pack` of the current build). */
	tarball?: string;
	/** Starts n8n (default: one process, startN8n; queue mode: startQueueModeN8n). */
	launchN8n?: (options: StartN8nOptions) => Promise<N8nInstance>;
}

async function control<T>(baseUrl: string, method: string, route: string, body?: unknown): Promise<T> {
	const response = await fetch(new URL(`_sim/${route}`, baseUrl), {
		method,
		headers: { 'content-type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await response.text();
	if (!response.ok) throw new Error(`${method} /_sim/${route} failed (${response.status}): ${text.slice(0, 300)}`);
	return (text ? JSON.parse(text) : undefined) as T;
}

export async function startSyncEnvironment(options: SyncEnvironmentOptions = {}): Promise<SyncEnvironment> {
	const [dynamics, google] = await Promise.all([
		startDynamicsSimulator({ contacts: options.dynamicsContacts ?? 0 }),
		startGoogleSimulator({ contacts: options.googleContacts ?? 0 }),
	]);
	let n8n: N8nInstance | undefined;
	const close = async () => {
		await n8n?.stop();
		await Promise.all([dynamics.close(), google.close()]);
	};
	try {
		n8n = await (options.launchN8n ?? startN8n)({ tarball: options.tarball ?? packPackage(), env: { NODE_EXTRA_CA_CERTS: dynamics.caCertPath } });
		const instance = n8n;
		const createCredential = async (name: string, type: string, data: Record<string, unknown>) => {
			const saved = await instance.rest<{ id: string }>('POST', '/rest/credentials', { name, type, data });
			if (saved.status !== 200) throw new Error(`creating the credential "${name}" failed (${saved.status}): ${JSON.stringify(saved.body).slice(0, 300)}`);
			return saved.data.id;
		};
		const credentialIds = {
			dynamics: await createCredential(CREDENTIAL_NAMES.dynamics, 'microsoftDynamics365Api', simulatorCredential(dynamics)),
			google: await createCredential(CREDENTIAL_NAMES.google, 'googleContactsSyncOAuth2Api', await n8nCredentialFor(google)),
		};
		const expectOk = <T>(what: string, response: { status: number; data: T; body: unknown }): T => {
			if (response.status !== 200) throw new Error(`${what} failed (${response.status}): ${JSON.stringify(response.body).slice(0, 1000)}`);
			return response.data;
		};
		return {
			dynamics,
			google,
			n8n: instance,
			credentialIds,
			importTemplate: async (file) => expectOk('importing the template', await instance.rest<ImportedWorkflow>('POST', '/rest/workflows', readTemplate(file))),
			activate: async (workflow) => {
				const activated = expectOk(`activating "${workflow.name}"`, await instance.rest<ImportedWorkflow>('POST', `/rest/workflows/${workflow.id}/activate`, { versionId: workflow.versionId }));
				if (!activated.active) throw new Error(`"${workflow.name}" is not active after activation`);
			},
			deactivate: async (workflow) => {
				expectOk(`deactivating "${workflow.name}"`, await instance.rest('POST', `/rest/workflows/${workflow.id}/deactivate`, {}));
			},
			dynamicsControl: (method, route, body) => control(`${dynamics.httpUrl}/`, method, route, body),
			googleControl: (method, route, body) => control(google.rootUrl, method, route, body),
			failedExecutions: async () => {
				const list = await instance.rest<{ results?: Array<{ id: string; status: string }> }>('GET', '/rest/executions?filter=%7B%22status%22%3A%22error%22%7D&limit=5');
				const messages: string[] = [];
				for (const execution of list.data?.results ?? []) {
					const detail = await instance.rest<{ data?: string }>('GET', `/rest/executions/${execution.id}`);
					const match = /"message":"((?:[^"\\]|\\.)*)"/.exec(String(detail.data?.data ?? ''));
					messages.push(`execution ${execution.id}: ${match ? match[1] : 'failed'}`);
				}
				return messages;
			},
			close,
		};
	} catch (error) {
		await close();
		throw error;
	}
}

/**
 * Waits until `check` returns a value that is not undefined, checking every `intervalMs`; on timeout
 * the error says what was awaited and what the last check saw. A deadline for the wait, not a timed
 * assertion: the polls run every minute at a random second.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, options: { timeoutMs: number; intervalMs?: number; explain?: () => Promise<string> }): Promise<T> {
	const deadline = Date.now() + options.timeoutMs;
	for (;;) {
		const value = await check();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}${options.explain ? `\n${await options.explain()}` : ''}`);
		await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 2000));
	}
}
