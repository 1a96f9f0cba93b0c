import { buildCounterpartIndex, type CounterpartOptions } from '../../../lib/conditions/counterparts';
import { evaluateConditions, validateRule, type Evaluation, type EvaluationContext } from '../../../lib/conditions/evaluate';
import { classifyRecord, type ContactRecord } from '../../../lib/conditions/record';
import type { Condition, ContactRule } from '../../../lib/conditions/types';
import {
	ALICE,
	CHER,
	CHER_DELETED,
	CONTACT_FIELDS,
	CUSTOMERS_GROUP,
	GOOGLE_FIELDS,
	JAN,
	JAN_UPDATED,
	LEAP,
	SALES_TEAM,
	SIOBHAN,
	SIOBHAN_DELETED,
	SYNC_APP_USER,
	UNSUBSCRIBES_GROUP,
	ZOE,
	ZOE_UPDATED,
} from './fixtures';

function record(json: unknown): ContactRecord {
	const result = classifyRecord(json);
	if ('error' in result) throw new Error(result.error);
	return result;
}

const jan = record(JAN_UPDATED);
const siobhan = record(SIOBHAN);
const leap = record(LEAP);
const zoe = record(ZOE_UPDATED);
const cher = record(CHER);
const cherDeleted = record(CHER_DELETED);

const DYNAMICS: EvaluationContext = { fields: CONTACT_FIELDS, connectionUserId: SYNC_APP_USER.id };
const GOOGLE: EvaluationContext = { fields: GOOGLE_FIELDS };

function rule(conditions: Condition[], combine: ContactRule['combine'] = 'all'): ContactRule {
	return { combine, conditions };
}

/** Which of the records one condition keeps ("is"), and which its "is not" keeps. */
function kept(condition: Condition, records: Record<string, ContactRecord>, context: EvaluationContext) {
	const keep = (negate: boolean) =>
		Object.keys(records).filter((name) => evaluateConditions(rule([{ ...condition, negate }]), records[name], context).kept);
	return { is: keep(false), isNot: keep(true) };
}

/** An evaluation as data: its reasons are worded when read, not held as its own property. */
const verdict = ({ kept, reasons }: Evaluation) => ({ kept, reasons });

function thrown(run: () => unknown): string {
	try {
		run();
	} catch (error) {
		expect(error.name).toBe('RuleError');
		return error.message;
	}
	throw new Error('expected a RuleError');
}

const contacts = { jan, siobhan, leap };
const people = { zoe, cher, cherDeleted };
const livePeople = { zoe, cher };

