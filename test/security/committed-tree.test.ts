/**
 * No secret is committed or built: the tracked files and dist/ (what npm publishes) hold no
 * simulator-issued secret (by its marker, in any form the scanner knows), no PEM private key, and
 * nothing shaped like a real Entra ID or Google secret or token.
 */
import { execFileSync } from 'child_process';
import { existsSync, readFileSync } from 'fs';
import { join, relative, resolve } from 'path';
import { SecretMatcher, describeFindings, recordedFiles } from './secret-scanner';

const ROOT = resolve(__dirname, '../..');
/** Where the marker is defined (as a name, it is no secret). */
const MARKER_SOURCE = 'test/simulators/common/secrets.ts';

/** Shapes of real credentials: none belongs in the repository or the package. */
const REAL_SECRET_SHAPES: Array<[string, RegExp]> = [
	['a PEM private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----\s*[A-Za-z0-9+/=]{40,}/],
	['an Entra ID client secret', /(?<![\w~.-])[\w~.-]{3}\dQ~[\w~.-]{34}(?![\w~.-])/],
	['a Google OAuth client secret', /GOCSPX-[\w-]{28}(?![\w-])/],
	['a Google refresh token', /1\/\/0[\w-]{40,}/],
	['a Google access token', /ya29\.[\w-]{40,}/],
	['a JSON Web Token', /eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{10,}/],
];

function trackedFiles(): string[] {
	return execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' })
		.split('\0')
		.filter((file) => file && existsSync(join(ROOT, file)));
}

function distFiles(): string[] {
	const dist = join(ROOT, 'dist');
	return existsSync(dist) ? recordedFiles(dist).map((file) => relative(ROOT, file)) : [];
}

function shapesIn(files: string[]): string[] {
	return files.flatMap((file) => {
		const text = readFileSync(join(ROOT, file), 'utf8');
		return REAL_SECRET_SHAPES.filter(([, shape]) => shape.test(text)).map(([name]) => `${file}: ${name}`);
	});
}

const files = [...trackedFiles(), ...distFiles()];

test('the repository and dist/ are checked (git lists the tracked files)', () => {
	expect(files).toEqual(expect.arrayContaining(['package.json', 'lib/dynamics/settings.ts', MARKER_SOURCE]));
});

test('no simulator-issued secret is committed or built, in any encoding', () => {
	const matcher = new SecretMatcher([]);
	const findings = files.filter((file) => file !== MARKER_SOURCE).flatMap((file) => matcher.scanFile(join(ROOT, file)));
	expect(describeFindings(findings)).toBe('');
});

test('nothing shaped like a real private key, client secret or token is committed or built', () => {
	expect(shapesIn(files)).toEqual([]);
});

test.each(REAL_SECRET_SHAPES)('the check for %s finds one', (_name, shape) => {
	const samples: Record<string, string> = {
		'a PEM private key': `-----BEGIN RSA PRIVATE KEY-----\n${'MIIEpAIBAAKCAQEA'.repeat(4)}`,
		'an Entra ID client secret': `secret=abc8Q~${'x'.repeat(34)}`,
		'a Google OAuth client secret': `"GOCSPX-${'a'.repeat(28)}"`,
		'a Google refresh token': `1//0${'b'.repeat(60)}`,
		'a Google access token': `ya29.${'c'.repeat(100)}`,
		'a JSON Web Token': `Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.${'d'.repeat(40)}`,
	};
	expect(shape.test(samples[_name])).toBe(true);
});
