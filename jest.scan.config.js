/**
 * The secret scan, run by `npm test` after the suite (test/security/run-suite.js): it reads what the
 * suite recorded, so it must not run alongside it.
 */
/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test/security'],
	testMatch: ['**/*.scan.ts'],
	transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] },
	testTimeout: 300000,
	reporters: ['default', '<rootDir>/test/summary-reporter.js'],
};
