import {
	TRASH_GROUP,
	UNSUBSCRIBES_GROUP,
	decideSync,
	defaultSyncSettings,
	validateSyncSettings,
	type CounterpartLookup,
	type SyncInput,
	type SyncSettings,
	type SyncSource,
} from '../../../lib/sync/decide';
import type { SyncApp } from '../../../lib/sync/merge';
import type { SnapshotValue, SyncSnapshot } from '../../../lib/sync/snapshot';

const DYNAMICS_ID = 'c0ffee00-0000-4000-8000-000000000001';
const GOOGLE_ID = 'people/c100';
const TITLE = 'organizations[0].title';
const SYNCED = { 'names.givenName': 'Jan', 'names.familyName': 'van der Berg', emailAddresses: ['jan@example.nl'], [TITLE]: 'Engineer' };

const snapshot = (fields: Record<string, SnapshotValue>): SyncSnapshot => ({ fields, extraFields: [] });

const ids = (target: SyncApp) => (target === 'google' ? { source: DYNAMICS_ID, counterpart: GOOGLE_ID } : { source: GOOGLE_ID, counterpart: DYNAMICS_ID });

type Found = Extract<CounterpartLookup, { found: 'link' | 'email' }>;

interface Change {
	target?: SyncApp;
	event?: SyncInput['event'];
	source?: Partial<SyncSource>;
	/** A lookup, or changes to the linked counterpart found by default. */
	counterpart?: CounterpartLookup | Partial<Found>;
	lastSync?: SyncSnapshot | null;
	settings?: Partial<SyncSettings>;
}

const isFound = (lookup: Change['counterpart']): lookup is Partial<Found> | undefined => lookup?.found === undefined || lookup.found === 'link' || lookup.found === 'email';

/** A change of a contact in sync with its linked counterpart (Dynamics → Google unless `target` says otherwise), adjusted by `change`. */
function input(change: Change = {}): SyncInput {
	const target = change.target ?? 'google';
	const { source, counterpart } = ids(target);
	const found: Found = { found: 'link', id: counterpart, snapshot: snapshot(SYNCED), linkId: source };
	return {
		event: change.event ?? 'updated',
		target,
		source: { id: source, emails: ['jan@example.nl'], linkId: counterpart, snapshot: snapshot(SYNCED), ...change.source },
		counterpart: isFound(change.counterpart) ? { ...found, ...change.counterpart } : change.counterpart,
		lastSync: change.lastSync === null ? undefined : change.lastSync ?? snapshot(SYNCED),
		settings: { ...defaultSyncSettings(target), ...change.settings },
	};
}

const decide = (change: Change = {}) => decideSync(input(change));
const actionOf = (change: Change = {}) => decide(change).action;

