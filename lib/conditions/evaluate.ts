/**
 * Evaluating a Contact Filter rule on one record, with the reasons it was kept or not, and validating a
 * rule against the field metadata before any item runs. PieSync's named conditions (ownership, opt-in,
 * active, status reason, has label, gets deleted) are conditions on fixed columns, so they run through
 * the same typed field operators as any other field.
 */

import { describeGoogleField } from '../google/fields';
import type { AppName, FieldDescriptor } from '../model/fields';
import { findCounterpart, type CounterpartIndex } from './counterparts';
import { describeReading, fieldSubject, prepareFieldTest } from './operators';
import { guidOf, readField, type ContactRecord } from './record';
import { RuleError, type Condition, type ContactRule, type FieldCondition } from './types';

export interface EvaluationContext {
	/** The org's contact metadata (Dynamics) or the Google field catalog. */
	fields: FieldDescriptor[];
	/** WhoAmI's UserId, for "owned by the connection's user". */
	connectionUserId?: string;
	/** The bulk lookup's answer, for "already existing in the app you sync with". */
	counterparts?: CounterpartIndex;
}

export interface Evaluation {
	kept: boolean;
	/** Why: the conditions that decided, e.g. `allows email: no (donotemail: true ("Do Not Allow"))`. */
	reasons: string[];
}

type ContactApp = ContactRecord['app'];

/** The conditions that only make sense for one app's contacts, as the node names them. */
const SINGLE_APP_KINDS: Partial<Record<string, { app: ContactApp; name: string }>> = {
	ownership: { app: 'dynamics', name: 'Ownership' },
	emailOptIn: { app: 'dynamics', name: 'Email opt-in / opt-out' },
	active: { app: 'dynamics', name: 'Active / inactive' },
	statusReason: { app: 'dynamics', name: 'Status reason' },
	googleLabel: { app: 'google', name: 'Has label' },
	googleDeleted: { app: 'google', name: 'Gets deleted' },
};

function singleAppOf(condition: Condition): { app: ContactApp; name: string } | undefined {
	const kind: unknown = condition?.kind;
	return typeof kind === 'string' && Object.hasOwn(SINGLE_APP_KINDS, kind) ? SINGLE_APP_KINDS[kind] : undefined;
}

const APP_NAMES: Record<AppName, string> = { dynamics: 'Dynamics 365', google: 'Google Contacts', plain: 'plain JSON' };

/** A condition checked and parsed once, then tested on each record. */
interface PreparedCondition {
	/** The condition in words, negation included. */
	wording: string;
	/** Whether the record meets the condition, negation included. */
	matches(record: ContactRecord, context: EvaluationContext): boolean;
	/** What the record holds, for the reason (only worded when the reasons are read). */
	observed(record: ContactRecord, context: EvaluationContext): string;
}

function resolveField(fields: FieldDescriptor[], name: string): FieldDescriptor {
	const exact = fields.find((field) => field.name === name);
	if (exact) return exact;
	// Lookups are read as _<name>_value; accept that spelling for the column itself.
	const lookupName = /^_(.+)_value$/.exec(name)?.[1];
	const lookup = fields.find((field) => field.name === lookupName && (field.type === 'lookup' || field.type === 'owner'));
	if (lookup) return lookup;
	// Google custom fields (userDefined:<key>) are open-ended, so the catalog cannot list them.
	const googleField = fields.some((field) => field.app === 'google') ? describeGoogleField(name) : undefined;
	if (googleField) return googleField;
	const wanted = name.trim().toLowerCase();
	const suggestion = fields.find((field) => field.name.toLowerCase() === wanted || field.label.toLowerCase() === wanted);
	const where = fields.length ? `the ${APP_NAMES[fields[0].app]} contact fields` : 'the field list (it is empty: were the columns loaded?)';
	throw new RuleError(`unknown field "${name}": it is not in ${where}${suggestion ? `; did you mean "${suggestion.name}"?` : ''}`);
}

