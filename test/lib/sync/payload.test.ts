import { readGoogleField, writeGoogleField, type GooglePerson } from '../../../lib/google/fields';
import { LINK_KEYS, compileMapping, mapContact, type CompiledMapping, type MappingSpec } from '../../../lib/mapping';
import { decideSync, defaultSyncSettings } from '../../../lib/sync/decide';
import { carriedFields, dynamicsColumns, dynamicsSnapshot, googleUpdate, snapshotExtraFields } from '../../../lib/sync/payload';
import { SNAPSHOT_CLIENT_DATA_FIELD, encodeSnapshot, googleSnapshot, isOwnEcho, storedSnapshot } from '../../../lib/sync/snapshot';
import { GoogleState } from '../../simulators/google/state';

const CONTACT_ID = 'c0ffee00-0000-4000-8000-000000000001';

/** A Dynamics contact as the Web API returns it. */
const dynamicsContact = () => ({
	contactid: CONTACT_ID,
	firstname: 'Jan',
	lastname: 'van der Berg',
	emailaddress1: 'jan@example.nl',
	telephone1: '+31 20 123 4567',
	mobilephone: '06 1234 5678',
	jobtitle: 'Directeur',
});

function mapped(contact: Record<string, unknown>, current?: GooglePerson, emptyValues: MappingSpec['emptyValues'] = 'keep'): GooglePerson {
	const result = mapContact(contact, { direction: 'dynamicsToGoogle', emptyValues }, { current });
	if (!result.ok) throw new Error(result.error.message);
	return result.record.values as GooglePerson;
}

function compiled(spec: MappingSpec): CompiledMapping {
	const result = compileMapping(spec);
	if (!result.ok) throw new Error(result.errors[0].message);
	return result.mapping;
}

/** The Google counterpart as a first sync leaves it in the People simulator, plus another app's clientData. */
function syncedContact(state: GoogleState): GooglePerson {
	const person = mapped(dynamicsContact());
	writeGoogleField(person, SNAPSHOT_CLIENT_DATA_FIELD, encodeSnapshot(googleSnapshot(person)));
	writeGoogleField(person, 'clientData:other.app', 'keep me');
	return state.createContact(person) as GooglePerson;
}

