/** $batch on the wire: multipart bodies, change-set atomicity, continue-on-error, Content-ID references, limits. */
import { type DynamicsSimulator, startDynamicsSimulator } from './index';
import { type RawClient, type RawResponse, rawClient } from './raw-client';

let sim: DynamicsSimulator;
let api: RawClient;

beforeAll(async () => {
	sim = await startDynamicsSimulator({ contacts: 5 });
	api = await rawClient(sim);
});
afterAll(() => sim.close());

interface Operation {
	method: string;
	url: string;
	body?: unknown;
	contentId?: string;
	headers?: Record<string, string>;
}

type Item = Operation | Operation[];

/** Writes a batch body as the Dataverse docs show it: CRLF, application/http parts, change sets as nested multiparts. */
function batchBody(items: Item[], boundary = 'batch_test'): string {
	const part = (operation: Operation) =>
		[
			'Content-Type: application/http',
			'Content-Transfer-Encoding: binary',
			...(operation.contentId ? [`Content-ID: ${operation.contentId}`] : []),
			'',
			`${operation.method} ${operation.url} HTTP/1.1`,
			...(operation.body !== undefined ? ['Content-Type: application/json; type=entry'] : []),
			...Object.entries(operation.headers ?? {}).map(([name, value]) => `${name}: ${value}`),
			'',
			operation.body === undefined ? '' : JSON.stringify(operation.body),
		].join('\r\n');
	const lines: string[] = [];
	items.forEach((item, index) => {
		lines.push(`--${boundary}`);
		if (!Array.isArray(item)) {
			lines.push(part(item));
			return;
		}
		const changeSet = `changeset_${index}`;
		lines.push(`Content-Type: multipart/mixed; boundary="${changeSet}"`, '');
		for (const operation of item) lines.push(`--${changeSet}`, part(operation));
		lines.push(`--${changeSet}--`);
	});
	lines.push(`--${boundary}--`, '');
	return lines.join('\r\n');
}

function sendBatch(items: Item[], headers: Record<string, string> = {}): Promise<RawResponse> {
	return api.request('POST', '$batch', { body: batchBody(items), headers: { 'Content-Type': 'multipart/mixed; boundary="batch_test"', ...headers } });
}

