/** The mapping core: names, type compatibility, default maps and the contact mapper (n8n-free). */
export { joinName, splitName, type NameParts } from './names';
export { compatibility, compatibleTargets, mappingDirection, isWritable, CANONICAL_TYPES, type Compatibility, type CompatibleField, type MappingDirectionName } from './compatibility';
export { DEFAULT_MAPPING_IDS, defaultMappings, type DefaultMapping, type DefaultMappingId, type FieldLink, type LinkFlow, type OtherApp } from './defaults';
export { normalizeEmail, normalizePhone } from './normalize';
export { valuesEqual, type ValueMap, type OverLengthText } from './values';
export { compileMapping, validateMappingSpec, MAPPING_DIRECTIONS, type CompiledMapping, type CustomMapping, type FixedValue, type MappingDirection, type MappingError, type MappingSpec } from './spec';
export { LINK_KEYS, mapContact, type MappingContext, type MappingResult, type TargetRecord } from './mapper';
