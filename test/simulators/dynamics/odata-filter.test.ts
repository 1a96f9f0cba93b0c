import { type FilterScope, compileFilter, keyEqualities, likePattern } from './odata-filter';
import { DataverseError } from './wire';

type Row = Record<string, unknown> & { id: string };

const TYPES: Record<string, string> = {
	firstname: 'Edm.String',
	lastname: 'Edm.String',
	emailaddress1: 'Edm.String',
	new_loyaltypoints: 'Edm.Int32',
	creditlimit: 'Edm.Decimal',
	donotemail: 'Edm.Boolean',
	modifiedon: 'Edm.DateTimeOffset',
	birthdate: 'Edm.Date',
	_ownerid_value: 'Edm.Guid',
	'RequiredLevel/Value': 'Microsoft.Dynamics.CRM.AttributeRequiredLevel',
};

const scope: FilterScope<Row> = {
	typeName: 'Microsoft.Dynamics.CRM.contact',
	property: (path) => (TYPES[path] ? { type: TYPES[path], read: (row) => path.split('/').reduce<unknown>((value, key) => (value as Record<string, unknown>)?.[key], row) ?? null } : undefined),
};

const OWNER = '4dee45e3-fbad-eb11-8236-000d3ae8bdbd';
const rows: Row[] = [
	{ id: 'obrien', firstname: 'Siobhán', lastname: "O'Brien", emailaddress1: "siobhan.o'brien@example.ie", new_loyaltypoints: 10, creditlimit: 100.5, donotemail: false, modifiedon: '2025-01-01T10:00:00Z', birthdate: '1969-12-31', _ownerid_value: OWNER, RequiredLevel: { Value: 'None' } },
	{ id: 'cher', firstname: null, lastname: 'Cher', emailaddress1: 'cher@example.com', new_loyaltypoints: 250, creditlimit: null, donotemail: true, modifiedon: '2025-03-01T00:00:00Z', birthdate: null, _ownerid_value: null, RequiredLevel: { Value: 'ApplicationRequired' } },
	{ id: 'noemail', firstname: 'Noemail', lastname: 'Person', emailaddress1: null, new_loyaltypoints: null, creditlimit: 0, donotemail: false, modifiedon: '2024-12-31T23:59:59Z', birthdate: '2000-02-29', _ownerid_value: OWNER, RequiredLevel: { Value: 'Recommended' } },
	{ id: 'axb', firstname: 'Axb', lastname: 'axb', emailaddress1: 'a_b@example.com', new_loyaltypoints: 0, creditlimit: 5, donotemail: false, modifiedon: '2025-02-01T00:00:00+01:00', birthdate: '1975-04-30', _ownerid_value: null, RequiredLevel: { Value: 'None' } },
];

const matching = (filter: string) => rows.filter(compileFilter(filter, scope)).map((row) => row.id);

function errorOf(filter: string): DataverseError {
	try {
		compileFilter(filter, scope);
	} catch (error) {
		return error as DataverseError;
	}
	throw new Error(`expected '${filter}' to be rejected`);
}

