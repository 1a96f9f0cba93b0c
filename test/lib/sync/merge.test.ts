import { mergeSnapshots, sameSnapshot, type MergeInput, type SyncApp } from '../../../lib/sync/merge';
import type { SnapshotValue, SyncSnapshot } from '../../../lib/sync/snapshot';

const TITLE = 'organizations[0].title';
const CITY = 'addresses:work.city';

function snapshot(fields: Record<string, SnapshotValue | undefined>, extraFields: string[] = []): SyncSnapshot {
	return { fields: Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Record<string, SnapshotValue>, extraFields };
}

/** The merge of one field (the title): each side's value and the base; undefined is empty. */
function mergeTitle(google: string | undefined, dynamics: string | undefined, last: string | undefined | 'no snapshot', winner: SyncApp, emptyOverwrites = false) {
	return mergeSnapshots({
		google: snapshot({ [TITLE]: google }),
		dynamics: snapshot({ [TITLE]: dynamics }),
		last: last === 'no snapshot' ? undefined : snapshot({ [TITLE]: last }),
		winner,
		emptyOverwrites,
	});
}

interface Expected {
	flows: 'none' | 'toGoogle' | 'toDynamics';
	conflict?: SyncApp;
	/** The title both sides hold after both writes; then the title to store when only Google, or only Dynamics, is written. */
	stored: [string | undefined, string | undefined, string | undefined];
}

type Row = [description: string, google: string | undefined, dynamics: string | undefined, winner: SyncApp, expected: Expected];

/** Rows whose outcome does not depend on the winner, once for each winner. */
const eitherWinner = (description: string, google: string | undefined, dynamics: string | undefined, expected: Expected): Row[] =>
	(['dynamics', 'google'] as const).map((winner) => [description, google, dynamics, winner, expected]);

/** Test cases named after the row, with the winner. */
const named = (rows: Row[]) => rows.map((row): [string, Row] => [`${row[0]} (winner: ${row[3]})`, row]);

function check([, google, dynamics, winner, expected]: Row, last: string | undefined | 'no snapshot', emptyOverwrites = false) {
	const merge = mergeTitle(google, dynamics, last, winner, emptyOverwrites);
	expect(merge.toGoogle).toEqual(expected.flows === 'toGoogle' ? [TITLE] : []);
	expect(merge.toDynamics).toEqual(expected.flows === 'toDynamics' ? [TITLE] : []);
	expect(merge.conflicts).toEqual(expected.conflict ? [{ field: TITLE, winner: expected.conflict }] : []);
	expect([merge.snapshot, merge.snapshotIfOnly.google, merge.snapshotIfOnly.dynamics].map((stored) => stored.fields[TITLE])).toEqual(expected.stored);
}

describe('mergeSnapshots, one field against the last synced value "Engineer"', () => {
	// Google: unchanged "Engineer", changed "CTO", emptied; Dynamics: unchanged "Engineer", changed "Consultant", emptied.
	const rows: Row[] = [
		...eitherWinner('unchanged on both sides: nothing', 'Engineer', 'Engineer', { flows: 'none', stored: ['Engineer', 'Engineer', 'Engineer'] }),
		...eitherWinner('changed in Google only: flows to Dynamics', 'CTO', 'Engineer', { flows: 'toDynamics', stored: ['CTO', 'Engineer', 'CTO'] }),
		...eitherWinner('emptied in Google only: never blanks Dynamics', undefined, 'Engineer', { flows: 'none', stored: ['Engineer', 'Engineer', 'Engineer'] }),
		...eitherWinner('changed in Dynamics only: flows to Google', 'Engineer', 'Consultant', { flows: 'toGoogle', stored: ['Consultant', 'Consultant', 'Engineer'] }),
		['changed on both sides, Dynamics wins', 'CTO', 'Consultant', 'dynamics', { flows: 'toGoogle', conflict: 'dynamics', stored: ['Consultant', 'Consultant', 'Engineer'] }],
		['changed on both sides, Google wins', 'CTO', 'Consultant', 'google', { flows: 'toDynamics', conflict: 'google', stored: ['CTO', 'Engineer', 'CTO'] }],
		...eitherWinner('emptied in Google, changed in Dynamics: the change flows, the empty does not count', undefined, 'Consultant', { flows: 'toGoogle', stored: ['Consultant', 'Consultant', 'Engineer'] }),
		...eitherWinner('emptied in Dynamics only: never blanks Google', 'Engineer', undefined, { flows: 'none', stored: ['Engineer', 'Engineer', 'Engineer'] }),
		...eitherWinner('changed in Google, emptied in Dynamics: the change flows', 'CTO', undefined, { flows: 'toDynamics', stored: ['CTO', 'Engineer', 'CTO'] }),
		...eitherWinner('emptied on both sides: equal, nothing to write', undefined, undefined, { flows: 'none', stored: [undefined, undefined, undefined] }),
		...eitherWinner('changed alike on both sides: equal, the new value is stored', 'CTO', 'CTO', { flows: 'none', stored: ['CTO', 'CTO', 'CTO'] }),
	];

	it.each(named(rows))('%s', (_, row) => check(row, 'Engineer'));
});

