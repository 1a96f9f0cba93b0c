import { TRASH_GROUP, UNSUBSCRIBES_GROUP } from '../../../lib/sync/decide';
import type { SyncApp } from '../../../lib/sync/merge';
import { seededRandom } from '../../simulators/common/seed';
import { SyncModel, emailsOf, type Fields, type ModelOptions } from './model';

const TITLE = 'organizations[0].title';
const MOBILE = 'phoneNumbers:mobile';
const VALUES: Record<string, string[]> = {
	'names.givenName': ['Ann', 'Bob', 'Cem', 'Dee'],
	'names.familyName': ['Ng', 'van Dijk', 'Poe'],
	[MOBILE]: ['0611', '0622', '0633'],
	[TITLE]: ['CTO', 'CEO', 'Engineer'],
};
const EMAILS = ['ann@x.test', 'bob@x.test', 'cem@x.test', 'dee@x.test', 'eve@x.test', 'fay@x.test', 'gus@x.test', 'hal@x.test', 'ivy@x.test', 'jo@x.test'];

const OPTIONS: ModelOptions = { linkColumn: true, winner: 'dynamics', emptyOverwrites: false };

function settled(model: SyncModel): void {
	model.syncUntilQuiet();
	expect(model.check()).toEqual([]);
}

function contact(fields: Fields) {
	return { fields, unsubscribed: false, inactive: false, groups: new Set<string>() };
}

