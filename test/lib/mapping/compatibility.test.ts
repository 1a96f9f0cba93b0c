import { CANONICAL_TYPES, compatibility, compatibleTargets, mappingDirection, type MappingDirectionName } from '../../../lib/mapping/compatibility';
import { DYNAMICS_CONTACT_FIELDS } from '../../../lib/dynamics/contact-fields';
import { GOOGLE_FIELDS, describeGoogleField } from '../../../lib/google/fields';
import type { CanonicalType, FieldDescriptor } from '../../../lib/model/fields';

const SYMBOLS: Record<MappingDirectionName, string> = { both: '<>', toTarget: '->', toSource: '<-', none: '..' };

/**
 * Row = source type, column = target type, in CANONICAL_TYPES order:
 * text, multilineText, integer, decimal, money, boolean, date, datetime, email, phone, choice, multiChoice, lookup, owner.
 */
const WITHOUT_VALUE_MAP = `
text          <> <> <- <- <- <- <- <- <> <> <- <- <- <-
multilineText <> <> <- <- <- <- <- <- <> <> <- <- <- <-
integer       -> -> <> -> -> .. .. .. .. .. .. .. .. ..
decimal       -> -> <- <> <> .. .. .. .. .. .. .. .. ..
money         -> -> <- <> <> .. .. .. .. .. .. .. .. ..
boolean       -> -> .. .. .. <> .. .. .. .. .. .. .. ..
date          -> -> .. .. .. .. <> .. .. .. .. .. .. ..
datetime      -> -> .. .. .. .. .. <> .. .. .. .. .. ..
email         <> <> .. .. .. .. .. .. <> .. .. .. .. ..
phone         <> <> .. .. .. .. .. .. .. <> .. .. .. ..
choice        -> -> .. .. .. .. .. .. .. .. .. .. .. ..
multiChoice   -> -> .. .. .. .. .. .. .. .. .. .. .. ..
lookup        -> -> .. .. .. .. .. .. .. .. .. .. .. ..
owner         -> -> .. .. .. .. .. .. .. .. .. .. .. ..
`;

/** With a value map, a choice pairs with a choice and with text both ways, and a multi-select with a multi-select. */
const CHANGED_BY_A_VALUE_MAP: Record<string, string> = {
	'text|choice': '<>',
	'multilineText|choice': '<>',
	'choice|text': '<>',
	'choice|multilineText': '<>',
	'choice|choice': '<>',
	'multiChoice|multiChoice': '<>',
};

function parseTable(table: string): Map<string, string> {
	const cells = new Map<string, string>();
	for (const line of table.trim().split('\n')) {
		const [source, ...symbols] = line.trim().split(/\s+/);
		expect(symbols).toHaveLength(CANONICAL_TYPES.length);
		symbols.forEach((symbol, index) => cells.set(`${source}|${CANONICAL_TYPES[index]}`, symbol));
	}
	return cells;
}

const MIRROR: Record<MappingDirectionName, MappingDirectionName> = { both: 'both', toTarget: 'toSource', toSource: 'toTarget', none: 'none' };
const pairs = CANONICAL_TYPES.flatMap((source) => CANONICAL_TYPES.map((target) => [source, target] as [CanonicalType, CanonicalType]));

describe.each([
	['without a value map', false],
	['with a value map', true],
])('compatibility of every pair of canonical types, %s', (_title, valueMap) => {
	const expected = new Map([...parseTable(WITHOUT_VALUE_MAP), ...(valueMap ? Object.entries(CHANGED_BY_A_VALUE_MAP) : [])]);

	it.each(pairs)('%s → %s', (source, target) => {
		const result = compatibility(source, target, { valueMap });
		expect(SYMBOLS[result.direction]).toBe(expected.get(`${source}|${target}`));
		expect(result.reason.length).toBeGreaterThan(10);
		expect(compatibility(target, source, { valueMap }).direction).toBe(MIRROR[result.direction]);
	});
});

describe('compatibility reasons', () => {
	it('says why an incompatible pair is refused', () => {
		expect(compatibility('integer', 'date').reason).toBe('a whole number cannot be stored in a date field, and a date cannot be stored in a whole number field');
		expect(compatibility('email', 'phone').reason).toContain('an email address cannot be stored in a phone number field');
		expect(compatibility('date', 'datetime').reason).toContain('no single calendar date without a time zone');
		expect(compatibility('choice', 'choice').reason).toContain('explicit value map');
		expect(compatibility('lookup', 'lookup').reason).toBe('a lookup (a link to another record) is read-only in mappings');
	});

	it('says which way a one-way pair goes and why not back', () => {
		const numberToText = compatibility('integer', 'text');
		expect(numberToText.reason).toBe('one-way toward a text field: a whole number can be written to a text field as text, but text cannot be stored in a whole number field');
		expect(compatibility('choice', 'text').reason).toContain('by label');
		expect(compatibility('lookup', 'text').reason).toContain("by the linked record's name");
		expect(compatibility('decimal', 'integer').reason).toContain('can have a fraction');
	});
});

