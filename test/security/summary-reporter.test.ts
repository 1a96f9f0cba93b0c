import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

const PlainSummaryReporter = require('../summary-reporter.js');

function results(passed: number, failed: number, skipped = 0) {
	return { numPassedTests: passed, numFailedTests: failed, numRuntimeErrorTestSuites: 0, numPendingTests: skipped, numTodoTests: 0 };
}

function summaryLine(runResults: ReturnType<typeof results>): string {
	const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
	try {
		new PlainSummaryReporter().onRunComplete(new Set(), runResults);
		return String(write.mock.calls[0][0]).trim();
	} finally {
		write.mockRestore();
	}
}

let directory: string;
// npm test sets TEST_SUMMARY_FILE for the real run: these made-up counts must never be added to it.
const suiteSummaryFile = process.env.TEST_SUMMARY_FILE;
beforeEach(() => {
	directory = mkdtempSync(join(tmpdir(), 'summary-'));
	delete process.env.TEST_SUMMARY_FILE;
});
afterEach(() => {
	rmSync(directory, { recursive: true, force: true });
	if (suiteSummaryFile === undefined) delete process.env.TEST_SUMMARY_FILE;
	else process.env.TEST_SUMMARY_FILE = suiteSummaryFile;
});

test('one run: its own counts', () => {
	expect(summaryLine(results(12, 1, 2))).toBe('12 passed, 1 failed, 2 skipped');
});

test('npm test\'s suite and secret scan: the scan\'s line is the total of both runs', () => {
	process.env.TEST_SUMMARY_FILE = join(directory, 'summary.json');
	expect(summaryLine(results(2150, 0, 1))).toBe('2150 passed, 0 failed, 1 skipped');
	expect(summaryLine(results(1, 1))).toBe('2151 passed, 1 failed, 1 skipped');
});
