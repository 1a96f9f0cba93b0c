/**
 * The throughput scenario's measuring side, in a process of its own so that the simulators' heap
 * (the whole org, in the parent) does not weigh on its garbage collection: the Contact Filter and
 * the Contact Field Mapping on trigger items, as node logic alone and run by n8n-core. Prints one
 * JSON line.
 *
 * Input (env BENCH_THROUGHPUT): { itemsFile (JSON: { items, fields }), credentials }.
 */
import * as fs from 'fs';
import type { ICredentialDataDecryptedObject, IDataObject, INodeExecutionData } from 'n8n-workflow';
import { compileRule, validateRule } from '../lib/conditions/evaluate';
import { classifyRecord } from '../lib/conditions/record';
import { compileMapping } from '../lib/mapping';
import { mapItem } from '../lib/mapping/items';
import type { FieldDescriptor } from '../lib/model/fields';
import { ruleFromParameters } from '../nodes/ContactFilter/rule';
import { N8nHarness } from '../test/harness/n8n';

const PACKAGE_NAME = 'n8n-nodes-dynamics365-sync';

export interface ThroughputChildInput {
	itemsFile: string;
	credentials: Record<string, ICredentialDataDecryptedObject>;
}

/** The Contact Filter's conditions in the throughput run, as its parameters hold them. */
const THROUGHPUT_CONDITIONS = [{ type: 'active' }, { type: 'allowsEmail' }];
const THROUGHPUT_MAPPING = { direction: 'dynamicsToGoogle', options: {} } as const;
/** Items run through the logic before timing it, so that the timed passes run compiled code. */
const WARM_UP_ITEMS = 1_000;
const TIMED_PASSES = 3;

export interface LogicRun {
	filterMs: number;
	mappingMs: number;
	contactsPerSecond: number;
	/** CPU time of the process over both nodes (garbage collection threads included): what the run cost, whatever else the machine ran. */
	cpuMs: number;
	contactsPerCpuSecond: number;
}

export interface ThroughputResult {
	contacts: number;
	kept: number;
	/**
	 * The node logic alone (the metric): lib/conditions and lib/mapping called as the two
	 * nodes call them, the rule and the mapping compiled once, then each item classified and
	 * evaluated, mapped, and put in an output item; the median of three passes after a warm-up.
	 */
	logicAlone: LogicRun & { passes: LogicRun[] };
	/** The same two nodes run by n8n-core (executeNode, one pass): n8n's per-run and per-item work included. */
	throughN8nCore: LogicRun;
}

function logicRun(contacts: number, filterMs: number, mappingMs: number, cpu: NodeJS.CpuUsage): LogicRun {
	const cpuMs = (cpu.user + cpu.system) / 1000;
	return { filterMs, mappingMs, contactsPerSecond: contacts / ((filterMs + mappingMs) / 1000), cpuMs, contactsPerCpuSecond: contacts / (cpuMs / 1000) };
}