function checkRecordApp(field: FieldDescriptor, record: ContactRecord): void {
	if (field.app !== record.app) {
		throw new RuleError(`${fieldSubject(field)} is a ${APP_NAMES[field.app]} field, but this item is a ${APP_NAMES[record.app]} contact`);
	}
}

function fieldCondition(fields: FieldDescriptor[], condition: Omit<FieldCondition, 'kind'>): PreparedCondition {
	if (typeof condition.field !== 'string' || condition.field.trim() === '') throw new RuleError('names no field');
	const field = resolveField(fields, condition.field);
	const fieldTest = prepareFieldTest(field, condition);
	return {
		wording: `${fieldSubject(field)} ${fieldTest.wording}`,
		matches(record) {
			checkRecordApp(field, record);
			return fieldTest.matches(readField(record, field));
		},
		observed: (record) => describeReading(field, readField(record, field)),
	};
}

/** A condition on a fixed column, worded in PieSync's terms ("allows email", "has label"). */
function namedFieldCondition(
	fields: FieldDescriptor[],
	condition: Omit<FieldCondition, 'kind' | 'negate'>,
	negate: boolean | undefined,
	wordings: [string, string],
): PreparedCondition {
	const prepared = fieldCondition(fields, { ...condition, negate });
	return {
		wording: wordings[negate ? 1 : 0],
		matches: prepared.matches,
		observed: (record, context) => `${condition.field}: ${prepared.observed(record, context)}`,
	};
}

function ownershipCondition(fields: FieldDescriptor[], condition: Extract<Condition, { kind: 'ownership' }>): PreparedCondition {
	if (condition.match === 'connectionUser') {
		// The column must exist now; the user's id comes with the evaluation context.
		resolveField(fields, 'ownerid');
		const owner = { field: 'ownerid', operator: 'equals' as const, negate: condition.negate };
		// Prepared once per user id (a batch has one), not once per record.
		const preparedByUser = new Map<string, PreparedCondition>();
		const ownedByUser = (context: EvaluationContext): PreparedCondition => {
			const userId = context.connectionUserId;
			if (!userId || !guidOf(userId)) throw new RuleError("needs the connection's user id (WhoAmI's UserId) to tell who the connection's user is");
			let prepared = preparedByUser.get(userId);
			if (!prepared) preparedByUser.set(userId, (prepared = fieldCondition(fields, { ...owner, value: userId })));
			return prepared;
		};
		return {
			wording: condition.negate ? "owner is not the connection's user" : "owner is the connection's user",
			matches: (record, context) => ownedByUser(context).matches(record, context),
			observed: (record, context) => `ownerid: ${ownedByUser(context).observed(record, context)}`,
		};
	}
	if (condition.match !== 'oneOf') throw new RuleError('ownership needs match "oneOf" (with ownerIds) or "connectionUser"');
	const ownerIds = Array.isArray(condition.ownerIds) ? condition.ownerIds : [];
	if (ownerIds.length === 0) throw new RuleError('ownership names no owner; pick users or teams');
	const notIds = ownerIds.filter((id) => !guidOf(id));
	if (notIds.length) {
		throw new RuleError(`owner ${notIds.map((id) => JSON.stringify(id)).join(', ')} is not a user or team id (a GUID); pick owners from the list`);
	}
	const chosen = `${ownerIds.length === 1 ? 'the chosen user or team' : `the ${ownerIds.length} chosen users and teams`}`;
	return namedFieldCondition(fields, { field: 'ownerid', operator: 'isOneOf', values: ownerIds }, condition.negate, [
		`owner is ${ownerIds.length === 1 ? chosen : `one of ${chosen}`}`,
		`owner is ${ownerIds.length === 1 ? 'not' : 'none of'} ${chosen}`,
	]);
}

