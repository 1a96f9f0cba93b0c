import { isRepeatablePeopleRequest } from '../../../lib/google/connection';

const request = (method: 'GET' | 'POST' | 'PATCH', path: string) => ({ method, url: `https://people.googleapis.com${path}?alt=json`, headers: {} });

describe('isRepeatablePeopleRequest: what is sent again after a dropped connection', () => {
	it('reads, etag-guarded updates, membership changes and group creates (409 once it exists) are; contact creates and deletes are not', () => {
		expect(isRepeatablePeopleRequest(request('GET', '/v1/people/me/connections'))).toBe(true);
		expect(isRepeatablePeopleRequest(request('POST', '/v1/people:batchUpdateContacts'))).toBe(true);
		expect(isRepeatablePeopleRequest(request('PATCH', '/v1/people/c123:updateContact'))).toBe(true);
		expect(isRepeatablePeopleRequest(request('POST', '/v1/contactGroups/abc/members:modify'))).toBe(true);
		expect(isRepeatablePeopleRequest(request('POST', '/v1/contactGroups'))).toBe(true);
		expect(isRepeatablePeopleRequest(request('POST', '/v1/people:batchCreateContacts'))).toBe(false);
		expect(isRepeatablePeopleRequest(request('POST', '/v1/people:createContact'))).toBe(false);
		expect(isRepeatablePeopleRequest(request('POST', '/v1/people:batchDeleteContacts'))).toBe(false);
	});
});
