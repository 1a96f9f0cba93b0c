import * as https from 'https';
import type { AddressInfo } from 'net';
import { X509Certificate } from 'crypto';
import { createCertificateAuthority, createSelfSignedCertificate, loadTestCertificateAuthority, TEST_CA_CERT_PATH } from './tls';

async function serveOnce(key: string, cert: string): Promise<{ url: string; close: () => Promise<void> }> {
	const server = https.createServer({ key, cert }, (_req, res) => res.end('hello over tls'));
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `https://127.0.0.1:${port}/`,
		close: () =>
			new Promise((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

describe('test certificate authority', () => {
	it('is prepared by global-setup and trusted by this worker through NODE_EXTRA_CA_CERTS', async () => {
		expect(process.env.NODE_EXTRA_CA_CERTS).toBeDefined();
		const authority = loadTestCertificateAuthority();
		expect(authority).toBeDefined();
		const { keyPem, certPem } = authority!.issue(['127.0.0.1', 'localhost']);
		const server = await serveOnce(keyPem, certPem);
		try {
			// Both of Node's client stacks: fetch (undici, used by MSAL) and https (used by dynamics-web-api).
			expect(await (await fetch(server.url)).text()).toBe('hello over tls');
			const body = await new Promise<string>((resolve, reject) => {
				https.get(server.url, (res) => {
					let text = '';
					res.on('data', (chunk) => (text += chunk));
					res.on('end', () => resolve(text));
				}).on('error', reject);
			});
			expect(body).toBe('hello over tls');
		} finally {
			await server.close();
		}
		expect(TEST_CA_CERT_PATH).toMatch(/\.work[/\\]ca\.pem$/);
	});

	it('issues server certificates with IP and DNS names that a client checks', async () => {
		const authority = createCertificateAuthority();
		const { keyPem, certPem } = authority.issue(['127.0.0.1', 'localhost', 'login.microsoftonline.com']);
		const certificate = new X509Certificate(certPem);
		expect(certificate.subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost, DNS:login.microsoftonline.com');
		expect(certificate.checkIssued(new X509Certificate(authority.caCertPem))).toBe(true);
		const server = await serveOnce(keyPem, certPem);
		try {
			// A CA nobody trusts: the default client must refuse it, the one given the CA must accept it.
			await expect(fetch(server.url)).rejects.toThrow();
			const trusted = await new Promise<number | undefined>((resolve, reject) => {
				https.get(server.url, { ca: authority.caCertPem }, (res) => resolve(res.statusCode)).on('error', reject);
			});
			expect(trusted).toBe(200);
		} finally {
			await server.close();
		}
	});

	it('makes self-signed client certificates with the thumbprints the Azure portal shows', () => {
		const certificate = createSelfSignedCertificate('n8n sync app');
		const parsed = new X509Certificate(certificate.certificatePem);
		expect(parsed.fingerprint.replace(/:/g, '')).toBe(certificate.thumbprintSha1);
		expect(parsed.fingerprint256.replace(/:/g, '')).toBe(certificate.thumbprintSha256);
		expect(parsed.subject).toBe('CN=n8n sync app');
		expect(certificate.privateKeyPem).toContain('BEGIN PRIVATE KEY');
	});
});
