/**
 * The process-wide services n8n-core takes from its dependency container (instance settings, the
 * credentials cipher's key provider, the logger), configured once per test process the way the
 * CLI configures them at start-up: in a scratch user folder under the OS temp folder, with a fixed
 * test-only encryption key, and silent logs (n8n logs every node error; tests assert on them).
 * Set N8N_LOG_LEVEL=debug to see n8n's logs. When the run is recorded for the secret scan
 * (test/security/recording.ts), they go at debug level to a file in the recording folder instead.
 */
import { Cipher, EncryptionKeyProxy, InstanceSettings, type KeyInfo } from 'n8n-core';
import { dirname, join } from 'path';
import { tmpdir } from 'os';
import { recordingFile } from '../security/recording';

/**
 * Packages n8n-core uses internally, resolved from n8n-core's own folder so the harness shares its
 * instances (a second copy of the container would hold different services).
 */
function requireFromN8nCore<T>(packageName: string): T {
	return require(require.resolve(packageName, { paths: [dirname(require.resolve('n8n-core'))] })) as T;
}

export const { Container } = requireFromN8nCore<typeof import('@n8n/di')>('@n8n/di');

const { GlobalConfig, InstanceSettingsConfig } = requireFromN8nCore<typeof import('@n8n/config')>('@n8n/config');

const TEST_ENCRYPTION_KEY = 'n8n-harness-test-only-encryption-key';

let configured = false;

export function ensureN8nRuntime(): void {
	if (configured) return;
	configured = true;
	// Read once, when InstanceSettings and the Logger are first built, so this must come first.
	Object.assign(Container.get(InstanceSettingsConfig), {
		n8nFolder: join(tmpdir(), 'n8n-harness', '.n8n'),
		encryptionKey: TEST_ENCRYPTION_KEY,
	});
	if (process.env.N8N_LOG_LEVEL === undefined) {
		const logging = Container.get(GlobalConfig).logging;
		const logFile = recordingFile('n8n-core');
		// Recorded for the secret scan (test/security) rather than shown.
		if (logFile) Object.assign(logging, { level: 'debug', outputs: ['file'], file: { ...logging.file, location: logFile } });
		else logging.level = 'silent';
	}
	// The CLI reads credential keys from its database; the legacy descriptor (the instance key
	// itself, wrapped) is what an instance without key rotation uses.
	const instanceKey: KeyInfo = {
		id: 'legacy',
		value: Container.get(Cipher).encryptDEKWithInstanceKey(Container.get(InstanceSettings).encryptionKey),
		algorithm: 'aes-256-cbc',
		format: 'no-prefix',
	};
	Container.get(EncryptionKeyProxy).setProvider({
		getActiveKey: async () => instanceKey,
		getKeyById: async (id) => (id === instanceKey.id ? instanceKey : null),
		getLegacyKey: async () => instanceKey,
	});
}