/** One pass of the node logic over `items`, as the Contact Filter and the Contact Field Mapping run it per item. */
function nodeLogicPass(items: IDataObject[], fields: FieldDescriptor[]): LogicRun & { kept: number } {
	const cpuBefore = process.cpuUsage();
	const filterStarted = performance.now();
	const rule = ruleFromParameters('all', THROUGHPUT_CONDITIONS);
	const problems = validateRule(rule, fields);
	if (problems.length) throw new Error(`the throughput rule does not run: ${problems.join('; ')}`);
	const compiledRule = compileRule(rule, fields);
	const kept: INodeExecutionData[] = [];
	items.forEach((json, itemIndex) => {
		const record = classifyRecord(json);
		if ('error' in record) throw new Error(`item ${itemIndex} ${record.error}`);
		if (compiledRule.evaluate(record, { fields }).kept) kept.push({ json, pairedItem: { item: itemIndex } });
	});
	const filterMs = performance.now() - filterStarted;

	const mappingStarted = performance.now();
	const spec = { direction: THROUGHPUT_MAPPING.direction, disabledDefaults: [], customMappings: [], fixedValues: [], addToLabels: [], emptyValues: 'keep' as const, catalogs: { dynamics: fields } };
	const compiled = compileMapping(spec);
	if (!compiled.ok) throw new Error(`the throughput mapping does not compile: ${compiled.errors.map((error) => error.message).join('; ')}`);
	const { catalogs: _catalogs, ...syncMapping } = spec;
	const mapped: INodeExecutionData[] = [];
	kept.forEach((item, itemIndex) => {
		const result = mapItem(item.json, compiled.mapping, {});
		if ('error' in result) throw new Error(`item ${itemIndex}: ${result.error.message}`);
		if (result.json.source !== undefined) result.json.mapping = syncMapping;
		mapped.push({ json: result.json as IDataObject, pairedItem: { item: itemIndex } });
	});
	const mappingMs = performance.now() - mappingStarted;
	return { ...logicRun(items.length, filterMs, mappingMs, process.cpuUsage(cpuBefore)), kept: kept.length };
}

/**
 * Contact Filter (active, allows email) and Contact Field Mapping (Dynamics 365 → Google defaults)
 * on `contacts` trigger items, with no network: the node logic alone, then the two nodes run by
 * n8n-core. The org's columns are read once beforehand, as each node reads them once per run.
 */
async function main(): Promise<void> {
	const input = JSON.parse(process.env.BENCH_THROUGHPUT ?? '') as ThroughputChildInput;
	const { items, fields } = JSON.parse(fs.readFileSync(input.itemsFile, 'utf8')) as { items: IDataObject[]; fields: FieldDescriptor[] };
	nodeLogicPass(items.slice(0, WARM_UP_ITEMS), fields);
	const passes = Array.from({ length: TIMED_PASSES }, () => nodeLogicPass(items, fields));
	const median = [...passes].sort((a, b) => a.contactsPerSecond - b.contactsPerSecond)[Math.floor(TIMED_PASSES / 2)];

	const n8n = await N8nHarness.create({
		packages: [{ packageName: PACKAGE_NAME, nodes: ['nodes/ContactFilter/ContactFilter.node.ts', 'nodes/ContactFieldMapping/ContactFieldMapping.node.ts'], credentials: ['credentials/MicrosoftDynamics365Api.credentials.ts', 'credentials/GoogleContactsSyncOAuth2Api.credentials.ts'] }],
		credentials: input.credentials,
	});
	const cpuBefore = process.cpuUsage();
	const filterStarted = performance.now();
	const filtered = await n8n.executeNode(`${PACKAGE_NAME}.contactFilter`, {
		parameters: { source: 'dynamics', combine: 'all', dynamicsConditions: { condition: THROUGHPUT_CONDITIONS } },
		inputItems: items,
	});
	const filterMs = performance.now() - filterStarted;
	const kept = filtered.outputs[0] ?? [];
	if (kept.length !== median.kept) throw new Error(`the Contact Filter kept ${kept.length} contacts, the logic alone ${median.kept}`);
	const mappingStarted = performance.now();
	const mapped = await n8n.executeNode(`${PACKAGE_NAME}.contactFieldMapping`, { parameters: THROUGHPUT_MAPPING, inputItems: kept });
	const mappingMs = performance.now() - mappingStarted;
	if ((mapped.outputs[0] ?? []).length !== kept.length) throw new Error(`the mapping returned ${(mapped.outputs[0] ?? []).length} of ${kept.length} items`);
	const { kept: _kept, ...logicAlone } = median;
	const result: ThroughputResult = {
		contacts: items.length,
		kept: kept.length,
		logicAlone: { ...logicAlone, passes: passes.map(({ kept: _passKept, ...pass }) => pass) },
		throughN8nCore: logicRun(items.length, filterMs, mappingMs, process.cpuUsage(cpuBefore)),
	};
	process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
	process.exit(1);
});
