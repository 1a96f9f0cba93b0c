import { ChangeTrackingExpiredError, ConcurrencyConflictError, DynamicsApiError, errorFromResponse } from '../../../lib/dynamics/errors';

const url = "https://contoso.crm.dynamics.com/api/data/v9.2/contacts(49b0be2e-d01c-ed11-b83e-000d3a572421)?$select=emailaddress1&$filter=emailaddress1 eq 'x@y.z'";
const json = (status: number, code: string, message: string, headers: Record<string, string> = {}) => ({
	status,
	headers: { 'content-type': 'application/json; odata.metadata=minimal', ...headers },
	body: JSON.stringify({ error: { code, message } }),
});

describe('errorFromResponse', () => {
	it('carries status, code and the service message, names the request without its query, and gives a fix for known statuses', () => {
		const error = errorFromResponse({ method: 'GET', url, headers: { Authorization: 'Bearer secret-token' } }, json(403, '0x80040220', 'Principal user is missing prvReadContact privilege.'));
		expect(error).toBeInstanceOf(DynamicsApiError);
		expect(error).toMatchObject({ status: 403, code: '0x80040220', serviceMessage: 'Principal user is missing prvReadContact privilege.', method: 'GET' });
		expect(error.url).toBe('https://contoso.crm.dynamics.com/api/data/v9.2/contacts(49b0be2e-d01c-ed11-b83e-000d3a572421)');
		expect(error.message).toBe(
			'Dynamics 365 answered 403 to GET https://contoso.crm.dynamics.com/api/data/v9.2/contacts(49b0be2e-d01c-ed11-b83e-000d3a572421): Principal user is missing prvReadContact privilege. (0x80040220). The application user lacks a privilege for this operation. Give its security role the needed privilege (for contact sync: read, create and write on Contact, with organization-level read for change tracking).',
		);
		expect(JSON.stringify(error)).not.toContain('secret-token');
		expect(error.message).not.toContain('x@y.z');
	});

	it('turns a 412 on a write with an ETag into ConcurrencyConflictError', () => {
		const error = errorFromResponse(
			{ method: 'PATCH', url, headers: { 'If-Match': 'W/"470867"' } },
			json(412, '0x80060882', "The version of the existing record doesn't match the RowVersion property provided."),
		);
		expect(error).toBeInstanceOf(ConcurrencyConflictError);
		expect(error.message).toMatch(/was changed in Dynamics 365 after it was read \(the ETag W\/"470867" sent in If-Match is no longer current\), so the PATCH was not applied\. Read the record again/);
	});

	it('keeps other 412s (create-only on an existing key) as plain API errors', () => {
		const error = errorFromResponse({ method: 'PATCH', url, headers: { 'If-None-Match': '*' } }, json(412, '', 'A record with matching key values already exists.'));
		expect(error).not.toBeInstanceOf(ConcurrencyConflictError);
		expect(error.code).toBeUndefined();
	});

	it('recognises an expired change-tracking token by code or message', () => {
		const byCode = errorFromResponse({ method: 'GET', url, headers: {} }, json(400, '0x80044352', 'Version stamp associated with the client has expired. Please perform a full sync.'));
		expect(byCode).toBeInstanceOf(ChangeTrackingExpiredError);
		expect(byCode.message).toContain('Start change tracking again with a full read');
		expect(errorFromResponse({ method: 'GET', url, headers: {} }, json(400, '-2147204270', 'Version stamp associated with the client has expired. Please perform a full sync.'))).toBeInstanceOf(ChangeTrackingExpiredError);
	});

	it('reports Retry-After seconds and non-JSON bodies', () => {
		const throttled = errorFromResponse({ method: 'GET', url, headers: {} }, json(429, '0x80072322', 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.', { 'retry-after': '30' }));
		expect(throttled.retryAfterSeconds).toBe(30);
		expect(throttled.message).toContain('It asked to wait 30 s.');
		const gateway = errorFromResponse({ method: 'GET', url, headers: {} }, { status: 502, headers: {}, body: '<html>Bad gateway</html>' });
		expect(gateway.serviceMessage).toBeUndefined();
		expect(gateway.message).toMatch(/^Dynamics 365 answered 502 to GET .*\. Dynamics 365 \(or a gateway in front of it\) answered with a temporary error/);
	});
});