describe('Dynamics conditions', () => {
	it('ownership: owner is one of / none of the chosen users and teams', () => {
		expect(kept({ kind: 'ownership', match: 'oneOf', ownerIds: [ALICE.id] }, contacts, DYNAMICS)).toEqual({ is: ['jan'], isNot: ['siobhan', 'leap'] });
		expect(kept({ kind: 'ownership', match: 'oneOf', ownerIds: [ALICE.id.toUpperCase(), SALES_TEAM.id] }, contacts, DYNAMICS)).toEqual({
			is: ['jan', 'siobhan'],
			isNot: ['leap'],
		});
	});

	it("ownership: owned by the connection's user", () => {
		expect(kept({ kind: 'ownership', match: 'connectionUser' }, contacts, DYNAMICS)).toEqual({ is: ['leap'], isNot: ['jan', 'siobhan'] });
		const result = evaluateConditions(rule([{ kind: 'ownership', match: 'connectionUser' }]), leap, DYNAMICS);
		expect(result.reasons).toEqual([`owner is the connection's user: yes (ownerid: "${SYNC_APP_USER.id}" ("${SYNC_APP_USER.name}"))`]);
		expect(thrown(() => evaluateConditions(rule([{ kind: 'ownership', match: 'connectionUser' }]), leap, { fields: CONTACT_FIELDS }))).toBe(
			"Condition 1: needs the connection's user id (WhoAmI's UserId) to tell who the connection's user is",
		);
	});

	it('email opt-in: allows email / bulk email; a column left out of the row does not count as allowing', () => {
		expect(kept({ kind: 'emailOptIn', channel: 'email' }, contacts, DYNAMICS)).toEqual({ is: ['jan'], isNot: ['siobhan', 'leap'] });
		expect(kept({ kind: 'emailOptIn', channel: 'bulkEmail' }, contacts, DYNAMICS)).toEqual({ is: [], isNot: ['jan', 'siobhan', 'leap'] });
		const allowsBulk = record({ ...JAN, donotbulkemail: false });
		expect(evaluateConditions(rule([{ kind: 'emailOptIn', channel: 'bulkEmail' }]), allowsBulk, DYNAMICS).kept).toBe(true);
		expect(evaluateConditions(rule([{ kind: 'emailOptIn', channel: 'email', negate: true }]), siobhan, DYNAMICS).reasons).toEqual([
			'does not allow email: yes (donotemail: true ("Do Not Allow"))',
		]);
		expect(evaluateConditions(rule([{ kind: 'emailOptIn', channel: 'email' }]), leap, DYNAMICS).reasons).toEqual([
			'allows email: no (donotemail: not in the record)',
		]);
	});

	it('active / inactive', () => {
		expect(kept({ kind: 'active' }, contacts, DYNAMICS)).toEqual({ is: ['jan'], isNot: ['siobhan', 'leap'] });
		expect(evaluateConditions(rule([{ kind: 'active', negate: true }]), siobhan, DYNAMICS).reasons).toEqual([
			'is not active: yes (statecode: 1 ("Inactive"))',
		]);
	});

	it('status reason, by label or by value, custom reasons included', () => {
		expect(kept({ kind: 'statusReason', values: ['Moved Away'] }, contacts, DYNAMICS)).toEqual({ is: ['siobhan'], isNot: ['jan', 'leap'] });
		expect(kept({ kind: 'statusReason', values: [1, '100000001'] }, contacts, DYNAMICS)).toEqual({ is: ['jan', 'siobhan'], isNot: ['leap'] });
		expect(kept({ kind: 'statusReason', values: ['on hold'] }, contacts, DYNAMICS)).toEqual({ is: [], isNot: ['jan', 'siobhan', 'leap'] });
	});

	it('contact fields and custom fields', () => {
		expect(kept({ kind: 'field', field: 'address1_city', operator: 'equals', value: 'amsterdam' }, contacts, DYNAMICS).is).toEqual(['jan']);
		expect(kept({ kind: 'field', field: 'address1_city', operator: 'isEmpty' }, contacts, DYNAMICS).is).toEqual(['siobhan', 'leap']);
		expect(kept({ kind: 'field', field: 'new_loyaltypoints', operator: 'greaterThan', value: '9' }, contacts, DYNAMICS).is).toEqual(['jan']);
		expect(kept({ kind: 'field', field: 'new_tier', operator: 'isOneOf', values: ['Gold', 'Silver'] }, contacts, DYNAMICS).is).toEqual(['jan']);
		expect(kept({ kind: 'field', field: 'new_interests', operator: 'isOneOf', values: ['Events'] }, contacts, DYNAMICS).is).toEqual(['jan']);
		expect(kept({ kind: 'field', field: 'new_vip', operator: 'isFalse' }, contacts, DYNAMICS).is).toEqual(['siobhan']);
		expect(kept({ kind: 'field', field: 'birthdate', operator: 'lessThan', value: '1970-01-01' }, contacts, DYNAMICS).is).toEqual(['siobhan']);
		expect(kept({ kind: 'field', field: 'createdon', operator: 'equals', value: '2024-01-31' }, contacts, DYNAMICS).is).toEqual(['jan']);
		expect(kept({ kind: 'field', field: 'mobilephone', operator: 'equals', value: '+49 30 1234567' }, contacts, DYNAMICS).is).toEqual(['siobhan']);
		expect(kept({ kind: 'field', field: '_parentcustomerid_value', operator: 'equals', value: 'Berg & Zonen' }, contacts, DYNAMICS).is).toEqual(['jan']);
	});

	it('a column in the metadata but left out of the row counts as empty', () => {
		const result = evaluateConditions(rule([{ kind: 'field', field: 'jobtitle', operator: 'isEmpty' }]), leap, DYNAMICS);
		expect(JSON.parse(JSON.stringify(result))).toEqual(verdict(result));
		expect(verdict(result)).toEqual({ kept: true, reasons: ['Job Title (jobtitle) is empty: yes (not in the record)'] });
		expect(evaluateConditions(rule([{ kind: 'field', field: 'jobtitle', operator: 'contains', value: 'CTO' }]), leap, DYNAMICS).kept).toBe(false);
	});

	it('a column that is not in the metadata at all is an error', () => {
		expect(thrown(() => evaluateConditions(rule([{ kind: 'field', field: 'new_region', operator: 'isEmpty' }]), jan, DYNAMICS))).toBe(
			'Condition 1: unknown field "new_region": it is not in the Dynamics 365 contact fields',
		);
	});

	it('a deleted contact from the trigger has only its id: it passes every condition, so the sync can tag its counterpart', () => {
		const deleted = record(SIOBHAN_DELETED);
		for (const condition of [{ kind: 'active' }, { kind: 'active', negate: true }, { kind: 'field', field: 'emailaddress1', operator: 'isNotEmpty' }] as Condition[]) {
			expect(evaluateConditions(rule([condition]), deleted, DYNAMICS)).toEqual({
				kept: true,
				reasons: ['a deletion carries only its id, so conditions on its fields cannot judge it: kept, so the sync can tag its counterpart'],
			});
		}
	});
});