describe('googleUpdate', () => {
	it('writes only the fields the decision chose: a last name changed in Google survives a first name changed in Dynamics', () => {
		const state = new GoogleState();
		const { resourceName } = syncedContact(state);
		state.editAsUser(resourceName!, { names: [{ givenName: 'Jan', familyName: 'Berg' }] });
		const current = state.getFull(resourceName!) as GooglePerson;
		const edited = { ...dynamicsContact(), firstname: 'Johannes' };
		const fromDynamics = mapped(edited, current, 'clear');

		const { action } = decideSync({
			event: 'updated',
			target: 'google',
			source: { id: CONTACT_ID, emails: ['jan@example.nl'], snapshot: dynamicsSnapshot(edited, compiled({ direction: 'dynamicsToGoogle' }), current) },
			counterpart: { found: 'email', id: resourceName!, snapshot: googleSnapshot(current), linkId: CONTACT_ID },
			lastSync: storedSnapshot(current),
			settings: defaultSyncSettings('google'),
		});
		if (action.kind !== 'update') throw new Error(`expected an update, got ${action.kind}`);
		expect([action.fields, action.pending]).toEqual([['names.givenName'], ['names.familyName']]);
		// The mapped record alone would write the old last name back: names are one Person field.
		expect(readGoogleField(fromDynamics, 'names.familyName')).toBe('van der Berg');

		const update = googleUpdate(current, fromDynamics, action.fields, { snapshot: action.snapshot });
		expect(update.updatePersonFields).toEqual(['names', 'clientData']);
		const stored = state.updateContact(resourceName!, update.person, new Set(update.updatePersonFields)) as GooglePerson;

		expect([readGoogleField(stored, 'names.givenName'), readGoogleField(stored, 'names.familyName')]).toEqual(['Johannes', 'Berg']);
		expect(readGoogleField(stored, 'clientData:other.app')).toBe('keep me');
		expect(readGoogleField(stored, `clientData:${LINK_KEYS.googleDynamicsContactId}`)).toBe(CONTACT_ID);
		expect(storedSnapshot(stored)).toEqual(action.snapshot);
		// The last name is still a Google change the snapshot does not hold: the other direction gets it.
		expect(isOwnEcho(stored)).toBe(false);
	});

	it('stores only the link and snapshot when the values are equal', () => {
		const state = new GoogleState();
		const current = syncedContact(state);

		const update = googleUpdate(current, mapped(dynamicsContact(), current), [], { dynamicsContactId: 'c0ffee00-0000-4000-8000-000000000002', snapshot: googleSnapshot(current) });

		expect(update.updatePersonFields).toEqual(['clientData']);
		expect(update.person.etag).toBe(current.etag);
		const stored = state.updateContact(current.resourceName!, update.person, new Set(update.updatePersonFields)) as GooglePerson;
		expect(readGoogleField(stored, `clientData:${LINK_KEYS.googleDynamicsContactId}`)).toBe('c0ffee00-0000-4000-8000-000000000002');
		expect(isOwnEcho(stored)).toBe(true);
	});

	it('clears a field emptied on the other side, keeping the other items of its list', () => {
		const state = new GoogleState();
		const current = syncedContact(state);
		const { mobilephone, ...withoutMobile } = dynamicsContact();
		expect(mobilephone).toBeDefined();

		const update = googleUpdate(current, mapped(withoutMobile, current, 'clear'), ['phoneNumbers:mobile']);
		const stored = state.updateContact(current.resourceName!, update.person, new Set(update.updatePersonFields)) as GooglePerson;

		expect(readGoogleField(stored, 'phoneNumbers')).toEqual(['+31 20 123 4567']);
	});

	it('sends a Person field emptied completely as empty, so that the update clears it', () => {
		const state = new GoogleState();
		const current = state.createContact({ names: [{ givenName: 'Ann' }], phoneNumbers: [{ value: '0611', type: 'mobile' }] }) as GooglePerson;

		const update = googleUpdate(current, { names: [{ givenName: 'Ann' }] }, ['phoneNumbers:mobile']);
		expect(update.person.phoneNumbers).toEqual([]);
		const stored = state.updateContact(current.resourceName!, update.person, new Set(update.updatePersonFields)) as GooglePerson;

		expect(readGoogleField(stored, 'phoneNumbers')).toEqual([]);
	});
});

