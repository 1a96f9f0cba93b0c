import { PLAIN_FIELDS, describePlainField } from '../../../lib/plain/fields';
import { DYNAMICS_CONTACT_FIELDS } from '../../../lib/dynamics/contact-fields';

const dynamics = (name: string) => DYNAMICS_CONTACT_FIELDS.find((field) => field.name === name);

describe('the plain contact shape', () => {
	it('has the flat keys other nodes can rely on', () => {
		expect(PLAIN_FIELDS.map((field) => field.name)).toEqual([
			'firstName', 'middleName', 'lastName', 'fullName', 'email', 'email2', 'email3', 'businessPhone', 'homePhone', 'mobilePhone', 'fax',
			'street', 'city', 'region', 'postalCode', 'country', 'company', 'jobTitle', 'department', 'birthday', 'notes',
		]);
		expect(describePlainField('birthday')).toMatchObject({ app: 'plain', type: 'date', writable: true });
		expect(describePlainField('email2')?.type).toBe('email');
		expect(describePlainField('street')?.type).toBe('multilineText');
	});

	it('gives a custom key the type of the Dynamics column it is mapped with; choices and lookups travel as text', () => {
		expect(describePlainField('score', { ...dynamics('versionnumber')!, writable: true })).toMatchObject({ name: 'score', type: 'integer', custom: true });
		expect(describePlainField('birthdayCopy', dynamics('birthdate'))?.type).toBe('date');
		expect(describePlainField('contactBy', dynamics('preferredcontactmethodcode'))?.type).toBe('text');
		expect(describePlainField('owner', dynamics('ownerid'))?.type).toBe('text');
		expect(describePlainField('anything')?.type).toBe('text');
		expect(describePlainField('birthday', dynamics('jobtitle'))?.type).toBe('date');
	});

	it('refuses a blank or padded key', () => {
		expect(describePlainField('')).toBeUndefined();
		expect(describePlainField(' email')).toBeUndefined();
	});
});