const dynamics = (name: string) => {
	const field = DYNAMICS_CONTACT_FIELDS.find((candidate) => candidate.name === name);
	if (!field) throw new Error(`no Dynamics column ${name}`);
	return field;
};
const google = (name: string) => {
	const field = describeGoogleField(name);
	if (!field) throw new Error(`no Google field ${name}`);
	return field;
};

describe('mappingDirection of concrete fields', () => {
	it('follows the types between writable fields', () => {
		expect(mappingDirection(dynamics('jobtitle'), google('organizations[0].title')).direction).toBe('both');
		expect(mappingDirection(dynamics('birthdate'), google('birthdays[0].date')).direction).toBe('both');
		expect(mappingDirection(dynamics('preferredcontactmethodcode'), google('userDefined:Contact by')).direction).toBe('toTarget');
		expect(mappingDirection(dynamics('preferredcontactmethodcode'), google('userDefined:Contact by'), { valueMap: true }).direction).toBe('both');
	});

	it('goes one way out of a read-only field, a lookup or an owner', () => {
		const company = mappingDirection(dynamics('parentcustomerid'), google('organizations[0].name'));
		expect(company.direction).toBe('toTarget');
		const fullName = mappingDirection(dynamics('fullname'), google('userDefined:Full name'));
		expect(fullName).toEqual({ direction: 'toTarget', reason: 'one-way from "Full Name" (fullname) to "Custom field "Full name"" (userDefined:Full name): "Full Name" (fullname) is read-only' });
		expect(mappingDirection(google('userDefined:Owner'), dynamics('ownerid')).direction).toBe('toSource');
	});

	it('writes nothing into a read-only field', () => {
		const result = mappingDirection(dynamics('fullname'), google('names.displayName'));
		expect(result.direction).toBe('none');
		expect(result.reason).toContain('nothing can be written');
		expect(mappingDirection(dynamics('createdon'), google('userDefined:Created')).direction).toBe('toTarget');
		expect(mappingDirection(dynamics('modifiedon'), google('metadata.deleted')).direction).toBe('none');
	});

	it('does not pair a list with a single value', () => {
		const result = mappingDirection(dynamics('emailaddress1'), google('emailAddresses'));
		expect(result.direction).toBe('none');
		expect(result.reason).toContain('holds a list of values');
		expect(mappingDirection(dynamics('emailaddress1'), google('emailAddresses[0]')).direction).toBe('both');
	});
});

describe('compatibleTargets', () => {
	const offered = (source: FieldDescriptor, catalog: FieldDescriptor[]) =>
		Object.fromEntries(compatibleTargets(source, catalog).map((entry) => [entry.field.name, entry.direction]));

	it('offers a birthday only the Google birthday (both ways) and text fields (one way)', () => {
		const targets = offered(dynamics('birthdate'), GOOGLE_FIELDS);
		expect(targets['birthdays[0].date']).toBe('both');
		expect(targets['names.givenName']).toBe('toTarget');
		expect(targets['biographies[0].value']).toBe('toTarget');
		for (const name of ['emailAddresses[0]', 'phoneNumbers:mobile', 'memberships', 'metadata.deleted', 'names.displayName', 'emailAddresses']) {
			expect(targets[name]).toBeUndefined();
		}
	});

	it('offers an email column the single Google emails and text fields, never phones or lists', () => {
		const targets = offered(dynamics('emailaddress2'), GOOGLE_FIELDS);
		expect(targets['emailAddresses:home']).toBe('both');
		expect(targets['names.nickname']).toBeUndefined();
		expect(targets['nicknames[0].value']).toBe('both');
		expect(targets['phoneNumbers:work']).toBeUndefined();
		expect(targets.emailAddresses).toBeUndefined();
	});

	it('offers a Google field every Dynamics column it can pair with, in the direction allowed', () => {
		const targets = offered(google('organizations[0].name'), DYNAMICS_CONTACT_FIELDS);
		expect(targets.parentcustomerid).toBe('toSource');
		expect(targets.jobtitle).toBe('both');
		expect(targets.fullname).toBe('toSource');
		expect(targets.birthdate).toBe('toSource');
		expect(targets.donotemail).toBe('toSource');
		expect(Object.keys(targets)).toHaveLength(DYNAMICS_CONTACT_FIELDS.length);
	});

	it('offers a Google birthday only the Dynamics date columns (both ways) and text columns (one way)', () => {
		const targets = offered(google('birthdays[0].date'), DYNAMICS_CONTACT_FIELDS);
		expect(targets).toMatchObject({ birthdate: 'both', anniversary: 'both', jobtitle: 'toTarget', description: 'toTarget' });
		for (const name of ['telephone1', 'emailaddress1', 'donotemail', 'createdon', 'fullname', 'parentcustomerid', 'gendercode']) {
			expect(targets[name]).toBeUndefined();
		}
	});
});
