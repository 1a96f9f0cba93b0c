/**
 * The Contact Filter's run: read the rule, fetch once what it needs for the whole batch (field
 * metadata, label names, columns the items lack, the connection's user, the other app's
 * counterparts), then evaluate each item with lib/conditions and route it to "Kept" or "Not Kept".
 *
 * Errors: a rule that cannot run stops the node before any item is evaluated; a malformed item stops
 * it at that item. With "continue on fail", failures become error items on "Not Kept" instead (n8n's
 * own fallback for a node that throws would pass every input item on to "Kept", where a sync acts).
 */
import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import { compileRule, contextNeeds, validateRule, type CompiledRule, type Evaluation, type EvaluationContext } from '../../lib/conditions/evaluate';
import { completeDynamicsRecords, dynamicsDirectory, dynamicsPropertiesRead, googleDirectory, lookUpCounterparts } from '../../lib/conditions/lookup';
import { classifyRecord, type ContactRecord } from '../../lib/conditions/record';
import { RuleError, type ContactRule } from '../../lib/conditions/types';
import type { DynamicsClient } from '../../lib/dynamics/client';
import { readFields } from '../../lib/dynamics/metadata';
import type { GoogleContactsClient } from '../../lib/google/client';
import { GOOGLE_FIELDS } from '../../lib/google/fields';
import type { FieldDescriptor } from '../../lib/model/fields';
import { GOOGLE_CREDENTIAL, googleContactsClient } from '../shared/google';
import { hasExpression } from '../shared/parameters';
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
const RULE_FIX = 'Fix the condition named in the message under "Conditions".';

/** What each item gets: its rule or record, or the reason it cannot be filtered. */
type OrError<T> = T | NodeOperationError;

const failed = <T>(value: OrError<T>): value is NodeOperationError => value instanceof NodeOperationError;

/** The distinct values (items without expressions share one rule object). */
const distinct = <T>(values: T[]): T[] => [...new Set(values)];

/** An item's error: a rule problem (with how to fix it), or a failure such as an expression that does not resolve. */
function itemError(context: IExecuteFunctions, itemIndex: number, error: unknown, fix: string): NodeOperationError {
	if (error instanceof NodeOperationError) return error;
	if (error instanceof RuleError) return new NodeOperationError(context.getNode(), error.message, { itemIndex, description: fix });
	return new NodeOperationError(context.getNode(), error as Error, { itemIndex });
}

/** The node's two connections, each made once per run and only when something needs it. */
class Connections {
	private dynamicsClient?: Promise<DynamicsClient>;
	private googleClient?: Promise<GoogleContactsClient>;

	constructor(private readonly context: IExecuteFunctions) {}

	has(credential: string): boolean {
		return Boolean(this.context.getNode().credentials?.[credential]);
	}

	dynamics(purpose: string): Promise<DynamicsClient> {
		assertCredentialSelected(this.context, DYNAMICS_CREDENTIAL, purpose);
		return (this.dynamicsClient ??= dynamicsClient(this.context));
	}

	google(purpose: string): Promise<GoogleContactsClient> {
		assertCredentialSelected(this.context, GOOGLE_CREDENTIAL, purpose);
		return (this.googleClient ??= googleContactsClient(this.context));
	}
}

/**
 * Each item's rule: parameters can be expressions, so items may differ; without any, every item
 * shares the first item's rule. Labels given by name are resolved once for all.
 */
async function readRules(context: IExecuteFunctions, connections: Connections, source: ContactApp, itemCount: number): Promise<Array<OrError<ContactRule>>> {
	const list = source === 'google' ? 'googleConditions' : 'dynamicsConditions';
	const readRule = (itemIndex: number): OrError<ContactRule> => {
		try {
			const entries = context.getNodeParameter(`${list}.condition`, itemIndex, []) as ConditionParameters[];
			return ruleFromParameters(context.getNodeParameter('combine', itemIndex) as string, entries);
		} catch (error) {
			return itemError(context, itemIndex, error, RULE_FIX);
		}
	};
	const shared = itemCount > 0 && !hasExpression(context.getNode().parameters) ? readRule(0) : undefined;
	const rules = Array.from({ length: itemCount }, (_item, itemIndex) => shared ?? readRule(itemIndex));
	const labelNames = distinct(rules).flatMap((rule) => (failed(rule) ? [] : labelNamesIn(rule)));
	if (labelNames.length === 0) return rules;
	const client = await connections.google(`find the labels named ${distinct(labelNames).map((name) => JSON.stringify(name)).join(', ')}`);
	const groups = (await client.listContactGroups())
		.filter((group) => group.resourceName)
		.map((group) => ({ resourceName: group.resourceName as string, name: contactGroupName(group) }));
	const resolved = new Map<ContactRule, OrError<ContactRule>>();
	return rules.map((rule, itemIndex) => {
		if (failed(rule)) return rule;
		let resolvedRule = resolved.get(rule);
		if (!resolvedRule) {
			try {
				resolvedRule = resolveLabels(rule, groups);
			} catch (error) {
				resolvedRule = itemError(context, itemIndex, error, 'Pick the label from the list, or create it in Google Contacts first.');
			}
			resolved.set(rule, resolvedRule);
		}
		return resolvedRule;
	});
}

