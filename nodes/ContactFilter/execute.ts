/**
 * The Contact Filter's run: read the rule, fetch once what it needs (field metadata, the connection's
 * user, label names, and the other app's counterparts for the whole batch), then evaluate each item
 * with lib/conditions and route it to "Kept" or "Not Kept".
 *
 * Errors: a rule that cannot run stops the node before any item is evaluated; a malformed item stops
 * it at that item. With "Continue (using error output)" or "Continue" on, failures become error items
 * on "Not Kept" instead (n8n's own fallback would pass every input item on to "Kept", where a sync
 * would act on them).
 */
import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import { contextNeeds, evaluateConditions, validateRule, type Evaluation, type EvaluationContext } from '../../lib/conditions/evaluate';
import { dynamicsDirectory, googleDirectory, lookUpCounterparts, type CounterpartDirectory } from '../../lib/conditions/lookup';
import { classifyRecord, type ClassifiedRecord, type ContactRecord } from '../../lib/conditions/record';
import { RuleError, type ContactRule } from '../../lib/conditions/types';
import { readFields } from '../../lib/dynamics/metadata';
import { GOOGLE_FIELDS } from '../../lib/google/fields';
import type { FieldDescriptor } from '../../lib/model/fields';
import { GOOGLE_CREDENTIAL, googleContactsClient } from '../shared/google';
import { assertCredentialSelected, contactGroupName } from '../shared/pickers';
import { DYNAMICS_CREDENTIAL, dynamicsClient } from '../shared/transport';
import { labelNamesIn, resolveLabels, ruleFromParameters, type ConditionParameters, type ContactApp } from './rule';

interface FilterOptions {
	addReasons?: boolean;
	dynamicsLinkColumn?: string;
	googleEmailLookup?: 'auto' | 'list';
}

const APP_NAMES: Record<ContactApp, string> = { dynamics: 'Dynamics 365', google: 'Google Contacts' };
const OTHER_APP: Record<ContactApp, ContactApp> = { dynamics: 'google', google: 'dynamics' };

/** A per-item outcome: the rule to apply, or why the item cannot be filtered. */
type ItemRule = ContactRule | NodeOperationError;

/** An item's error: a rule problem (with how to fix it), or a failure such as an expression that does not resolve. */
function itemError(context: IExecuteFunctions, itemIndex: number, error: unknown, fix: string): NodeOperationError {
	if (error instanceof NodeOperationError) return error;
	if (error instanceof RuleError) return new NodeOperationError(context.getNode(), error.message, { itemIndex, description: fix });
	return new NodeOperationError(context.getNode(), error as Error, { itemIndex });
}

const RULE_FIX = 'Fix the condition named in the message under "Conditions".';

/** Each item's rule (parameters can be expressions, so items may differ), labels named by name resolved once for all. */
async function readRules(context: IExecuteFunctions, source: ContactApp, itemCount: number): Promise<ItemRule[]> {
	const list = source === 'google' ? 'googleConditions' : 'dynamicsConditions';
	const rules: ItemRule[] = [];
	for (let itemIndex = 0; itemIndex < itemCount; itemIndex++) {
		try {
			const entries = context.getNodeParameter(`${list}.condition`, itemIndex, []) as ConditionParameters[];
			rules.push(ruleFromParameters(context.getNodeParameter('combine', itemIndex) as string, entries));
		} catch (error) {
			rules.push(itemError(context, itemIndex, error, RULE_FIX));
		}
	}
	const labelNames = rules.flatMap((rule) => (rule instanceof NodeOperationError ? [] : labelNamesIn(rule)));
	if (labelNames.length === 0) return rules;
	assertCredentialSelected(context, GOOGLE_CREDENTIAL, `find the labels named ${labelNames.map((name) => JSON.stringify(name)).join(', ')}`);
	const groups = (await (await googleContactsClient(context)).listContactGroups())
		.filter((group) => group.resourceName)
		.map((group) => ({ resourceName: group.resourceName as string, name: contactGroupName(group) }));
	return rules.map((rule, itemIndex) => {
		if (rule instanceof NodeOperationError) return rule;
		try {
			return resolveLabels(rule, groups);
		} catch (error) {
			return itemError(context, itemIndex, error, 'Pick the label from the list, or create it in Google Contacts first.');
		}
	});
}

async function contactFields(context: IExecuteFunctions, source: ContactApp): Promise<FieldDescriptor[]> {
	if (source === 'google') return GOOGLE_FIELDS;
	assertCredentialSelected(context, DYNAMICS_CREDENTIAL, 'read the contact columns the conditions test');
	return readFields(await dynamicsClient(context), 'contact');
}

/** Checks each distinct rule once against the fields; the problems become the item's error. */
function validateRules(context: IExecuteFunctions, rules: ItemRule[], fields: FieldDescriptor[]): ItemRule[] {
	const verdicts = new Map<string, string[]>();
	return rules.map((rule, itemIndex) => {
		if (rule instanceof NodeOperationError) return rule;
		const key = JSON.stringify(rule);
		let problems = verdicts.get(key);
		if (!problems) verdicts.set(key, (problems = validateRule(rule, fields)));
		if (problems.length === 0) return rule;
		const message = problems.length === 1 ? problems[0] : `${problems.length} conditions cannot be evaluated: ${problems.join('; ')}`;
		return new NodeOperationError(context.getNode(), message, { itemIndex, description: RULE_FIX });
	});
}