function emailOptInCondition(fields: FieldDescriptor[], condition: Extract<Condition, { kind: 'emailOptIn' }>): PreparedCondition {
	if (condition.channel !== 'email' && condition.channel !== 'bulkEmail') {
		throw new RuleError(`email opt-in needs channel "email" or "bulkEmail", not ${JSON.stringify(condition.channel)}`);
	}
	const bulk = condition.channel === 'bulkEmail' ? 'bulk ' : '';
	// A missing or empty opt-out column does not count as allowing email: better not to mail than to mail an opt-out.
	return namedFieldCondition(
		fields,
		{ field: bulk ? 'donotbulkemail' : 'donotemail', operator: 'isFalse' },
		condition.negate,
		[`allows ${bulk}email`, `does not allow ${bulk}email`],
	);
}

function googleLabelCondition(fields: FieldDescriptor[], condition: Extract<Condition, { kind: 'googleLabel' }>): PreparedCondition {
	const labels = Array.isArray(condition.labels) ? condition.labels : [];
	if (labels.length === 0) throw new RuleError('names no label; pick one or more contact groups');
	const bad = labels.find((label) => typeof label?.resourceName !== 'string' || !label.resourceName.startsWith('contactGroups/'));
	if (bad) {
		throw new RuleError(`label ${JSON.stringify(bad)} has no contact group resource name (contactGroups/…); pick labels from the list`);
	}
	const names = labels.map((label) => JSON.stringify(label.name ?? label.resourceName)).join(', ');
	const plural = labels.length > 1;
	const values = labels.map((label) => label.resourceName);
	return namedFieldCondition(fields, { field: 'memberships', operator: 'isOneOf', values }, condition.negate, [
		`has ${plural ? 'one of the labels' : 'label'} ${names}`,
		`does not have ${plural ? 'any of the labels' : 'label'} ${names}`,
	]);
}

function existsInOtherAppCondition(condition: Extract<Condition, { kind: 'existsInOtherApp' }>): PreparedCondition {
	const counterpartOf = (record: ContactRecord, context: EvaluationContext) => {
		if (!context.counterparts) {
			throw new RuleError('needs the bulk lookup of counterparts in the other app, which was not made for this batch');
		}
		return findCounterpart(record, context.counterparts);
	};
	return {
		wording: condition.negate ? 'does not exist yet in the app you sync with' : 'already exists in the app you sync with',
		matches: (record, context) => (counterpartOf(record, context) !== undefined) !== (condition.negate === true),
		observed(record, context) {
			const match = counterpartOf(record, context);
			return !match ? 'no linked contact and no contact with its email' : match.by === 'link' ? `linked to ${match.link}` : `email ${match.email} found`;
		},
	};
}

function prepareCondition(condition: Condition, fields: FieldDescriptor[]): PreparedCondition {
	if (typeof condition !== 'object' || condition === null) throw new RuleError('is not a condition object');
	if (condition.negate !== undefined && typeof condition.negate !== 'boolean') {
		throw new RuleError(`has negate ${JSON.stringify(condition.negate)}; it is true ("is not") or false ("is")`);
	}
	switch (condition.kind) {
		case 'ownership':
			return ownershipCondition(fields, condition);
		case 'emailOptIn':
			return emailOptInCondition(fields, condition);
		case 'active':
			return namedFieldCondition(fields, { field: 'statecode', operator: 'equals', value: 0 }, condition.negate, ['is active', 'is not active']);
		case 'statusReason':
			return fieldCondition(fields, { field: 'statuscode', operator: 'isOneOf', values: condition.values, negate: condition.negate });
		case 'existsInOtherApp':
			return existsInOtherAppCondition(condition);
		case 'field':
			return fieldCondition(fields, condition);
		case 'googleLabel':
			return googleLabelCondition(fields, condition);
		case 'googleDeleted':
			return namedFieldCondition(fields, { field: 'metadata.deleted', operator: 'isTrue' }, condition.negate, ['gets deleted', 'is not deleted']);
		default:
			throw new RuleError(
				`has an unknown kind ${JSON.stringify((condition as { kind?: unknown }).kind)}; the kinds are ownership, emailOptIn, active, statusReason, existsInOtherApp, field, googleLabel, googleDeleted`,
			);
	}
}