describe('Google conditions', () => {
	it('has / does not have a label', () => {
		// Deletions pass every condition but "gets deleted" (see the Dynamics deletion test).
		expect(kept({ kind: 'googleLabel', labels: [CUSTOMERS_GROUP] }, people, GOOGLE)).toEqual({ is: ['zoe', 'cherDeleted'], isNot: ['cher', 'cherDeleted'] });
		expect(kept({ kind: 'googleLabel', labels: [CUSTOMERS_GROUP, UNSUBSCRIBES_GROUP] }, people, GOOGLE)).toEqual({
			is: ['zoe', 'cher', 'cherDeleted'],
			isNot: ['cherDeleted'],
		});
		expect(evaluateConditions(rule([{ kind: 'googleLabel', labels: [UNSUBSCRIBES_GROUP], negate: true }]), zoe, GOOGLE).reasons).toEqual([
			'does not have label "Dynamics 365 Unsubscribes": yes (memberships: "contactGroups/myContacts", "contactGroups/4f2e1a0b8c3d")',
		]);
	});

	it('gets deleted', () => {
		expect(kept({ kind: 'googleDeleted' }, people, GOOGLE)).toEqual({ is: ['cherDeleted'], isNot: ['zoe', 'cher'] });
		// With "gets deleted" in the rule, only it judges a deletion: "is not deleted" keeps deletions out.
		expect(evaluateConditions(rule([{ kind: 'googleDeleted', negate: true }, { kind: 'googleLabel', labels: [CUSTOMERS_GROUP] }]), cherDeleted, GOOGLE).kept).toBe(false);
		const bareDeletion = record({ event: 'deleted', resourceName: ZOE.resourceName });
		expect(evaluateConditions(rule([{ kind: 'googleDeleted' }]), bareDeletion, GOOGLE).reasons).toEqual(['gets deleted: yes (metadata.deleted: true)']);
	});

	it('any field, custom fields included', () => {
		expect(kept({ kind: 'field', field: 'names.givenName', operator: 'equals', value: 'Zoë' }, livePeople, GOOGLE).is).toEqual(['zoe']);
		expect(kept({ kind: 'field', field: 'emailAddresses', operator: 'endsWith', value: '@EXAMPLE.com' }, livePeople, GOOGLE).is).toEqual(['cher']);
		expect(kept({ kind: 'field', field: 'phoneNumbers:mobile', operator: 'equals', value: '+49 151 2345678' }, livePeople, GOOGLE).is).toEqual(['zoe']);
		expect(kept({ kind: 'field', field: 'birthdays[0].date', operator: 'greaterThan', value: '1999-12-31' }, livePeople, GOOGLE).is).toEqual(['zoe']);
		expect(kept({ kind: 'field', field: 'organizations[0].name', operator: 'startsWith', value: 'müller' }, livePeople, GOOGLE).is).toEqual(['zoe']);
		expect(kept({ kind: 'field', field: 'userDefined:Tier', operator: 'equals', value: 'gold' }, livePeople, GOOGLE)).toEqual({
			is: ['zoe'],
			isNot: ['cher'],
		});
		expect(kept({ kind: 'field', field: 'emailAddresses', operator: 'isEmpty' }, people, GOOGLE).is).toEqual(['cherDeleted']);
	});

	it('rejects Dynamics-only conditions and Dynamics columns for a Google contact, and the other way round', () => {
		expect(thrown(() => evaluateConditions(rule([{ kind: 'active' }]), zoe, GOOGLE))).toBe(
			'Condition 1: Active / inactive applies to Dynamics 365 contacts; this item is a Google Contacts contact',
		);
		expect(thrown(() => evaluateConditions(rule([{ kind: 'googleDeleted' }]), jan, DYNAMICS))).toBe(
			'Condition 1: Gets deleted applies to Google Contacts contacts; this item is a Dynamics 365 contact',
		);
		expect(thrown(() => evaluateConditions(rule([{ kind: 'field', field: 'firstname', operator: 'isEmpty' }]), zoe, DYNAMICS))).toBe(
			'Condition 1: First Name (firstname) is a Dynamics 365 field, but this item is a Google Contacts contact',
		);
	});
});

