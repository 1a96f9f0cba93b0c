/**
 * The secret scan, run by `npm test` after the suite (test/security/run-suite.js): it reads what the
 * suite recorded, so it must not run alongside it. Same environment, transform and reporters as the
 * suite; no test CA (it starts no simulator).
 */
const suite = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: suite.testEnvironment,
	transform: suite.transform,
	reporters: suite.reporters,
	roots: ['<rootDir>/test/security'],
	testMatch: ['**/*.scan.ts'],
	testTimeout: 300000,
};
