import { TRASH_GROUP, UNSUBSCRIBES_GROUP, decideSync, defaultSyncSettings, type SyncDecision, type SyncInput } from '../../../lib/sync/decide';
import { SyncSummaryBuilder } from '../../../lib/sync/summary';

const TITLE = 'organizations[0].title';
const synced = { fields: { 'names.givenName': 'Jan', emailAddresses: ['jan@example.nl'], [TITLE]: 'Engineer' }, extraFields: [] };
const edited = (title: string) => ({ fields: { ...synced.fields, [TITLE]: title }, extraFields: [] });

/** A Dynamics → Google decision for contact `id`, linked to `people/<id>`. */
function decision(id: string, change: Partial<Omit<SyncInput, 'source'>> & { source?: Partial<SyncInput['source']> } = {}): SyncDecision {
	return decideSync({
		event: 'updated',
		target: 'google',
		lastSync: synced,
		settings: defaultSyncSettings('google'),
		...change,
		counterpart: change.counterpart ?? { found: 'link', id: `people/${id}`, snapshot: synced, linkId: id },
		source: { id, emails: ['jan@example.nl'], linkId: `people/${id}`, snapshot: synced, ...change.source },
	});
}

describe('SyncSummaryBuilder', () => {
	it('sorts each outcome into its list, with the ids of both records and the counts', () => {
		const summary = new SyncSummaryBuilder(false);
		summary.add('d1', decision('d1', { source: { linkId: undefined }, counterpart: { found: 'none' } }), 'people/new1');
		summary.add('d2', decision('d2', { source: { snapshot: edited('CTO') } }));
		summary.add('d3', decision('d3', { source: { snapshot: edited('CTO') }, counterpart: { found: 'link', id: 'people/d3', snapshot: edited('Consultant'), linkId: 'd3' } }));
		summary.add('d4', decision('d4'));
		summary.add('d5', decision('d5', { event: 'deleted' }));
		summary.add('d6', decision('d6', { source: { unsubscribed: true } }));
		summary.add('d7', decision('d7', { source: { emails: [], linkId: undefined }, counterpart: { found: 'none' } }));
		summary.fail('d8', new Error('Google Contacts rejected the contact: emailAddresses[0] is not an email address.'));

		expect(summary.build()).toEqual({
			dryRun: false,
			counts: { created: 1, updated: 2, unchanged: 2, conflicts: 1, tagged: 2, skipped: 1, failed: 1 },
			created: [{ id: 'd1', counterpartId: 'people/new1' }],
			updated: [
				{ id: 'd2', counterpartId: 'people/d2' },
				{ id: 'd3', counterpartId: 'people/d3' },
			],
			unchanged: [
				{ id: 'd4', counterpartId: 'people/d4' },
				{ id: 'd6', counterpartId: 'people/d6' },
			],
			conflicts: [{ id: 'd3', counterpartId: 'people/d3', fields: [TITLE], winner: 'dynamics' }],
			tagged: [
				{ id: 'd5', counterpartId: 'people/d5', tag: TRASH_GROUP, change: 'added' },
				{ id: 'd6', counterpartId: 'people/d6', tag: UNSUBSCRIBES_GROUP, change: 'added' },
			],
			skipped: [{ id: 'd7', kind: 'skip-no-email', reason: 'It has no email, and "avoid duplicates" creates only contacts with an email in Google Contacts.' }],
			failed: [{ id: 'd8', error: 'Google Contacts rejected the contact: emailAddresses[0] is not an email address.' }],
		});
	});

	it('in a dry run, lists what would happen; creates have no new id yet', () => {
		const summary = new SyncSummaryBuilder(true);
		summary.add('d1', decision('d1', { source: { linkId: undefined, unsubscribed: true }, counterpart: { found: 'none' } }));

		expect(summary.build()).toMatchObject({ dryRun: true, created: [{ id: 'd1' }], tagged: [{ id: 'd1', tag: UNSUBSCRIBES_GROUP, change: 'added' }] });
	});

	it('names Dynamics tags by what they do, and removed tags as removed', () => {
		const summary = new SyncSummaryBuilder(false);
		const toDynamics = (id: string, deletions: SyncInput['settings']['deletions']) =>
			decideSync({ event: 'deleted', target: 'dynamics', source: { id, emails: [] }, counterpart: { found: 'link', id: 'c1', snapshot: synced }, settings: { ...defaultSyncSettings('dynamics'), deletions } });
		summary.add('people/a', toDynamics('people/a', { kind: 'deactivate' }));
		summary.add('people/b', toDynamics('people/b', { kind: 'setValue', field: 'new_status', value: 'deleted in Google' }));
		summary.add('d9', decision('d9', { source: { unsubscribed: false }, counterpart: { found: 'link', id: 'people/d9', snapshot: synced, linkId: 'd9', unsubscribed: true } }));

		expect(summary.build().tagged).toEqual([
			{ id: 'people/a', counterpartId: 'c1', tag: 'deactivated', change: 'added' },
			{ id: 'people/b', counterpartId: 'c1', tag: 'new_status = "deleted in Google"', change: 'added' },
			{ id: 'd9', counterpartId: 'people/d9', tag: UNSUBSCRIBES_GROUP, change: 'removed' },
		]);
	});

	it('builds a copy: adding more later does not change a summary already output', () => {
		const summary = new SyncSummaryBuilder(false);
		const first = summary.build();
		summary.fail('d1', 'Timed out');

		expect(first.counts.failed).toBe(0);
		expect(summary.build().counts.failed).toBe(1);
	});
});
