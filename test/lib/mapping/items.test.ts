import { compileMapping, LINK_KEYS, type CompiledMapping, type MappingDirection } from '../../../lib/mapping';
import { mapItem, type MappedItem } from '../../../lib/mapping/items';
import { seedPeople } from '../../simulators/common/seed';
import { DynamicsTestOrg, googleContacts } from './records';

const compiled = (direction: MappingDirection): CompiledMapping => {
	const result = compileMapping({ direction });
	if (!result.ok) throw new Error(result.errors[0].message);
	return result.mapping;
};
const jsonOf = (mapped: MappedItem) => {
	if ('error' in mapped) throw new Error(mapped.error.message);
	return mapped.json;
};

const [jan] = seedPeople(1);
const contact = new DynamicsTestOrg().seed(1)[0];
const person = googleContacts([jan])[0] as Record<string, unknown>;
const contactId = contact.contactid as string;

describe('mapItem', () => {
	it('takes trigger items and bare records alike; the event goes along', () => {
		const triggerItem = { event: 'created', contactId, modifiedOn: contact.modifiedon, contact };
		const fromTrigger = jsonOf(mapItem(triggerItem, compiled('dynamicsToGoogle')));
		expect(fromTrigger).toMatchObject({ target: 'google', sourceApp: 'dynamics', sourceId: contactId, event: 'created', matchKeys: { emails: ['jan.vanderberg@example.nl'] } });
		expect(fromTrigger.matchKeys).not.toHaveProperty('linkId');
		const { event, ...bare } = fromTrigger;
		expect(event).toBe('created');
		expect(jsonOf(mapItem(contact, compiled('dynamicsToGoogle')))).toEqual(bare);
		const fromGoogle = jsonOf(mapItem({ event: 'updated', resourceName: person.resourceName, person }, compiled('googleToDynamics')));
		expect(fromGoogle).toMatchObject({ sourceId: person.resourceName, event: 'updated', values: { firstname: 'Jan', lastname: 'van der Berg' } });
	});

	it('a deletion carries who it is and no values, with or without its record', () => {
		expect(jsonOf(mapItem({ event: 'deleted', contactId }, compiled('dynamicsToPlain')))).toEqual({
			target: 'plain',
			values: {},
			matchKeys: { emails: [] },
			sourceId: contactId,
			sourceApp: 'dynamics',
			event: 'deleted',
		});
		const tombstone = { resourceName: 'people/c9', metadata: { deleted: true }, clientData: [{ key: LINK_KEYS.googleDynamicsContactId, value: contactId }] };
		expect(jsonOf(mapItem(tombstone, compiled('googleToDynamics')))).toMatchObject({ values: {}, matchKeys: { linkId: contactId }, sourceId: 'people/c9' });
		expect(jsonOf(mapItem({ event: 'deleted', resourceName: 'people/c9' }, compiled('googleToDynamics')))).toMatchObject({ values: {}, sourceId: 'people/c9', event: 'deleted' });
	});

	it('refuses an item of the other app, naming the direction to choose', () => {
		expect(mapItem({ event: 'updated', resourceName: person.resourceName, person }, compiled('dynamicsToGoogle'))).toEqual({
			error: {
				field: 'item',
				message: 'The item is a Google Contacts contact, but the Direction maps Dynamics 365 → Google Contacts',
				fix: 'Set the Direction to start from Google Contacts, or connect this node to the Dynamics 365 trigger or node.',
			},
		});
		expect(mapItem(contact, compiled('plainToDynamics'))).toMatchObject({ error: { message: 'The item is a Dynamics 365 contact, but the Direction maps plain fields → Dynamics 365' } });
	});

	it('finds the current target record at a dot path, also wrapped as a trigger item; and the plain id at its key', () => {
		const plain = { rowId: 17, fullName: 'Jan van der Berg-Smit', email: 'jan@example.nl' };
		const anchor = { contactid: contactId, firstname: 'Jan', lastname: 'van der Berg' };
		expect(jsonOf(mapItem({ ...plain, current: anchor }, compiled('plainToDynamics'), { plainIdField: 'rowId' }))).toMatchObject({
			sourceId: '17',
			matchKeys: { linkId: contactId },
			values: { firstname: 'Jan', lastname: 'van der Berg-Smit' },
		});
		const nested = { ...plain, lookup: { found: { event: 'updated', contactId, contact: anchor } } };
		expect(jsonOf(mapItem(nested, compiled('plainToDynamics'), { currentRecordField: 'lookup.found' }))).toMatchObject({ matchKeys: { linkId: contactId } });
		expect(jsonOf(mapItem({ ...plain, current: anchor }, compiled('plainToDynamics'), { currentRecordField: '' })).matchKeys).toEqual({ emails: ['jan@example.nl'] });
		expect(mapItem({ ...plain, current: ['Jan'] }, compiled('plainToDynamics'))).toMatchObject({ error: { field: 'current', message: 'The current target record at "current" is a list, not a record' } });
	});
});
