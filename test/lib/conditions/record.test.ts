import { classifyRecord, readField, type ContactRecord } from '../../../lib/conditions/record';
import { describeGoogleField } from '../../../lib/google/fields';
import { ALICE, CHER, CHER_DELETED, JAN, JAN_UPDATED, LEAP, SIOBHAN, SIOBHAN_DELETED, ZOE, ZOE_UPDATED, contactField } from './fixtures';

function classified(json: unknown): ContactRecord {
	const result = classifyRecord(json);
	if ('error' in result) throw new Error(`expected a contact, got: ${result.error}`);
	return result;
}

function errorOf(json: unknown): string {
	const result = classifyRecord(json);
	if (!('error' in result)) throw new Error(`expected an error for ${JSON.stringify(json)}`);
	return result.error;
}

describe('classifyRecord', () => {
	it('recognises a bare Dynamics contact row as the Web API returns it', () => {
		expect(classifyRecord(JAN)).toEqual({ app: 'dynamics', contact: JAN });
		expect(classifyRecord(LEAP)).toEqual({ app: 'dynamics', contact: LEAP });
	});

	it('unwraps the Dynamics trigger item and keeps its event', () => {
		expect(classifyRecord(JAN_UPDATED)).toEqual({ app: 'dynamics', contact: JAN, event: 'updated' });
	});

	it('turns a Dynamics deletion without a contact into a row holding only the contactid', () => {
		expect(classifyRecord(SIOBHAN_DELETED)).toEqual({ app: 'dynamics', contact: { contactid: SIOBHAN.contactid }, event: 'deleted' });
	});

	it('recognises bare and wrapped Google persons', () => {
		expect(classifyRecord(ZOE)).toEqual({ app: 'google', person: ZOE });
		expect(classifyRecord(ZOE_UPDATED)).toEqual({ app: 'google', person: ZOE, event: 'updated' });
	});

	it('marks a Google deletion as deleted, with or without its tombstone, without changing the item', () => {
		const tombstone = classified(CHER_DELETED);
		expect(tombstone).toMatchObject({ app: 'google', event: 'deleted', person: { resourceName: CHER.resourceName, metadata: { deleted: true } } });
		const bare = { event: 'deleted', resourceName: CHER.resourceName };
		expect(classified(bare)).toEqual({ app: 'google', event: 'deleted', person: { resourceName: CHER.resourceName, metadata: { deleted: true } } });
		expect(bare).toEqual({ event: 'deleted', resourceName: CHER.resourceName });
		const deletedWithoutFlag = { event: 'deleted', resourceName: ZOE.resourceName, person: ZOE };
		expect(classified(deletedWithoutFlag)).toMatchObject({ person: { names: ZOE.names, metadata: { deleted: true, objectType: 'PERSON' } } });
		expect(ZOE.metadata?.deleted).toBeUndefined();
	});

	it('says why an item is not a contact', () => {
		expect(errorOf(null)).toMatch(/^is null, not a contact object\. The Contact Filter takes items from the Dynamics 365 and Google Contacts triggers/);
		expect(errorOf([JAN])).toMatch(/^is an array, not a contact object/);
		expect(errorOf('Jan van der Berg')).toMatch(/^is a string, not a contact object/);
		expect(errorOf({})).toMatch(/^is neither a Dynamics 365 contact \(no contactid\) nor a Google contact \(no resourceName people\/…\); it is empty/);
		expect(errorOf({ name: 'Jan', email: 'jan@example.nl', phone: '+31 20 123 4567' })).toContain('its keys are name, email, phone.');
		expect(errorOf({ '@odata.etag': 'W/"1"', accountid: BERG_ZONEN_ID, name: 'Berg & Zonen' })).toMatch(
			/^looks like a Dynamics 365 account row \(accountid\), not a contact/,
		);
		expect(errorOf({ ...JAN, contactid: 'jan-1' })).toBe(
			'has a contactid that is not a GUID ("jan-1"); a Dynamics 365 contact\'s contactid looks like 49b0be2e-d01c-ed11-b83e-000d3a572421',
		);
		expect(errorOf({ resourceName: 'contactGroups/myContacts', name: 'myContacts' })).toBe('is a Google contact group (contactGroups/myContacts), not a contact');
		expect(errorOf({ resourceName: 'otherContacts/c123' })).toContain('has a resourceName that is not a Google contact ("otherContacts/c123")');
	});

	it('says what is wrong with a trigger item', () => {
		expect(errorOf({ ...JAN_UPDATED, event: 'merged' })).toBe('has an unknown event "merged"; a trigger item\'s event is created, updated or deleted');
		expect(errorOf({ event: 'created', contactId: JAN.contactid, contact: 'Jan' })).toBe('has a contact that is a string, not a Dynamics 365 contact object');
		expect(errorOf({ ...JAN_UPDATED, contactId: SIOBHAN.contactid })).toBe(`has contactId ${SIOBHAN.contactid} but its contact is ${JAN.contactid}`);
		expect(errorOf({ event: 'updated', resourceName: ZOE.resourceName, person: null })).toBe('has a person that is null, not a Google contact object');
		expect(errorOf({ event: 'created', contactId: JAN.contactid })).toBe('has no contact; only a deletion comes without one');
		expect(errorOf({ event: 'updated', resourceName: ZOE.resourceName })).toBe('has no person; only a deletion comes without one');
	});

	it('accepts an upper-case or braced GUID as the same contact', () => {
		const item = { ...JAN_UPDATED, contactId: `{${JAN.contactid.toUpperCase()}}` };
		expect(classified(item)).toMatchObject({ app: 'dynamics', event: 'updated' });
	});
});

const BERG_ZONEN_ID = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';

describe('readField', () => {
	const jan = classified(JAN);
	const leap = classified(LEAP);

	it('reads columns with their formatted value annotation', () => {
		expect(readField(jan, contactField('new_tier'))).toEqual({ present: true, value: 100000000, formatted: 'Gold' });
		expect(readField(jan, contactField('firstname'))).toEqual({ present: true, value: 'Jan' });
		expect(readField(jan, contactField('emailaddress3'))).toEqual({ present: true, value: null });
	});

	it('reads lookups and owners from their _<name>_value property', () => {
		expect(readField(jan, contactField('ownerid'))).toEqual({ present: true, value: ALICE.id, formatted: ALICE.name });
		expect(readField(jan, contactField('parentcustomerid'))).toMatchObject({ value: BERG_ZONEN_ID, formatted: 'Berg & Zonen' });
	});

	it('tells a column left out of $select from an empty one', () => {
		expect(readField(leap, contactField('firstname'))).toEqual({ present: false, value: undefined });
	});

	it('reads Google fields through the Google catalog', () => {
		const zoe = classified(ZOE);
		const field = (name: string) => describeGoogleField(name)!;
		expect(readField(zoe, field('emailAddresses'))).toEqual({ present: true, value: ['Zoe.Mueller@Example.de', 'zoe@privat.example.de'] });
		expect(readField(zoe, field('birthdays[0].date')).value).toBe('2000-02-29');
		expect(readField(zoe, field('userDefined:Tier')).value).toBe('Gold');
		expect(readField(zoe, field('userDefined:Region'))).toEqual({ present: false, value: undefined });
		expect(readField(classified(CHER), field('birthdays[0].date')).value).toBe('--05-20');
	});
});