describe('dynamicsSnapshot', () => {
	const fourEmails = ['jan@example.nl', 'jan@home.example', 'jan@other.example', 'jan@fourth.example'];

	/** A Google contact matched by email on a first sync: it has a mobile number Dynamics lacks, and a fourth email Dynamics has no column for. */
	function firstSync() {
		const state = new GoogleState();
		const google = state.createContact({
			names: [{ givenName: 'Jan', familyName: 'van der Berg' }],
			emailAddresses: fourEmails.map((value) => ({ value })),
			phoneNumbers: [{ value: '+31 20 123 4567', type: 'work' }, { value: '06 1234 5678', type: 'mobile' }],
			organizations: [{ title: 'Directeur' }],
		}) as GooglePerson;
		const { mobilephone, ...dynamics } = { ...dynamicsContact(), emailaddress2: 'jan@home.example', emailaddress3: 'jan@other.example' };
		expect(mobilephone).toBeDefined();
		return { google, dynamics };
	}

	it('shows Dynamics\' empty fields as empty and keeps what Dynamics cannot hold as Google has it', () => {
		const { google, dynamics } = firstSync();
		const snapshot = dynamicsSnapshot(dynamics, compiled({ direction: 'dynamicsToGoogle' }), google);

		expect(snapshot.fields['phoneNumbers:mobile']).toBeUndefined();
		expect(snapshot.fields.emailAddresses).toEqual(fourEmails);
		// A mapping that keeps the target's value fills the empty field with Google's own number.
		expect(googleSnapshot(mapped(dynamics, google)).fields['phoneNumbers:mobile']).toBe('0612345678');
	});

	it('lets the first sync fill the empty side: the mobile number is left for Google → Dynamics, the emails are equal', () => {
		const { google, dynamics } = firstSync();
		const { action } = decideSync({
			event: 'created',
			target: 'google',
			source: { id: CONTACT_ID, emails: ['jan@example.nl'], snapshot: dynamicsSnapshot(dynamics, compiled({ direction: 'dynamicsToGoogle' }), google) },
			counterpart: { found: 'email', id: google.resourceName!, snapshot: googleSnapshot(google) },
			settings: defaultSyncSettings('google'),
		});

		expect(action).toMatchObject({ kind: 'update', fields: [], pending: ['phoneNumbers:mobile'], link: { onTarget: true } });
	});

	it('tracks the custom fields the mapping carries, and refuses a mapping that is not Dynamics → Google', () => {
		const mapping = compiled({ direction: 'dynamicsToGoogle', customMappings: [{ dynamicsField: 'nickname', otherField: 'userDefined:Nick' }] });

		expect(snapshotExtraFields(mapping)).toEqual(['userDefined:Nick']);
		expect(dynamicsSnapshot({ ...dynamicsContact(), nickname: 'Jantje' }, mapping)).toMatchObject({ fields: { 'userDefined:Nick': 'Jantje' }, extraFields: ['userDefined:Nick'] });
		expect(() => dynamicsSnapshot(dynamicsContact(), compiled({ direction: 'googleToDynamics' }))).toThrow('dynamicsSnapshot takes the Dynamics 365 → Google Contacts mapping.');
		expect(() => dynamicsSnapshot(dynamicsContact(), compiled({ direction: 'dynamicsToPlain' }))).toThrow('The sync compares Dynamics 365 with Google Contacts; this mapping goes dynamics → plain.');
		expect(() => dynamicsSnapshot({ firstname: 'Jan' }, mapping)).toThrow('contactid: The Dynamics 365 contact has no contactid.');
	});
});

describe('dynamicsColumns', () => {
	it('names the columns carrying each field: names part by part, emails and address lines as a unit', () => {
		const mapping = compiled({ direction: 'googleToDynamics' });

		expect(dynamicsColumns(mapping, ['names.familyName', 'emailAddresses', 'addresses:work.extendedAddress', 'organizations[0].title'])).toEqual([
			'lastname',
			'emailaddress1',
			'emailaddress2',
			'emailaddress3',
			'address1_line1',
			'address1_line2',
			'address1_line3',
			'jobtitle',
		]);
	});

	it('leaves out fields the mapping does not carry this way (the company is one-way from Dynamics) and custom ones it does', () => {
		const mapping = compiled({ direction: 'googleToDynamics', customMappings: [{ dynamicsField: 'nickname', otherField: 'userDefined:Nick' }] });

		expect(dynamicsColumns(mapping, ['organizations[0].name', 'userDefined:Nick', 'phoneNumbers:mobile'])).toEqual(['mobilephone', 'nickname']);
	});
});

describe('carriedFields', () => {
	it('lists the Google fields a mapping carries in its direction: the scope a writer merges in', () => {
		const toGoogle = carriedFields(compiled({ direction: 'dynamicsToGoogle', disabledDefaults: ['birthday'] }));
		const toDynamics = carriedFields(compiled({ direction: 'googleToDynamics' }));

		expect(toGoogle).toContain('organizations[0].name');
		expect(toGoogle).not.toContain('names.displayName');
		expect(toGoogle).not.toContain('birthdays[0].date');
		expect(toDynamics).not.toContain('organizations[0].name');
		expect(toDynamics).toEqual(expect.arrayContaining(['names.givenName', 'emailAddresses', 'phoneNumbers:workFax', 'addresses:work.poBox', 'birthdays[0].date', 'biographies[0].value']));
	});
});
