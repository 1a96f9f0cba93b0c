import { JsonBytes, copyJson, jsonPrimitive, needsEscaping } from './json';

describe('copyJson', () => {
	it('copies what structuredClone copies, in the same key order, sharing nothing with the original', () => {
		const original = JSON.parse('{"names":[{"givenName":"Zoë","metadata":{"primary":true,"source":{"type":"CONTACT"}}}],"etag":"%Eg1","count":0,"none":null,"flag":false}');
		const copy = copyJson(original);
		expect(copy).toStrictEqual(structuredClone(original));
		expect(JSON.stringify(copy)).toBe(JSON.stringify(original));
		copy.names[0].metadata.source.type = 'PROFILE';
		copy.names.push({});
		expect(original.names).toEqual([{ givenName: 'Zoë', metadata: { primary: true, source: { type: 'CONTACT' } } }]);
	});

	it('keeps an own "__proto__" property as a property, as JSON.parse made it', () => {
		const original = JSON.parse('{"__proto__":{"polluted":true},"value":"x"}');
		const copy = copyJson(original);
		expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
		expect(Object.keys(copy)).toEqual(['__proto__', 'value']);
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
		expect(JSON.stringify(copy)).toBe('{"__proto__":{"polluted":true},"value":"x"}');
	});

	it('returns primitives as they are', () => {
		expect(['text', 7, true, null, undefined].map(copyJson)).toEqual(['text', 7, true, null, undefined]);
	});
});

/** Strings whose JSON needs every kind of escape, and some that need none. */
const HARD_STRINGS = [
	'',
	'plain ascii',
	'Siobhán Ærø ünï',
	'quote " backslash \\ slash /',
	...Array.from({ length: 32 }, (_, code) => `control ${String.fromCharCode(code)} inside`),
	'\u007f delete and \u0080 next',
	'line \u2028 and paragraph \u2029 separators',
	'emoji 🎉 pair',
	'lone high \ud800 surrogate',
	'lone low \udfff surrogate',
	'reversed pair \udc00\ud800',
	'中文 العربية',
];

describe('jsonPrimitive', () => {
	it('writes every primitive exactly as JSON.stringify does', () => {
		expect(HARD_STRINGS.filter((text) => !needsEscaping(text))).toEqual(['', 'plain ascii', 'Siobhán Ærø ünï', '\u007f delete and \u0080 next', 'line \u2028 and paragraph \u2029 separators', '中文 العربية']);
		for (const text of HARD_STRINGS) {
			expect(jsonPrimitive(text)).toBe(JSON.stringify(text));
			if (!needsEscaping(text)) expect(JSON.stringify(text)).toBe(`"${text}"`);
		}
		for (const value of [0, -0, 1, -1.5, 0.1, 1e21, 1e-7, 2 ** 53, Number.MAX_VALUE, NaN, Infinity, -Infinity, true, false, null]) {
			expect(jsonPrimitive(value)).toBe(JSON.stringify(value));
		}
	});
});

describe('JsonBytes', () => {
	it('holds exactly the UTF-8 of the text written, across chunk boundaries and multi-byte characters', () => {
		const body = new JsonBytes();
		const pieces: string[] = [];
		// About 3 MB: several chunks, with pieces of every UTF-8 length and one larger than a chunk.
		for (let index = 0; index < 60_000; index++) pieces.push(`${HARD_STRINGS[index % HARD_STRINGS.length]}${index},`);
		pieces.splice(30_000, 0, 'x'.repeat(1_500_000));
		for (const piece of pieces) body.write(piece);
		const expected = Buffer.from(pieces.join(''), 'utf8');
		const chunks = body.chunks();
		expect(chunks.length).toBeGreaterThan(1);
		expect(Buffer.concat(chunks).equals(expected)).toBe(true);
		expect(body.toString()).toBe(expected.toString('utf8'));
	});

	it('is empty until written to', () => {
		expect(new JsonBytes().chunks()).toEqual([]);
		expect(new JsonBytes().toString()).toBe('');
	});
});