describe('mergeSnapshots, one field, empty values overwrite', () => {
	const rows: Row[] = [
		...eitherWinner('emptied in Google only: blanks Dynamics', undefined, 'Engineer', { flows: 'toDynamics', stored: [undefined, 'Engineer', undefined] }),
		...eitherWinner('emptied in Dynamics only: blanks Google', 'Engineer', undefined, { flows: 'toGoogle', stored: [undefined, undefined, 'Engineer'] }),
		['emptied in Google, changed in Dynamics, Dynamics wins', undefined, 'Consultant', 'dynamics', { flows: 'toGoogle', conflict: 'dynamics', stored: ['Consultant', 'Consultant', 'Engineer'] }],
		['emptied in Google, changed in Dynamics, Google wins: the winner\'s empty value blanks', undefined, 'Consultant', 'google', { flows: 'toDynamics', conflict: 'google', stored: [undefined, 'Engineer', undefined] }],
		['changed in Google, emptied in Dynamics, Dynamics wins', 'CTO', undefined, 'dynamics', { flows: 'toGoogle', conflict: 'dynamics', stored: [undefined, undefined, 'Engineer'] }],
		...eitherWinner('changed in Google only: flows as before', 'CTO', 'Engineer', { flows: 'toDynamics', stored: ['CTO', 'Engineer', 'CTO'] }),
	];

	it.each(named(rows))('%s', (_, row) => check(row, 'Engineer', true));
});

describe('mergeSnapshots, one field, no last snapshot (the first sync of a matched pair)', () => {
	const rows: Row[] = [
		...eitherWinner('empty on both sides: nothing', undefined, undefined, { flows: 'none', stored: [undefined, undefined, undefined] }),
		...eitherWinner('filled in Google only: fills Dynamics', 'CTO', undefined, { flows: 'toDynamics', stored: ['CTO', undefined, 'CTO'] }),
		...eitherWinner('filled in Dynamics only: fills Google', undefined, 'Consultant', { flows: 'toGoogle', stored: ['Consultant', 'Consultant', undefined] }),
		...eitherWinner('equal on both sides: nothing to write, the value is stored', 'CTO', 'CTO', { flows: 'none', stored: ['CTO', 'CTO', 'CTO'] }),
		['filled differently, Dynamics wins', 'CTO', 'Consultant', 'dynamics', { flows: 'toGoogle', conflict: 'dynamics', stored: ['Consultant', 'Consultant', 'CTO'] }],
		['filled differently, Google wins', 'CTO', 'Consultant', 'google', { flows: 'toDynamics', conflict: 'google', stored: ['CTO', 'Consultant', 'CTO'] }],
	];

	it.each(named(rows))('%s', (_, row) => check(row, 'no snapshot'));

	it.each(named(rows))('%s, the same when empty values overwrite', (_, row) => check(row, 'no snapshot', true));
});

