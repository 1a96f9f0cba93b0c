/**
 * Fault injection per route: a rule names a route (exact name, a prefix ending in "*", or "*" for all)
 * and what to do to matching requests, either for the next `count` requests or with a probability.
 * Probabilistic rules use a seeded generator so a failing run can be replayed.
 */

export interface FaultRule {
	route: string;
	/** Answer with this status instead of handling the request (429 and 503 are the usual ones). */
	status?: number;
	retryAfterSeconds?: number;
	/** Destroy the connection without an answer. */
	reset?: boolean;
	/** Carry the request out, then destroy the connection: the client cannot tell whether its write landed. */
	resetAfterHandling?: boolean;
	/** Delay before answering (or before the fault). */
	latencyMs?: number;
	/** Apply to the next N matching requests, then drop the rule. */
	count?: number;
	/** Apply to each matching request with this chance (0..1); the rule stays until cleared. */
	probability?: number;
}

export interface Fault {
	status?: number;
	retryAfterSeconds?: number;
	reset?: boolean;
	resetAfterHandling?: boolean;
	latencyMs?: number;
}

function routeMatches(pattern: string, route: string): boolean {
	if (pattern === '*') return true;
	if (pattern.endsWith('*')) return route.startsWith(pattern.slice(0, -1));
	return pattern === route;
}

/** mulberry32: small, fast and deterministic for a given seed. */
function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export class FaultInjector {
	private rules: FaultRule[] = [];
	private random: () => number;
	/** Failures injected so far: "reset" or the status ("429"). */
	private injected = new Map<string, number>();

	constructor(seed = 1) {
		this.random = seededRandom(seed);
	}

	add(rule: FaultRule): void {
		if (!rule.route) throw new Error('a fault rule needs a route ("*" for all routes)');
		this.rules.push({ ...rule });
	}

	clear(): void {
		this.rules = [];
	}

	/** How many failures were injected, by kind ("reset", "resetAfterHandling", "429"...), so a test can tell its faults really happened. */
	injectedCounts(): Record<string, number> {
		return Object.fromEntries(this.injected);
	}

	list(): FaultRule[] {
		return this.rules.map((rule) => ({ ...rule }));
	}

	/**
	 * Decides the fault for one request on `route`: latency from several rules adds up, the first
	 * failure wins, and a counted rule is used up only by a request it actually affected, so "two 429s
	 * then two 503s" is two rules in that order.
	 */
	take(route: string): Fault | undefined {
		let fault: Fault | undefined;
		for (const rule of this.rules) {
			if (!routeMatches(rule.route, route)) continue;
			if (rule.count !== undefined && rule.count <= 0) continue;
			const failureTaken = fault?.status !== undefined || fault?.reset === true || fault?.resetAfterHandling === true;
			const fails = rule.reset === true || rule.resetAfterHandling === true || rule.status !== undefined;
			if (fails && failureTaken && !rule.latencyMs) continue;
			if (rule.probability !== undefined && this.random() >= rule.probability) continue;
			if (rule.count !== undefined) rule.count -= 1;
			fault ??= {};
			if (rule.latencyMs) fault.latencyMs = (fault.latencyMs ?? 0) + rule.latencyMs;
			if (fails && !failureTaken) {
				if (rule.reset) fault.reset = true;
				else if (rule.resetAfterHandling) fault.resetAfterHandling = true;
				else {
					fault.status = rule.status;
					fault.retryAfterSeconds = rule.retryAfterSeconds;
				}
			}
		}
		this.rules = this.rules.filter((rule) => rule.count === undefined || rule.count > 0);
		const kind = fault?.reset ? 'reset' : fault?.resetAfterHandling ? 'resetAfterHandling' : fault?.status !== undefined ? String(fault.status) : undefined;
		if (kind) this.injected.set(kind, (this.injected.get(kind) ?? 0) + 1);
		return fault;
	}
}
