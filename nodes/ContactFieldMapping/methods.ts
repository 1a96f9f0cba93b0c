/**
 * The Contact Field Mapping's pickers: the Dynamics 365 columns a custom mapping can take (the
 * org's metadata with the Dynamics credential, the standard contact columns without it), the other
 * app's fields that fit the chosen column with the direction each pair allows, and the target's
 * writable fields for fixed values. Which pairs fit is decided by lib/mapping/candidates.
 */
import { NodeOperationError, type IExecuteFunctions, type ILoadOptionsFunctions, type INodePropertyOptions } from 'n8n-workflow';
import { DYNAMICS_CONTACT_FIELDS } from '../../lib/dynamics/contact-fields';
import { readFields } from '../../lib/dynamics/metadata';
import { GOOGLE_FIELDS } from '../../lib/google/fields';
import { DEFAULT_MAPPING_IDS, isWritable, MAPPING_DIRECTIONS, type MappingDirection, type MappingSpec } from '../../lib/mapping';
import { needsOrgColumns } from '../../lib/mapping/org-columns';
import { customFieldSample, mappableColumns, pairCandidate, pairCandidates } from '../../lib/mapping/candidates';
import type { FieldDescriptor } from '../../lib/model/fields';
import { PLAIN_FIELDS } from '../../lib/plain/fields';
import { contactColumnOptions } from '../shared/columns';
import { DYNAMICS_CREDENTIAL, dynamicsClient } from '../shared/transport';
import { CUSTOM_FIELD } from './description';

/**
 * The org's contact columns when the node has a Dynamics 365 credential (custom columns, the org's
 * MaxLength and options), otherwise the standard contact columns.
 */
export async function dynamicsColumns(context: ILoadOptionsFunctions | IExecuteFunctions): Promise<FieldDescriptor[]> {
	if (!context.getNode().credentials?.[DYNAMICS_CREDENTIAL]) return DYNAMICS_CONTACT_FIELDS;
	const client = await dynamicsClient(context);
	try {
		return await readFields(client, 'contact');
	} catch (error) {
		throw new NodeOperationError(context.getNode(), `Could not load the contact columns from Dynamics 365: ${(error as Error).message}`, {
			description: 'Check the Microsoft Dynamics 365 API credential, or remove it to map the standard contact columns only.',
		});
	}
}

/**
 * The columns `spec` compiles against: the org's when it needs them (see needsOrgColumns), else the
 * standard contact columns, so that a default mapping out of Dynamics 365 costs no metadata request.
 */
export async function mappingColumns(context: IExecuteFunctions, spec: Pick<MappingSpec, 'direction' | 'customMappings' | 'linkField'>): Promise<FieldDescriptor[]> {
	return needsOrgColumns(spec) ? await dynamicsColumns(context) : DYNAMICS_CONTACT_FIELDS;
}

/** The default mappings selected (an expression may give a list or comma-separated ids); all of them when the parameter is unset. */
export function selectedDefaults(selected: unknown): string[] {
	if (Array.isArray(selected)) return selected.map(String);
	if (typeof selected === 'string') return selected.split(',').map((id) => id.trim()).filter((id) => id !== '');
	return [...DEFAULT_MAPPING_IDS];
}

/** The default mappings switched off: the ones not selected. */
export function disabledDefaults(selected: unknown): string[] {
	const ids = selectedDefaults(selected);
	return DEFAULT_MAPPING_IDS.filter((id) => !ids.includes(id));
}

function currentDirection(context: ILoadOptionsFunctions): MappingDirection {
	const direction = context.getCurrentNodeParameter('direction');
	return typeof direction === 'string' && direction in MAPPING_DIRECTIONS ? (direction as MappingDirection) : 'dynamicsToGoogle';
}

/** Columns by display name; a choice column's description lists its options, for value maps. */
function columnOptions(columns: FieldDescriptor[]): INodePropertyOptions[] {
	return contactColumnOptions(columns).map((option, index) => {
		const choices = columns[index].options;
		return choices?.length ? { ...option, description: `${option.description} · options: ${choices.map((choice) => `${choice.value} ${choice.label}`).join(', ')}` } : option;
	});
}

/** "Custom Field" (Google) or "Custom Key" (plain): a field the user names. */
function customFieldOption(direction: MappingDirection, description: string): INodePropertyOptions {
	const google = MAPPING_DIRECTIONS[direction].other === 'google';
	return { name: google ? 'Custom Field' : 'Custom Key', value: CUSTOM_FIELD, description: `${google ? 'A custom field by its label' : 'A key of your own'} · ${description}` };
}

/** The contact columns some field of the other app can be mapped with in this direction, without the ones the default mappings in use take. */
export async function getMappableColumns(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const direction = currentDirection(this);
	const columns = mappableColumns(direction, await dynamicsColumns(this), { disabledDefaults: disabledDefaults(this.getCurrentNodeParameter('defaultMappings')) });
	return columnOptions(columns);
}

/** The other app's fields that fit the chosen column in this direction, each saying the direction the pair allows. */
export async function getPairedFields(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const name = this.getCurrentNodeParameter('&dynamicsField');
	// Nothing picked yet, or an expression, which is only known at run time.
	if (typeof name !== 'string' || name === '' || name.startsWith('=')) return [];
	const column = (await dynamicsColumns(this)).find((field) => field.name === name);
	if (!column) return [];
	const direction = currentDirection(this);
	const options = { disabledDefaults: disabledDefaults(this.getCurrentNodeParameter('defaultMappings')) };
	const fields: INodePropertyOptions[] = pairCandidates(direction, column, options).map((candidate) => ({
		name: candidate.field.label,
		value: candidate.field.name,
		description: `${candidate.summary} · ${candidate.field.name}`,
	}));
	const custom = pairCandidate(direction, column, customFieldSample(direction, column), options);
	return custom ? [...fields, customFieldOption(direction, custom.summary)] : fields;
}

/** The target's writable fields, for fixed values (Google labels have their own parameter). */
export async function getTargetFields(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const direction = currentDirection(this);
	const target = MAPPING_DIRECTIONS[direction].target;
	if (target === 'dynamics') return columnOptions((await dynamicsColumns(this)).filter(isWritable));
	const fields = target === 'google' ? GOOGLE_FIELDS.filter((field) => isWritable(field) && field.name !== 'memberships') : PLAIN_FIELDS;
	return [...fields.map((field) => ({ name: field.label, value: field.name, description: field.name })), customFieldOption(direction, 'text')];
}
