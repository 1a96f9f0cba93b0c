/**
 * Google asks that "mutate requests for the same user be sent sequentially to avoid increased latency
 * and failures". A MutationQueue runs one mutation at a time, in the order they were asked for.
 * Clients that name the same key (say, the credential id) share a queue within this process.
 */

export class MutationQueue {
	private tail: Promise<unknown> = Promise.resolve();

	run<T>(task: () => Promise<T>): Promise<T> {
		const result = this.tail.then(task, task);
		this.tail = result.catch(() => undefined);
		return result;
	}
}

// Per-process sharing only speeds things up and avoids failures; correctness never depends on it.
const sharedQueues = new Map<string, MutationQueue>();

/** The queue for `key`, shared by every caller in this process that uses the same key; a private one without a key. */
export function mutationQueueFor(key?: string): MutationQueue {
	if (key === undefined) return new MutationQueue();
	let queue = sharedQueues.get(key);
	if (!queue) {
		queue = new MutationQueue();
		sharedQueues.set(key, queue);
	}
	return queue;
}
