/**
 * The canonical field model shared by every app the sync speaks to (DESIGN section 5).
 * Dynamics columns, Google Person fields and plain JSON fields are all described as FieldDescriptors,
 * so conditions, mappings and compatibility rules are written once.
 */

export type AppName = 'dynamics' | 'google' | 'plain';

export type CanonicalType =
	| 'text'
	| 'multilineText'
	| 'integer'
	| 'decimal'
	| 'money'
	| 'boolean'
	| 'date'
	| 'datetime'
	| 'email'
	| 'phone'
	| 'choice'
	| 'multiChoice'
	| 'lookup'
	| 'owner';

export interface ChoiceOption {
	value: number | string;
	label: string;
}

export interface FieldDescriptor {
	app: AppName;
	/** The name the app uses: a Dynamics logical name, a Google field path, or a plain key. */
	name: string;
	/** What users see in pickers and messages. */
	label: string;
	type: CanonicalType;
	/** False for computed or system columns: nothing is ever written to them. */
	writable: boolean;
	/** Characters, for text-like Dynamics columns. */
	maxLength?: number;
	/** For choice and multi-choice columns. */
	options?: ChoiceOption[];
	custom?: boolean;
	/** A list of values of `type` (Google's emailAddresses, phoneNumbers) rather than one value. */
	multiple?: boolean;
}

/** The subset of Dataverse AttributeMetadata that the sync reads (EntityDefinitions(...)/Attributes). */
export interface DynamicsAttributeMetadata {
	LogicalName: string;
	AttributeType: string;
	AttributeTypeName?: { Value: string };
	DisplayName?: { UserLocalizedLabel?: { Label: string } | null };
	MaxLength?: number | null;
	Format?: string | null;
	FormatName?: { Value: string } | null;
	IsCustomAttribute?: boolean;
	IsValidForUpdate?: boolean;
	IsValidForCreate?: boolean;
	IsValidForRead?: boolean;
	AttributeOf?: string | null;
	OptionSet?: { Options: Array<{ Value: number; Label?: { UserLocalizedLabel?: { Label: string } | null } }> } | null;
}

const NUMBER_TYPES: Record<string, CanonicalType> = {
	Integer: 'integer',
	BigInt: 'integer',
	Decimal: 'decimal',
	Double: 'decimal',
	Money: 'money',
};

const CHOICE_TYPES = new Set(['Picklist', 'State', 'Status']);

function dynamicsTextType(attribute: DynamicsAttributeMetadata): CanonicalType {
	const format = (attribute.FormatName?.Value ?? attribute.Format ?? '').toLowerCase();
	if (attribute.AttributeType === 'Memo' || format === 'textarea') return 'multilineText';
	if (format === 'email') return 'email';
	if (format === 'phone') return 'phone';
	return 'text';
}

function dynamicsCanonicalType(attribute: DynamicsAttributeMetadata): CanonicalType | undefined {
	const kind = attribute.AttributeType;
	if (kind === 'String' || kind === 'Memo') return dynamicsTextType(attribute);
	if (kind in NUMBER_TYPES) return NUMBER_TYPES[kind];
	if (kind === 'Boolean') return 'boolean';
	if (kind === 'DateTime') return (attribute.Format ?? '').toLowerCase() === 'dateonly' ? 'date' : 'datetime';
	if (CHOICE_TYPES.has(kind)) return 'choice';
	if (kind === 'Virtual' && attribute.AttributeTypeName?.Value === 'MultiSelectPicklistType') return 'multiChoice';
	if (kind === 'Owner') return 'owner';
	if (kind === 'Lookup' || kind === 'Customer') return 'lookup';
	return undefined;
}

/**
 * Describes a Dataverse column canonically, or returns undefined for columns the sync cannot carry
 * (images, files, virtual name shadows, uniqueidentifiers...).
 */
export function describeDynamicsAttribute(attribute: DynamicsAttributeMetadata): FieldDescriptor | undefined {
	if (attribute.AttributeOf) return undefined;
	const type = dynamicsCanonicalType(attribute);
	if (!type) return undefined;
	const isLink = type === 'lookup' || type === 'owner';
	const descriptor: FieldDescriptor = {
		app: 'dynamics',
		name: attribute.LogicalName,
		label: attribute.DisplayName?.UserLocalizedLabel?.Label ?? attribute.LogicalName,
		type,
		writable: !isLink && attribute.IsValidForUpdate !== false,
		custom: attribute.IsCustomAttribute === true,
	};
	if (typeof attribute.MaxLength === 'number') descriptor.maxLength = attribute.MaxLength;
	if (attribute.OptionSet?.Options) {
		descriptor.options = attribute.OptionSet.Options.map((option) => ({
			value: option.Value,
			label: option.Label?.UserLocalizedLabel?.Label ?? String(option.Value),
		}));
	}
	return descriptor;
}