describe('already existing in the app you sync with', () => {
	const toGoogle: CounterpartOptions = { dynamicsLinkColumn: 'new_googleresourcename' };
	const toDynamics: CounterpartOptions = {};

	it('finds Dynamics contacts on the Google side by link, then by email', () => {
		const counterparts = buildCounterpartIndex({ links: [ZOE.resourceName!], emails: ['leap.day@example.com'] }, toGoogle);
		const context = { ...DYNAMICS, counterparts };
		expect(kept({ kind: 'existsInOtherApp' }, contacts, context)).toEqual({ is: ['jan', 'leap'], isNot: ['siobhan'] });
		expect(evaluateConditions(rule([{ kind: 'existsInOtherApp' }]), jan, context).reasons).toEqual([
			`already exists in the app you sync with: yes (linked to ${ZOE.resourceName})`,
		]);
		expect(evaluateConditions(rule([{ kind: 'existsInOtherApp' }]), leap, context).reasons).toEqual([
			'already exists in the app you sync with: yes (email leap.day@example.com found)',
		]);
		expect(evaluateConditions(rule([{ kind: 'existsInOtherApp', negate: true }]), siobhan, context).reasons).toEqual([
			'does not exist yet in the app you sync with: yes (no linked contact and no contact with its email)',
		]);
	});

	it('finds Google contacts on the Dynamics side by the clientData link, then by email', () => {
		const counterparts = buildCounterpartIndex({ links: [JAN.contactid], emails: ['cher@example.com'] }, toDynamics);
		expect(kept({ kind: 'existsInOtherApp' }, people, { ...GOOGLE, counterparts })).toEqual({ is: ['zoe', 'cher', 'cherDeleted'], isNot: ['cherDeleted'] });
	});

	it('needs the bulk lookup', () => {
		expect(thrown(() => evaluateConditions(rule([{ kind: 'existsInOtherApp' }]), jan, DYNAMICS))).toBe(
			'Condition 1: needs the bulk lookup of counterparts in the other app, which was not made for this batch',
		);
	});
});

