/**
 * First/last name join and split (DESIGN section 4).
 *
 * Join is `first + " " + last`, trimmed. Split prefers an anchor: the target's current first and
 * last names. When the new full name still ends with the current last name, only the first name
 * changes; when it still starts with the current first name, only the last name changes; an
 * unchanged full name gives back the current parts exactly. So "María José" + "García Pérez"
 * survives any round trip, whatever the default split would guess.
 *
 * Only without an anchor does the default split guess, by these rules in order:
 * 1. empty → both parts empty;
 * 2. "Last, First" (one comma) → the parts as written;
 * 3. one word, including names in scripts written without spaces ("李小龙", "O'Brien") → all of it
 *    in the last name, which is the part Dynamics requires (a mononym such as "Cher" is a last name);
 * 4. a surname particle (van, van der, de la, da, dos, von, bin, al…) after the first word starts
 *    the last name: "Jan van der Berg" → "Jan" + "van der Berg". Prefixes inside a word
 *    (O'Brien, MacLeod, D'Angelo) are part of that word;
 * 5. four or more words → the last two are the last name, as in Spanish and Portuguese double
 *    surnames ("María José García Pérez" → "María José" + "García Pérez"); otherwise the last word
 *    is the last name ("Mary Ann Smith" → "Mary Ann" + "Smith").
 * A trailing generational suffix (Jr., III…) stays with the last name, and a token without
 * letters (an emoji) stays with the word before it.
 */

export interface NameParts {
	first: string;
	last: string;
}

const SURNAME_PARTICLES = new Set([
	'van', 'von', 'der', 'den', 'de', 'del', 'della', 'dei', 'degli', 'di', 'da', 'das', 'do', 'dos', 'du', 'des',
	'la', 'le', 'lo', 'ter', 'ten', 'te', 'zu', 'zur', 'af', 'av', 'bin', 'binti', 'bint', 'ibn', 'ben', 'al', 'el', 'st.', 'ap',
]);
const GENERATIONAL_SUFFIXES = new Set(['jr', 'jr.', 'sr', 'sr.', 'ii', 'iii', 'iv']);
const HAS_LETTER = /\p{L}/u;
const SPACELESS_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]/u;

const collapse = (text: string | undefined | null) => (text ?? '').replace(/\s+/g, ' ').trim();
const lower = (text: string) => text.toLocaleLowerCase('und');

/** `first + " " + last`, trimmed; either part may be empty. */
export function joinName(first: string | undefined | null, last: string | undefined | null): string {
	return [collapse(first), collapse(last)].filter((part) => part !== '').join(' ');
}

/** Does `text` start (or end) with `part` as whole words, compared case-insensitively? */
function startsWithWords(text: string, part: string): boolean {
	return part !== '' && lower(text.slice(0, part.length)) === lower(part) && (text.length === part.length || text[part.length] === ' ');
}

function endsWithWords(text: string, part: string): boolean {
	const start = text.length - part.length;
	return part !== '' && start >= 0 && lower(text.slice(start)) === lower(part) && (start === 0 || text[start - 1] === ' ');
}

function isSpaceless(text: string): boolean {
	return !text.includes(' ') && SPACELESS_SCRIPT.test(text);
}

function anchoredSplit(full: string, current: NameParts): NameParts | undefined {
	const first = collapse(current.first);
	const last = collapse(current.last);
	if (full === joinName(first, last)) return { first: current.first, last: current.last };
	// The unchanged part is matched case-insensitively but taken from the new text, so a change of
	// letter case still comes through.
	const lastStart = full.length - last.length;
	if (endsWithWords(full, last)) return { first: full.slice(0, lastStart).trim(), last: full.slice(lastStart) };
	if (startsWithWords(full, first)) return { first: full.slice(0, first.length), last: full.slice(first.length).trim() };
	// Names written without spaces put the family name first ("李小龙"): anchor on it the same way.
	if (isSpaceless(full) && last && lower(full).startsWith(lower(last))) return { first: full.slice(last.length), last: full.slice(0, last.length) };
	if (isSpaceless(full) && first && lower(full).endsWith(lower(first))) {
		const firstStart = full.length - first.length;
		return { first: full.slice(firstStart), last: full.slice(0, firstStart) };
	}
	return undefined;
}

/** Words, with letterless tokens (emoji, "&") kept with the word before them. */
function words(full: string): string[] {
	const result: string[] = [];
	for (const token of full.split(' ')) {
		if (result.length > 0 && !HAS_LETTER.test(token)) result[result.length - 1] += ` ${token}`;
		else result.push(token);
	}
	return result;
}

function defaultSplit(full: string): NameParts {
	if (full === '') return { first: '', last: '' };
	const comma = full.split(',');
	if (comma.length === 2 && comma[0].trim() && comma[1].trim()) return { first: comma[1].trim(), last: comma[0].trim() };
	const parts = words(full);
	let suffixCount = 0;
	while (suffixCount < parts.length - 1 && GENERATIONAL_SUFFIXES.has(lower(parts[parts.length - 1 - suffixCount]))) suffixCount++;
	const core = parts.length - suffixCount;
	if (core <= 1) return { first: '', last: full };
	const particle = parts.findIndex((word, index) => index > 0 && index < core - 1 && SURNAME_PARTICLES.has(lower(word)));
	const lastStart = particle > 0 ? particle : core >= 4 ? core - 2 : core - 1;
	return { first: parts.slice(0, lastStart).join(' '), last: parts.slice(lastStart).join(' ') };
}

/**
 * Splits a full name into first and last name. With `current` (the target's names as they are),
 * only the part that changed is replaced; see the module comment for the rules.
 */
export function splitName(full: string | undefined | null, current?: NameParts): NameParts {
	const text = collapse(full);
	if (text === '') return { first: '', last: '' };
	return (current && anchoredSplit(text, current)) || defaultSplit(text);
}
