import { batchOperations, boundaryOf, buildBatchBody, parseBatchResponse } from '../../../lib/dynamics/batch';

const ORG = 'https://contoso.crm.dynamics.com';
const resolve = (path: string) => `${ORG}/api/data/v9.2/${path}`;

/**
 * Response bodies as Dataverse sends them, from "Execute batch operations using the Web API"
 * (powerapps-docs execute-batch-operations-using-web-api.md), with [Organization Uri] filled in.
 * Line ends are CRLF on the wire.
 */
const crlf = (text: string) => text.replace(/\r?\n/g, '\r\n');

const CONTINUE_ON_ERROR_RESPONSE = crlf(`--batchresponse_f44bd09d-573f-4a30-bca0-2e500ee7e139
Content-Type: application/http
Content-Transfer-Encoding: binary

HTTP/1.1 400 Bad Request
REQ_ID: de4c5227-4a28-4ebd-8ced-3392ece1697b
Content-Type: application/json; odata.metadata=minimal
OData-Version: 4.0

{"error":{"code":"0x80044331","message":"A validation error occurred.  The length of the 'subject' attribute of the 'task' entity exceeded the maximum allowed length of '200'."}}
--batchresponse_f44bd09d-573f-4a30-bca0-2e500ee7e139
Content-Type: application/http
Content-Transfer-Encoding: binary

HTTP/1.1 204 No Content
OData-Version: 4.0
Location: ${ORG}/api/data/v9.2/tasks(aed2ae8b-3c94-ed11-aad1-000d3a9933c9)
OData-EntityId: ${ORG}/api/data/v9.2/tasks(aed2ae8b-3c94-ed11-aad1-000d3a9933c9)


--batchresponse_f44bd09d-573f-4a30-bca0-2e500ee7e139
Content-Type: application/http
Content-Transfer-Encoding: binary

HTTP/1.1 204 No Content
OData-Version: 4.0
Location: ${ORG}/api/data/v9.2/tasks(b0d2ae8b-3c94-ed11-aad1-000d3a9933c9)
OData-EntityId: ${ORG}/api/data/v9.2/tasks(b0d2ae8b-3c94-ed11-aad1-000d3a9933c9)


--batchresponse_f44bd09d-573f-4a30-bca0-2e500ee7e139--
`);

const CHANGE_SET_RESPONSE = crlf(`--batchresponse_f27ef42d-51b0-4685-bac9-f468f844de2f
Content-Type: multipart/mixed; boundary=changesetresponse_64cc3fff-023a-45b0-b29d-df21583ffa15

--changesetresponse_64cc3fff-023a-45b0-b29d-df21583ffa15
Content-Type: application/http
Content-Transfer-Encoding: binary
Content-ID: 1

HTTP/1.1 204 No Content
OData-Version: 4.0
Location: ${ORG}/api/data/v9.2/tasks(e73ffc82-e292-ed11-aad1-000d3a9933c9)
OData-EntityId:${ORG}/api/data/v9.2/tasks(e73ffc82-e292-ed11-aad1-000d3a9933c9)


--changesetresponse_64cc3fff-023a-45b0-b29d-df21583ffa15
Content-Type: application/http
Content-Transfer-Encoding: binary
Content-ID: 2

HTTP/1.1 204 No Content
OData-Version: 4.0
Location: ${ORG}/api/data/v9.2/tasks(e83ffc82-e292-ed11-aad1-000d3a9933c9)
OData-EntityId: ${ORG}/api/data/v9.2/tasks(e83ffc82-e292-ed11-aad1-000d3a9933c9)


--changesetresponse_64cc3fff-023a-45b0-b29d-df21583ffa15--
--batchresponse_f27ef42d-51b0-4685-bac9-f468f844de2f
Content-Type: application/http
Content-Transfer-Encoding: binary

HTTP/1.1 200 OK
Content-Type: application/json; odata.metadata=minimal; odata.streaming=true
OData-Version: 4.0

{
  "@odata.context": "${ORG}/api/data/v9.2/$metadata#tasks(subject)",
  "value": [
    {
      "@odata.etag": "W/\\"77181173\\"",
      "subject": "Task 1 in batch",
      "activityid": "e73ffc82-e292-ed11-aad1-000d3a9933c9"
    }
  ]
}
--batchresponse_f27ef42d-51b0-4685-bac9-f468f844de2f--
`);