/** The embedded responses of a batch answer, in order, change sets flattened. */
function responses(batch: RawResponse): Array<{ status: number; contentId?: string; headers: Record<string, string>; body: string }> {
	const boundary = /boundary=([^;]+)/.exec(batch.headers.get('content-type') ?? '')![1];
	const parts = batch.text.split(`--${boundary}`).slice(1, -1);
	return parts.flatMap((part) => {
		const nested = /Content-Type: multipart\/mixed; boundary=(changesetresponse_[\w-]+)/.exec(part);
		const pieces = nested ? part.split(`--${nested[1]}`).slice(1, -1) : [part];
		return pieces.map((piece) => {
			const [, status] = /HTTP\/1\.1 (\d{3})/.exec(piece)!;
			const afterStatus = piece.slice(piece.indexOf('HTTP/1.1'));
			const [head, ...rest] = afterStatus.split('\r\n\r\n');
			const headers = Object.fromEntries(head.split('\r\n').slice(1).map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
			return { status: Number(status), contentId: /Content-ID: (\S+)/.exec(piece)?.[1], headers, body: rest.join('\r\n\r\n').trim() };
		});
	});
}

const create = (lastname: string, extra: Partial<Operation> = {}): Operation => ({ method: 'POST', url: '/api/data/v9.2/contacts', body: { lastname }, ...extra });

describe('$batch', () => {
	it('answers in the multipart format Dataverse uses, change sets nested, Content-IDs echoed', async () => {
		const batch = await sendBatch([[create('Alpha', { contentId: '1' }), create('Beta', { contentId: '2' })], { method: 'GET', url: `${sim.apiUrl}/contacts?$select=lastname&$filter=startswith(lastname,'Alph')` }]);
		expect(batch.status).toBe(200);
		expect(batch.headers.get('content-type')).toMatch(/^multipart\/mixed; boundary=batchresponse_[0-9a-f-]{36}$/);
		expect(batch.text).toMatch(/^--batchresponse_[0-9a-f-]{36}\r\nContent-Type: multipart\/mixed; boundary=changesetresponse_[0-9a-f-]{36}\r\n\r\n--changesetresponse_/);
		expect(batch.text).toMatch(/--batchresponse_[0-9a-f-]{36}--\r\n$/);
		const [first, second, read] = responses(batch);
		expect([first.status, first.contentId, second.contentId]).toEqual([204, '1', '2']);
		expect(first.headers['odata-entityid']).toMatch(/\/api\/data\/v9\.2\/contacts\([0-9a-f-]{36}\)$/);
		expect(first.headers.location).toBe(first.headers['odata-entityid']);
		expect(read.status).toBe(200);
		expect(JSON.parse(read.body).value.map((row: { lastname: string }) => row.lastname)).toEqual(['Alpha']);
	});

	it('rolls a whole change set back when one request in it fails, and answers with that failure alone', async () => {
		const before = sim.state.listContacts().length;
		const versionBefore = sim.state.currentVersion();
		const existing = sim.state.listContacts()[0];
		const batch = await sendBatch([
			[
				create('Rolled Back 1', { contentId: '1' }),
				{ method: 'PATCH', url: `/api/data/v9.2/contacts(${existing.id})`, body: { jobtitle: 'Rolled back too' }, contentId: '2' },
				{ method: 'DELETE', url: `/api/data/v9.2/contacts(${sim.state.listContacts()[1].id})`, contentId: '3' },
				create('F'.repeat(51), { contentId: '4' }),
			],
		]);
		expect(batch.status).toBe(400);
		const parts = responses(batch);
		expect(parts).toHaveLength(1);
		expect([parts[0].status, parts[0].contentId]).toEqual([400, '4']);
		expect(JSON.parse(parts[0].body).error.code).toBe('0x80044331');
		expect(sim.state.listContacts()).toHaveLength(before);
		expect(sim.state.getContact(existing.id)).toEqual(existing);
		// Nothing of the rolled-back set shows up in change tracking either.
		expect(sim.state.listContacts().filter((record) => record.version > versionBefore)).toEqual([]);
		expect(sim.state.tombstones('contact').filter((tombstone) => tombstone.version > versionBefore)).toEqual([]);
	});

	it('stops at the first failure without continue-on-error (batch takes its status), goes on with it', async () => {
		const items = [create('Stop 1'), create('L'.repeat(51)), create('Stop 3')];
		const stopped = await sendBatch(items);
		expect(stopped.status).toBe(400);
		expect(responses(stopped).map((part) => part.status)).toEqual([204, 400]);
		expect(sim.state.listContacts().some((record) => record.values.lastname === 'Stop 3')).toBe(false);

		const continued = await sendBatch([create('Go 1'), create('L'.repeat(51)), create('Go 3')], { Prefer: 'odata.continue-on-error' });
		expect(continued.status).toBe(200);
		expect(continued.headers.get('preference-applied')).toBe('odata.continue-on-error');
		expect(responses(continued).map((part) => part.status)).toEqual([204, 400, 204]);
		expect(sim.state.listContacts().some((record) => record.values.lastname === 'Go 3')).toBe(true);
	});

	it('resolves $n references in URLs and in @odata.bind / @odata.id values, and rejects forward references', async () => {
		const account = sim.state.records('account')[0];
		const batch = await sendBatch([
			[
				create('Referenced', { contentId: '1' }),
				{ method: 'PATCH', url: '$1', body: { firstname: 'Via', 'parentcustomerid_account@odata.bind': `/accounts(${account.id})` }, contentId: '2' },
				{ method: 'PUT', url: '$1/jobtitle', body: { value: 'Set through $1/jobtitle' }, contentId: '3' },
				create('Child', { contentId: '4', body: { lastname: 'Child', 'parentcustomerid_contact@odata.bind': '$1' } }),
			],
		]);
		expect(responses(batch).map((part) => part.status)).toEqual([204, 204, 204, 204]);
		const parent = sim.state.listContacts().find((record) => record.values.lastname === 'Referenced')!;
		expect(parent.values).toMatchObject({ fullname: 'Via Referenced', jobtitle: 'Set through $1/jobtitle', parentcustomerid: { entity: 'account', id: account.id } });
		const child = sim.state.listContacts().find((record) => record.values.lastname === 'Child')!;
		expect(child.values.parentcustomerid).toEqual({ entity: 'contact', id: parent.id });

		const forward = await sendBatch([[create('Too Early', { contentId: '1', body: { lastname: 'Too Early', 'parentcustomerid_contact@odata.bind': '$2' } }), create('Later', { contentId: '2' })]]);
		expect(forward.status).toBe(400);
		expect(JSON.parse(responses(forward)[0].body).error.message).toBe("Content-ID Reference: '$2' does not exist in the batch context.");
	});

	it('honours return=representation inside a part, and runs parts as the caller (auth from the batch)', async () => {
		const batch = await sendBatch([create('Represented', { headers: { Prefer: 'return=representation' } })]);
		const [part] = responses(batch);
		expect(part.status).toBe(201);
		expect(JSON.parse(part.body)).toMatchObject({ lastname: 'Represented', _modifiedby_value: sim.applicationUserId });
		const anonymous = await api.request('POST', '$batch', { body: batchBody([create('Nobody')]), headers: { 'Content-Type': 'multipart/mixed; boundary="batch_test"' }, token: null });
		expect(anonymous.status).toBe(401);
	});

	it('rejects GET inside a change set, more than 1000 requests, and a body without a boundary', async () => {
		const read = await sendBatch([[{ method: 'GET', url: '/api/data/v9.2/contacts' }]]);
		expect([read.status, read.json.error.message]).toEqual([
			400,
			"An invalid HTTP method 'GET' was detected for a request in a change set. Requests in change sets only support the HTTP methods 'POST', 'PUT', 'DELETE', and 'PATCH'.",
		]);
		const before = sim.state.listContacts().length;
		const tooMany = await sendBatch(Array.from({ length: 1001 }, (_, index) => create(`Bulk ${index}`)));
		expect([tooMany.status, tooMany.json.error.code]).toEqual([400, '0x80060888']);
		expect(sim.state.listContacts()).toHaveLength(before);
		const thousand = await sendBatch([Array.from({ length: 1000 }, (_, index) => create(`Bulk ${index}`, { contentId: String(index + 1) }))]);
		expect(thousand.status).toBe(200);
		expect(sim.state.listContacts()).toHaveLength(before + 1000);
		const noBoundary = await api.request('POST', '$batch', { body: 'x', headers: { 'Content-Type': 'application/json' } });
		expect(noBoundary.status).toBe(400);
	});
});