describe('$filter semantics', () => {
	it('compares strings case-insensitively and unescapes doubled quotes', () => {
		expect(matching("lastname eq 'o''brien'")).toEqual(['obrien']);
		expect(matching("lastname eq 'CHER'")).toEqual(['cher']);
		expect(matching("lastname gt 'P'")).toEqual(['noemail']);
	});

	it('treats a comparison with an empty column as unknown, so ne skips nulls as SQL does; eq null / ne null test emptiness', () => {
		expect(matching("emailaddress1 ne 'cher@example.com'")).toEqual(['obrien', 'axb']);
		expect(matching('emailaddress1 eq null')).toEqual(['noemail']);
		expect(matching('firstname ne null')).toEqual(['obrien', 'noemail', 'axb']);
		// noemail has no points: `gt 5` is unknown there, and so is its negation.
		expect(matching('not (new_loyaltypoints gt 5)')).toEqual(['axb']);
	});

	it('compares numbers, booleans, unquoted datetimes (with offsets) and dates', () => {
		expect(matching('new_loyaltypoints ge 10 and new_loyaltypoints lt 250')).toEqual(['obrien']);
		expect(matching('creditlimit le 5')).toEqual(['noemail', 'axb']);
		expect(matching('donotemail eq true')).toEqual(['cher']);
		expect(matching('modifiedon gt 2025-01-01T00:00:00Z')).toEqual(['obrien', 'cher', 'axb']);
		// 2025-02-01T00:00:00+01:00 is 2025-01-31T23:00:00Z.
		expect(matching('modifiedon lt 2025-01-31T23:30:00Z and modifiedon ge 2025-01-01T10:00:00Z')).toEqual(['obrien', 'axb']);
		expect(matching('birthdate eq 2000-02-29')).toEqual(['noemail']);
		expect(matching('birthdate lt 1970-01-01')).toEqual(['obrien']);
	});

	it('honours and / or / not precedence and parentheses', () => {
		expect(matching("lastname eq 'Cher' or lastname eq 'Person' and donotemail eq true")).toEqual(['cher']);
		expect(matching("(lastname eq 'Cher' or lastname eq 'Person') and donotemail eq false")).toEqual(['noemail']);
		expect(matching("not (lastname eq 'Cher' or lastname eq 'Person')")).toEqual(['obrien', 'axb']);
	});

	it('applies contains / startswith / endswith with SQL LIKE wildcards, and negates them with not', () => {
		expect(matching("contains(emailaddress1,'EXAMPLE.COM')")).toEqual(['cher', 'axb']);
		expect(matching("startswith(lastname,'o''b')")).toEqual(['obrien']);
		expect(matching("endswith(emailaddress1,'.ie')")).toEqual(['obrien']);
		// _ matches any one character, as Dataverse documents: 'a_b' matches 'axb' too.
		expect(matching("contains(lastname,'a_b')")).toEqual(['axb']);
		expect(matching("startswith(lastname,'[a-c]')")).toEqual(['cher', 'axb']);
		expect(matching("startswith(lastname,'[^a-c]')")).toEqual(['obrien', 'noemail']);
		expect(matching("not contains(emailaddress1,'example')")).toEqual([]);
		expect(likePattern('100%', false, false).test('100 percent')).toBe(true);
	});

	it('takes GUIDs unquoted, compares columns with columns, and reads property paths and enum literals', () => {
		expect(matching(`_ownerid_value eq ${OWNER.toUpperCase()}`)).toEqual(['obrien', 'noemail']);
		expect(matching('firstname eq lastname')).toEqual(['axb']);
		expect(matching("RequiredLevel/Value eq Microsoft.Dynamics.CRM.AttributeRequiredLevel'ApplicationRequired'")).toEqual(['cher']);
	});

	it("rejects bad filters with OData's messages", () => {
		const cases: Array<[string, string]> = [
			["lastname eqq 'x'", "Syntax error at position 9 in 'lastname eqq 'x''."],
			["(lastname eq 'x'", "')' or operator expected at position 16 in '(lastname eq 'x''."],
			["lastname eq 'x", "There is an unterminated string literal at position 12 in 'lastname eq 'x'."],
			['lastname eq', "Expression expected at position 11 in 'lastname eq'."],
			["nickname eq 'x'", "Could not find a property named 'nickname' on type 'Microsoft.Dynamics.CRM.contact'."],
			["substringof('x',lastname)", "An unknown function with name 'substringof' was found. This may also be a function import or a key lookup on a navigation property, which is not allowed."],
			[`_ownerid_value eq '${OWNER}'`, "A binary operator with incompatible types was detected. Found operand types 'Edm.Guid' and 'Edm.String' for operator kind 'Equal'."],
			["new_loyaltypoints eq '5'", "A binary operator with incompatible types was detected. Found operand types 'Edm.Int32' and 'Edm.String' for operator kind 'Equal'."],
			["not lastname eq 'x'", "A unary operator with an incompatible type was detected. Found operand type 'Edm.String' for operator kind 'Not'."],
			['contains(new_loyaltypoints,5)', 'No function signature for the function with name \'contains\' matches the specified arguments. The function signatures considered are: contains(Edm.String Nullable=true, Edm.String Nullable=true).'],
			['lastname', 'The $filter expression must evaluate to a single boolean value.'],
		];
		for (const [filter, message] of cases) {
			const error = errorOf(filter);
			expect({ filter, status: error.status, code: error.code, message: error.message }).toEqual({ filter, status: 400, code: '0x80060888', message });
		}
	});
});

describe('key lists', () => {
	it('recognises a filter that only lists primary keys, and nothing else', () => {
		const a = '00000000-0000-0000-0000-00000000000a';
		const b = '00000000-0000-0000-0000-00000000000B';
		expect(keyEqualities(`contactid eq ${a} or (contactid eq ${b})`, 'contactid')).toEqual(new Set([a, b.toLowerCase()]));
		expect(keyEqualities(`contactid eq ${a} and lastname eq 'x'`, 'contactid')).toBeUndefined();
		expect(keyEqualities(`contactid eq ${a} or lastname eq 'x'`, 'contactid')).toBeUndefined();
		expect(keyEqualities(`contactid ne ${a}`, 'contactid')).toBeUndefined();
	});
});
