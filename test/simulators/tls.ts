/**
 * Certificates for the simulators. MSAL refuses http authorities, so the simulators speak HTTPS with
 * server certificates issued by a CA made for the test run; test processes trust that CA through
 * NODE_EXTRA_CA_CERTS (see test/global-setup.ts), so unchanged clients connect as they would to Azure.
 * Keys come from Node's crypto (fast); node-forge only builds and signs the X.509 structures.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as forge from 'node-forge';
import { isIP } from 'net';

export interface CertificateAuthority {
	caCertPem: string;
	issue(hostnames: string[]): { keyPem: string; certPem: string };
}

export interface SelfSignedCertificate {
	privateKeyPem: string;
	certificatePem: string;
	/** Hex SHA-1 of the DER certificate, as the Azure portal shows it and MSAL's `thumbprint` takes it. */
	thumbprintSha1: string;
	thumbprintSha256: string;
}

/** Where the test CA lives: one for every jest run on this checkout, so parallel runs trust each other's simulators. */
export const TEST_CA_CERT_PATH = path.join(__dirname, '..', '.work', 'ca.pem');
const TEST_CA_BUNDLE_PATH = path.join(__dirname, '..', '.work', 'test-ca.json');

function newKeyPair(): { privateKeyPem: string; publicKey: forge.pki.PublicKey; privateKey: forge.pki.rsa.PrivateKey } {
	const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
	const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
	const forgeKey = forge.pki.privateKeyFromPem(privateKeyPem) as forge.pki.rsa.PrivateKey;
	return { privateKeyPem, privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e) };
}

function newCertificate(publicKey: forge.pki.PublicKey, commonName: string, validDays: number): forge.pki.Certificate {
	const certificate = forge.pki.createCertificate();
	certificate.publicKey = publicKey;
	// A random positive serial in minimal DER form: first byte 0x40-0x7f (top bit clear, no zero padding).
	const serial = randomBytes(16);
	serial[0] = 0x40 | (serial[0] & 0x3f);
	certificate.serialNumber = serial.toString('hex');
	certificate.validity.notBefore = new Date(Date.now() - 60 * 60 * 1000);
	certificate.validity.notAfter = new Date(Date.now() + validDays * 24 * 60 * 60 * 1000);
	certificate.setSubject([{ name: 'commonName', value: commonName }]);
	return certificate;
}

function fromPems(caCertPem: string, caKeyPem: string): CertificateAuthority {
	const caCertificate = forge.pki.certificateFromPem(caCertPem);
	const caKey = forge.pki.privateKeyFromPem(caKeyPem) as forge.pki.rsa.PrivateKey;
	return {
		caCertPem,
		issue(hostnames) {
			if (hostnames.length === 0) throw new Error('a server certificate needs at least one host name or IP address');
			const { privateKeyPem, publicKey } = newKeyPair();
			const certificate = newCertificate(publicKey, hostnames[0], 30);
			certificate.setIssuer(caCertificate.subject.attributes);
			certificate.setExtensions([
				{ name: 'basicConstraints', cA: false },
				{ name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
				{ name: 'extKeyUsage', serverAuth: true },
				{ name: 'subjectAltName', altNames: hostnames.map((name) => (isIP(name) ? { type: 7, ip: name } : { type: 2, value: name })) },
			]);
			certificate.sign(caKey, forge.md.sha256.create());
			return { keyPem: privateKeyPem, certPem: forge.pki.certificateToPem(certificate) };
		},
	};
}

function newAuthority(): { authority: CertificateAuthority; caKeyPem: string } {
	const { privateKeyPem, publicKey, privateKey } = newKeyPair();
	const certificate = newCertificate(publicKey, 'n8n-nodes-dynamics365-sync test CA', 365);
	certificate.setIssuer(certificate.subject.attributes);
	certificate.setExtensions([
		{ name: 'basicConstraints', cA: true, critical: true },
		{ name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
		{ name: 'subjectKeyIdentifier' },
	]);
	certificate.sign(privateKey, forge.md.sha256.create());
	const caCertPem = forge.pki.certificateToPem(certificate);
	return { authority: fromPems(caCertPem, privateKeyPem), caKeyPem: privateKeyPem };
}

export function createCertificateAuthority(): CertificateAuthority {
	return newAuthority().authority;
}

interface StoredAuthority {
	certPem: string;
	keyPem: string;
}

function readStoredAuthority(): StoredAuthority | undefined {
	try {
		return JSON.parse(fs.readFileSync(TEST_CA_BUNDLE_PATH, 'utf8')) as StoredAuthority;
	} catch {
		return undefined;
	}
}

function expiresWithinADay(certPem: string): boolean {
	return forge.pki.certificateFromPem(certPem).validity.notAfter.getTime() < Date.now() + 24 * 60 * 60 * 1000;
}

/**
 * The test CA, created on first use and kept in test/.work/ (git-ignored): cert and key are stored
 * together and published with an atomic link, so concurrent jest runs end up with the same CA.
 * Also (re)writes test/.work/ca.pem, the file NODE_EXTRA_CA_CERTS points at.
 */
export function ensureTestCertificateAuthority(): CertificateAuthority {
	fs.mkdirSync(path.dirname(TEST_CA_BUNDLE_PATH), { recursive: true });
	let stored = readStoredAuthority();
	if (stored && expiresWithinADay(stored.certPem)) {
		fs.rmSync(TEST_CA_BUNDLE_PATH, { force: true });
		stored = undefined;
	}
	if (!stored) {
		const { authority, caKeyPem } = newAuthority();
		const temporary = `${TEST_CA_BUNDLE_PATH}.${process.pid}.tmp`;
		fs.writeFileSync(temporary, JSON.stringify({ certPem: authority.caCertPem, keyPem: caKeyPem }), { mode: 0o600 });
		try {
			fs.linkSync(temporary, TEST_CA_BUNDLE_PATH);
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
		} finally {
			fs.rmSync(temporary, { force: true });
		}
		stored = readStoredAuthority() as StoredAuthority;
	}
	const temporaryCert = `${TEST_CA_CERT_PATH}.${process.pid}.tmp`;
	fs.writeFileSync(temporaryCert, stored.certPem);
	fs.renameSync(temporaryCert, TEST_CA_CERT_PATH);
	return fromPems(stored.certPem, stored.keyPem);
}

/** The test CA that global-setup prepared, or undefined when there is none (outside jest). */
export function loadTestCertificateAuthority(): CertificateAuthority | undefined {
	const stored = readStoredAuthority();
	return stored ? fromPems(stored.certPem, stored.keyPem) : undefined;
}

/** A self-signed client certificate, like the one an admin uploads to an Entra app registration (valid for a year unless told otherwise). */
export function createSelfSignedCertificate(commonName: string, validity?: { notBefore: Date; notAfter: Date }): SelfSignedCertificate {
	const { privateKeyPem, publicKey, privateKey } = newKeyPair();
	const certificate = newCertificate(publicKey, commonName, 365);
	if (validity) certificate.validity = { ...validity };
	certificate.setIssuer(certificate.subject.attributes);
	certificate.sign(privateKey, forge.md.sha256.create());
	const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(certificate)).getBytes(), 'binary');
	return {
		privateKeyPem,
		certificatePem: forge.pki.certificateToPem(certificate),
		thumbprintSha1: createHash('sha1').update(der).digest('hex').toUpperCase(),
		thumbprintSha256: createHash('sha256').update(der).digest('hex').toUpperCase(),
	};
}
