import { assertGuid, buildQuery, eq, inFilterChunks, isGuid, keyPath, literal, quoteString, recordPath } from '../../../lib/dynamics/odata';

const ID = '49b0be2e-d01c-ed11-b83e-000d3a572421';

describe('literals', () => {
	it('doubles apostrophes in strings', () => {
		expect(quoteString("O'Brien")).toBe("'O''Brien'");
		expect(quoteString("''")).toBe("''''''");
		expect(eq('lastname', "D'Angelo")).toBe("lastname eq 'D''Angelo'");
	});

	it('writes numbers, booleans, null, dates and GUIDs unquoted', () => {
		expect(literal(42)).toBe('42');
		expect(literal(true)).toBe('true');
		expect(literal(null)).toBe('null');
		expect(literal(new Date('2025-01-01T00:00:00.000Z'))).toBe('2025-01-01T00:00:00Z');
		expect(literal(new Date('2025-01-01T00:00:00.250Z'))).toBe('2025-01-01T00:00:00.250Z');
		expect(literal({ guid: `{${ID.toUpperCase()}}` })).toBe(ID);
		expect(() => literal(Number.NaN)).toThrow('cannot use NaN');
		expect(() => literal({ guid: 'x' })).toThrow('a lookup value must be a GUID');
	});

	it('validates GUIDs before they reach a path or filter', () => {
		expect(isGuid(ID)).toBe(true);
		expect(isGuid(`${ID})/../systemusers(`)).toBe(false);
		expect(assertGuid(` {${ID.toUpperCase()}} `, 'contact id')).toBe(ID);
		expect(() => assertGuid("1' or '1'='1", 'The contact id')).toThrow(/^The contact id must be a GUID like 00000000-0000-0000-0000-000000000000, got "1' or '1'='1"$/);
		expect(() => recordPath('contacts', 'abc')).toThrow('the contacts record id must be a GUID');
		expect(recordPath('contacts', ID.toUpperCase())).toBe(`contacts(${ID})`);
	});

	it('refuses column names that are not plain identifiers', () => {
		expect(() => eq('emailaddress1 eq null or x', 'a')).toThrow('is not a valid column name');
		expect(eq('parentcustomerid_account/name', 'Contoso')).toBe("parentcustomerid_account/name eq 'Contoso'");
	});
});

describe('buildQuery', () => {
	it('percent-encodes whole values so %, &, # and + survive', () => {
		const query = buildQuery({ select: ['fullname', 'emailaddress1'], filter: eq('emailaddress1', "a+b&c#d%e'f@example.com"), top: 5 });
		expect(query).toBe("?$select=fullname%2Cemailaddress1&$filter=emailaddress1%20eq%20'a%2Bb%26c%23d%25e''f%40example.com'&$top=5");
		const decoded = new URLSearchParams(query.slice(1));
		expect(decoded.get('$filter')).toBe("emailaddress1 eq 'a+b&c#d%e''f@example.com'");
		expect(decoded.get('$select')).toBe('fullname,emailaddress1');
	});

	it('returns an empty string without options', () => {
		expect(buildQuery({})).toBe('');
	});
});

describe('keyPath', () => {
	it('addresses records by id or by an encoded alternate key', () => {
		expect(keyPath('contacts', ID)).toBe(`contacts(${ID})`);
		expect(keyPath('contacts', { new_googleresourcename: 'people/c123', new_number: 7 })).toBe("contacts(new_googleresourcename='people%2Fc123',new_number=7)");
		expect(() => keyPath('contacts', {})).toThrow('needs at least one column');
	});
});

describe('inFilterChunks', () => {
	const emails = Array.from({ length: 500 }, (_, index) => `person.${index}+tag@example.com`);

	it('covers every value once, in order, with each chunk inside the encoded budget', () => {
		const chunks = inFilterChunks('emailaddress1', [...emails, emails[0]], { maxEncodedLength: 2000 });
		expect(chunks.length).toBeGreaterThan(1);
		for (const chunk of chunks) expect(encodeURIComponent(chunk).length).toBeLessThanOrEqual(2000);
		const values = chunks.flatMap((chunk) => chunk.split(' or ').map((clause) => /^emailaddress1 eq '(.*)'$/.exec(clause)![1]));
		expect(values).toEqual(emails);
	});

	it('caps the number of values per chunk', () => {
		const chunks = inFilterChunks('emailaddress1', emails, { maxValues: 40, maxEncodedLength: 1_000_000 });
		expect(chunks.map((chunk) => chunk.split(' or ').length)).toEqual([...Array(12).fill(40), 20]);
	});

	it('escapes each value and refuses one that cannot fit', () => {
		expect(inFilterChunks('lastname', ["O'Brien", 'Smith'])).toEqual(["lastname eq 'O''Brien' or lastname eq 'Smith'"]);
		expect(() => inFilterChunks('lastname', ['x'.repeat(500)], { maxEncodedLength: 100 })).toThrow('too long for a filter');
		expect(inFilterChunks('lastname', [])).toEqual([]);
	});
});
