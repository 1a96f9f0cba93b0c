import { describeReading, operatorsFor, prepareFieldTest } from '../../../lib/conditions/operators';
import type { FieldReading } from '../../../lib/conditions/record';
import type { ConditionValue, FieldOperator } from '../../../lib/conditions/types';
import { describeGoogleField } from '../../../lib/google/fields';
import type { FieldDescriptor } from '../../../lib/model/fields';
import { ALICE, SALES_TEAM, contactField } from './fixtures';

interface Case {
	operator: FieldOperator;
	value?: ConditionValue;
	values?: ConditionValue[];
	negate?: boolean;
}

function reading(value: unknown, formatted?: string): FieldReading {
	return formatted === undefined ? { present: true, value } : { present: true, value, formatted };
}

const MISSING: FieldReading = { present: false, value: undefined };

/** Whether a record value passes the condition on the column. */
function passes(field: FieldDescriptor | string, condition: Case, value: unknown, formatted?: string): boolean {
	const descriptor = typeof field === 'string' ? contactField(field) : field;
	return prepareFieldTest(descriptor, condition).matches(value === MISSING ? MISSING : reading(value, formatted));
}

function ruleError(field: FieldDescriptor | string, condition: Case): string {
	const descriptor = typeof field === 'string' ? contactField(field) : field;
	try {
		prepareFieldTest(descriptor, condition);
	} catch (error) {
		expect(error.name).toBe('RuleError');
		return error.message;
	}
	throw new Error('expected a RuleError');
}

describe('text operators', () => {
	it('compare case-insensitively, trimmed and NFC-normalised', () => {
		expect(passes('firstname', { operator: 'equals', value: 'JAN' }, ' jan ')).toBe(true);
		expect(passes('firstname', { operator: 'equals', value: 'Zoë' }, 'Zoe\u0308')).toBe(true);
		expect(passes('firstname', { operator: 'equals', value: 'Jan' }, 'Janneke')).toBe(false);
		expect(passes('lastname', { operator: 'contains', value: 'VAN DER' }, 'van der Berg')).toBe(true);
		expect(passes('lastname', { operator: 'startsWith', value: 'van ' }, 'van der Berg')).toBe(true);
		expect(passes('lastname', { operator: 'startsWith', value: 'der' }, 'van der Berg')).toBe(false);
		expect(passes('lastname', { operator: 'endsWith', value: 'BERG' }, 'van der Berg')).toBe(true);
		expect(passes('lastname', { operator: 'endsWith', value: "o'brien" }, "O'Brien")).toBe(true);
		expect(passes('description', { operator: 'contains', value: 'phone calls' }, 'Met at the fair.\nPrefers Phone Calls.')).toBe(true);
	});

	it('read "is not" as the negation, and notEquals as not equals', () => {
		expect(passes('firstname', { operator: 'contains', value: 'an', negate: true }, 'Jan')).toBe(false);
		expect(passes('firstname', { operator: 'contains', value: 'xy', negate: true }, 'Jan')).toBe(true);
		expect(passes('firstname', { operator: 'notEquals', value: 'jan' }, 'Jan')).toBe(false);
		expect(passes('firstname', { operator: 'notEquals', value: 'jan', negate: true }, 'Jan')).toBe(true);
		expect(passes('firstname', { operator: 'notEquals', value: 'jan' }, null)).toBe(true);
	});

	it('compare emails as text, case-insensitively', () => {
		expect(passes('emailaddress1', { operator: 'equals', value: 'jan.vanderberg@example.nl' }, ' Jan.VanDerBerg@Example.NL ')).toBe(true);
		expect(passes('emailaddress1', { operator: 'endsWith', value: '@EXAMPLE.nl' }, 'jan.vanderberg@example.nl')).toBe(true);
	});

	it('need a value', () => {
		expect(ruleError('firstname', { operator: 'equals', value: '  ' })).toBe('First Name (firstname) equals: needs a value. To test for an empty column, use "is empty"');
		expect(ruleError('firstname', { operator: 'contains' })).toContain('needs a value');
	});
});

