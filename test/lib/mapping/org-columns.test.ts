/** When a mapping needs the org's columns (a metadata request) and when the standard catalogue does the same. */
import { needsOrgColumns } from '../../../lib/mapping/org-columns';

describe('needsOrgColumns', () => {
	it('default field maps out of Dynamics 365 need no metadata, whatever the other app', () => {
		expect(needsOrgColumns({ direction: 'dynamicsToGoogle' })).toBe(false);
		expect(needsOrgColumns({ direction: 'dynamicsToPlain', customMappings: [] })).toBe(false);
	});

	it('a custom mapping or a link column names an org column: its metadata is read', () => {
		expect(needsOrgColumns({ direction: 'dynamicsToGoogle', customMappings: [{ dynamicsField: 'new_vip', otherField: 'userDefined:VIP' }] })).toBe(true);
		expect(needsOrgColumns({ direction: 'dynamicsToGoogle', linkField: 'new_googlecontact' })).toBe(true);
	});

	it('writing into Dynamics 365 checks the org\'s column lengths and options: always read', () => {
		expect(needsOrgColumns({ direction: 'googleToDynamics' })).toBe(true);
		expect(needsOrgColumns({ direction: 'plainToDynamics' })).toBe(true);
	});
});
