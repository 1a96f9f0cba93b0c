/**
 * The Contact Filter's own pickers: contact fields (the org's columns from metadata, custom ones
 * included, or the Google Contacts fields), the operators that fit the chosen field's type, the
 * chosen choice column's options, and the columns that can hold the link to a Google contact.
 */
import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';
import { readFields } from '../../lib/dynamics/metadata';
import { GOOGLE_FIELDS, describeGoogleField } from '../../lib/google/fields';
import type { FieldDescriptor } from '../../lib/model/fields';
import { contactColumnOptions, getContactColumns } from '../shared/columns';
import { assertCredentialSelected, getContactGroups } from '../shared/pickers';
import { DYNAMICS_CREDENTIAL, dynamicsClient } from '../shared/transport';
import { CUSTOM_GOOGLE_FIELD, operatorOptions } from './rule';

async function dynamicsFields(context: ILoadOptionsFunctions): Promise<FieldDescriptor[]> {
	assertCredentialSelected(context, DYNAMICS_CREDENTIAL, 'list the columns of Dynamics 365 contacts');
	return readFields(await dynamicsClient(context), 'contact');
}

/** The field the condition being edited names (its sibling "field" parameter), or undefined when none is picked yet. */
async function chosenField(context: ILoadOptionsFunctions): Promise<FieldDescriptor | undefined> {
	const name = context.getCurrentNodeParameter('&field');
	// An expression is only known at run time.
	if (typeof name !== 'string' || name === '' || name.startsWith('=')) return undefined;
	if (context.getCurrentNodeParameter('source') === 'google') {
		return describeGoogleField(name === CUSTOM_GOOGLE_FIELD ? `${CUSTOM_GOOGLE_FIELD}key` : name);
	}
	return (await dynamicsFields(context)).find((field) => field.name === name);
}

/** Every column of the org's contact table the filter can test, custom columns included, by display name. */
export async function getDynamicsColumns(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	assertCredentialSelected(this, DYNAMICS_CREDENTIAL, 'list the columns of Dynamics 365 contacts');
	return getContactColumns.call(this);
}

/** The Google Contacts fields, then "Custom Field" for a custom field by its name. */
export async function getGoogleFields(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	return [
		...contactColumnOptions(GOOGLE_FIELDS),
		{ name: 'Custom Field', value: CUSTOM_GOOGLE_FIELD, description: 'A custom field by its name (Google Contacts → contact → Custom field)' },
	];
}

/** The operators that fit the chosen field's type; before a field is picked, the ones that fit every field. */
export async function getFieldOperators(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const field = await chosenField(this);
	const options = operatorOptions(field ?? { app: 'dynamics', name: '', label: '', type: 'text', writable: false });
	return field ? options : options.filter((option) => option.value === 'isEmpty' || option.value === 'isNotEmpty');
}

/** The chosen field's choices by label (Google's labels for the Labels field); empty for other fields. */
export async function getFieldChoices(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const field = await chosenField(this);
	if (field?.app === 'google' && field.name === 'memberships') return getContactGroups.call(this);
	return (field?.options ?? []).map((option) => ({ name: option.label, value: option.value, description: `Value ${option.value}` }));
}
