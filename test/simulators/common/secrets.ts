/**
 * Secrets the simulators seed or issue (client secrets, access and refresh tokens). Each carries
 * SECRET_MARKER, so the secret scan recognises a leaked one in any encoding that keeps letters
 * readable (raw, URL, form, JSON) and in base64, even where the registry cannot name it; each is also
 * registered for the run (test/security/recording.ts). Clients treat these values as opaque strings,
 * so the marker changes nothing for them.
 */
import { randomBytes } from 'crypto';
import { recordSecret } from '../../security/recording';

/** Letters and digits only, so URL and JSON encoding leave it as it is. */
export const SECRET_MARKER = 'SIMSECRETqz7';

/** `${prefix}${SECRET_MARKER}${random}`: `randomLength` URL-safe random characters after the marker. */
export function issueSecret(kind: string, prefix = '', randomLength = 32): string {
	const random = randomBytes(Math.ceil((randomLength * 3) / 4)).toString('base64url').slice(0, randomLength);
	const value = `${prefix}${SECRET_MARKER}${random}`;
	recordSecret(kind, value);
	return value;
}
