/** Requests counted by route name; benchmarks and "bounded number of requests" tests read these. */
export class RequestCounters {
	private counts = new Map<string, number>();

	record(route: string): void {
		this.counts.set(route, (this.counts.get(route) ?? 0) + 1);
	}

	snapshot(): Record<string, number> {
		return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
	}

	total(prefix = ''): number {
		let sum = 0;
		for (const [route, count] of this.counts) if (route.startsWith(prefix)) sum += count;
		return sum;
	}

	reset(): void {
		this.counts.clear();
	}
}
