/**
 * The secret scan (jest.scan.config.js), run by `npm test` after the whole suite: no secret the
 * simulators seeded or issued appears in anything the suite produced (node outputs and errors, n8n's
 * logs, jest's output), in any encoding the scanner knows (test/security/secret-scanner.ts).
 */
import { existsSync, statSync } from 'fs';
import { basename, join, resolve } from 'path';
import { RECORDING_DIRECTORY_VARIABLE } from './recording';
import { SecretMatcher, describeFindings, readRegistry, recordedFiles } from './secret-scanner';

const folder = process.env[RECORDING_DIRECTORY_VARIABLE];
const wholeSuite = process.env.SECRET_SCAN_WHOLE_SUITE === '1';
/** `.ci/run` tees all of `npm test` into this file; it counts when this run wrote it. */
const CI_LOG = resolve(__dirname, '../.work/ci-test-output.log');

function recordingFolder(): string {
	if (!folder || !existsSync(folder)) {
		throw new Error(`${RECORDING_DIRECTORY_VARIABLE} does not name a recorded suite run: run the scan through \`npm test\` (test/security/run-suite.js).`);
	}
	return folder;
}

function scannedFiles(directory: string): string[] {
	const files = recordedFiles(directory);
	const started = Number(process.env.SECRET_SCAN_STARTED);
	if (existsSync(CI_LOG) && statSync(CI_LOG).mtimeMs >= started) files.push(CI_LOG);
	return files;
}

test('no seeded or issued secret appears in any output, error or log of the suite', () => {
	const directory = recordingFolder();
	const matcher = new SecretMatcher(readRegistry(directory));
	const findings = scannedFiles(directory).flatMap((file) => matcher.scanFile(file));
	if (findings.length) {
		throw new Error(
			`Secrets leaked into what the suite produced (file:line: which secret, how it was written, a redacted hint):\n${describeFindings(findings)}\n` +
				'Find where the value reaches an output, error message or log, and leave it out or redact it.',
		);
	}
});

(wholeSuite ? test : test.skip)('the whole suite recorded every kind of secret and output the scan relies on', () => {
	const directory = recordingFolder();
	const kinds = new Set(readRegistry(directory).map((secret) => secret.kind));
	expect([...kinds].sort()).toEqual(
		expect.arrayContaining([
			'Dynamics 365 certificate private key',
			'Dynamics 365 client secret',
			'Entra ID access token',
			'Google access token',
			'Google client secret',
			'Google refresh token',
		]),
	);
	const names = recordedFiles(directory).map((file) => basename(file));
	const recorded = (pattern: RegExp) => names.filter((name) => pattern.test(name)).length;
	expect({
		jestOutput: recorded(/^jest-output\.log$/),
		harnessOutputs: recorded(/^outputs-\d+\.log$/) > 0,
		n8nCoreLogs: recorded(/^n8n-core-\d+\.log/) > 0,
		realN8nLogs: recorded(/^n8n-(start|worker)-\d+/) > 0,
	}).toEqual({ jestOutput: 1, harnessOutputs: true, n8nCoreLogs: true, realN8nLogs: true });
	expect(existsSync(join(directory, 'summary.json'))).toBe(true);
});