describe('decideSync: created, updated and resync changes', () => {
	it('skip-tombstone: the source carries the deletion tag (its counterpart was deleted), so it is not synced again', () => {
		const action = actionOf({ source: { trashed: true } });

		expect(action).toMatchObject({ kind: 'skip-tombstone', target: 'google' });
		expect(action.reason).toContain('tagged as deleted in Dynamics 365');
	});

	it('skip-tombstone: the linked counterpart was deleted, or is tagged as deleted, and is not re-created', () => {
		const deleted = actionOf({ counterpart: { found: 'tombstone', id: GOOGLE_ID, why: 'deleted' } });
		const trashed = actionOf({ counterpart: { found: 'tombstone', id: GOOGLE_ID, why: 'trashed' } });

		expect(deleted).toMatchObject({ kind: 'skip-tombstone', counterpartIds: [GOOGLE_ID] });
		expect(deleted.reason).toBe('Its Google Contacts counterpart was deleted; it is not re-created.');
		expect(trashed.reason).toBe('Its Google Contacts counterpart was tagged as deleted; it is not re-created.');
	});

	it('skip-ambiguous: several contacts have the email; none is guessed', () => {
		const action = actionOf({ source: { linkId: undefined }, counterpart: { found: 'ambiguous', ids: ['people/c1', 'people/c2'] } });

		expect(action).toMatchObject({ kind: 'skip-ambiguous', counterpartIds: ['people/c1', 'people/c2'] });
		expect(action.reason).toContain('people/c1, people/c2');
	});

	it('skip-tombstone: nothing found, but the source links to a contact that no longer exists', () => {
		expect(actionOf({ counterpart: { found: 'none' } })).toMatchObject({ kind: 'skip-tombstone', counterpartIds: [GOOGLE_ID] });
	});

	it('skip-no-email: nothing found, no email, and "avoid duplicates" is on', () => {
		const action = actionOf({ source: { linkId: undefined, emails: [] }, counterpart: { found: 'none' } });

		expect(action.kind).toBe('skip-no-email');
		expect(action.reason).toContain('avoid duplicates');
	});

	it('create: nothing found, with an email', () => {
		const action = actionOf({ source: { linkId: undefined }, counterpart: { found: 'none' }, lastSync: null });

		expect(action).toEqual({
			kind: 'create',
			target: 'google',
			link: { onTarget: true, onSource: false },
			snapshot: snapshot(SYNCED),
			reason: 'No Google Contacts contact has its link or emails; it is created.',
		});
	});

	it('create: without an email when "avoid duplicates" is off', () => {
		expect(actionOf({ source: { linkId: undefined, emails: [] }, counterpart: { found: 'none' }, settings: { avoidDuplicates: false } }).kind).toBe('create');
	});

	it('create: the links go where each app keeps them (Google always, Dynamics only with a link column)', () => {
		const create = (target: SyncApp, dynamicsLinkColumn: boolean) => actionOf({ target, source: { linkId: undefined }, counterpart: { found: 'none' }, settings: { dynamicsLinkColumn } });

		expect(create('google', true)).toMatchObject({ link: { onTarget: true, onSource: true } });
		expect(create('dynamics', false)).toMatchObject({ link: { onTarget: false, onSource: true } });
		expect(create('dynamics', true)).toMatchObject({ link: { onTarget: true, onSource: true } });
	});

	it('create: the snapshot holds only the fields the mapping carries to the target', () => {
		const action = actionOf({ source: { linkId: undefined }, counterpart: { found: 'none' }, settings: { scope: { toGoogle: ['names.givenName', 'emailAddresses'] } } });

		expect(action).toMatchObject({ kind: 'create', snapshot: snapshot({ 'names.givenName': 'Jan', emailAddresses: ['jan@example.nl'] }) });
	});

	it('skip-ambiguous: the contact found is linked to another contact (a copied record, a shared email); its link is never stolen', () => {
		const action = actionOf({ source: { linkId: undefined }, counterpart: { found: 'email', linkId: 'c0ffee00-0000-4000-8000-000000000999' } });

		expect(action).toMatchObject({ kind: 'skip-ambiguous', counterpartIds: [GOOGLE_ID] });
		expect(action.reason).toContain('is linked to c0ffee00-0000-4000-8000-000000000999');
	});

	it('skip-ambiguous: the source links to one contact, but its email found another', () => {
		const action = actionOf({ source: { linkId: 'people/c7' }, counterpart: { found: 'email', linkId: undefined } });

		expect(action).toMatchObject({ kind: 'skip-ambiguous', counterpartIds: ['people/c7', GOOGLE_ID] });
	});

	it('skip-equal: linked, equal values, current snapshot: no request beyond the read', () => {
		expect(actionOf()).toEqual({ kind: 'skip-equal', target: 'google', targetId: GOOGLE_ID, pending: [], reason: `Google Contacts contact ${GOOGLE_ID} already has these values.` });
	});

	it('update: a field changed in the source is the only one written, with the new snapshot', () => {
		const action = actionOf({ source: { snapshot: snapshot({ ...SYNCED, [TITLE]: 'CTO' }) } });

		expect(action).toEqual({
			kind: 'update',
			target: 'google',
			targetId: GOOGLE_ID,
			fields: [TITLE],
			pending: [],
			conflicts: [],
			link: { onTarget: false, onSource: false },
			snapshot: snapshot({ ...SYNCED, [TITLE]: 'CTO' }),
			reason: `Updates Google Contacts contact ${GOOGLE_ID}: 1 field (${TITLE}).`,
		});
	});

	it('update: matched by email the first time with equal values, only the link and snapshot are stored', () => {
		const action = actionOf({ source: { linkId: undefined }, counterpart: { found: 'email', linkId: undefined }, lastSync: null, settings: { dynamicsLinkColumn: true } });

		expect(action).toMatchObject({ kind: 'update', fields: [], link: { onTarget: true, onSource: true }, snapshot: snapshot(SYNCED) });
		expect(action.reason).toBe(`Google Contacts contact ${GOOGLE_ID} already has these values; only the link is stored.`);
	});

	it('update: matched by email the first time, the empty side is filled and the link stored', () => {
		const action = actionOf({
			source: { linkId: undefined },
			counterpart: { found: 'email', linkId: undefined, snapshot: snapshot({ emailAddresses: ['jan@example.nl'], 'phoneNumbers:mobile': '0612345678' }) },
			lastSync: null,
		});

		expect(action).toMatchObject({ kind: 'update', fields: ['names.givenName', 'names.familyName', TITLE], pending: ['phoneNumbers:mobile'], link: { onTarget: true, onSource: false } });
		// The mobile number is Google's to carry to Dynamics: the snapshot leaves it as Dynamics has it (empty), so it still shows as a change.
		expect(action).toMatchObject({ snapshot: snapshot(SYNCED) });
	});

	it('update: both sides changed a field alike, so only the stale snapshot is stored', () => {
		const changed = snapshot({ ...SYNCED, [TITLE]: 'CTO' });
		const action = actionOf({ source: { snapshot: changed }, counterpart: { snapshot: changed } });

		expect(action).toMatchObject({ kind: 'update', fields: [], snapshot: changed });
		expect(action.reason).toContain('only the sync snapshot is stored');
	});

	it('update: the link the source kept was stale, but the counterpart links back: the source gets the right link', () => {
		const action = actionOf({ source: { linkId: 'people/old-name' }, counterpart: { found: 'email' }, settings: { dynamicsLinkColumn: true } });

		expect(action).toMatchObject({ kind: 'update', fields: [], link: { onTarget: false, onSource: true } });
		expect(action).not.toHaveProperty('snapshot');
	});

	it('conflict-resolved: a field changed on both sides takes the winning app\'s value, reported', () => {
		const change: Change = { source: { snapshot: snapshot({ ...SYNCED, [TITLE]: 'CTO' }) }, counterpart: { snapshot: snapshot({ ...SYNCED, [TITLE]: 'Consultant' }) } };
		const action = actionOf(change);

		expect(action).toMatchObject({ kind: 'conflict-resolved', fields: [TITLE], conflicts: [{ field: TITLE, winner: 'dynamics' }], snapshot: snapshot({ ...SYNCED, [TITLE]: 'CTO' }) });
		expect(action.reason).toContain(`Changed on both sides, Dynamics 365 wins: ${TITLE}.`);
	});

	it('skip-equal with pending fields: the target holds the newer value (it won the conflict), left for the other direction', () => {
		const action = actionOf({
			source: { snapshot: snapshot({ ...SYNCED, [TITLE]: 'CTO' }) },
			counterpart: { snapshot: snapshot({ ...SYNCED, [TITLE]: 'Consultant' }) },
			settings: { winner: 'google' },
		});

		expect(action).toMatchObject({ kind: 'skip-equal', pending: [TITLE] });
		expect(action.reason).toContain(`Newer on Google Contacts, left for the other direction: ${TITLE}.`);
	});

	it('update bound for Dynamics: the fields to write in Dynamics, the snapshot for the Google source', () => {
		const action = actionOf({ target: 'dynamics', source: { snapshot: snapshot({ ...SYNCED, 'names.givenName': 'Johannes' }) } });

		expect(action).toMatchObject({ kind: 'update', target: 'dynamics', targetId: DYNAMICS_ID, fields: ['names.givenName'], snapshot: snapshot({ ...SYNCED, 'names.givenName': 'Johannes' }) });
	});

	it('created and resync changes decide as updates do', () => {
		const edited: Change = { source: { snapshot: snapshot({ ...SYNCED, [TITLE]: 'CTO' }) } };
		const updated = actionOf(edited);

		expect(actionOf({ ...edited, event: 'created' })).toEqual(updated);
		expect(actionOf({ ...edited, event: 'resync' })).toEqual(updated);
		expect(actionOf({ event: 'resync' }).kind).toBe('skip-equal');
	});

	it('keeps a cleared value from blanking the target unless empty values overwrite', () => {
		const cleared: Change = { source: { snapshot: snapshot(Object.fromEntries(Object.entries(SYNCED).filter(([field]) => field !== TITLE))) } };

		expect(actionOf(cleared).kind).toBe('skip-equal');
		expect(actionOf({ ...cleared, settings: { emptyOverwrites: true } })).toMatchObject({ kind: 'update', fields: [TITLE] });
	});
});