describe('phone operators', () => {
	it('equal when the normalised numbers are the same', () => {
		expect(passes('mobilephone', { operator: 'equals', value: '+49 30 1234567' }, '0049 30 1234567')).toBe(true);
		expect(passes('mobilephone', { operator: 'equals', value: '+49 30 1234567' }, '+49 (0)30 1234567')).toBe(true);
		expect(passes('telephone1', { operator: 'equals', value: '555.010.0001' }, '(555) 010-0001')).toBe(true);
		expect(passes('telephone1', { operator: 'equals', value: '555 010 0001' }, '+1 555 010 0001')).toBe(false);
	});

	it('search the digits alone', () => {
		expect(passes('telephone1', { operator: 'startsWith', value: '+31 20' }, '0031-20-123 4567')).toBe(true);
		expect(passes('telephone1', { operator: 'contains', value: '123-45' }, '+31 20 123 4567')).toBe(true);
		expect(passes('telephone1', { operator: 'endsWith', value: '4567' }, '+31 20 123 4567')).toBe(true);
		expect(passes('telephone1', { operator: 'endsWith', value: '4568' }, '+31 20 123 4567')).toBe(false);
	});

	it('need digits', () => {
		expect(ruleError('telephone1', { operator: 'contains', value: 'ext' })).toBe(
			'Business Phone (telephone1) contains: "ext" has no digits; phone numbers are compared by their digits',
		);
	});
});

describe('number operators', () => {
	it('compare as numbers, not as text ("10" is greater than "9")', () => {
		expect(passes('new_loyaltypoints', { operator: 'greaterThan', value: '9' }, 10)).toBe(true);
		expect(passes('new_loyaltypoints', { operator: 'greaterThan', value: 9 }, '10')).toBe(true);
		expect(passes('new_loyaltypoints', { operator: 'lessThan', value: '10' }, 9)).toBe(true);
		expect(passes('new_loyaltypoints', { operator: 'lessThan', value: '10' }, 10)).toBe(false);
		expect(passes('new_loyaltypoints', { operator: 'greaterThan', value: '10', negate: true }, 10)).toBe(true);
	});

	it('equal across number and numeric text, decimals and money included', () => {
		expect(passes('new_loyaltypoints', { operator: 'equals', value: ' 42 ' }, 42)).toBe(true);
		expect(passes('creditlimit', { operator: 'equals', value: '10000.00' }, 10000)).toBe(true);
		expect(passes('creditlimit', { operator: 'greaterThan', value: '9999.99' }, 10000)).toBe(true);
		expect(passes('address1_latitude', { operator: 'lessThan', value: '-0.5' }, -33.86785)).toBe(true);
		expect(passes('address1_latitude', { operator: 'greaterThan', value: '1e1' }, 52.36641)).toBe(true);
	});

	it('never match an empty or non-numeric value', () => {
		expect(passes('new_loyaltypoints', { operator: 'lessThan', value: 5 }, null)).toBe(false);
		expect(passes('new_loyaltypoints', { operator: 'lessThan', value: 5 }, MISSING)).toBe(false);
		expect(passes('new_loyaltypoints', { operator: 'lessThan', value: 5 }, 'many')).toBe(false);
	});

	it('reject operands that are not numbers', () => {
		const hint = 'is not a number (write 42, -3.5 or 1e6, with a dot for decimals)';
		expect(ruleError('creditlimit', { operator: 'greaterThan', value: '1,5' })).toBe(`Credit Limit (creditlimit) is greater than: "1,5" ${hint}`);
		expect(ruleError('creditlimit', { operator: 'equals', value: '0x10' })).toContain(`"0x10" ${hint}`);
		expect(ruleError('new_loyaltypoints', { operator: 'lessThan', value: true })).toContain(`: true ${hint}`);
	});
});

describe('date-only operators', () => {
	it('compare calendar dates as written, never shifted by a time zone', () => {
		expect(passes('birthdate', { operator: 'equals', value: '1975-04-30' }, '1975-04-30')).toBe(true);
		expect(passes('birthdate', { operator: 'equals', value: '1975-04-30' }, '1975-04-30T00:00:00Z')).toBe(true);
		expect(passes('birthdate', { operator: 'equals', value: '1975-04-30T23:00:00-05:00' }, '1975-04-30')).toBe(true);
		expect(passes('birthdate', { operator: 'greaterThan', value: '1975-04-29' }, '1975-04-30')).toBe(true);
		expect(passes('birthdate', { operator: 'lessThan', value: '1975-04-30' }, '1975-04-30')).toBe(false);
		expect(passes('birthdate', { operator: 'lessThan', value: '1970-01-01' }, '1969-12-31')).toBe(true);
	});

	it('skip dates without a year and empty dates', () => {
		const birthday = describeGoogleField('birthdays[0].date')!;
		expect(passes(birthday, { operator: 'lessThan', value: '2030-01-01' }, '--05-20')).toBe(false);
		expect(passes(birthday, { operator: 'isEmpty' }, '--05-20')).toBe(false);
		expect(passes(birthday, { operator: 'greaterThan', value: '2000-02-28' }, '2000-02-29')).toBe(true);
		expect(passes('birthdate', { operator: 'greaterThan', value: '1900-01-01' }, null)).toBe(false);
	});

	it('reject impossible and unreadable dates', () => {
		const hint = 'is not a date; write 2024-01-31 or 2024-01-31T09:30:00Z';
		expect(ruleError('birthdate', { operator: 'equals', value: '1900-02-29' })).toBe(`Birthday (birthdate) equals: "1900-02-29" ${hint}`);
		expect(ruleError('birthdate', { operator: 'greaterThan', value: '30/04/1975' })).toBe(`Birthday (birthdate) is after: "30/04/1975" ${hint}`);
		expect(ruleError('birthdate', { operator: 'lessThan', value: '--05-20' })).toContain(hint);
	});
});

