/**
 * The mass-deletion guard: a run that would tag more than a set share of the linked contacts as
 * deleted stops before tagging anything. Sudden mass "deletions" are more often a lost permission,
 * a changed filter or an outage on the source than a real clean-up (vdirsyncer refuses a sync after
 * one side suddenly lists nothing; Contacts+ added a breaker after mass tag losses).
 *
 * The floor: a run that tags fewer than `minimum` contacts (default 5) never trips, whatever the
 * share. In a small address book one or two deletions are a large share but an ordinary day, and a
 * handful of tags is quick to review: the sync only tags, it never deletes. A share of 100% turns
 * the guard off.
 */
import { APP_LABELS, type SyncApp } from './merge';

export const DEFAULT_DELETION_SHARE = 0.1;
export const DEFAULT_DELETION_MINIMUM = 5;

export interface DeletionGuardInput {
	/** Contacts this run would tag as deleted. */
	deletions: number;
	/** Contacts linked to a counterpart before this run. */
	linked: number;
	/** The app the deletions were seen in. */
	deletedIn: SyncApp;
	/** The largest share of `linked` one run may tag (0 < share ≤ 1). */
	maxShare?: number;
	/** Fewer deletions than this never trip the guard. */
	minimum?: number;
}

export type DeletionGuardResult = { ok: true } | { ok: false; message: string };

const isCount = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0;

function validate(input: DeletionGuardInput, maxShare: number, minimum: number): void {
	if (!isCount(input.deletions)) throw new Error(`Deletion guard: the number of deletions must be a whole number of 0 or more (got ${input.deletions}).`);
	if (!isCount(input.linked)) throw new Error(`Deletion guard: the number of linked contacts must be a whole number of 0 or more (got ${input.linked}).`);
	if (!(typeof maxShare === 'number' && maxShare > 0 && maxShare <= 1)) {
		throw new Error(`Deletion guard: the share must be above 0% and at most 100% (got ${maxShare}); 10% is the default.`);
	}
	if (!Number.isInteger(minimum) || minimum < 1) throw new Error(`Deletion guard: the minimum must be a whole number of 1 or more (got ${minimum}).`);
}

const percent = (share: number) => `${Math.round(share * 1000) / 10}%`;

/** Whether a run may tag `deletions` of `linked` contacts; when not, a message saying how many, why, and how to go on. */
export function checkMassDeletion(input: DeletionGuardInput): DeletionGuardResult {
	const maxShare = input.maxShare ?? DEFAULT_DELETION_SHARE;
	const minimum = input.minimum ?? DEFAULT_DELETION_MINIMUM;
	validate(input, maxShare, minimum);
	// The allowed count in whole contacts, so that exactly the share (29 of 100 at 29%) passes despite floating point.
	const allowed = Math.floor(maxShare * input.linked + 1e-9);
	if (maxShare === 1 || input.deletions < minimum || input.deletions <= allowed) return { ok: true };
	const source = APP_LABELS[input.deletedIn];
	const share = input.linked > 0 ? ` (${percent(input.deletions / input.linked)})` : '';
	const needed = ` to at least ${Math.min(100, Math.ceil((input.deletions * 100) / Math.max(input.linked, 1) - 1e-9))}%`;
	return {
		ok: false,
		message:
			`Mass-deletion guard: this run would tag ${input.deletions} of ${input.linked} linked contacts${share} as deleted in ${source}, ` +
			`more than the ${percent(maxShare)} (${allowed} contacts) one run may tag. Nothing was tagged. ` +
			`If the deletions are intended, raise the guard's share for this run${needed} and run again; otherwise check ${source} first: ` +
			'a lost permission, a changed filter or an outage can make contacts look deleted.',
	};
}