describe('decideSync: deletions', () => {
	const deletion = (change: Change = {}) => actionOf({ event: 'deleted', source: { emails: [], linkId: undefined, snapshot: undefined, ...change.source }, ...change });

	it('skip-off: deletion tagging is switched off', () => {
		expect(deletion({ settings: { deletions: { kind: 'off' } } })).toMatchObject({ kind: 'skip-off' });
	});

	it('skip-tombstone: the counterpart is already gone or tagged', () => {
		expect(deletion({ counterpart: { found: 'tombstone', id: GOOGLE_ID, why: 'trashed' } })).toMatchObject({ kind: 'skip-tombstone', reason: 'The Google Contacts counterpart is already tagged as deleted.' });
	});

	it('skip-ambiguous: several candidates, none tagged', () => {
		expect(deletion({ counterpart: { found: 'ambiguous', ids: ['people/c1', 'people/c2'] } })).toMatchObject({ kind: 'skip-ambiguous' });
	});

	it('skip-no-counterpart: nothing linked to the deleted contact', () => {
		expect(deletion({ counterpart: { found: 'none' } })).toMatchObject({ kind: 'skip-no-counterpart', counterpartIds: [] });
	});

	it('skip-ambiguous: the contact found is linked to another contact', () => {
		expect(deletion({ counterpart: { linkId: 'c0ffee00-0000-4000-8000-000000000999' } })).toMatchObject({ kind: 'skip-ambiguous', counterpartIds: [GOOGLE_ID] });
	});

	it('skip-no-counterpart: an email match that was never synced with the deleted contact', () => {
		expect(deletion({ counterpart: { found: 'email', linkId: undefined } })).toMatchObject({ kind: 'skip-no-counterpart', counterpartIds: [GOOGLE_ID] });
	});

	it('tag-deleted: the linked Google contact goes into the trash group, never deleted', () => {
		const action = deletion();

		expect(action).toMatchObject({ kind: 'tag-deleted', target: 'google', targetId: GOOGLE_ID, tag: { kind: 'group', group: TRASH_GROUP } });
		expect(action.reason).toBe(`Its counterpart was deleted; Google Contacts contact ${GOOGLE_ID} is tagged into "Dynamics 365 Trash", not deleted.`);
	});

	it('tag-deleted: the linked Dynamics contact is deactivated, or gets the chosen value', () => {
		expect(deletion({ target: 'dynamics' })).toMatchObject({ kind: 'tag-deleted', targetId: DYNAMICS_ID, tag: { kind: 'deactivate' } });
		const setValue = deletion({ target: 'dynamics', settings: { deletions: { kind: 'setValue', field: 'new_deletedingoogle', value: true } } });
		expect(setValue).toMatchObject({ tag: { kind: 'setValue', field: 'new_deletedingoogle', value: true } });
		expect(setValue.reason).toContain('tagged with new_deletedingoogle = true');
	});

	it('tag-deleted: an email match counts when the contact links back to the deleted one', () => {
		expect(deletion({ counterpart: { found: 'email' } }).kind).toBe('tag-deleted');
	});
});