describe('the sync model: scenarios', () => {
	/** A Dynamics contact synced to Google: the pair the scenarios edit. */
	function syncedPair(options: Partial<ModelOptions> = {}) {
		const model = new SyncModel({ ...OPTIONS, ...options });
		const dynamics = model.dynamics.add(contact({ 'names.givenName': 'Ann', emailAddresses: ['ann@x.test'], [TITLE]: 'Engineer' }));
		settled(model);
		const google = model.google.all()[0];
		return { model, dynamics, google };
	}

	const edit = (model: SyncModel, app: SyncApp, record: { id: string; fields: Fields }, field: string, value: string | undefined) => {
		if (value === undefined) delete record.fields[field];
		else record.fields[field] = value;
		model[app].touch(record.id);
	};

	it('creates the counterpart with its link both ways, and a second full pass writes nothing', () => {
		const { model, dynamics, google } = syncedPair();

		expect(google).toMatchObject({ fields: dynamics.fields, dynamicsLink: dynamics.id, snapshot: { fields: dynamics.fields } });
		expect(dynamics.googleLink).toBe(google.id);
		expect(model.resyncAll()).toBe(0);
	});

	it('carries an edit on each side to the other', () => {
		const { model, dynamics, google } = syncedPair();
		edit(model, 'dynamics', dynamics, TITLE, 'CTO');
		settled(model);
		edit(model, 'google', google, MOBILE, '0611');
		settled(model);

		expect(google.fields).toMatchObject({ [TITLE]: 'CTO', [MOBILE]: '0611' });
		expect(dynamics.fields).toMatchObject({ [TITLE]: 'CTO', [MOBILE]: '0611' });
	});

	it('keeps edits to different fields made on both sides before the sync', () => {
		const { model, dynamics, google } = syncedPair();
		edit(model, 'dynamics', dynamics, TITLE, 'CTO');
		edit(model, 'google', google, 'names.givenName', 'Anna');
		settled(model);

		expect([dynamics.fields, google.fields].map((fields) => [fields['names.givenName'], fields[TITLE]])).toEqual([['Anna', 'CTO'], ['Anna', 'CTO']]);
	});

	it.each(['dynamics', 'google'] as const)('follows the winning app (%s) when both sides edit the same field', (winner) => {
		const { model, dynamics, google } = syncedPair({ winner });
		edit(model, 'dynamics', dynamics, TITLE, 'CTO');
		edit(model, 'google', google, TITLE, 'CEO');
		settled(model);

		const expected = winner === 'dynamics' ? 'CTO' : 'CEO';
		expect([dynamics.fields[TITLE], google.fields[TITLE]]).toEqual([expected, expected]);
		expect(model.decisions.filter((action) => action.kind === 'conflict-resolved')).toHaveLength(1);
	});

	it('never blanks a filled value with a cleared one, and a later edit still flows', () => {
		const { model, dynamics, google } = syncedPair();
		edit(model, 'google', google, TITLE, undefined);
		settled(model);
		expect([dynamics.fields[TITLE], google.fields[TITLE]]).toEqual(['Engineer', undefined]);

		edit(model, 'dynamics', dynamics, TITLE, 'CTO');
		settled(model);
		expect(google.fields[TITLE]).toBe('CTO');
	});

	it('clears the other side when empty values overwrite', () => {
		const { model, dynamics, google } = syncedPair({ emptyOverwrites: true });
		edit(model, 'google', google, TITLE, undefined);
		settled(model);

		expect(dynamics.fields[TITLE]).toBeUndefined();
	});

	it('keeps the link through an email change on either side', () => {
		const { model, dynamics, google } = syncedPair();
		edit(model, 'dynamics', dynamics, 'emailAddresses', ['ann@new.test'] as unknown as string);
		settled(model);
		edit(model, 'google', google, 'emailAddresses', ['ann@newer.test'] as unknown as string);
		settled(model);

		expect([model.dynamics.all().length, model.google.all().length]).toEqual([1, 1]);
		expect(emailsOf(dynamics.fields)).toEqual(['ann@newer.test']);
	});

	it('tags a deleted Dynamics contact\'s counterpart as trash and never re-creates it', () => {
		const { model, dynamics, google } = syncedPair();
		model.deleteDynamics(dynamics.id);
		settled(model);
		expect(google.groups.has(TRASH_GROUP)).toBe(true);

		edit(model, 'google', google, TITLE, 'CEO');
		settled(model);
		expect(model.dynamics.all()).toEqual([]);
	});

	it('deactivates a deleted Google contact\'s counterpart and never re-creates it', () => {
		const { model, dynamics, google } = syncedPair();
		model.deleteGoogle(google.id);
		settled(model);
		expect(dynamics.inactive).toBe(true);

		edit(model, 'dynamics', dynamics, TITLE, 'CEO');
		settled(model);
		expect(model.google.all()).toEqual([]);
	});

	it('puts the counterpart of a contact that opts out of bulk email into the unsubscribe group, and takes it out again', () => {
		const { model, dynamics, google } = syncedPair();
		dynamics.unsubscribed = true;
		model.dynamics.touch(dynamics.id);
		settled(model);
		expect(google.groups.has(UNSUBSCRIBES_GROUP)).toBe(true);

		dynamics.unsubscribed = false;
		model.dynamics.touch(dynamics.id);
		settled(model);
		expect(google.groups.has(UNSUBSCRIBES_GROUP)).toBe(false);
	});

	it.each([true, false])('matches an initial sync by email without a duplicate on either side (link column: %s)', (linkColumn) => {
		const model = new SyncModel({ ...OPTIONS, linkColumn });
		for (let index = 0; index < 200; index++) {
			const email = `person${index}@x.test`;
			if (index % 4 !== 3) model.dynamics.add(contact({ emailAddresses: [email], [TITLE]: index % 2 ? 'CTO' : 'CEO' }));
			if (index % 4 !== 0) model.google.add(contact({ emailAddresses: [email], [MOBILE]: `06${index}` }));
		}
		settled(model);

		expect([model.dynamics.all().length, model.google.all().length]).toEqual([200, 200]);
		// The 100 pairs present on both sides were merged: each side's field filled the other.
		const merged = model.google.all().filter((google) => google.fields[TITLE] !== undefined && google.fields[MOBILE] !== undefined);
		expect(merged.map((google) => emailsOf(google.fields)[0]).sort()).toEqual(
			Array.from({ length: 200 }, (_, index) => index).filter((index) => index % 4 === 1 || index % 4 === 2).map((index) => `person${index}@x.test`).sort(),
		);
		expect(model.resyncAll()).toBe(0);
	});

	it('links one of two Google contacts that share an email, reports the other, and creates no contact without an email', () => {
		const model = new SyncModel(OPTIONS);
		const dynamics = model.dynamics.add(contact({ emailAddresses: ['ann@x.test'], [TITLE]: 'CTO' }));
		const [first, second] = [model.google.add(contact({ emailAddresses: ['ann@x.test'] })), model.google.add(contact({ emailAddresses: ['ann@x.test', 'ann@home.test'] }))];
		model.dynamics.add(contact({ 'names.givenName': 'Nomail' }));
		settled(model);

		expect([model.dynamics.all().length, model.google.all().length]).toEqual([2, 2]);
		// Dynamics → Google sees two candidates and guesses neither; Google → Dynamics links the first to ask, then sees the link taken.
		expect(model.decisions.slice(0, 4).map((action) => action.kind)).toEqual(['skip-ambiguous', 'skip-no-email', 'update', 'skip-ambiguous']);
		expect([dynamics.googleLink, first.dynamicsLink, second.dynamicsLink, first.fields[TITLE]]).toEqual([first.id, dynamics.id, undefined, 'CTO']);
	});
});