function counterpartDirectory(context: IExecuteFunctions, source: ContactApp, options: FilterOptions): Promise<CounterpartDirectory> {
	const condition = `check "Exists in ${APP_NAMES[OTHER_APP[source]]}"`;
	if (source === 'dynamics') {
		assertCredentialSelected(context, GOOGLE_CREDENTIAL, condition);
		return googleContactsClient(context).then((client) => googleDirectory(client, { strategy: options.googleEmailLookup ?? 'auto' }));
	}
	assertCredentialSelected(context, DYNAMICS_CREDENTIAL, condition);
	return dynamicsClient(context).then((client) => dynamicsDirectory(client, { linkColumn: options.dynamicsLinkColumn || undefined }));
}

/** A malformed item, or a contact of the other app, as the item's error. */
function recordOf(context: IExecuteFunctions, source: ContactApp, classified: ClassifiedRecord, itemIndex: number): ContactRecord | NodeOperationError {
	if ('error' in classified) {
		return new NodeOperationError(context.getNode(), `Item ${itemIndex} ${classified.error}`, {
			itemIndex,
			description: 'Connect the Contact Filter to a Dynamics 365 or Google Contacts trigger or node, or map the items to contacts first.',
		});
	}
	if (classified.app === source) return classified;
	return new NodeOperationError(context.getNode(), `Item ${itemIndex} is a ${APP_NAMES[classified.app]} contact, but "Contacts From" is ${APP_NAMES[source]}`, {
		itemIndex,
		description: `Set "Contacts From" to ${APP_NAMES[classified.app]}, or filter these contacts in a Contact Filter of their own.`,
	});
}

/** What the rules need, fetched once for the whole batch. */
async function evaluationContext(
	context: IExecuteFunctions,
	source: ContactApp,
	rules: ContactRule[],
	records: ContactRecord[],
	options: FilterOptions,
	fields: FieldDescriptor[],
): Promise<EvaluationContext> {
	const needs = contextNeeds(rules);
	const evaluation: EvaluationContext = { fields };
	if (needs.connectionUserId) {
		assertCredentialSelected(context, DYNAMICS_CREDENTIAL, 'tell who the connection\'s user is');
		evaluation.connectionUserId = (await (await dynamicsClient(context)).whoAmI()).UserId;
	}
	if (needs.counterparts) {
		const directory = await counterpartDirectory(context, source, options);
		evaluation.counterparts = await lookUpCounterparts(records, { dynamicsLinkColumn: options.dynamicsLinkColumn || undefined }, directory);
	}
	return evaluation;
}

function asNodeError(context: IExecuteFunctions, error: unknown): NodeOperationError {
	if (error instanceof NodeOperationError) return error;
	return new NodeOperationError(context.getNode(), error as Error, { description: 'No item was filtered.' });
}

export async function executeContactFilter(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const kept: INodeExecutionData[] = [];
	const notKept: INodeExecutionData[] = [];
	const fail = (itemIndex: number, error: NodeOperationError) => {
		if (!this.continueOnFail()) throw error;
		notKept.push({ json: { error: error.message }, pairedItem: { item: itemIndex } });
	};
	const source = this.getNodeParameter('source', 0) as ContactApp;
	const options = this.getNodeParameter('options', 0, {}) as FilterOptions;

	let rules: ItemRule[];
	let records: Array<ContactRecord | NodeOperationError>;
	let evaluation: EvaluationContext;
	try {
		rules = await readRules(this, source, items.length);
		const valid = rules.filter((rule): rule is ContactRule => !(rule instanceof NodeOperationError));
		const fields = contextNeeds(valid).fields ? await contactFields(this, source) : [];
		rules = validateRules(this, rules, fields);
		// The first item's rule is the node's configuration: when it cannot run, nothing is evaluated.
		if (rules[0] instanceof NodeOperationError) throw rules[0];
		records = items.map((item, itemIndex) => recordOf(this, source, classifyRecord(item.json), itemIndex));
		const runnable = records.filter((record, itemIndex): record is ContactRecord => !(record instanceof NodeOperationError) && !(rules[itemIndex] instanceof NodeOperationError));
		const applied = rules.filter((rule, itemIndex): rule is ContactRule => !(rule instanceof NodeOperationError) && !(records[itemIndex] instanceof NodeOperationError));
		evaluation = await evaluationContext(this, source, applied, runnable, options, fields);
	} catch (error) {
		const failure = asNodeError(this, error);
		items.forEach((_item, itemIndex) => fail(itemIndex, failure));
		return [kept, notKept];
	}

	items.forEach((item, itemIndex) => {
		const rule = rules[itemIndex];
		const record = records[itemIndex];
		if (rule instanceof NodeOperationError) return fail(itemIndex, rule);
		if (record instanceof NodeOperationError) return fail(itemIndex, record);
		let outcome: Evaluation;
		try {
			outcome = evaluateConditions(rule, record, evaluation);
		} catch (error) {
			return fail(itemIndex, itemError(this, itemIndex, error, RULE_FIX));
		}
		const json = options.addReasons ? { ...item.json, _filter: { kept: outcome.kept, reasons: outcome.reasons } } : item.json;
		(outcome.kept ? kept : notKept).push({ ...item, json, pairedItem: { item: itemIndex } });
	});
	return [kept, notKept];
}
