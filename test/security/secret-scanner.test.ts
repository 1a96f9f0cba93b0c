import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { issueSecret, SECRET_MARKER } from '../simulators/common/secrets';
import { createSelfSignedCertificate } from '../simulators/tls';
import { MARKER_KIND, SecretMatcher, describeFindings, readRegistry, recordedFiles, redactedHint } from './secret-scanner';
import { RECORDING_DIRECTORY_VARIABLE, recordOutput, recordSecret } from './recording';

const SECRET = { kind: 'Dynamics 365 client secret', value: 'a1b~Q8Zx.t0p/S3cr3t+Value=42' };
const FILLER = 'level=info message="Polling Dynamics 365 contacts" count=12 nextLink=https://org.crm.dynamics.com/api/data/v9.2/contacts\n';

let directory: string;

beforeEach(() => {
	directory = mkdtempSync(join(tmpdir(), 'secret-scan-'));
});

afterEach(() => {
	rmSync(directory, { recursive: true, force: true });
	delete process.env[RECORDING_DIRECTORY_VARIABLE];
});

function scanPlanted(text: string, secrets = [SECRET], options?: { withMarker?: boolean }) {
	const file = join(directory, 'output.log');
	writeFileSync(file, `${FILLER.repeat(3)}${text}\n${FILLER}`);
	return new SecretMatcher(secrets, options).scanFile(file);
}

function basicHeader(user: string, password: string): string {
	return `Authorization: Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

describe('SecretMatcher', () => {
	test.each([
		['as is', `client_secret=${SECRET.value}`],
		['URL-encoded', `body: ${encodeURIComponent(`{"s":"${SECRET.value}"}`)}`],
		['form-encoded', new URLSearchParams({ client_secret: SECRET.value }).toString()],
		['base64', basicHeader('client-id', SECRET.value)],
		['base64', basicHeader('x', SECRET.value)],
		['base64', basicHeader('xy', SECRET.value)],
		['base64url', `jwt=${Buffer.from(JSON.stringify({ secret: SECRET.value })).toString('base64url')}`],
	])('finds a planted secret written %s, naming file, line and kind without the secret', (form, planted) => {
		const findings = scanPlanted(planted);
		expect(findings).toContainEqual({ file: join(directory, 'output.log'), line: 4, kind: SECRET.kind, form, hint: redactedHint(SECRET.value) });
		const report = describeFindings(findings);
		expect(report).toContain('output.log:4');
		expect(report).not.toContain(SECRET.value);
		expect(report).not.toContain(SECRET.value.slice(0, 8));
	});

	test('finds a secret whose text needs JSON escaping, in a JSON log line', () => {
		const secret = { kind: 'a secret with quotes', value: 'pa"ss\\word-with-escapes' };
		expect(scanPlanted(JSON.stringify({ message: 'token', secret: secret.value }), [secret])).toEqual([
			expect.objectContaining({ kind: secret.kind, form: 'JSON-escaped', line: 4 }),
		]);
	});

	test('finds any simulator-issued secret by its marker, registered or not', () => {
		const unregistered = `ya29.${SECRET_MARKER}someRandomTail`;
		expect(scanPlanted(`Authorization: Bearer ${unregistered}`, [])).toEqual([expect.objectContaining({ kind: MARKER_KIND, form: 'as is', line: 4 })]);
		expect(scanPlanted(basicHeader('id', unregistered), []).map((finding) => finding.form)).toEqual(['base64']);
	});

	test('finds a private key by any line of its body, also in JSON and inspect() output', () => {
		const { privateKeyPem } = createSelfSignedCertificate('scanner test');
		const key = { kind: 'certificate private key', value: privateKeyPem };
		const bodyLines = privateKeyPem.split('\n').filter((line) => line && !line.startsWith('-----'));
		expect(scanPlanted(`partial: ${bodyLines[5]}`, [key], { withMarker: false })).toEqual([
			expect.objectContaining({ kind: 'certificate private key (body line 6)', form: 'as is' }),
		]);
		expect(scanPlanted(JSON.stringify({ privateKeyPem }), [key], { withMarker: false })).toHaveLength(bodyLines.length);
		expect(scanPlanted(bodyLines.join(''), [key], { withMarker: false })).toHaveLength(bodyLines.length);
	});

	test('finds nothing in clean text, nor in a near miss', () => {
		expect(scanPlanted(`client_secret=${SECRET.value.slice(0, -1)}X`)).toEqual([]);
		expect(scanPlanted(SECRET_MARKER.slice(0, -1))).toEqual([]);
	});

	test('finds a secret across the boundary of two read chunks, on the right line', () => {
		const file = join(directory, 'large.log');
		const lines = Math.ceil((8 * 1024 * 1024) / FILLER.length);
		const before = FILLER.repeat(lines);
		// The secret starts a few bytes before the 8 MiB boundary.
		const pad = 'x'.repeat(8 * 1024 * 1024 - before.length - 5 + FILLER.length);
		writeFileSync(file, `${before.slice(0, before.length - FILLER.length)}${pad}${SECRET.value}\n${FILLER}`);
		expect(new SecretMatcher([SECRET]).scanFile(file)).toEqual([expect.objectContaining({ kind: SECRET.kind, form: 'as is', line: lines })]);
	});
});

describe('recording', () => {
	test('records nothing unless SECRET_SCAN_DIR is set', () => {
		recordSecret('test secret', 'not-recorded-value-123');
		recordOutput('test', { value: 1 });
		expect(recordedFiles(directory)).toEqual([]);
	});

	test('registers issued secrets and records outputs where the scan finds them', () => {
		process.env[RECORDING_DIRECTORY_VARIABLE] = directory;
		const issued = issueSecret('Google access token', 'ya29.', 40);
		recordOutput('harness execution', { error: new Error(`request failed with Bearer ${issued}`) });
		expect(issued).toMatch(new RegExp(`^ya29\\.${SECRET_MARKER}[\\w-]{40}$`));
		expect(readRegistry(directory)).toEqual([{ kind: 'Google access token', value: issued }]);
		const files = recordedFiles(directory);
		expect(files).toEqual([join(directory, `outputs-${process.pid}.log`)]);
		const matcher = new SecretMatcher(readRegistry(directory));
		expect(matcher.scanFile(files[0]).map((finding) => finding.kind).sort()).toEqual(['Google access token', MARKER_KIND]);
	});

	test('keeps the first items of a long list, and every error in it', () => {
		process.env[RECORDING_DIRECTORY_VARIABLE] = directory;
		const items = Array.from({ length: 1000 }, (_, index) => ({ json: { id: `item-${index}` } }));
		items[900] = { json: { id: 'item-900', error: { message: `refused ${SECRET.value}` } } } as never;
		const cause = new Error(`token ${SECRET.value}x`);
		recordOutput('execution', { runData: { Writer: [{ data: { main: [items] } }] }, error: Object.assign(new Error('failed'), { cause }) });
		const [file] = recordedFiles(directory);
		const text = readFileSync(file, 'utf8');
		expect(text).toContain("'item-49'");
		expect(text).not.toContain("'item-50'");
		expect(text).toContain('950 more items');
		expect(new SecretMatcher([SECRET]).scanFile(file).map((finding) => finding.form)).toEqual(['as is']);
		// In the list: the error's cause; among the errors: the item's error and the error with its cause.
		expect(text.split(SECRET.value).length - 1).toBe(3);
	});
});
