import { FaultInjector } from './faults';

describe('FaultInjector', () => {
	it('plays counted rules in order: two 429s, then two 503s, then nothing', () => {
		const faults = new FaultInjector();
		faults.add({ route: 'contacts.list', status: 429, retryAfterSeconds: 2, count: 2 });
		faults.add({ route: 'contacts.list', status: 503, count: 2 });
		const statuses = Array.from({ length: 5 }, () => faults.take('contacts.list')?.status);
		expect(statuses).toEqual([429, 429, 503, 503, undefined]);
		expect(faults.list()).toEqual([]);
	});

	it('adds latency from every matching rule and leaves other routes alone', () => {
		const faults = new FaultInjector();
		faults.add({ route: '*', latencyMs: 20 });
		faults.add({ route: 'contacts.*', latencyMs: 5, status: 503, count: 1 });
		expect(faults.take('contacts.get')).toEqual({ latencyMs: 25, status: 503, retryAfterSeconds: undefined });
		expect(faults.take('contacts.get')).toEqual({ latencyMs: 20 });
		expect(faults.take('whoami')).toEqual({ latencyMs: 20 });
	});

	it('applies probabilistic rules reproducibly for a seed', () => {
		const run = () => {
			const faults = new FaultInjector(7);
			faults.add({ route: '*', status: 429, probability: 0.1 });
			return Array.from({ length: 1000 }, () => faults.take('x')?.status === 429).filter(Boolean).length;
		};
		const first = run();
		expect(first).toBeGreaterThan(60);
		expect(first).toBeLessThan(140);
		expect(run()).toBe(first);
	});

	it('resets win over statuses only when listed first', () => {
		const faults = new FaultInjector();
		faults.add({ route: 'batch', reset: true, count: 1 });
		faults.add({ route: 'batch', status: 503, count: 1 });
		expect(faults.take('batch')).toEqual({ reset: true });
		expect(faults.take('batch')).toEqual({ status: 503, retryAfterSeconds: undefined });
	});
});