describe('date and time operators', () => {
	it('compare instants, whatever offset they are written in', () => {
		expect(passes('createdon', { operator: 'greaterThan', value: '2024-01-31T12:00:00+01:00' }, '2024-01-31T23:30:00Z')).toBe(true);
		expect(passes('createdon', { operator: 'equals', value: '2024-02-01T00:30:00+01:00' }, '2024-01-31T23:30:00Z')).toBe(true);
		expect(passes('createdon', { operator: 'lessThan', value: '2024-01-31T23:30:00.001Z' }, '2024-01-31T23:30:00Z')).toBe(true);
		expect(passes('createdon', { operator: 'lessThan', value: '2024-01-31 23:30' }, '2024-01-31T23:30:00Z')).toBe(false);
		expect(passes('createdon', { operator: 'greaterThan', value: '2024-01-31T23:00:00-0100' }, '2024-01-31T23:30:00Z')).toBe(false);
	});

	it('compare the UTC calendar day with a date-only operand', () => {
		expect(passes('createdon', { operator: 'equals', value: '2024-01-31' }, '2024-01-31T23:30:00Z')).toBe(true);
		expect(passes('createdon', { operator: 'equals', value: '2024-01-31' }, '2024-02-01T00:30:00+01:00')).toBe(true);
		expect(passes('createdon', { operator: 'greaterThan', value: '2024-01-31' }, '2024-01-31T23:30:00Z')).toBe(false);
		expect(passes('createdon', { operator: 'greaterThan', value: '2024-01-30' }, '2024-01-31T00:00:00Z')).toBe(true);
		expect(passes('createdon', { operator: 'lessThan', value: '2024-02-01', negate: true }, '2024-02-01T00:30:00Z')).toBe(true);
	});
});

describe('yes/no operators', () => {
	it('test true and false; an empty or missing value is neither', () => {
		expect(passes('new_vip', { operator: 'isTrue' }, true)).toBe(true);
		expect(passes('new_vip', { operator: 'isTrue' }, false)).toBe(false);
		expect(passes('new_vip', { operator: 'isFalse' }, false)).toBe(true);
		expect(passes('new_vip', { operator: 'isFalse' }, null)).toBe(false);
		expect(passes('new_vip', { operator: 'isTrue' }, MISSING)).toBe(false);
		expect(passes('new_vip', { operator: 'isTrue', negate: true }, MISSING)).toBe(true);
		expect(passes(describeGoogleField('metadata.deleted')!, { operator: 'isTrue' }, true)).toBe(true);
	});
});

