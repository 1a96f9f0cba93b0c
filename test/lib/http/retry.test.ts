import { RetryEvent, backoffDelayMs, parseRetryAfter, retryReason, withRetries } from '../../../lib/http/retry';
import { HttpRequest, HttpResponse, NetworkError } from '../../../lib/http/transport';

/** A scripted transport: each call takes the next outcome (a status, or a network error to throw). */
function scripted(outcomes: Array<number | NetworkError | { status: number; retryAfter: string }>) {
	const calls: HttpRequest[] = [];
	const transport = async (request: HttpRequest): Promise<HttpResponse> => {
		calls.push(request);
		const outcome = outcomes[Math.min(calls.length - 1, outcomes.length - 1)];
		if (outcome instanceof NetworkError) throw outcome;
		if (typeof outcome === 'number') return { status: outcome, headers: {}, body: '' };
		return { status: outcome.status, headers: { 'retry-after': outcome.retryAfter }, body: '' };
	};
	return { transport, calls };
}

/** A clock that only moves when the code under test sleeps. */
function fakeClock() {
	let now = 1_000_000;
	const sleeps: number[] = [];
	return {
		now: () => now,
		sleep: async (ms: number) => {
			sleeps.push(ms);
			now += ms;
		},
		sleeps,
	};
}

const get: HttpRequest = { method: 'GET', url: 'https://contoso.crm.dynamics.com/api/data/v9.2/contacts?$filter=x', headers: {} };
const post: HttpRequest = { ...get, method: 'POST', url: 'https://contoso.crm.dynamics.com/api/data/v9.2/contacts' };
const reset = (sent: boolean) => new NetworkError('ECONNRESET', 'socket hang up', sent);

describe('retryReason', () => {
	it.each([
		[true, 429, '429'],
		[true, 502, '502'],
		[true, 503, '503'],
		[true, 504, '504'],
		[true, 500, undefined],
		[true, 404, undefined],
		[false, 429, '429'],
		[false, 503, '503'],
		[false, 502, undefined],
		[false, 504, undefined],
	])('idempotent=%p, status %p → %p', (idempotent, status, expected) => {
		expect(retryReason(idempotent, { response: { status, headers: {}, body: '' } })).toBe(expected);
	});

	it('retries a write after a network failure only when the connection was never made', () => {
		expect(retryReason(false, { error: reset(false) })).toBe('ECONNRESET');
		expect(retryReason(false, { error: reset(true) })).toBeUndefined();
		expect(retryReason(true, { error: reset(true) })).toBe('ECONNRESET');
		expect(retryReason(true, { error: new NetworkError('CERT_HAS_EXPIRED', 'tls', false) })).toBeUndefined();
		expect(retryReason(true, { error: new Error('bug') })).toBeUndefined();
	});
});

describe('parseRetryAfter and backoffDelayMs', () => {
	it('reads delta-seconds and HTTP dates', () => {
		expect(parseRetryAfter('30', 0)).toBe(30_000);
		expect(parseRetryAfter(' 1.5 ', 0)).toBe(1_500);
		expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
		expect(parseRetryAfter(new Date(0).toUTCString(), 4_000)).toBe(0);
		expect(parseRetryAfter('soon', 0)).toBeUndefined();
		expect(parseRetryAfter(undefined, 0)).toBeUndefined();
	});

	it('grows exponentially, capped, with half of each delay random', () => {
		const options = { baseDelayMs: 500, maxDelayMs: 30_000 };
		expect([1, 2, 3, 4].map((attempt) => backoffDelayMs(attempt, { ...options, random: () => 0 }))).toEqual([250, 500, 1000, 2000]);
		expect([1, 2, 3, 4].map((attempt) => backoffDelayMs(attempt, { ...options, random: () => 1 }))).toEqual([500, 1000, 2000, 4000]);
		expect(backoffDelayMs(20, { ...options, random: () => 1 })).toBe(30_000);
	});
});

describe('withRetries', () => {
	it('honours Retry-After on 429 and then succeeds', async () => {
		const clock = fakeClock();
		const { transport, calls } = scripted([{ status: 429, retryAfter: '7' }, { status: 429, retryAfter: '2' }, 200]);
		const events: RetryEvent[] = [];
		const response = await withRetries(transport, { ...clock, onRetry: (event) => events.push(event) })(get);
		expect(response.status).toBe(200);
		expect(calls).toHaveLength(3);
		expect(clock.sleeps).toEqual([7_000, 2_000]);
		expect(events.map((event) => [event.attempt, event.reason, event.delayMs])).toEqual([
			[1, '429', 7_000],
			[2, '429', 2_000],
		]);
		expect(events[0].url).toBe('https://contoso.crm.dynamics.com/api/data/v9.2/contacts');
	});

	it('backs off exponentially on 503 for reads', async () => {
		const clock = fakeClock();
		const { transport } = scripted([503, 503, 503, 200]);
		await withRetries(transport, { ...clock, random: () => 1, baseDelayMs: 100 })(get);
		expect(clock.sleeps).toEqual([100, 200, 400]);
	});

	it('repeats a read after a reset but never a write that may have landed', async () => {
		const clock = fakeClock();
		const read = scripted([reset(true), 200]);
		expect((await withRetries(read.transport, clock)(get)).status).toBe(200);
		const write = scripted([reset(true), 204]);
		await expect(withRetries(write.transport, clock)(post)).rejects.toThrow('ECONNRESET');
		expect(write.calls).toHaveLength(1);
		const refused = scripted([new NetworkError('ECONNREFUSED', 'refused', false), 204]);
		expect((await withRetries(refused.transport, clock)(post)).status).toBe(204);
	});

	it('returns a write\'s 502 at once', async () => {
		const { transport, calls } = scripted([502, 204]);
		expect((await withRetries(transport, fakeClock())(post)).status).toBe(502);
		expect(calls).toHaveLength(1);
	});

	it('gives up with the last response when the next wait would exceed the budget', async () => {
		const clock = fakeClock();
		const { transport, calls } = scripted([{ status: 429, retryAfter: '20' }, { status: 429, retryAfter: '50' }, 200]);
		const response = await withRetries(transport, { ...clock, budgetMs: 60_000 })(get);
		expect(response.status).toBe(429);
		expect(response.headers['retry-after']).toBe('50');
		expect(calls).toHaveLength(2);
		expect(clock.sleeps).toEqual([20_000]);
	});

	it('stops after maxRetries', async () => {
		const { transport, calls } = scripted([503]);
		expect((await withRetries(transport, { ...fakeClock(), maxRetries: 3 })(get)).status).toBe(503);
		expect(calls).toHaveLength(4);
	});

	it('treats every request as repeatable when told so (token requests)', async () => {
		const { transport } = scripted([502, 200]);
		expect((await withRetries(transport, { ...fakeClock(), idempotent: () => true })(post)).status).toBe(200);
	});
});