describe('decideSync: never a deletion', () => {
	it('decides only creates, updates, tags and skips, over every kind of lookup, event and flag', () => {
		const lookups: Array<Change['counterpart']> = [
			{},
			{ found: 'email', linkId: undefined },
			{ found: 'email', linkId: 'other' },
			{ found: 'ambiguous', ids: ['a', 'b'] },
			{ found: 'none' },
			{ found: 'tombstone', why: 'deleted' },
			{ found: 'tombstone', why: 'trashed' },
		];
		const kinds = new Set<string>();
		for (const target of ['google', 'dynamics'] as const) {
			for (const event of ['created', 'updated', 'deleted', 'resync'] as const) {
				for (const counterpart of lookups) {
					for (const trashed of [false, true]) {
						const decision = decide({ target, event, counterpart, source: { trashed, linkId: undefined } });
						kinds.add(decision.action.kind);
						if (decision.unsubscribe) kinds.add(decision.unsubscribe.kind);
					}
				}
			}
		}

		expect([...kinds].sort()).toEqual(['create', 'skip-ambiguous', 'skip-equal', 'skip-no-counterpart', 'skip-tombstone', 'tag-deleted', 'update']);
	});
});

describe('decideSync: unsubscribes', () => {
	it('tag-unsubscribed: an opted-out Dynamics contact puts its counterpart into the group, beside the update', () => {
		const decision = decide({ source: { unsubscribed: true, snapshot: snapshot({ ...SYNCED, [TITLE]: 'CTO' }) }, counterpart: { unsubscribed: false } });

		expect(decision.action.kind).toBe('update');
		expect(decision.unsubscribe).toEqual({ kind: 'tag-unsubscribed', target: 'google', targetId: GOOGLE_ID, group: UNSUBSCRIBES_GROUP, reason: `It opts out of bulk email; ${GOOGLE_ID} goes into "Dynamics 365 Unsubscribes".` });
	});

	it('tag-unsubscribed: with equal values too (the opt-out alone changed)', () => {
		expect(decide({ source: { unsubscribed: true } })).toMatchObject({ action: { kind: 'skip-equal' }, unsubscribe: { kind: 'tag-unsubscribed' } });
	});

	it('tag-unsubscribed: a new counterpart of an opted-out contact goes straight into the group', () => {
		expect(decide({ source: { unsubscribed: true, linkId: undefined }, counterpart: { found: 'none' } }).unsubscribe).toMatchObject({ kind: 'tag-unsubscribed', group: UNSUBSCRIBES_GROUP });
		expect(decide({ source: { unsubscribed: true, linkId: undefined }, counterpart: { found: 'none' } }).unsubscribe).not.toHaveProperty('targetId');
	});

	it('untag-unsubscribed: a contact that accepts bulk email again leaves the group', () => {
		expect(decide({ source: { unsubscribed: false }, counterpart: { unsubscribed: true } }).unsubscribe).toMatchObject({ kind: 'untag-unsubscribed', targetId: GOOGLE_ID });
	});

	it('nothing when the tag is already right, the source does not tell, the target is Dynamics, it is off, or the contact is skipped', () => {
		expect(decide({ source: { unsubscribed: true }, counterpart: { unsubscribed: true } }).unsubscribe).toBeUndefined();
		expect(decide({ source: { unsubscribed: false } }).unsubscribe).toBeUndefined();
		expect(decide({ counterpart: { unsubscribed: true } }).unsubscribe).toBeUndefined();
		expect(decide({ target: 'dynamics', source: { unsubscribed: true } }).unsubscribe).toBeUndefined();
		expect(decide({ source: { unsubscribed: true }, settings: { unsubscribeGroup: undefined } }).unsubscribe).toBeUndefined();
		expect(decide({ source: { unsubscribed: true, trashed: true } }).unsubscribe).toBeUndefined();
	});
});