describe('choice operators', () => {
	it('match by value, as a number or as text', () => {
		expect(passes('new_tier', { operator: 'isOneOf', values: [100000000] }, 100000000, 'Gold')).toBe(true);
		expect(passes('new_tier', { operator: 'isOneOf', values: ['100000001', '100000000'] }, 100000000, 'Gold')).toBe(true);
		expect(passes('new_tier', { operator: 'isOneOf', values: [100000001] }, 100000000, 'Gold')).toBe(false);
	});

	it('match by label, case-insensitively, from the metadata even without the annotation', () => {
		expect(passes('new_tier', { operator: 'isOneOf', values: ['gold', 'Silver'] }, 100000000)).toBe(true);
		expect(passes('new_tier', { operator: 'isOneOf', values: ['Silver'] }, 100000000)).toBe(false);
		expect(passes('new_tier', { operator: 'equals', value: 'GOLD' }, 100000000)).toBe(true);
		expect(passes('new_tier', { operator: 'notEquals', value: 'Gold' }, 100000002)).toBe(true);
		expect(passes('new_tier', { operator: 'isOneOf', values: ['Gold', 'Silver'], negate: true }, 100000002)).toBe(true);
	});

	it('take a single value where a list is expected', () => {
		expect(passes('new_tier', { operator: 'isOneOf', values: 'Gold' as unknown as string[] }, 100000000)).toBe(true);
	});

	it('prefer an option value over a label that reads like a number', () => {
		expect(passes('new_tier', { operator: 'equals', value: '2024 Cohort' }, 100000003)).toBe(true);
		expect(passes('new_tier', { operator: 'equals', value: '100000003' }, 100000003)).toBe(true);
	});

	it('match by the formatted label when the column has no options loaded', () => {
		const { options: _ignored, ...withoutOptions } = contactField('new_tier');
		expect(passes(withoutOptions, { operator: 'isOneOf', values: ['gold'] }, 100000000, 'Gold')).toBe(true);
		expect(passes(withoutOptions, { operator: 'isOneOf', values: ['100000000'] }, 100000000, 'Gold')).toBe(true);
		expect(passes(withoutOptions, { operator: 'isOneOf', values: ['Silver'] }, 100000000, 'Gold')).toBe(false);
	});

	it('reject an operand that is neither a value nor a label', () => {
		expect(ruleError('new_tier', { operator: 'isOneOf', values: ['Gold', 'Platinum'] })).toBe(
			'Customer Tier (new_tier) is one of: "Platinum" is neither a value nor a label of its choices: Gold (100000000), Silver (100000001), Bronze (100000002), 2024 Cohort (100000003)',
		);
		expect(ruleError('statuscode', { operator: 'isOneOf', values: [] })).toBe('Status Reason (statuscode) is one of: needs at least one value');
	});
});

describe('multi-select choice operators', () => {
	it('match when any selected option is one of the values or labels', () => {
		expect(passes('new_interests', { operator: 'isOneOf', values: ['Events'] }, '100000000,100000001', 'Newsletter; Events')).toBe(true);
		expect(passes('new_interests', { operator: 'isOneOf', values: [100000002, 'partner offers'] }, '100000000,100000001')).toBe(false);
		expect(passes('new_interests', { operator: 'isOneOf', values: ['Product Updates'] }, '100000002')).toBe(true);
		expect(passes('new_interests', { operator: 'isOneOf', values: ['Events'], negate: true }, null)).toBe(true);
	});

	it('treat an empty selection as empty', () => {
		expect(passes('new_interests', { operator: 'isEmpty' }, '')).toBe(true);
		expect(passes('new_interests', { operator: 'isEmpty' }, null)).toBe(true);
		expect(passes('new_interests', { operator: 'isNotEmpty' }, '100000003')).toBe(true);
	});

	it('read Google labels as a multi-select choice of resource names', () => {
		const memberships = describeGoogleField('memberships')!;
		const groups = ['contactGroups/myContacts', 'contactGroups/4f2e1a0b8c3d'];
		expect(passes(memberships, { operator: 'isOneOf', values: ['contactGroups/4f2e1a0b8c3d'] }, groups)).toBe(true);
		expect(passes(memberships, { operator: 'isOneOf', values: ['contactGroups/starred'] }, groups)).toBe(false);
	});
});

describe('lookup operators', () => {
	it('match an owner by id, in any GUID spelling, or by name', () => {
		expect(passes('ownerid', { operator: 'equals', value: `{${ALICE.id.toUpperCase()}}` }, ALICE.id, ALICE.name)).toBe(true);
		expect(passes('ownerid', { operator: 'equals', value: 'alice johnson' }, ALICE.id, ALICE.name)).toBe(true);
		expect(passes('ownerid', { operator: 'isOneOf', values: [SALES_TEAM.id, 'Bob Smith'] }, ALICE.id, ALICE.name)).toBe(false);
		expect(passes('ownerid', { operator: 'isOneOf', values: [SALES_TEAM.id, 'Bob Smith'] }, SALES_TEAM.id, SALES_TEAM.name)).toBe(true);
	});

	it('search the lookup name', () => {
		expect(passes('parentcustomerid', { operator: 'contains', value: '& zonen' }, '3f2504e0-4f89-11d3-9a0c-0305e82c3301', 'Berg & Zonen')).toBe(true);
		expect(passes('parentcustomerid', { operator: 'isEmpty' }, null)).toBe(true);
	});
});

