import { normalizeEmail, normalizePhone, valuesEqual } from '../../../lib/mapping';
import { repeatedJsonKeys } from '../../../lib/mapping/values';
import { formatDateOnly, parseDateOnly } from '../../../lib/mapping/dates';
import { seedPeople } from '../../simulators/common/seed';

describe('normalizeEmail', () => {
	it('trims and lower-cases', () => {
		expect(normalizeEmail('  Case.Sensitive@Example.com ')).toBe('case.sensitive@example.com');
		expect(normalizeEmail("siobhan.o'brien@example.ie")).toBe("siobhan.o'brien@example.ie");
	});
});

describe('normalizePhone', () => {
	it.each([
		['+31 20 123 4567', '+31201234567'],
		['0031 20 123 4567', '+31201234567'],
		['+49 (0)30 1234568', '+49301234568'],
		['0049 30 1234568', '+49301234568'],
		['+1 (555) 010-0000', '+15550100000'],
		['555.010.0001', '5550100001'],
		['(01) 555 0199', '015550199'],
		['555-010-0002 ext. 12', '5550100002;ext=12'],
		['555-010-0002 x12', '5550100002;ext=12'],
		['tel:+1-555-010-0002;ext=12', '+15550100002;ext=12'],
		['＋３１ ２０ １２３ ４５６７', '+31201234567'],
		['  ', ''],
		['n/a', 'n/a'],
	])('%s → %s', (phone, normalised) => {
		expect(normalizePhone(phone)).toBe(normalised);
	});

	it('tells the seed people\'s different numbers apart', () => {
		const phones = seedPeople(200).flatMap((person) => person.phones.map((phone) => phone.value));
		const byNormalForm = new Map<string, Set<string>>();
		for (const phone of phones) byNormalForm.set(normalizePhone(phone), (byNormalForm.get(normalizePhone(phone)) ?? new Set()).add(phone));
		for (const [normal, written] of byNormalForm) expect([normal, [...written].length]).toEqual([normal, 1]);
	});
});

describe('valuesEqual', () => {
	it.each([
		[{ type: 'email' }, 'Case.Sensitive@Example.com', ' case.sensitive@example.com', true],
		[{ type: 'email' }, 'a@example.com', 'b@example.com', false],
		[{ type: 'phone' }, '+31 20 123 4567', '0031201234567', true],
		[{ type: 'phone' }, '+31 20 123 4567', '+31 20 123 4568', false],
		[{ type: 'text' }, 'Jan ', 'Jan', true],
		[{ type: 'text' }, 'Jan', 'jan', false],
		[{ type: 'multilineText' }, 'a\r\nb', 'a\nb', true],
		[{ type: 'integer' }, 5, '5', true],
		[{ type: 'money' }, 52000.5, '52000.50', true],
		[{ type: 'decimal' }, 1, 2, false],
		[{ type: 'boolean' }, true, 'true', true],
		[{ type: 'boolean' }, false, true, false],
		[{ type: 'date' }, '1975-04-30', '1975-04-30T00:00:00Z', true],
		[{ type: 'date' }, '1975-04-30', '1975-04-29', false],
		[{ type: 'datetime' }, '2024-01-01T10:00:00Z', '2024-01-01T11:00:00+01:00', true],
		[{ type: 'choice' }, 2, '2', true],
		[{ type: 'multiChoice' }, [1, 2], [2, 1], true],
		[{ type: 'email', multiple: true }, ['A@x.example', 'b@x.example'], ['a@x.example', 'B@x.example'], true],
		[{ type: 'email', multiple: true }, ['a@x.example', 'b@x.example'], ['b@x.example', 'a@x.example'], false],
		[{ type: 'text' }, null, '', true],
		[{ type: 'text' }, undefined, [], true],
		[{ type: 'text' }, '', 'x', false],
	] as const)('%j: %j vs %j → %s', (field, a, b, equal) => {
		expect(valuesEqual(field, a, b)).toBe(equal);
		expect(valuesEqual(field, b, a)).toBe(equal);
	});
});

describe('date-only values', () => {
	it('parse and format without any time zone', () => {
		expect(parseDateOnly('2000-02-29')).toEqual({ year: 2000, month: 2, day: 29 });
		expect(parseDateOnly('1975-04-30T00:00:00Z')).toEqual({ year: 1975, month: 4, day: 30 });
		expect(parseDateOnly('--02-29')).toEqual({ month: 2, day: 29 });
		for (const impossible of ['1900-02-29', '2023-02-29', '2024-04-31', '2024-13-01', '2024-00-10', '30/04/1975', '']) expect(parseDateOnly(impossible)).toBeUndefined();
		expect(formatDateOnly({ year: 0, month: 12, day: 24 })).toBe('--12-24');
		expect(formatDateOnly({ year: 987, month: 1, day: 2 })).toBe('0987-01-02');
		expect(formatDateOnly({ year: 2001, month: 2, day: 29 })).toBeUndefined();
	});
});

describe('repeatedJsonKeys', () => {
	it.each([
		['{ "1": "a", "2": "b" }', []],
		['{ "1": "a", "2": "b", "1": "c" }', ['1']],
		['{ "1": "x\\": 1", "x": "y" }', []],
		['{ "a\\"b": 1, "a\\"b": 2, "c": 3, "c": 4 }', ['a"b', 'c']],
		['{ "1": "\\"1\\":" }', []],
	])('%s → %j', (json, repeated) => {
		expect(repeatedJsonKeys(json)).toEqual(repeated);
	});
});
