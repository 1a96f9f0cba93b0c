/**
 * The Contact Filter's rule as plain JSON: what the node's parameters turn into, and what the
 * evaluator reads. PieSync's IF conditions (DESIGN section 2, Contact Filter row), each with an
 * "is not" switch (`negate`), combined with all / any.
 */

export type CombineMode = 'all' | 'any';

/** A value typed by the user: a label, a number, a date string, an id. */
export type ConditionValue = string | number | boolean;

/**
 * Operators of the `field` condition. Which ones fit a column depends on its canonical type
 * (see FIELD_OPERATORS in operators.ts); `isNotEmpty` and `notEquals` read as the negation of
 * `isEmpty` and `equals`.
 */
export type FieldOperator =
	| 'isEmpty'
	| 'isNotEmpty'
	| 'equals'
	| 'notEquals'
	| 'contains'
	| 'startsWith'
	| 'endsWith'
	| 'greaterThan'
	| 'lessThan'
	| 'isTrue'
	| 'isFalse'
	| 'isOneOf';

interface Negatable {
	/** "is not": the condition's outcome is inverted. */
	negate?: boolean;
}

/** The owner (`_ownerid_value`, a user or a team) is one of the chosen ids; "none of" is this with negate. */
export interface OwnerIsOneOfCondition extends Negatable {
	kind: 'ownership';
	match: 'oneOf';
	/** systemuserid or teamid GUIDs, as the node's picker returns them. */
	ownerIds: string[];
}

/** The owner is the user the credential signs in as (WhoAmI's UserId, given in the evaluation context). */
export interface OwnedByConnectionUserCondition extends Negatable {
	kind: 'ownership';
	match: 'connectionUser';
}

export type OwnershipCondition = OwnerIsOneOfCondition | OwnedByConnectionUserCondition;

/** "Allows email" (`donotemail` is false) or "allows bulk email" (`donotbulkemail` is false). */
export interface EmailOptInCondition extends Negatable {
	kind: 'emailOptIn';
	channel: 'email' | 'bulkEmail';
}

/** The contact is active (`statecode` 0). */
export interface ActiveCondition extends Negatable {
	kind: 'active';
}

/** The status reason (`statuscode`) is one of the given values or labels. */
export interface StatusReasonCondition extends Negatable {
	kind: 'statusReason';
	values: ConditionValue[];
}

/** The contact has a counterpart in the app the sync pairs it with (by link, then by email). */
export interface ExistsInOtherAppCondition extends Negatable {
	kind: 'existsInOtherApp';
}

/** Any column of the org's metadata (custom columns included), or any field of the Google catalog. */
export interface FieldCondition extends Negatable {
	kind: 'field';
	/** A Dynamics logical name (`emailaddress1`, `new_tier`) or a Google field name (`names.givenName`). */
	field: string;
	operator: FieldOperator;
	/** The operand of equals, contains, starts with, ends with, greater / less than. */
	value?: ConditionValue;
	/** The operands of is one of. */
	values?: ConditionValue[];
}

/** A contact group the Google label condition names: resource name to match, display name for messages. */
export interface GoogleLabelRef {
	/** `contactGroups/<id>`, e.g. `contactGroups/myContacts` or `contactGroups/4f2e1a0b8c3d`. */
	resourceName: string;
	name?: string;
}

/** The Google contact has (at least one of) the labels. */
export interface GoogleLabelCondition extends Negatable {
	kind: 'googleLabel';
	labels: GoogleLabelRef[];
}

/** The Google contact was deleted (a tombstone from the Google trigger: `metadata.deleted`). */
export interface GoogleDeletedCondition extends Negatable {
	kind: 'googleDeleted';
}

export type Condition =
	| OwnershipCondition
	| EmailOptInCondition
	| ActiveCondition
	| StatusReasonCondition
	| ExistsInOtherAppCondition
	| FieldCondition
	| GoogleLabelCondition
	| GoogleDeletedCondition;

export interface ContactRule {
	combine: CombineMode;
	conditions: Condition[];
}

/** A rule that cannot be evaluated: names the condition and says how to fix it. */
export class RuleError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'RuleError';
	}
}