/** A RuleError as the problem of the condition at `index`; anything else as it is. */
function numberedError(index: number, error: unknown): unknown {
	return error instanceof RuleError ? new RuleError(`Condition ${index + 1}: ${error.message}`) : error;
}

function numbered<T>(index: number, run: () => T): T {
	try {
		return run();
	} catch (error) {
		throw numberedError(index, error);
	}
}

function checkRuleShape(rule: ContactRule): void {
	if (typeof rule !== 'object' || rule === null) throw new RuleError('The rule is not an object with combine and conditions');
	if (rule.combine !== 'all' && rule.combine !== 'any') {
		throw new RuleError(`The rule's combine is ${JSON.stringify(rule.combine)}; it is "all" (every condition) or "any" (at least one)`);
	}
	if (!Array.isArray(rule.conditions)) throw new RuleError("The rule's conditions are not a list");
}

/**
 * Every problem of a rule against the field metadata, as messages naming the condition and the fix
 * (unknown columns, operators that do not fit the column, choices that are neither value nor label,
 * conditions for the other app); empty when the rule can run.
 */
export function validateRule(rule: ContactRule, fields: FieldDescriptor[]): string[] {
	try {
		checkRuleShape(rule);
	} catch (error) {
		return [error.message];
	}
	const apps = new Set(fields.map((field) => field.app));
	const fieldsApp = apps.size === 1 ? [...apps][0] : undefined;
	const problems: string[] = [];
	rule.conditions.forEach((condition, index) => {
		const only = singleAppOf(condition);
		if (only && fieldsApp && only.app !== fieldsApp) {
			problems.push(`Condition ${index + 1}: ${only.name} applies to ${APP_NAMES[only.app]} contacts, but the fields are ${APP_NAMES[fieldsApp]} fields`);
			return;
		}
		try {
			numbered(index, () => prepareCondition(condition, fields));
		} catch (error) {
			if (!(error instanceof RuleError)) throw error;
			problems.push(error.message);
		}
	});
	return problems;
}

/** Which parts of the EvaluationContext a rule reads, so a caller only fetches those. */
export interface ContextNeeds {
	/** The field metadata: every condition but "exists in the other app" reads it. */
	fields: boolean;
	/** WhoAmI's UserId, for "owned by the connection's user". */
	connectionUserId: boolean;
	/** The bulk counterpart lookup, for "already existing in the app you sync with". */
	counterparts: boolean;
}

export function contextNeeds(rules: ContactRule[]): ContextNeeds {
	const conditions = rules.flatMap((rule) => (Array.isArray(rule?.conditions) ? rule.conditions : []));
	return {
		fields: conditions.some((condition) => condition?.kind !== 'existsInOtherApp'),
		connectionUserId: conditions.some((condition) => condition?.kind === 'ownership' && condition.match === 'connectionUser'),
		counterparts: conditions.some((condition) => condition?.kind === 'existsInOtherApp'),
	};
}

const DELETION_KEPT = 'a deletion carries only its id, so conditions on its fields cannot judge it: kept, so the sync can tag its counterpart';
const NO_CONDITIONS = 'no conditions: every contact is kept';

function isDeletion(record: ContactRecord): boolean {
	return record.event === 'deleted' || (record.app === 'google' && (record.person.metadata as { deleted?: unknown } | undefined)?.deleted === true);
}

/** One condition of a compiled rule: prepared, or the RuleError preparing it gave (thrown when a record reaches it). */
interface RuleStep {
	index: number;
	only?: { app: ContactApp; name: string };
	prepared?: PreparedCondition;
	error?: RuleError;
}

