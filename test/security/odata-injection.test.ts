/**
 * Values from users and items placed into OData queries stay literals: against the Dynamics
 * simulator (whose $filter parser reads doubled quotes and applies SQL LIKE wildcards inside
 * contains / startswith / endswith, as Dataverse does), each query matches only the literal value,
 * and every request URL carries exactly the $filter that was built.
 */
import type { HttpRequest } from '../../lib/http/transport';
import { buildQuery, eq, inFilterChunks, textMatch } from '../../lib/dynamics/odata';
import { simulatorClient } from '../lib/dynamics/simulator-client';
import { startDynamicsSimulator, type DynamicsSimulator } from '../simulators/dynamics';
import { NODE_TYPES, startChainTestbed, type ChainTestbed } from '../e2e-chain/testbed';

/** Attempts to break out of a string literal, URL syntax, or LIKE: each must match itself only. */
const HOSTILE = [
	"' or 1 eq 1",
	"x' or lastname ne 'x",
	"O'Brien",
	"''",
	'100%',
	'a_b',
	'%27',
	'%',
	'_',
	'[abc]',
	'Smith #2',
	'Tom & Jerry',
	'a+b',
	'a/b',
	'why?',
	'50%_off',
	'Zoë 李小龙 🙂',
];
/** What a naive query would match instead (truncated at #, split at &, + as a space, wildcards, quotes closed early). */
const DECOYS = ['O', 'Brien', 'x', '1000', 'axb', "'", 'a', 'c', 'Smith ', 'Tom ', 'a b', 'ab', 'why', '50xyoff', 'Zoe', 'plain'];
const LAST_NAMES = [...HOSTILE, ...DECOYS];

const emailOf = (index: number) => `p${index}.${encodeURIComponent(LAST_NAMES[index]).replace(/%/g, '=')}@example.com`;
const TRICKY_EMAILS = ["o'brien+news@example.ie", 'a_b@example.com', '100%real@example.com', 'x@example.com#frag', 'amp&er@example.com'];
const DECOY_EMAILS = ['obrien+news@example.ie', 'axb@example.com', '1000real@example.com', 'x@example.com', 'amp'];

let sim: DynamicsSimulator;
const requests: HttpRequest[] = [];

beforeAll(async () => {
	sim = await startDynamicsSimulator();
	LAST_NAMES.forEach((lastname, index) => sim.state.createContact({ firstname: 'Test', lastname, emailaddress1: emailOf(index) }));
	[...TRICKY_EMAILS, ...DECOY_EMAILS].forEach((email) => sim.state.createContact({ lastname: 'Mail', emailaddress1: email }));
});
afterAll(() => sim?.close());
beforeEach(() => {
	requests.length = 0;
});

function client() {
	return simulatorClient(sim, { observe: (request) => requests.push(request) });
}

async function lastNamesWhere(filter: string): Promise<string[]> {
	const rows = await client().getAll<{ lastname: string }>('contacts' + buildQuery({ select: ['lastname'], filter: `lastname ne 'Mail' and (${filter})` }));
	return rows.map((row) => row.lastname).sort();
}

/** The $filter every API request carried, read back as a server reads the URL. */
function filtersSent(): string[] {
	return requests
		.filter((request) => request.url.includes('/api/data/'))
		.map((request) => {
			const url = new URL(request.url);
			expect(url.hash).toBe('');
			expect([...url.searchParams.keys()].sort()).toEqual(['$filter', '$select']);
			return url.searchParams.get('$filter') as string;
		});
}

const lower = (text: string) => text.toLowerCase();

describe.each(HOSTILE)('%j', (value) => {
	test('eq matches exactly that value, and the URL carries the filter unchanged', async () => {
		const filter = eq('lastname', value);
		expect(await lastNamesWhere(filter)).toEqual([value]);
		expect(filtersSent()).toEqual([`lastname ne 'Mail' and (${filter})`]);
	});

	test.each(['contains', 'startswith', 'endswith'] as const)('%s matches the text literally, wildcards included', async (fn) => {
		const test = { contains: (name: string) => lower(name).includes(lower(value)), startswith: (name: string) => lower(name).startsWith(lower(value)), endswith: (name: string) => lower(name).endsWith(lower(value)) }[fn];
		const expected = LAST_NAMES.filter(test).sort();
		expect(expected).toContain(value);
		expect(await lastNamesWhere(textMatch(fn, 'lastname', value))).toEqual(expected);
	});
});

test('without the brackets, % and _ would be wildcards (what textMatch guards against)', async () => {
	expect(await lastNamesWhere("contains(lastname,'a_b')")).toEqual(['a b', 'a+b', 'a/b', 'a_b', 'axb']);
	expect(await lastNamesWhere(textMatch('contains', 'lastname', 'a_b'))).toEqual(['a_b']);
});

test('a bulk lookup by email (the sync\'s counterpart search) matches only the literal addresses', async () => {
	const filters = inFilterChunks(['emailaddress1', 'emailaddress2'], TRICKY_EMAILS);
	const rows = (await Promise.all(filters.map((filter) => client().getAll<{ emailaddress1: string }>('contacts' + buildQuery({ select: ['emailaddress1'], filter }))))).flat();
	expect(rows.map((row) => row.emailaddress1).sort()).toEqual([...TRICKY_EMAILS].sort());
	expect(filtersSent()).toEqual(filters);
});

test.each(["people/c1') or (1 eq 1", "it's/a?b#c&d=e%20f+g"])('an upsert by alternate key %j writes the record with exactly that key, twice the same one', async (key) => {
	const upsert = () => client().upsert('contacts', { new_googleresourcename: key }, { lastname: 'Keyed' });
	const first = await upsert();
	const second = await upsert();
	expect(second.id).toBe(first.id);
	const keyed = sim.state.records('contact').filter((record) => record.values.new_googleresourcename === key);
	expect(keyed.map((record) => record.id)).toEqual([first.id]);
	const [path] = requests.filter((request) => request.method === 'PATCH').map((request) => new URL(request.url).pathname);
	expect(decodeURIComponent(path)).toBe(`/api/data/v9.2/contacts(new_googleresourcename='${key.replace(/'/g, "''")}')`);
});

describe('the Dynamics 365 Contact node\'s contact search (typed into a picker)', () => {
	let bed: ChainTestbed;
	beforeAll(async () => {
		bed = await startChainTestbed({ nodes: ['dynamicsWriter'] });
		for (const lastname of ["O'Brien", 'a_b', 'axb', 'Tom & Jerry', 'Tom ']) bed.dynamics.state.createContact({ firstname: 'Pick', lastname });
	});
	afterAll(() => bed?.close());

	const search = async (filter: string) =>
		(await bed.n8n.listSearch(NODE_TYPES.dynamicsWriter, 'searchContacts', { parameters: { operation: 'get' }, filter })).results.map((result) => result.name).sort();

	test.each([
		["' or 1 eq 1", []],
		["O'Brien", ["Pick O'Brien"]],
		['a_b', ['Pick a_b']],
		['Tom & J', ['Pick Tom & Jerry']],
	])('%j finds only contacts containing it literally', async (typed, expected) => {
		expect(await search(typed as string)).toEqual(expected);
	});
});
