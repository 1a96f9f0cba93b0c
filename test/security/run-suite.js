/**
 * `npm test`'s jest step: the suite, then the secret scan over everything the suite produced.
 *
 *   node test/security/run-suite.js [jest arguments]
 *
 * The suite runs with SECRET_SCAN_DIR set to a fresh folder under test/.work/secret-scan/, where the
 * simulators register their secrets and the harness, the e2e launcher and this script (jest's own
 * output) record what was produced. Then a second jest run (jest.scan.config.js) scans that folder.
 * It runs after the suite however the suite ended: a failing run is where secrets leak most. The
 * plain summary line adds both runs up (TEST_SUMMARY_FILE, read by test/summary-reporter.js). The
 * folder is removed when both pass and kept for a look when either fails.
 */
const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '../..');
const RUNS = path.join(ROOT, 'test/.work/secret-scan');
const JEST = require.resolve('jest/bin/jest');
/** Folders of earlier failed runs are kept this long. */
const KEEP_MS = 24 * 60 * 60 * 1000;

function removeOldRuns() {
	if (!fs.existsSync(RUNS)) return;
	for (const name of fs.readdirSync(RUNS)) {
		const folder = path.join(RUNS, name);
		if (Date.now() - fs.statSync(folder).mtimeMs > KEEP_MS) fs.rmSync(folder, { recursive: true, force: true });
	}
}

/** Runs jest; with `log`, its output also goes to that file. Resolves with the exit code. */
function jest(args, env, log) {
	return new Promise((resolve) => {
		const child = spawn(process.execPath, [JEST, ...args], { cwd: ROOT, env, stdio: ['inherit', log ? 'pipe' : 'inherit', log ? 'pipe' : 'inherit'] });
		if (log) {
			const file = fs.createWriteStream(log);
			child.stdout.on('data', (chunk) => {
				process.stdout.write(chunk);
				file.write(chunk);
			});
			child.stderr.on('data', (chunk) => {
				process.stderr.write(chunk);
				file.write(chunk);
			});
			child.on('close', (code, signal) => file.end(() => resolve(code ?? (signal ? 1 : 0))));
		} else {
			child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
		}
	});
}

async function main() {
	const args = process.argv.slice(2);
	removeOldRuns();
	const folder = path.join(RUNS, `run-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`);
	fs.mkdirSync(folder, { recursive: true });
	const env = {
		...process.env,
		SECRET_SCAN_DIR: folder,
		// Older copies of .ci/run's log are not this run's.
		SECRET_SCAN_STARTED: String(Date.now()),
		// The scan also checks that the recording covered every kind of secret and output, which only a whole run produces.
		SECRET_SCAN_WHOLE_SUITE: args.length === 0 ? '1' : '',
		TEST_SUMMARY_FILE: path.join(folder, 'summary.json'),
	};
	// jest writes colours only to a terminal; keep them for a person watching.
	if (process.stdout.isTTY && env.FORCE_COLOR === undefined) env.FORCE_COLOR = '1';
	const suite = await jest(args, env, path.join(folder, 'jest-output.log'));
	const scan = await jest(['--config', 'jest.scan.config.js'], env);
	if (suite === 0 && scan === 0) fs.rmSync(folder, { recursive: true, force: true });
	else process.stderr.write(`\nThe suite's recorded output is kept in ${path.relative(ROOT, folder)}\n`);
	process.exit(suite !== 0 ? suite : scan);
}

main().catch((error) => {
	process.stderr.write(`${error.stack ?? error}\n`);
	process.exit(1);
});