describe('mergeSnapshots, whole contacts', () => {
	const last = snapshot({ 'names.givenName': 'Jan', [TITLE]: 'Engineer', [CITY]: 'Amsterdam', emailAddresses: ['jan@example.nl'] });

	it('keeps edits to different fields on both sides: each flows its own way', () => {
		const merge = mergeSnapshots({
			google: snapshot({ ...last.fields, [TITLE]: 'CTO' }),
			dynamics: snapshot({ ...last.fields, [CITY]: 'Utrecht', emailAddresses: ['jan@example.nl', 'jan@home.example'] }),
			last,
			winner: 'dynamics',
			emptyOverwrites: false,
		});

		expect(merge.toGoogle).toEqual(['emailAddresses', CITY]);
		expect(merge.toDynamics).toEqual([TITLE]);
		expect(merge.conflicts).toEqual([]);
		expect(merge.snapshot).toEqual(snapshot({ 'names.givenName': 'Jan', emailAddresses: ['jan@example.nl', 'jan@home.example'], [CITY]: 'Utrecht', [TITLE]: 'CTO' }));
	});

	it('compares lists as a whole, in order (a new primary email is a change)', () => {
		const merge = mergeSnapshots({ google: snapshot({ emailAddresses: ['b@example.com', 'a@example.com'] }), dynamics: snapshot({ emailAddresses: ['a@example.com', 'b@example.com'] }), last: snapshot({ emailAddresses: ['a@example.com', 'b@example.com'] }), winner: 'dynamics', emptyOverwrites: false });

		expect(merge.toDynamics).toEqual(['emailAddresses']);
	});

	it('compares long values by their digest', () => {
		const notes = 'biographies[0].value';
		const [old, edited] = [{ sha256: 'a'.repeat(22) }, { sha256: 'b'.repeat(22) }];
		const merge = mergeSnapshots({ google: snapshot({ [notes]: { ...old } }), dynamics: snapshot({ [notes]: edited }), last: snapshot({ [notes]: old }), winner: 'google', emptyOverwrites: false });

		expect(merge.toGoogle).toEqual([notes]);
		expect(merge.snapshot.fields[notes]).toEqual(edited);
	});

	it('merges the extra fields of custom mappings, and stores them', () => {
		const source = 'userDefined:Source';
		const merge = mergeSnapshots({ google: snapshot({ [source]: 'Fair' }, [source]), dynamics: snapshot({ [source]: 'Website' }, [source]), last: snapshot({ [source]: 'Fair' }, [source]), winner: 'google', emptyOverwrites: false });

		expect(merge.toGoogle).toEqual([source]);
		expect(merge.snapshot).toEqual(snapshot({ [source]: 'Website' }, [source]));
	});

	it('lets a one-way field flow only its way: a change at its target stays there, its source wins even over the winning app', () => {
		const company = 'organizations[0].name';
		const oneWay = { toGoogle: [company, TITLE], toDynamics: [TITLE] };
		const base: Omit<MergeInput, 'google' | 'dynamics'> = { last: snapshot({ [company]: 'Contoso' }), winner: 'google', emptyOverwrites: false, scope: oneWay };

		const editedInGoogle = mergeSnapshots({ ...base, google: snapshot({ [company]: 'Fabrikam' }), dynamics: snapshot({ [company]: 'Contoso' }) });
		expect([editedInGoogle.toGoogle, editedInGoogle.toDynamics, editedInGoogle.snapshot.fields[company]]).toEqual([[], [], 'Contoso']);

		const editedInDynamics = mergeSnapshots({ ...base, google: snapshot({ [company]: 'Contoso' }), dynamics: snapshot({ [company]: 'Litware' }) });
		expect([editedInDynamics.toGoogle, editedInDynamics.toDynamics]).toEqual([[company], []]);

		const firstSync = mergeSnapshots({ ...base, last: undefined, google: snapshot({ [company]: 'Fabrikam' }), dynamics: snapshot({ [company]: 'Litware' }) });
		expect([firstSync.toGoogle, firstSync.conflicts]).toEqual([[company], []]);
	});

	it('leaves fields outside the scope alone, keeping their last synced value', () => {
		const merge = mergeSnapshots({
			google: snapshot({ [TITLE]: 'CTO', [CITY]: 'Utrecht' }),
			dynamics: snapshot({}),
			last: snapshot({ [TITLE]: 'Engineer', [CITY]: 'Amsterdam' }),
			winner: 'dynamics',
			emptyOverwrites: false,
			scope: { toGoogle: [TITLE], toDynamics: [TITLE] },
		});

		expect([merge.toGoogle, merge.toDynamics]).toEqual([[], [TITLE]]);
		expect(merge.snapshot.fields).toEqual({ [TITLE]: 'CTO', [CITY]: 'Amsterdam' });
		expect(merge.snapshotIfOnly.google.fields).toEqual({ [TITLE]: 'Engineer', [CITY]: 'Amsterdam' });
	});

	it('reaches a fixed point: merging again after the writes, with the stored snapshot, has nothing to do', () => {
		const google = snapshot({ ...last.fields, [TITLE]: 'CTO', [CITY]: undefined });
		const dynamics = snapshot({ ...last.fields, 'names.givenName': 'Johannes', [TITLE]: 'Consultant' });
		const first = mergeSnapshots({ google, dynamics, last, winner: 'google', emptyOverwrites: false });
		const written = (side: SyncSnapshot, fields: string[]) => snapshot({ ...side.fields, ...Object.fromEntries(fields.map((field) => [field, first.snapshot.fields[field]])) });

		const again = mergeSnapshots({ google: written(google, first.toGoogle), dynamics: written(dynamics, first.toDynamics), last: first.snapshot, winner: 'google', emptyOverwrites: false });

		expect([again.toGoogle, again.toDynamics, again.conflicts]).toEqual([[], [], []]);
		expect(sameSnapshot(again.snapshot, first.snapshot)).toBe(true);
		// The city cleared in Google stays cleared there, and filled in Dynamics: never blanked, never refilled.
		expect([again.snapshot.fields[CITY], first.toDynamics.includes(CITY), first.toGoogle.includes(CITY)]).toEqual(['Amsterdam', false, false]);
	});
});

describe('sameSnapshot', () => {
	it('compares values field by field and extra fields as a set', () => {
		const a = snapshot({ [TITLE]: 'CTO', 'userDefined:A': 'x' }, ['userDefined:A', 'userDefined:B']);

		expect(sameSnapshot(a, snapshot({ 'userDefined:A': 'x', [TITLE]: 'CTO' }, ['userDefined:B', 'userDefined:A']))).toBe(true);
		expect(sameSnapshot(a, snapshot({ [TITLE]: 'CTO', 'userDefined:A': 'x' }, ['userDefined:A']))).toBe(false);
		expect(sameSnapshot(a, snapshot({ [TITLE]: 'CEO', 'userDefined:A': 'x' }, ['userDefined:A', 'userDefined:B']))).toBe(false);
	});
});