describe('validateSyncSettings and input checks', () => {
	const valid = (target: SyncApp, settings: Partial<SyncSettings>) => () => validateSyncSettings(target, { ...defaultSyncSettings(target), ...settings });

	it('accepts the defaults of both writers', () => {
		expect(valid('google', {})).not.toThrow();
		expect(valid('dynamics', {})).not.toThrow();
	});

	it('names the setting and the fix', () => {
		expect(valid('google', { winner: 'hubspot' as SyncApp })).toThrow('Winning App: "hubspot" is not an app; use "dynamics" or "google".');
		expect(valid('google', { deletions: { kind: 'deactivate' } })).toThrow('Deletions: "deactivate" cannot tag a Google Contacts contact; use a contact group (e.g. "Dynamics 365 Trash") or off.');
		expect(valid('dynamics', { deletions: { kind: 'group', group: TRASH_GROUP } })).toThrow('Deletions: "group" cannot tag a Dynamics 365 contact; use a column value, deactivation or off.');
		expect(valid('google', { deletions: { kind: 'group', group: ' ' } })).toThrow('Deletions: the group name is empty');
		expect(valid('dynamics', { deletions: { kind: 'setValue', field: '', value: 1 } })).toThrow('Deletions: no column is chosen');
		expect(valid('dynamics', { unsubscribeGroup: UNSUBSCRIBES_GROUP })).toThrow('Unsubscribes: only Google contacts are tagged');
		expect(valid('google', { unsubscribeGroup: '' })).toThrow('Unsubscribes: the group name is empty');
	});

	it('refuses a change without a source id, or without values to compare', () => {
		expect(() => decide({ source: { id: '' } })).toThrow('The Dynamics 365 contact has no id');
		expect(() => decide({ source: { snapshot: undefined } })).toThrow(`The Dynamics 365 contact ${DYNAMICS_ID} has no values to compare (snapshot); map it first with the Contact Field Mapping node.`);
		expect(() => decide({ event: 'deleted', source: { snapshot: undefined } })).not.toThrow();
	});
});
