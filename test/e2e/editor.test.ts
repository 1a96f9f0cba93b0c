/**
 * The editor, looked at: the two-way template imported into a real n8n 2.x (our package installed as
 * a community package, the credentials linked by name) and opened in headless Chromium (Debian's
 * chromium, driven by playwright-core). Every node of ours must render on the canvas with its icon
 * loaded, and open with its parameters, their option lists loaded from the simulators without an
 * error. The canvas screenshot lands in test/.work/; UPDATE_DOCS_SCREENSHOT=1 writes the README's.
 */
import * as fs from 'fs';
import * as path from 'path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { OWNER } from './n8n-instance';
import { TEMPLATES, startSyncEnvironment, type ImportedWorkflow, type SyncEnvironment, type TemplateNode } from './sync-environment';

jest.setTimeout(8 * 60_000);

const PACKAGE_PREFIX = 'n8n-nodes-dynamics365-sync.';
const SCREENSHOT = process.env.UPDATE_DOCS_SCREENSHOT ? path.resolve(__dirname, '../../docs/editor-two-way.png') : path.resolve(__dirname, '../.work/editor-two-way.png');

/** Parameters each node type must show when opened (their names, as n8n's parameter-input test ids carry them). */
const EXPECTED_PARAMETERS: Record<string, string[]> = {
	dynamics365ContactTrigger: ['events', 'changeDetection', 'ignoreOwnChanges', 'startWith', 'maxContacts'],
	googleContactsTrigger: ['events', 'personFields', 'ignoreOwnWrites', 'startWith', 'maxContacts'],
	contactFilter: ['source', 'combine'],
	contactFieldMapping: ['direction', 'defaultMappings'],
	googleContactsSync: ['operation', 'winner', 'deletions', 'trashGroup', 'tagUnsubscribes', 'dryRun', 'output', 'avoidDuplicates', 'linkColumn'],
	dynamics365Contact: ['operation', 'winner', 'deletions', 'dryRun', 'output', 'avoidDuplicates', 'linkColumn'],
};

let env: SyncEnvironment;
let browser: Browser;
let page: Page;
let workflow: ImportedWorkflow;

beforeAll(async () => {
	env = await startSyncEnvironment({ dynamicsContacts: 3, googleContacts: 2 });
	workflow = await env.importTemplate(TEMPLATES.twoWay);
	browser = await chromium.launch({
		executablePath: '/usr/bin/chromium',
		args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
	});
	page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
	const login = await page.request.post(`${env.n8n.url}/rest/login`, { data: { emailOrLdapLoginId: OWNER.email, password: OWNER.password } });
	expect(login.status()).toBe(200);
	await page.goto(`${env.n8n.url}/workflow/${workflow.id}`);
	await page.waitForSelector('[data-test-id="canvas-node"]', { timeout: 120_000 });
});

afterAll(async () => {
	await browser?.close();
	await env?.close();
});

const ourNodes = () => workflow.nodes.filter((node) => node.type.startsWith(PACKAGE_PREFIX));

it('renders every node of ours on the canvas with its icon', async () => {
	const canvasNode = page.locator('[data-test-id="canvas-node"]');
	await page.locator(`[data-test-id="canvas-node"][data-node-type^="${PACKAGE_PREFIX}"] img`).nth(ourNodes().length - 1).waitFor({ timeout: 60_000 });
	const rendered = await canvasNode.evaluateAll((elements) =>
		elements.map((element) => {
			const icon = element.querySelector('img') as { complete: boolean; naturalWidth: number; getAttribute(name: string): string | null } | null;
			return {
				name: element.getAttribute('data-node-name'),
				type: element.getAttribute('data-node-type'),
				icon: icon?.getAttribute('src') ?? null,
				iconLoaded: !!icon && icon.complete && icon.naturalWidth > 0,
			};
		}),
	);
	const ours = rendered.filter((node) => node.type?.startsWith('n8n-nodes-dynamics365-sync.'));
	expect(ours.map((node) => node.name).sort()).toEqual(ourNodes().map((node) => node.name).sort());
	for (const node of ours) {
		expect(node).toEqual(expect.objectContaining({ icon: expect.stringMatching(/^\/icons\/n8n-nodes-dynamics365-sync\/dist\/icons\/[a-zA-Z0-9]+\.svg$/), iconLoaded: true }));
	}
	await page.screenshot({ path: SCREENSHOT });
	expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
});

it.each(Object.keys(EXPECTED_PARAMETERS))('opens %s with its parameters, option lists loaded', async (type) => {
	const node = ourNodes().find((candidate) => candidate.type === `${PACKAGE_PREFIX}${type}`) as TemplateNode;
	expect(node).toBeDefined();
	// The editor's own link to a node opens its panel (what a click on the canvas does).
	await page.goto(`${env.n8n.url}/workflow/${workflow.id}/${node.id}`);
	const panel = page.locator('[data-test-id="node-parameters"]');
	await panel.waitFor({ timeout: 60_000 });
	for (const parameter of EXPECTED_PARAMETERS[type]) {
		await panel.locator(`[data-test-id="parameter-input-${parameter}"]`).first().waitFor({ state: 'visible', timeout: 10_000 });
	}
	// Option lists (link columns, labels, owners...) come from the simulators through the credentials.
	await page.waitForLoadState('networkidle');
	expect(await panel.textContent()).not.toMatch(/Error fetching options|Could not load|Issues:|Install this node/i);
	if (EXPECTED_PARAMETERS[type].includes('linkColumn')) {
		// The link column's label comes from the org's metadata (the simulator's custom column).
		// The label shows "Loading options..." until the options request answers: wait for it to settle.
		const linkColumn = panel.locator('[data-test-id="parameter-input-linkColumn"] input').first();
		await page.waitForFunction((input) => !/Loading/i.test((input as unknown as { value: string }).value), await linkColumn.elementHandle(), { timeout: 30_000 });
		expect(await linkColumn.inputValue()).toBe('Google Resource Name');
	}
});
