/**
 * The run summary a writer can output as one item: what it created, updated, left unchanged,
 * resolved as conflicts, tagged, skipped and failed, each with the record ids. Records are named by
 * the id of the contact the item came from (`id`), with the contact written on the target
 * (`counterpartId`) where there is one (a dry run's creates have none yet).
 */
import type { SyncApp } from './merge';
import type { SkipKind, SyncDecision } from './decide';

export interface SummaryRecord {
	id: string;
	counterpartId?: string;
}

export interface SyncSummary {
	/** Nothing was written: the lists say what the run would have done. */
	dryRun: boolean;
	counts: { created: number; updated: number; unchanged: number; conflicts: number; tagged: number; skipped: number; failed: number };
	created: SummaryRecord[];
	updated: SummaryRecord[];
	unchanged: SummaryRecord[];
	conflicts: Array<SummaryRecord & { fields: string[]; winner: SyncApp }>;
	tagged: Array<SummaryRecord & { tag: string; change: 'added' | 'removed' }>;
	skipped: Array<{ id: string; kind: SkipKind; reason: string }>;
	failed: Array<{ id: string; error: string }>;
}

type SummaryLists = Omit<SyncSummary, 'dryRun' | 'counts'>;

/** Collects per-record outcomes into one SyncSummary. */
export class SyncSummaryBuilder {
	private readonly lists: SummaryLists = { created: [], updated: [], unchanged: [], conflicts: [], tagged: [], skipped: [], failed: [] };

	constructor(private readonly dryRun: boolean) {}

	/** A decision carried out (or, in a dry run, that would be); `createdId` is the new contact's id after a create. */
	add(id: string, decision: SyncDecision, createdId?: string): void {
		const { action, unsubscribe } = decision;
		const record = (counterpartId: string | undefined): SummaryRecord => (counterpartId === undefined ? { id } : { id, counterpartId });
		switch (action.kind) {
			case 'create':
				this.lists.created.push(record(createdId));
				break;
			case 'update':
			case 'conflict-resolved':
				this.lists.updated.push(record(action.targetId));
				if (action.conflicts.length > 0) {
					this.lists.conflicts.push({ ...record(action.targetId), fields: action.conflicts.map((conflict) => conflict.field), winner: action.conflicts[0].winner });
				}
				break;
			case 'skip-equal':
				this.lists.unchanged.push(record(action.targetId));
				break;
			case 'tag-deleted': {
				const { tag } = action;
				const label = tag.kind === 'group' ? tag.group : tag.kind === 'deactivate' ? 'deactivated' : `${tag.field} = ${JSON.stringify(tag.value)}`;
				this.lists.tagged.push({ ...record(action.targetId), tag: label, change: 'added' });
				break;
			}
			default:
				this.lists.skipped.push({ id, kind: action.kind, reason: action.reason });
		}
		if (unsubscribe) {
			const change = unsubscribe.kind === 'tag-unsubscribed' ? 'added' : 'removed';
			this.lists.tagged.push({ ...record(unsubscribe.targetId ?? createdId), tag: unsubscribe.group, change });
		}
	}

	/** A record that failed (a mapping error, a rejected write): its error, secrets left out by the caller. */
	fail(id: string, error: string | Error): void {
		this.lists.failed.push({ id, error: typeof error === 'string' ? error : error.message });
	}

	build(): SyncSummary {
		// The lists are copied, their entries not: add() makes each entry anew and never changes one.
		const lists = Object.fromEntries(Object.entries(this.lists).map(([name, entries]) => [name, [...entries]])) as SummaryLists;
		const counts = Object.fromEntries(Object.entries(lists).map(([name, entries]) => [name, entries.length])) as SyncSummary['counts'];
		return { dryRun: this.dryRun, counts, ...lists };
	}
}
