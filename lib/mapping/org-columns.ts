import { MAPPING_DIRECTIONS, type MappingSpec } from './spec';

/**
 * Whether a mapping needs the org's own contact columns (a metadata request) or compiles the same
 * against the standard catalogue. Standard columns have the same logical names and types in every
 * org; what an org adds or changes is custom columns, choice options and text lengths. So its
 * columns matter when the mapping names a column by hand (a custom mapping, the link column) or
 * writes into Dynamics 365 (lengths are checked against the org's); a mapping out of Dynamics 365
 * with the default field maps only does not need them.
 */
export function needsOrgColumns(spec: Pick<MappingSpec, 'direction' | 'customMappings' | 'linkField'>): boolean {
	if (!MAPPING_DIRECTIONS[spec.direction]?.fromDynamics) return true;
	return (spec.customMappings?.length ?? 0) > 0 || Boolean(spec.linkField);
}