/** Checks and compiles each distinct rule once against the fields; the problems become the item's error. */
function compileRules(context: IExecuteFunctions, rules: Array<OrError<ContactRule>>, fields: FieldDescriptor[]): Array<OrError<CompiledRule>> {
	const byRule = new Map<ContactRule, string[] | CompiledRule>();
	const byJson = new Map<string, string[] | CompiledRule>();
	return rules.map((rule, itemIndex) => {
		if (failed(rule)) return rule;
		let verdict = byRule.get(rule);
		if (!verdict) {
			const key = JSON.stringify(rule);
			verdict = byJson.get(key);
			if (!verdict) {
				const problems = validateRule(rule, fields);
				byJson.set(key, (verdict = problems.length ? problems : compileRule(rule, fields)));
			}
			byRule.set(rule, verdict);
		}
		if (!Array.isArray(verdict)) return verdict;
		const message = verdict.length === 1 ? verdict[0] : `${verdict.length} conditions cannot be evaluated: ${verdict.join('; ')}`;
		return new NodeOperationError(context.getNode(), message, { itemIndex, description: RULE_FIX });
	});
}

/** The item as a contact of the app the node filters, or its error (malformed, or the other app's). */
function recordOf(context: IExecuteFunctions, source: ContactApp, json: unknown, itemIndex: number): OrError<ContactRecord> {
	const classified = classifyRecord(json);
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

interface PreparedBatch {
	rules: Array<OrError<CompiledRule>>;
	records: Array<OrError<ContactRecord>>;
	evaluation: EvaluationContext;
}

/** Everything but the per-item evaluation; throws when the node's rule (the first item's) cannot run. */
async function prepareBatch(context: IExecuteFunctions, items: INodeExecutionData[], source: ContactApp, options: FilterOptions): Promise<PreparedBatch> {
	const connections = new Connections(context);
	const counterpartOptions = { dynamicsLinkColumn: options.dynamicsLinkColumn || undefined };
	const rules = await readRules(context, connections, source, items.length);
	const needs = contextNeeds(distinct(rules).filter((rule): rule is ContactRule => !failed(rule)));
	let fields: FieldDescriptor[] = [];
	if (needs.fields) fields = source === 'google' ? GOOGLE_FIELDS : await readFields(await connections.dynamics('read the contact columns the conditions test'), 'contact');
	const compiled = compileRules(context, rules, fields);
	if (failed(compiled[0])) throw compiled[0];

	const records = items.map((item, itemIndex) => recordOf(context, source, item.json, itemIndex));
	const runnable = items.map((_item, itemIndex) => itemIndex).filter((itemIndex) => !failed(compiled[itemIndex]) && !failed(records[itemIndex]));
	const applied = distinct(runnable.map((itemIndex) => rules[itemIndex] as ContactRule));
	let contacts = runnable.map((itemIndex) => records[itemIndex] as ContactRecord);
	// Items from a trigger that returns other columns: read the ones the conditions test, in bulk.
	const properties = source === 'dynamics' ? dynamicsPropertiesRead(applied, fields, counterpartOptions) : [];
	if (properties.length && connections.has(DYNAMICS_CREDENTIAL)) {
		contacts = await completeDynamicsRecords(await connections.dynamics('read missing columns'), contacts, properties);
		runnable.forEach((itemIndex, position) => (records[itemIndex] = contacts[position]));
	}

	const evaluation: EvaluationContext = { fields };
	const runNeeds = contextNeeds(applied);
	if (runNeeds.connectionUserId) {
		evaluation.connectionUserId = (await (await connections.dynamics('tell who the connection\'s user is')).whoAmI()).UserId;
	}
	if (runNeeds.counterparts) {
		const purpose = `check "Exists in ${APP_NAMES[OTHER_APP[source]]}"`;
		const directory =
			source === 'dynamics'
				? googleDirectory(await connections.google(purpose), { strategy: options.googleEmailLookup ?? 'auto' })
				: dynamicsDirectory(await connections.dynamics(purpose), { linkColumn: counterpartOptions.dynamicsLinkColumn });
		evaluation.counterparts = await lookUpCounterparts(contacts, counterpartOptions, directory);
	}
	return { rules: compiled, records, evaluation };
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

	let batch: PreparedBatch;
	try {
		batch = await prepareBatch(this, items, source, options);
	} catch (error) {
		const failure = error instanceof NodeOperationError ? error : new NodeOperationError(this.getNode(), error as Error, { description: 'No item was filtered.' });
		items.forEach((_item, itemIndex) => fail(itemIndex, failure));
		return [kept, notKept];
	}

	items.forEach((item, itemIndex) => {
		const rule = batch.rules[itemIndex];
		const record = batch.records[itemIndex];
		if (failed(rule)) return fail(itemIndex, rule);
		if (failed(record)) return fail(itemIndex, record);
		let outcome: Evaluation;
		try {
			outcome = rule.evaluate(record, batch.evaluation);
		} catch (error) {
			return fail(itemIndex, itemError(this, itemIndex, error, RULE_FIX));
		}
		const json = options.addReasons ? { ...item.json, _filter: { kept: outcome.kept, reasons: outcome.reasons } } : item.json;
		(outcome.kept ? kept : notKept).push({ ...item, json, pairedItem: { item: itemIndex } });
	});
	return [kept, notKept];
}