describe('all / any', () => {
	const activeAllowingEmail = [
		{ kind: 'active' },
		{ kind: 'emailOptIn', channel: 'email' },
		{ kind: 'field', field: 'new_tier', operator: 'isOneOf', values: ['Gold'] },
	] as Condition[];

	it('all: kept when every condition holds; the reasons are all of them, or the failures', () => {
		expect(verdict(evaluateConditions(rule(activeAllowingEmail), jan, DYNAMICS))).toEqual({
			kept: true,
			reasons: [
				'is active: yes (statecode: 0 ("Active"))',
				'allows email: yes (donotemail: false ("Allow"))',
				'Customer Tier (new_tier) is one of "Gold": yes (100000000 ("Gold"))',
			],
		});
		expect(verdict(evaluateConditions(rule(activeAllowingEmail), siobhan, DYNAMICS))).toEqual({
			kept: false,
			reasons: [
				'is active: no (statecode: 1 ("Inactive"))',
				'allows email: no (donotemail: true ("Do Not Allow"))',
				'Customer Tier (new_tier) is one of "Gold": no (100000002 ("Bronze"))',
			],
		});
		const goldButInactive = record({ ...JAN, statecode: 1, [`statecode@OData.Community.Display.V1.FormattedValue`]: 'Inactive' });
		expect(verdict(evaluateConditions(rule(activeAllowingEmail), goldButInactive, DYNAMICS))).toEqual({
			kept: false,
			reasons: ['is active: no (statecode: 1 ("Inactive"))'],
		});
	});

	it('any: kept when one condition holds; the reasons are the ones that held, or all of them', () => {
		const goldButInactive = record({ ...JAN, statecode: 1, donotemail: true });
		expect(verdict(evaluateConditions(rule(activeAllowingEmail, 'any'), goldButInactive, DYNAMICS))).toEqual({
			kept: true,
			reasons: ['Customer Tier (new_tier) is one of "Gold": yes (100000000 ("Gold"))'],
		});
		expect(evaluateConditions(rule(activeAllowingEmail, 'any'), siobhan, DYNAMICS).kept).toBe(false);
		expect(evaluateConditions(rule(activeAllowingEmail, 'any'), siobhan, DYNAMICS).reasons).toHaveLength(3);
	});

	it('a rule without conditions keeps every contact', () => {
		expect(evaluateConditions(rule([], 'any'), zoe, GOOGLE)).toEqual({ kept: true, reasons: ['no conditions: every contact is kept'] });
	});

	it('a rule with a bad shape is an error', () => {
		expect(thrown(() => evaluateConditions({ combine: 'every', conditions: [] } as unknown as ContactRule, jan, DYNAMICS))).toBe(
			'The rule\'s combine is "every"; it is "all" (every condition) or "any" (at least one)',
		);
	});
});

