import { batchOperations, boundaryOf, buildBatchBody, executeBatch, parseBatchResponse, sendBatch } from '../../../lib/dynamics/batch';
import { startDynamicsSimulator, type DynamicsSimulator } from '../../simulators/dynamics';
import { simulatorClient } from './simulator-client';

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

describe('executeBatch against the simulator', () => {
	let sim: DynamicsSimulator;
	beforeAll(async () => {
		sim = await startDynamicsSimulator();
	});
	afterAll(() => sim.close());
	beforeEach(() => {
		sim.faults.clear();
		sim.counters.reset();
	});

	const people = (count: number, invalidAt: number) =>
		Array.from({ length: count }, (_, index) =>
			batchOperations.create('contacts', {
				firstname: `Batch${index}`,
				// lastname holds at most 50 characters: this one record fails validation.
				lastname: index === invalidAt ? 'x'.repeat(51) : `Person ${index}`,
				emailaddress1: `batch.${index}@example.com`,
			}),
		);

	it.each([
		['in batches of 1000', { batchSize: 1000 }, 3],
		['in the default batches of 100, two at a time', { concurrency: 2 }, 25],
	])('creates 2,500 contacts %s: 2,499 succeed and the invalid one fails alone', async (_name, options, batches) => {
		const before = sim.state.count('contact');
		const invalidAt = 1234;
		const results = await executeBatch(simulatorClient(sim), people(2500, invalidAt), options);
		expect(results).toHaveLength(2500);
		expect(results.map((result) => result.index)).toEqual(Array.from({ length: 2500 }, (_, index) => index));
		const failed = results.filter((result) => !result.ok);
		expect(failed).toEqual([
			{
				index: invalidAt,
				status: 400,
				ok: false,
				error: { code: '0x80044331', message: expect.stringContaining("The length of the 'lastname' attribute of the 'contact' entity exceeded the maximum allowed length of '50'") },
			},
		]);
		const ids = results.filter((result) => result.ok).map((result) => result.id);
		expect(new Set(ids).size).toBe(2499);
		expect(sim.state.count('contact')).toBe(before + 2499);
		expect(sim.state.getContact(ids[1500]!)!.values.emailaddress1).toBe('batch.1501@example.com');
		expect(sim.counters.snapshot().batch).toBe(batches);
	});

	it('updates with ETags in a batch: a stale one fails as 412 while the others apply', async () => {
		const client = simulatorClient(sim);
		const a = sim.state.createContact({ lastname: 'A' });
		const b = sim.state.createContact({ lastname: 'B' });
		const staleEtag = `W/"${b.version}"`;
		sim.state.updateContact(b.id, { jobtitle: 'moved' });
		const results = await executeBatch(client, [
			batchOperations.update('contacts', a.id, { jobtitle: 'one' }, `W/"${a.version}"`),
			batchOperations.update('contacts', b.id, { jobtitle: 'two' }, staleEtag),
			batchOperations.delete('contacts', a.id),
		]);
		expect(results.map((result) => result.status)).toEqual([204, 412, 204]);
		expect(results[1].error!.code).toBe('0x80060882');
		expect(sim.state.getContact(b.id)!.values.jobtitle).toBe('moved');
		expect(sim.state.getContact(a.id)).toBeUndefined();
	});

	it('resends a throttled batch, and refuses more than 1000 operations in one request', async () => {
		sim.faults.add({ route: 'batch', status: 429, retryAfterSeconds: 1, count: 1 });
		const results = await executeBatch(simulatorClient(sim), people(3, -1));
		expect(results.every((result) => result.ok)).toBe(true);
		expect(sim.counters.snapshot().batch).toBe(2);
		await expect(sendBatch(simulatorClient(sim), people(1001, -1))).rejects.toThrow('a $batch holds at most 1000 operations, got 1001');
		await expect(executeBatch(simulatorClient(sim), people(2, -1), { batchSize: 1001 })).rejects.toThrow('the batch size must be a whole number from 1 to 1000, got 1001');
	});

	it('sends a batch without creates again when its answer was lost; one with a POST create never (it could make twins)', async () => {
		sim.counters.reset();
		const contact = sim.state.createContact({ lastname: 'Hopper' });
		const newId = '8f6b1c2e-0b5e-4f7a-9a51-3c1d2e4f5a60';
		sim.faults.add({ route: 'batch', resetAfterHandling: true, count: 1 });
		const results = await executeBatch(simulatorClient(sim), [
			batchOperations.update('contacts', contact.id, { jobtitle: 'Rear Admiral' }, `W/"${contact.version}"`),
			batchOperations.createOnly('contacts', newId, { lastname: 'Lovelace' }),
		]);
		// The second delivery met the first: the ETag moved on and the record exists, so both parts answer 412 and nothing is doubled.
		expect(results.map((result) => result.status)).toEqual([412, 412]);
		expect(sim.state.getContact(contact.id)!.values.jobtitle).toBe('Rear Admiral');
		expect(sim.state.listContacts().filter((record) => record.values.lastname === 'Lovelace').map((record) => record.id)).toEqual([newId]);
		expect(sim.counters.snapshot().batch).toBe(2);

		sim.faults.add({ route: 'batch', resetAfterHandling: true, count: 1 });
		await expect(executeBatch(simulatorClient(sim), [batchOperations.create('contacts', { lastname: 'Twinless' })])).rejects.toThrow(/ECONNRESET|socket hang up/);
		expect(sim.counters.snapshot().batch).toBe(3);
	});
});