function stepMatches(step: RuleStep, record: ContactRecord, context: EvaluationContext): boolean {
	const { only, error, prepared } = step;
	if (only && only.app !== record.app) {
		throw new RuleError(`Condition ${step.index + 1}: ${only.name} applies to ${APP_NAMES[only.app]} contacts; this item is a ${APP_NAMES[record.app]} contact`);
	}
	if (error) throw error;
	// Not through numbered(): no closure per record and condition.
	try {
		return (prepared as PreparedCondition).matches(record, context);
	} catch (caught) {
		throw numberedError(step.index, caught);
	}
}

export interface CompiledRule {
	/** Keeps a record when all (or any) conditions hold; a rule without conditions keeps everything. Throws RuleError. */
	evaluate(record: ContactRecord, context: EvaluationContext): Evaluation;
}

/**
 * A rule prepared once for a whole batch (fields resolved, operands parsed), so that each record
 * costs only its tests; the reasons are worded when read. Throws a RuleError when the rule is not
 * an object with combine and conditions; a condition that cannot run fails the records that reach it.
 */
export function compileRule(rule: ContactRule, fields: FieldDescriptor[]): CompiledRule {
	checkRuleShape(rule);
	const steps: RuleStep[] = rule.conditions.map((condition, index) => {
		const step: RuleStep = { index, only: singleAppOf(condition) };
		try {
			step.prepared = numbered(index, () => prepareCondition(condition, fields));
		} catch (error) {
			if (!(error instanceof RuleError)) throw error;
			step.error = error;
		}
		return step;
	});
	// Only a "gets deleted" condition can judge a deletion; without one, deletions pass (tagging is never destructive).
	const deletionSteps = steps.filter((step) => rule.conditions[step.index]?.kind === 'googleDeleted');
	return {
		evaluate(record, context) {
			if (steps.length === 0) return { kept: true, reasons: [NO_CONDITIONS] };
			const applied = isDeletion(record) ? deletionSteps : steps;
			if (applied.length === 0) return { kept: true, reasons: [DELETION_KEPT] };
			const matched: boolean[] = new Array(applied.length);
			let anyMatched = false;
			let allMatched = true;
			for (let position = 0; position < applied.length; position++) {
				const matches = stepMatches(applied[position], record, context);
				matched[position] = matches;
				if (matches) anyMatched = true;
				else allMatched = false;
			}
			return new RuleEvaluation(rule.combine === 'all' ? allMatched : anyMatched, applied, matched, record, context);
		},
	};
}

/**
 * A record's verdict; the reasons are worded only when read. An instance (its own keys: kept), not an
 * object literal with a getter, which costs a closure and a new shape for every record.
 */
class RuleEvaluation implements Evaluation {
	readonly #applied: RuleStep[];
	readonly #matched: boolean[];
	readonly #record: ContactRecord;
	readonly #context: EvaluationContext;

	constructor(
		readonly kept: boolean,
		applied: RuleStep[],
		matched: boolean[],
		record: ContactRecord,
		context: EvaluationContext,
	) {
		this.#applied = applied;
		this.#matched = matched;
		this.#record = record;
		this.#context = context;
	}

	/** The conditions that decided: for "all" the failures of a dropped record, for "any" the successes of a kept one. */
	get reasons(): string[] {
		const { kept } = this;
		const matched = this.#matched;
		const decided = this.#applied.filter((_step, position) => matched[position] === kept);
		return decided.map((step) => {
			const prepared = step.prepared as PreparedCondition;
			return `${prepared.wording}: ${kept ? 'yes' : 'no'} (${prepared.observed(this.#record, this.#context)})`;
		});
	}

	toJSON(): Evaluation {
		return { kept: this.kept, reasons: this.reasons };
	}
}

/** Keeps a record when all (or any) conditions hold; a rule without conditions keeps everything. Throws RuleError. */
export function evaluateConditions(rule: ContactRule, record: ContactRecord, context: EvaluationContext): Evaluation {
	return compileRule(rule, context.fields).evaluate(record, context);
}
