import { copyJson } from './json';

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
