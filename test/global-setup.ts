/**
 * Runs once per jest run, before any worker starts: makes sure the test CA exists and points
 * NODE_EXTRA_CA_CERTS at it. Node reads that variable only when a process starts, so it reaches the
 * jest workers spawned after this (jest.config.js forces workers via workerIdleMemoryLimit); with
 * `--runInBand` the tests run in this already-started process and https clients would not trust it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ensureTestCertificateAuthority, TEST_CA_CERT_PATH } from './simulators/tls';

export default function globalSetup(): void {
	const authority = ensureTestCertificateAuthority();
	const inherited = process.env.NODE_EXTRA_CA_CERTS;
	if (!inherited || path.resolve(inherited) === TEST_CA_CERT_PATH) {
		process.env.NODE_EXTRA_CA_CERTS = TEST_CA_CERT_PATH;
		return;
	}
	// Keep the CAs the environment already trusts (a corporate proxy's, say) next to ours.
	const bundlePath = path.join(path.dirname(TEST_CA_CERT_PATH), `ca-bundle-${process.pid}.pem`);
	fs.writeFileSync(bundlePath, `${fs.readFileSync(inherited, 'utf8').trim()}\n${authority.caCertPem}`);
	process.env.NODE_EXTRA_CA_CERTS = bundlePath;
}
