/**
 * Comparison forms for emails and phones (DESIGN section 6): two values that normalise alike are
 * the same value, so a sync never rewrites "+1 (555) 010-0000" as "+15550100000" or flips an
 * email's letter case back and forth. Normalised forms are for comparing and matching only;
 * what is written keeps the user's format.
 */

/** Trimmed and lower-case: how emails are matched across apps. */
export function normalizeEmail(value: string): string {
	return value.trim().toLowerCase();
}

const EXTENSION = /(?:;\s*ext=|\s*(?:ext\.?|extension|x|#)\s*)(\d+)\s*$/i;
/** A national trunk prefix written inside an international number: "+49 (0)30 1234568". */
const TRUNK_PREFIX = /\(0\)/g;

/**
 * The digits of a phone number, with "+" for an international number ("00" counts as "+") and
 * ";ext=N" for an extension. Without a region, a national number stays national:
 * "(01) 555 0199" → "015550199"; "+49 (0)30 1234568" and "0049 30 1234568" → "+49301234568".
 * A value without digits is only trimmed and lower-cased.
 */
export function normalizePhone(value: string): string {
	let text = value.normalize('NFKC').trim().replace(/^tel:/i, '');
	const extension = EXTENSION.exec(text);
	if (extension) text = text.slice(0, extension.index);
	const digits = text.replace(TRUNK_PREFIX, '').replace(/\D/g, '');
	if (!digits) return value.trim().toLowerCase();
	const international = text.startsWith('+') || text.startsWith('00');
	const number = international ? `+${text.startsWith('00') ? digits.slice(2) : digits}` : digits;
	return extension ? `${number};ext=${extension[1]}` : number;
}
