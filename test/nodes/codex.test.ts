/**
 * What n8n and its node panel read besides the code, for every node and credential package.json lists:
 * the codex file (categories, a documentation link whose README anchor exists), the SVG icons (one file,
 * or distinct light and dark files), and output names that match the declared outputs.
 */
import { existsSync, readFileSync } from 'fs';
import { dirname, join, resolve } from 'path';
import type { ICredentialType, INodeType } from 'n8n-workflow';

const ROOT = resolve(__dirname, '../..');
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
	name: string;
	n8n: { nodes: string[]; credentials: string[] };
};
const DOCS_BASE = 'https://github.com/dynamics365-sync/n8n-nodes-dynamics365-sync#';

/** GitHub's heading anchors: lower case, punctuation dropped (hyphens and underscores kept), spaces → hyphens. */
function githubAnchor(heading: string): string {
	return heading
		.trim()
		.toLowerCase()
		.replace(/[^\p{L}\p{N}\s_-]/gu, '')
		.replace(/\s/g, '-');
}

function readmeAnchors(): Set<string> {
	const headings = readFileSync(join(ROOT, 'README.md'), 'utf8')
		.replace(/```[\s\S]*?```/g, '')
		.split('\n')
		.filter((line) => /^#{1,6}\s/.test(line))
		.map((line) => githubAnchor(line.replace(/^#+\s*/, '')));
	return new Set(headings);
}

/** `dist/nodes/X/X.node.js` → the source file `nodes/X/X.node.ts` and the class name `X`. */
function sourceOf(distPath: string): { source: string; className: string } {
	const match = /^dist\/((?:nodes|credentials)\/(?:[^/]+\/)*([^/.]+)\.(?:node|credentials))\.js$/.exec(distPath);
	if (!match) throw new Error(`package.json n8n entry ${distPath} is not dist/<folder>/<Name>.(node|credentials).js`);
	return { source: join(ROOT, `${match[1]}.ts`), className: match[2] };
}

function load<T>(distPath: string): { source: string; instance: T } {
	const { source, className } = sourceOf(distPath);
	const exported = (require(source) as Record<string, new () => T>)[className];
	if (!exported) throw new Error(`${source} exports no class ${className}`);
	return { source, instance: new exported() };
}

/** The SVG files an icon names, resolved as n8n does: relative to the file that declares it. */
function iconFiles(icon: unknown, source: string): string[] {
	const variants = typeof icon === 'string' ? [icon] : icon && typeof icon === 'object' ? Object.values(icon) : [];
	return variants.map((variant) => {
		expect(variant).toMatch(/^file:.+\.svg$/);
		return resolve(dirname(source), (variant as string).slice('file:'.length));
	});
}

function expectSvgIcons(icon: unknown, source: string): void {
	const files = iconFiles(icon, source);
	expect(files.length).toBeGreaterThan(0);
	if (typeof icon === 'object') expect(new Set(files).size).toBe(2);
	for (const file of files) {
		expect(existsSync(file)).toBe(true);
		expect(readFileSync(file, 'utf8')).toMatch(/^<svg[\s>][\s\S]*<\/svg>\s*$/);
	}
}

const anchors = readmeAnchors();

describe.each(PACKAGE.n8n.nodes)('node %s', (distPath) => {
	const { source, instance } = load<INodeType>(distPath);
	const { description } = instance;

	it('has a codex file naming it, with categories and a documentation link to an existing README section', () => {
		const codexPath = source.replace(/\.ts$/, '.json');
		expect(existsSync(codexPath)).toBe(true);
		const codex = JSON.parse(readFileSync(codexPath, 'utf8'));
		expect(codex).toMatchObject({ node: `${PACKAGE.name}.${description.name}`, nodeVersion: '1.0', codexVersion: '1.0' });
		expect(codex.categories).toEqual(expect.arrayContaining([expect.any(String)]));
		const [documentation] = codex.resources.primaryDocumentation as Array<{ url: string }>;
		expect(documentation.url.startsWith(DOCS_BASE)).toBe(true);
		expect(anchors).toContain(documentation.url.slice(DOCS_BASE.length));
	});

	it('has SVG icons that exist (distinct light and dark files when themed)', () => {
		expectSvgIcons(description.icon, source);
	});

	(description.outputNames ? it : it.skip)('declares as many outputs as it names', () => {
		expect(description.outputs).toHaveLength(description.outputNames?.length ?? 0);
	});
});

describe.each(PACKAGE.n8n.credentials)('credential %s', (distPath) => {
	const { source, instance } = load<ICredentialType>(distPath);

	it('has SVG icons that exist (distinct light and dark files when themed)', () => {
		expectSvgIcons(instance.icon, source);
	});

	it('links to a documentation page (a README section when it is ours)', () => {
		expect(instance.documentationUrl).toMatch(/^https:\/\//);
		if (instance.documentationUrl?.startsWith(DOCS_BASE)) expect(anchors).toContain(instance.documentationUrl.slice(DOCS_BASE.length));
	});
});

describe('githubAnchor', () => {
	it('makes the anchors GitHub makes', () => {
		expect(githubAnchor('Dynamics 365 Contact Trigger')).toBe('dynamics-365-contact-trigger');
		expect(githubAnchor('Setting up Dynamics 365 (server-to-server, no user licence)')).toBe('setting-up-dynamics-365-server-to-server-no-user-licence');
		expect(githubAnchor('Limits and troubleshooting')).toBe('limits-and-troubleshooting');
	});
});