describe('is empty', () => {
	it('counts missing, null, blank text and empty lists as empty, and 0 and false as values', () => {
		expect(passes('jobtitle', { operator: 'isEmpty' }, MISSING)).toBe(true);
		expect(passes('jobtitle', { operator: 'isEmpty' }, null)).toBe(true);
		expect(passes('jobtitle', { operator: 'isEmpty' }, '   ')).toBe(true);
		expect(passes('jobtitle', { operator: 'isEmpty' }, 'CTO')).toBe(false);
		expect(passes('jobtitle', { operator: 'isNotEmpty' }, 'CTO')).toBe(true);
		expect(passes('jobtitle', { operator: 'isEmpty', negate: true }, '')).toBe(false);
		expect(passes('new_loyaltypoints', { operator: 'isEmpty' }, 0)).toBe(false);
		expect(passes('new_vip', { operator: 'isEmpty' }, false)).toBe(false);
		const emails = describeGoogleField('emailAddresses')!;
		expect(passes(emails, { operator: 'isEmpty' }, [])).toBe(true);
		expect(passes(emails, { operator: 'isEmpty' }, ['', ' '])).toBe(true);
	});
});

describe('multi-valued fields', () => {
	it('match when any value does, and "is not" when none does', () => {
		const emails = describeGoogleField('emailAddresses')!;
		const values = ['Zoe.Mueller@Example.de', 'zoe@privat.example.de'];
		expect(passes(emails, { operator: 'endsWith', value: '@privat.example.de' }, values)).toBe(true);
		expect(passes(emails, { operator: 'equals', value: 'zoe.mueller@example.de' }, values)).toBe(true);
		expect(passes(emails, { operator: 'contains', value: 'gmail', negate: true }, values)).toBe(true);
		expect(passes(emails, { operator: 'notEquals', value: 'zoe@privat.example.de' }, values)).toBe(false);
	});
});

describe('operator fit', () => {
	it('lists the operators each type takes', () => {
		expect(operatorsFor('text')).toEqual(['isEmpty', 'isNotEmpty', 'equals', 'notEquals', 'contains', 'startsWith', 'endsWith']);
		expect(operatorsFor('money')).toEqual(['isEmpty', 'isNotEmpty', 'equals', 'notEquals', 'greaterThan', 'lessThan']);
		expect(operatorsFor('boolean')).toEqual(['isEmpty', 'isNotEmpty', 'isTrue', 'isFalse']);
		expect(operatorsFor('multiChoice')).toEqual(['isEmpty', 'isNotEmpty', 'isOneOf']);
		expect(operatorsFor('owner')).toContain('isOneOf');
	});

	it('rejects an operator that does not fit the column, naming the fitting ones', () => {
		expect(ruleError('emailaddress1', { operator: 'greaterThan', value: 'a' })).toBe(
			'"greater than" does not fit Email (emailaddress1), an email column; use one of: is empty, is not empty, equals, does not equal, contains, starts with, ends with',
		);
		expect(ruleError('new_vip', { operator: 'equals', value: true })).toContain('"equals" does not fit VIP (new_vip), a yes/no column');
		expect(ruleError('new_tier', { operator: 'contains', value: 'Go' })).toContain('does not fit Customer Tier (new_tier), a choice column');
		expect(ruleError('birthdate', { operator: 'isTrue' })).toContain('a date-only column');
		expect(ruleError('firstname', { operator: 'matches' as FieldOperator, value: 'J.*' })).toContain('"matches" does not fit First Name (firstname)');
		expect(ruleError('firstname', { operator: 'constructor' as FieldOperator })).toContain('"constructor" does not fit First Name (firstname)');
	});
});

describe('describeReading', () => {
	it('says what a record holds, with its label', () => {
		expect(describeReading(contactField('new_tier'), reading(100000000, 'Gold'))).toBe('100000000 ("Gold")');
		expect(describeReading(contactField('firstname'), reading('Jan'))).toBe('"Jan"');
		expect(describeReading(contactField('firstname'), reading(''))).toBe('empty');
		expect(describeReading(contactField('firstname'), MISSING)).toBe('not in the record');
		expect(describeReading(contactField('new_interests'), reading('100000000,100000001', 'Newsletter; Events'))).toBe(
			'"100000000", "100000001" ("Newsletter; Events")',
		);
		expect(describeReading(contactField('description'), reading('x'.repeat(80)))).toBe(`"${'x'.repeat(57)}..."`);
	});
});