describe('parseBatchResponse', () => {
	it('reads each part of a continue-on-error response: status, error and created id', () => {
		const parts = parseBatchResponse('multipart/mixed; boundary=batchresponse_f44bd09d-573f-4a30-bca0-2e500ee7e139', CONTINUE_ON_ERROR_RESPONSE);
		expect(parts.map((part) => part.status)).toEqual([400, 204, 204]);
		expect(JSON.parse(parts[0].body).error.code).toBe('0x80044331');
		expect(parts[0].headers['content-type']).toBe('application/json; odata.metadata=minimal');
		expect(parts[1].headers['odata-entityid']).toBe(`${ORG}/api/data/v9.2/tasks(aed2ae8b-3c94-ed11-aad1-000d3a9933c9)`);
		expect(parts[1].body).toBe('');
	});

	it('flattens change-set responses in order, keeping Content-ID, and reads JSON bodies', () => {
		const parts = parseBatchResponse('multipart/mixed; boundary="batchresponse_f27ef42d-51b0-4685-bac9-f468f844de2f"', CHANGE_SET_RESPONSE);
		expect(parts.map((part) => [part.status, part.contentId])).toEqual([
			[204, '1'],
			[204, '2'],
			[200, undefined],
		]);
		expect(parts[0].headers['odata-entityid']).toContain('e73ffc82-e292-ed11-aad1-000d3a9933c9');
		expect(JSON.parse(parts[2].body).value[0]['@odata.etag']).toBe('W/"77181173"');
	});

	it('accepts LF-only line ends', () => {
		const parts = parseBatchResponse('multipart/mixed; boundary=batchresponse_f44bd09d-573f-4a30-bca0-2e500ee7e139', CONTINUE_ON_ERROR_RESPONSE.replace(/\r\n/g, '\n'));
		expect(parts.map((part) => part.status)).toEqual([400, 204, 204]);
	});

	it('explains a response that is not multipart or a part without a status line', () => {
		expect(() => parseBatchResponse('application/json', '{}')).toThrow('must be multipart/mixed with a boundary, got application/json');
		expect(() => parseBatchResponse('multipart/mixed; boundary=b', crlf('--b\nContent-Type: application/http\n\nnonsense\n--b--\n'))).toThrow('has no HTTP status line');
	});

	it('finds quoted and unquoted boundaries', () => {
		expect(boundaryOf('multipart/mixed; boundary="batch_1"')).toBe('batch_1');
		expect(boundaryOf('multipart/mixed;boundary=batch_2; charset=utf-8')).toBe('batch_2');
		expect(boundaryOf('application/json')).toBeUndefined();
	});
});

describe('buildBatchBody', () => {
	it('writes one CRLF part per operation with absolute URLs, headers and JSON bodies', () => {
		const id = '7eb682f1-ca75-e511-80d4-00155d2a68d1';
		const body = buildBatchBody(
			[
				batchOperations.create('contacts', { firstname: 'Siobhán', lastname: "O'Brien" }),
				batchOperations.update('contacts', id, { jobtitle: 'CTO' }, 'W/"536530"'),
				batchOperations.delete('contacts', id),
				batchOperations.upsert('contacts', { emailaddress1: 'a+b@example.com' }, { lastname: 'B' }),
			],
			'batch_test',
			resolve,
		);
		expect(body.split('\r\n')).toEqual([
			'--batch_test',
			'Content-Type: application/http',
			'Content-Transfer-Encoding: binary',
			'',
			`POST ${ORG}/api/data/v9.2/contacts HTTP/1.1`,
			'Content-Type: application/json; type=entry',
			'',
			'{"firstname":"Siobhán","lastname":"O\'Brien"}',
			'--batch_test',
			'Content-Type: application/http',
			'Content-Transfer-Encoding: binary',
			'',
			`PATCH ${ORG}/api/data/v9.2/contacts(${id}) HTTP/1.1`,
			'If-Match: W/"536530"',
			'Content-Type: application/json; type=entry',
			'',
			'{"jobtitle":"CTO"}',
			'--batch_test',
			'Content-Type: application/http',
			'Content-Transfer-Encoding: binary',
			'',
			`DELETE ${ORG}/api/data/v9.2/contacts(${id}) HTTP/1.1`,
			'',
			'',
			'--batch_test',
			'Content-Type: application/http',
			'Content-Transfer-Encoding: binary',
			'',
			`PATCH ${ORG}/api/data/v9.2/contacts(emailaddress1='a%2Bb%40example.com') HTTP/1.1`,
			'Content-Type: application/json; type=entry',
			'',
			'{"lastname":"B"}',
			'--batch_test--',
			'',
		]);
		expect(body).not.toMatch(/[^\r]\n/);
	});

	it('defaults updates to If-Match: * so a missing record is never created', () => {
		expect(batchOperations.update('contacts', '7eb682f1-ca75-e511-80d4-00155d2a68d1', {}).headers).toEqual({ 'If-Match': '*' });
	});
});
