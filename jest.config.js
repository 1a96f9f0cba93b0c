/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] },
	testTimeout: 120000,
	maxWorkers: 2,
	reporters: ['default', '<rootDir>/test/summary-reporter.js'],
	// Creates the test CA and sets NODE_EXTRA_CA_CERTS for the workers (simulators speak HTTPS).
	globalSetup: '<rootDir>/test/global-setup.ts',
	// A memory limit makes jest use worker processes even for a single test file; only processes
	// started after globalSetup see NODE_EXTRA_CA_CERTS.
	workerIdleMemoryLimit: '2GB',
};
