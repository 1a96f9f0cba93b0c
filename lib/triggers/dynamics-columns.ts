/**
 * Which contact columns the Dynamics 365 trigger returns, and how logical names become Web API
 * `$select` properties (lookups are read through `_<name>_value`). The default serves the default
 * field mapping and the Contact Filter's named conditions, so a workflow built from defaults has
 * every value it reads.
 */
import { DynamicsClient } from '../dynamics/client';
import { STANDARD_CONTACT_ATTRIBUTES } from '../dynamics/contact-fields';
import { readFields } from '../dynamics/metadata';
import { assertPropertyName } from '../dynamics/odata';
import { defaultMappings, linkFieldNames, type OtherApp } from '../mapping/defaults';

/** Read by the trigger itself: the id, created vs updated, the watermark and echo suppression. */
export const TRIGGER_PROPERTIES = ['contactid', 'createdon', 'modifiedon', '_modifiedby_value'];

/** The Contact Filter's named conditions: ownership, email opt-in / opt-out, active / inactive, status reason. */
const FILTER_COLUMNS = ['ownerid', 'statecode', 'statuscode', 'donotemail', 'donotbulkemail'];

function mappedDynamicsColumns(other: OtherApp): string[] {
	return defaultMappings(other).flatMap((mapping) => mapping.links.flatMap((link) => linkFieldNames(link).dynamics));
}

/** What "no columns chosen" returns: every column of the default mappings, the filter's columns and the full name. */
export const DEFAULT_CONTACT_COLUMNS: string[] = [
	...new Set(['fullname', ...mappedDynamicsColumns('google'), ...mappedDynamicsColumns('plain'), ...FILTER_COLUMNS]),
];

const LINK_ATTRIBUTE_TYPES = new Set(['Lookup', 'Customer', 'Owner']);

const STANDARD_LINK_COLUMNS = new Set(
	STANDARD_CONTACT_ATTRIBUTES.filter((attribute) => LINK_ATTRIBUTE_TYPES.has(attribute.AttributeType)).map((attribute) => attribute.LogicalName),
);
const STANDARD_COLUMNS = new Set(STANDARD_CONTACT_ATTRIBUTES.map((attribute) => attribute.LogicalName));

/** A lookup's value property; property names given as `_x_value` already are kept. */
const lookupProperty = (column: string) => (/^_.+_value$/.test(column) ? column : `_${column}_value`);

/**
 * The `$select` properties for the chosen columns (empty: the defaults), always with the trigger's
 * own. Standard columns are known; other (custom) columns are looked up in the org's metadata
 * (cached per process), which also rejects names the contact table does not have.
 */
export async function contactSelect(client: DynamicsClient, columns: string[]): Promise<string[]> {
	const chosen = (columns.length ? columns : DEFAULT_CONTACT_COLUMNS).map((column) => assertPropertyName(column.trim()));
	const unknown = chosen.filter((column) => !STANDARD_COLUMNS.has(column) && !/^_.+_value$/.test(column));
	const linkColumns = new Set(STANDARD_LINK_COLUMNS);
	if (unknown.length) {
		const fields = new Map((await readFields(client, 'contact')).map((field) => [field.name, field]));
		const missing = unknown.filter((column) => !fields.has(column));
		if (missing.length) {
			throw new Error(
				`The contact table has no column ${missing.map((column) => `"${column}"`).join(', ')} that the trigger can return. Pick columns from the Columns list (it shows the logical names, custom columns included).`,
			);
		}
		for (const column of unknown) {
			const type = fields.get(column)?.type;
			if (type === 'lookup' || type === 'owner') linkColumns.add(column);
		}
	}
	const properties = chosen.map((column) => (linkColumns.has(column) ? lookupProperty(column) : column));
	return [...new Set([...TRIGGER_PROPERTIES, ...properties])];
}
