/**
 * The process-wide services n8n-core takes from its dependency container (instance settings, the
 * credentials cipher's key provider, the log level), configured once per test process the way the
 * CLI configures them at start-up, but in a throwaway user folder so nothing touches ~/.n8n.
 */
import { Container } from '@n8n/di';
import { mkdtempSync, rmSync } from 'fs';
import { Cipher, EncryptionKeyProxy, InstanceSettings, type KeyInfo } from 'n8n-core';
import { tmpdir } from 'os';
import { join } from 'path';

let configured = false;

export function ensureN8nRuntime(): void {
	if (configured) return;
	configured = true;
	// Read by @n8n/config when the container first builds a config class, so this must run first.
	if (process.env.N8N_USER_FOLDER === undefined) {
		const userFolder = mkdtempSync(join(tmpdir(), 'n8n-harness-'));
		process.env.N8N_USER_FOLDER = userFolder;
		process.on('exit', () => rmSync(userFolder, { recursive: true, force: true }));
	}
	// n8n logs every node error it reports; tests assert on errors instead (N8N_LOG_LEVEL=debug to see them).
	process.env.N8N_LOG_LEVEL ??= 'silent';
	// The CLI reads credential keys from its database; the legacy descriptor (the instance key
	// itself, wrapped) is what an instance without key rotation uses.
	const cipher = Container.get(Cipher);
	const instanceKey: KeyInfo = {
		id: 'legacy',
		value: cipher.encryptDEKWithInstanceKey(Container.get(InstanceSettings).encryptionKey),
		algorithm: 'aes-256-cbc',
		format: 'no-prefix',
	};
	Container.get(EncryptionKeyProxy).setProvider({
		getActiveKey: async () => instanceKey,
		getKeyById: async (id) => (id === instanceKey.id ? instanceKey : null),
		getLegacyKey: async () => instanceKey,
	});
}