describe('validateRule', () => {
	it('accepts a rule that fits the metadata', () => {
		const conditions: Condition[] = [
			{ kind: 'ownership', match: 'oneOf', ownerIds: [ALICE.id, SALES_TEAM.id], negate: true },
			{ kind: 'ownership', match: 'connectionUser' },
			{ kind: 'emailOptIn', channel: 'bulkEmail' },
			{ kind: 'active' },
			{ kind: 'statusReason', values: ['Active', 100000000] },
			{ kind: 'existsInOtherApp', negate: true },
			{ kind: 'field', field: 'new_interests', operator: 'isOneOf', values: ['Newsletter'] },
			{ kind: 'field', field: 'createdon', operator: 'greaterThan', value: '2024-01-01T00:00:00Z' },
		];
		expect(validateRule(rule(conditions), CONTACT_FIELDS)).toEqual([]);
		const googleConditions: Condition[] = [
			{ kind: 'googleLabel', labels: [CUSTOMERS_GROUP] },
			{ kind: 'googleDeleted', negate: true },
			{ kind: 'field', field: 'userDefined:Lead source', operator: 'contains', value: 'fair' },
		];
		expect(validateRule(rule(googleConditions, 'any'), GOOGLE_FIELDS)).toEqual([]);
	});

	it('lists every problem, numbered, with the fix', () => {
		const conditions = [
			{ kind: 'field', field: 'EmailAddress1', operator: 'equals', value: 'a@b.c' },
			{ kind: 'field', field: 'Business Phone', operator: 'contains', value: '555' },
			{ kind: 'field', field: 'fullname', operator: 'greaterThan', value: 'M' },
			{ kind: 'statusReason', values: ['Archived'] },
			{ kind: 'field', field: 'new_loyaltypoints', operator: 'greaterThan', value: 'ten' },
			{ kind: 'field', field: 'birthdate', operator: 'lessThan', value: '31.12.1999' },
			{ kind: 'ownership', match: 'oneOf', ownerIds: ['Alice Johnson'] },
			{ kind: 'ownership', match: 'oneOf', ownerIds: [] },
			{ kind: 'emailOptIn', channel: 'sms' },
			{ kind: 'googleLabel', labels: [CUSTOMERS_GROUP] },
			{ kind: 'tag', values: ['x'] },
			{ kind: 'active', negate: 'yes' },
			{ kind: 'field', field: '', operator: 'isEmpty' },
			{ kind: 'toString' },
			null,
		] as unknown as Condition[];
		expect(validateRule(rule(conditions), CONTACT_FIELDS)).toEqual([
			'Condition 1: unknown field "EmailAddress1": it is not in the Dynamics 365 contact fields; did you mean "emailaddress1"?',
			'Condition 2: unknown field "Business Phone": it is not in the Dynamics 365 contact fields; did you mean "telephone1"?',
			'Condition 3: "greater than" does not fit Full Name (fullname), a text column; use one of: is empty, is not empty, equals, does not equal, contains, starts with, ends with',
			'Condition 4: Status Reason (statuscode) is one of: "Archived" is neither a value nor a label of its choices: Active (1), On Hold (100000000), Inactive (2), Moved Away (100000001)',
			'Condition 5: Loyalty Points (new_loyaltypoints) is greater than: "ten" is not a number (write 42, -3.5 or 1e6, with a dot for decimals)',
			'Condition 6: Birthday (birthdate) is before: "31.12.1999" is not a date; write 2024-01-31 or 2024-01-31T09:30:00Z',
			'Condition 7: owner "Alice Johnson" is not a user or team id (a GUID); pick owners from the list',
			'Condition 8: ownership names no owner; pick users or teams',
			'Condition 9: email opt-in needs channel "email" or "bulkEmail", not "sms"',
			'Condition 10: Has label applies to Google Contacts contacts, but the fields are Dynamics 365 fields',
			'Condition 11: has an unknown kind "tag"; the kinds are ownership, emailOptIn, active, statusReason, existsInOtherApp, field, googleLabel, googleDeleted',
			'Condition 12: has negate "yes"; it is true ("is not") or false ("is")',
			'Condition 13: names no field',
			'Condition 14: has an unknown kind "toString"; the kinds are ownership, emailOptIn, active, statusReason, existsInOtherApp, field, googleLabel, googleDeleted',
			'Condition 15: is not a condition object',
		]);
	});

	it('checks Google rules against the Google catalog', () => {
		const conditions = [
			{ kind: 'field', field: 'names.nickname', operator: 'isEmpty' },
			{ kind: 'googleLabel', labels: [{ name: 'Customers' }] },
			{ kind: 'googleLabel', labels: [] },
			{ kind: 'active' },
			{ kind: 'field', field: 'memberships', operator: 'contains', value: 'Customers' },
		] as unknown as Condition[];
		expect(validateRule(rule(conditions), GOOGLE_FIELDS)).toEqual([
			'Condition 1: unknown field "names.nickname": it is not in the Google Contacts contact fields',
			'Condition 2: label {"name":"Customers"} has no contact group resource name (contactGroups/…); pick labels from the list',
			'Condition 3: names no label; pick one or more contact groups',
			'Condition 4: Active / inactive applies to Dynamics 365 contacts, but the fields are Google Contacts fields',
			'Condition 5: "contains" does not fit Labels (contact groups) (memberships), a multi-select choice column; use one of: is empty, is not empty, is one of',
		]);
	});

	it('says when the columns were not loaded', () => {
		expect(validateRule(rule([{ kind: 'active' }]), [])).toEqual([
			'Condition 1: unknown field "statecode": it is not in the field list (it is empty: were the columns loaded?)',
		]);
		expect(validateRule({ combine: 'all' } as unknown as ContactRule, CONTACT_FIELDS)).toEqual(["The rule's conditions are not a list"]);
	});
});