describe('the sync model: random edits on both sides', () => {
	/**
	 * One random user action. Without a link column, Dynamics cannot tell it is already linked, so two
	 * Google contacts sharing an email would both link to it: emails stay unique within a side there.
	 */
	function randomStep(model: SyncModel, random: () => number): void {
		const pick = <T>(items: T[]): T | undefined => (items.length === 0 ? undefined : items[Math.floor(random() * items.length)]);
		const freeEmails = (app: SyncApp) => EMAILS.filter((email) => model.options.linkColumn || !model[app].all().some((other) => emailsOf(other.fields).includes(email)));
		const randomFields = (app: SyncApp): Fields => {
			const fields: Fields = {};
			for (const [field, values] of Object.entries(VALUES)) if (random() < 0.7) fields[field] = pick(values)!;
			const email = pick(freeEmails(app));
			if (email !== undefined && random() < 0.9) fields.emailAddresses = [email];
			return fields;
		};
		// Without a link column, Dynamics → Google finds the counterpart by email only: an email change would lose it.
		const editable = Object.keys(VALUES).concat(model.options.linkColumn ? ['emailAddresses'] : []);
		const randomValue = (app: SyncApp, field: string) => (random() < 0.2 ? undefined : field === 'emailAddresses' ? [pick(freeEmails(app)) ?? EMAILS[0]] : pick(VALUES[field]));
		const edit = (app: SyncApp, record: { id: string; fields: Fields }, field: string) => {
			const value = randomValue(app, field);
			if (value === undefined) delete record.fields[field];
			else record.fields[field] = value;
			model[app].touch(record.id);
		};
		const roll = random();
		const app: SyncApp = random() < 0.5 ? 'dynamics' : 'google';
		if (roll < 0.2) {
			if (app === 'dynamics') model.dynamics.add(contact(randomFields('dynamics')));
			else model.google.add(contact(randomFields('google')));
		} else if (roll < 0.65) {
			const record = pick(model[app].all() as Array<{ id: string; fields: Fields }>);
			if (record) edit(app, record, pick(editable)!);
		} else if (roll < 0.8) {
			// The same field edited on both sides of a linked pair: a conflict.
			const google = pick(model.google.all().filter((candidate) => model.dynamics.get(candidate.dynamicsLink)));
			const field = pick(editable)!;
			if (google) {
				edit('google', google, field);
				edit('dynamics', model.dynamics.get(google.dynamicsLink)!, field);
			}
		} else if (roll < 0.88) {
			const dynamics = pick(model.dynamics.all());
			if (dynamics) {
				dynamics.unsubscribed = !dynamics.unsubscribed;
				model.dynamics.touch(dynamics.id);
			}
		} else if (roll < 0.94) {
			const dynamics = pick(model.dynamics.all());
			if (dynamics) model.deleteDynamics(dynamics.id);
		} else if (model.options.linkColumn) {
			const google = pick(model.google.all());
			if (google) model.deleteGoogle(google.id);
		}
	}

	const variants: Array<[string, ModelOptions]> = [
		['link column, Dynamics wins', OPTIONS],
		['link column, Google wins', { ...OPTIONS, winner: 'google' }],
		['link column, empty values overwrite', { ...OPTIONS, emptyOverwrites: true }],
		['no link column', { ...OPTIONS, linkColumn: false }],
	];

	it.each(variants)('converges without loops, duplicates, blanking or deletions (%s)', (_, options) => {
		let syncs = 0;
		for (let seed = 1; seed <= 20; seed++) {
			const model = new SyncModel(options);
			const random = seededRandom(seed);
			for (let batch = 0; batch < 25; batch++) {
				const steps = 1 + Math.floor(random() * 5);
				for (let step = 0; step < steps; step++) randomStep(model, random);
				const contacts = model.dynamics.all().length + model.google.all().length;
				model.syncUntilQuiet();
				syncs++;
				expect({ seed, batch, problems: model.check() }).toEqual({ seed, batch, problems: [] });
				// A full pass catches up with contacts skipped before (e.g. ambiguous then, matched uniquely now) ...
				model.resyncAll();
				model.syncUntilQuiet();
				expect({ seed, batch, problems: model.check() }).toEqual({ seed, batch, problems: [] });
				// ... and a second full pass decides nothing to write: no loop.
				expect({ seed, batch, writes: model.resyncAll() }).toEqual({ seed, batch, writes: 0 });
				// Deletions only tag: the sync never removes a contact (it may only add counterparts).
				expect(model.dynamics.all().length + model.google.all().length).toBeGreaterThanOrEqual(contacts);
			}
		}
		expect(syncs).toBe(500);
	});
});
