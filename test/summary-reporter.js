/**
 * Ends a jest run with the plain closing line CI tools read in any language:
 * "N passed, N failed" (", N skipped" when some were). With TEST_SUMMARY_FILE set (npm test's
 * suite and secret scan, test/security/run-suite.js), the counts of the runs before are added in,
 * so the last such line is the total.
 */
const fs = require('fs');

class PlainSummaryReporter {
	onRunComplete(_contexts, results) {
		const counts = {
			passed: results.numPassedTests,
			failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
			skipped: results.numPendingTests + results.numTodoTests,
		};
		const file = process.env.TEST_SUMMARY_FILE;
		if (file) {
			if (fs.existsSync(file)) {
				const before = JSON.parse(fs.readFileSync(file, 'utf8'));
				for (const name of Object.keys(counts)) counts[name] += before[name];
			}
			fs.writeFileSync(file, JSON.stringify(counts));
		}
		const line = `${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}`;
		process.stdout.write(`\n${line}\n`);
	}
}

module.exports = PlainSummaryReporter;
