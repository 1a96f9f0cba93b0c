/**
 * Deep copies of the JSON data the simulators store and answer with. structuredClone does the same
 * for such data but goes through V8's serializer for every value: for the many small objects of a
 * person or a record it costs several times more than walking them.
 */
export function copyJson<T>(value: T): T {
	if (typeof value !== 'object' || value === null) return value;
	if (Array.isArray(value)) return value.map(copyJson) as T;
	const copy: Record<string, unknown> = {};
	for (const key of Object.keys(value)) {
		const item = copyJson((value as Record<string, unknown>)[key]);
		// An own "__proto__" (JSON.parse makes one) must stay a property, not become the prototype.
		if (key === '__proto__') Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true });
		else copy[key] = item;
	}
	return copy as T;
}

/** Characters JSON.stringify escapes in a string: quote, backslash, controls, and (lone) surrogates. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** Whether a string may need escaping in JSON (a surrogate pair counts, as a lone one needs it); if not, its JSON is its characters between quotes. */
export function needsEscaping(text: string): boolean {
	return NEEDS_ESCAPE.test(text);
}

/**
 * JSON text of a primitive, exactly as JSON.stringify writes it inside an object, for bodies written
 * piecewise. A string that needs no escaping (nearly all) is quoted directly: JSON.stringify's set-up
 * costs more than the copy for the many short values of a page.
 */
export function jsonPrimitive(value: string | number | boolean | null): string {
	if (typeof value === 'string') return needsEscaping(value) ? JSON.stringify(value) : `"${value}"`;
	return JSON.stringify(value);
}

/**
 * A JSON body written as UTF-8 bytes piece by piece (a page's rows one at a time): a large body is
 * never held as one string, an object tree or a rope of every value, each of which costs more to
 * build and to encode than the bytes themselves. The server sends its chunks as they are.
 */
export class JsonBytes {
	private static readonly CHUNK_SIZE = 1024 * 1024;
	private full: Buffer[] = [];
	private chunk = Buffer.allocUnsafe(0);
	private used = 0;

	write(text: string): void {
		// UTF-8 takes at most 3 bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2 units).
		const needed = text.length * 3;
		if (this.used + needed > this.chunk.length) {
			if (this.used > 0) this.full.push(this.chunk.subarray(0, this.used));
			this.chunk = Buffer.allocUnsafe(Math.max(needed, JsonBytes.CHUNK_SIZE));
			this.used = 0;
		}
		this.used += this.chunk.write(text, this.used, 'utf8');
	}

	/** The bytes written, in order, without copying them into one buffer. */
	chunks(): Buffer[] {
		return this.used > 0 ? [...this.full, this.chunk.subarray(0, this.used)] : [...this.full];
	}

	toString(): string {
		return Buffer.concat(this.chunks()).toString('utf8');
	}
}
