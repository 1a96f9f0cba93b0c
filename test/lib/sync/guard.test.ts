import { DEFAULT_DELETION_MINIMUM, DEFAULT_DELETION_SHARE, checkMassDeletion } from '../../../lib/sync/guard';

describe('checkMassDeletion', () => {
	it('defaults to 10% with a floor of 5 deletions', () => {
		expect([DEFAULT_DELETION_SHARE, DEFAULT_DELETION_MINIMUM]).toEqual([0.1, 5]);
	});

	it('lets a run below the threshold through', () => {
		expect(checkMassDeletion({ deletions: 9, linked: 100, deletedIn: 'dynamics' })).toEqual({ ok: true });
	});

	it('lets a run exactly at the threshold through', () => {
		expect(checkMassDeletion({ deletions: 10, linked: 100, deletedIn: 'dynamics' })).toEqual({ ok: true });
		expect(checkMassDeletion({ deletions: 29, linked: 100, deletedIn: 'dynamics', maxShare: 0.29 })).toEqual({ ok: true });
	});

	it('stops a run above the threshold, saying how many, of how many, the limit and how to go on', () => {
		const result = checkMassDeletion({ deletions: 11, linked: 100, deletedIn: 'dynamics' });

		expect(result).toEqual({
			ok: false,
			message:
				'Mass-deletion guard: this run would tag 11 of 100 linked contacts (11%) as deleted in Dynamics 365, more than the 10% (10 contacts) one run may tag. ' +
				"Nothing was tagged. If the deletions are intended, raise the guard's share for this run to at least 11% and run again; otherwise check Dynamics 365 first: " +
				'a lost permission, a changed filter or an outage can make contacts look deleted.',
		});
	});

	it('suggests a share that is enough to go on', () => {
		const result = checkMassDeletion({ deletions: 37, linked: 120, deletedIn: 'google' });

		expect(result.ok).toBe(false);
		expect(!result.ok && result.message).toContain('37 of 120 linked contacts (30.8%) as deleted in Google Contacts');
		expect(!result.ok && result.message).toContain('to at least 31%');
		expect(checkMassDeletion({ deletions: 37, linked: 120, deletedIn: 'google', maxShare: 0.31 })).toEqual({ ok: true });
	});

	it('never trips below the floor, whatever the share', () => {
		expect(checkMassDeletion({ deletions: 4, linked: 4, deletedIn: 'google' })).toEqual({ ok: true });
		expect(checkMassDeletion({ deletions: 5, linked: 5, deletedIn: 'google' }).ok).toBe(false);
		expect(checkMassDeletion({ deletions: 5, linked: 5, deletedIn: 'google', minimum: 6 })).toEqual({ ok: true });
		expect(checkMassDeletion({ deletions: 2, linked: 10, deletedIn: 'google', minimum: 1 }).ok).toBe(false);
	});

	it('trips on deletions with no linked contacts, and a share of 100% turns it off', () => {
		const result = checkMassDeletion({ deletions: 6, linked: 0, deletedIn: 'dynamics' });

		expect(!result.ok && result.message).toContain('this run would tag 6 of 0 linked contacts as deleted');
		expect(checkMassDeletion({ deletions: 500, linked: 100, deletedIn: 'dynamics', maxShare: 1 })).toEqual({ ok: true });
	});

	it('refuses counts and settings that are not numbers of the right kind', () => {
		expect(() => checkMassDeletion({ deletions: -1, linked: 10, deletedIn: 'google' })).toThrow('the number of deletions must be a whole number of 0 or more (got -1)');
		expect(() => checkMassDeletion({ deletions: 1, linked: 2.5, deletedIn: 'google' })).toThrow('the number of linked contacts must be a whole number');
		expect(() => checkMassDeletion({ deletions: 1, linked: 10, deletedIn: 'google', maxShare: 10 })).toThrow('the share must be above 0% and at most 100% (got 10); 10% is the default.');
		expect(() => checkMassDeletion({ deletions: 1, linked: 10, deletedIn: 'google', maxShare: 0 })).toThrow('the share must be above 0%');
		expect(() => checkMassDeletion({ deletions: 1, linked: 10, deletedIn: 'google', minimum: 0 })).toThrow('the minimum must be a whole number of 1 or more (got 0)');
	});
});
