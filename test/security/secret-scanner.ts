/**
 * Finds secrets in files: every registered secret (test/security/recording.ts) and the simulators'
 * SECRET_MARKER, each in the forms a leak takes: as is, URL-encoded (encodeURIComponent and form
 * encoding), JSON-escaped, and inside base64 or base64url at any of the three byte alignments (an
 * HTTP Basic header, a JWT). A PEM private key is looked for by each line of its body, so a part of
 * a key counts too. Findings name the file, the line and the kind of secret, never the secret.
 */
import { closeSync, fstatSync, openSync, readSync, readdirSync, readFileSync, statSync } from 'fs';
import { join } from 'path';
import { SECRET_MARKER } from '../simulators/common/secrets';
import { REGISTRY_FILE, type RegisteredSecret } from './recording';

export interface SecretFinding {
	file: string;
	/** 1-based. */
	line: number;
	kind: string;
	/** How it was written: 'as is', 'URL-encoded', 'JSON-escaped', 'base64', ... */
	form: string;
	/** A redacted reminder of which secret: its first characters and its length. */
	hint: string;
}

interface Needle {
	text: string;
	kind: string;
	form: string;
	hint: string;
}

/** Every needle is at least this long: shorter base64 fragments would match by chance. */
const MIN_NEEDLE_LENGTH = 12;
const CHUNK_SIZE = 8 * 1024 * 1024;
const PEM_BLOCK = /-----BEGIN [A-Z ]+-----([\s\S]*?)-----END [A-Z ]+-----/g;

export const MARKER_KIND = 'simulator secret (found by its marker)';

/** "ya29…" (45 characters): enough to tell secrets apart in a report, too little to use one. */
export function redactedHint(value: string): string {
	return `"${value.slice(0, 4)}…" (${value.length} characters)`;
}

/**
 * The base64 text that encodes `value` wherever it sits in an encoded blob: for each of the three
 * alignments, the characters that depend on the value's bytes alone.
 */
function base64Interiors(value: string): string[] {
	const bytes = Buffer.from(value, 'utf8');
	const interiors: string[] = [];
	for (let skip = 0; skip < 3; skip++) {
		const usable = bytes.subarray(skip, skip + Math.floor((bytes.length - skip) / 3) * 3);
		if (usable.length) interiors.push(usable.toString('base64'));
	}
	return interiors;
}

function formsOf(value: string): Array<{ form: string; text: string }> {
	const forms = [
		{ form: 'as is', text: value },
		{ form: 'URL-encoded', text: encodeURIComponent(value) },
		{ form: 'form-encoded', text: new URLSearchParams({ v: value }).toString().slice(2) },
		{ form: 'JSON-escaped', text: JSON.stringify(value).slice(1, -1) },
		...base64Interiors(value).flatMap((text) => [
			{ form: 'base64', text },
			{ form: 'base64url', text: text.replace(/\+/g, '-').replace(/\//g, '_') },
		]),
	];
	const seen = new Set<string>();
	return forms.filter(({ text }) => text.length >= MIN_NEEDLE_LENGTH && !seen.has(text) && seen.add(text));
}

/** What reveals a secret: for a PEM private key, each line of its body; otherwise the whole value. */
function revealingParts(secret: RegisteredSecret): Array<{ kind: string; value: string }> {
	const blocks = [...secret.value.matchAll(PEM_BLOCK)];
	if (!blocks.length) return [{ kind: secret.kind, value: secret.value }];
	return blocks.flatMap((block) =>
		block[1]
			.split(/\s+/)
			.filter((line) => line.length >= MIN_NEEDLE_LENGTH)
			.map((line, index) => ({ kind: `${secret.kind} (body line ${index + 1})`, value: line })),
	);
}

export class SecretMatcher {
	/** Needles by their first MIN_NEEDLE_LENGTH characters. */
	private readonly needles = new Map<string, Needle[]>();
	/** The first three characters of every needle, as numbers: a cheap test that most positions fail. */
	private readonly starts = new Set<number>();
	private longest = 0;

	/** With `withMarker`, any text holding SECRET_MARKER (in any form) counts, registered or not. */
	constructor(secrets: RegisteredSecret[], options: { withMarker?: boolean } = {}) {
		if (options.withMarker ?? true) this.add({ kind: MARKER_KIND, value: SECRET_MARKER }, 'the marker of a simulator-issued secret');
		for (const secret of secrets) {
			for (const part of revealingParts(secret)) this.add(part, redactedHint(secret.value));
		}
	}

	get size(): number {
		let count = 0;
		for (const bucket of this.needles.values()) count += bucket.length;
		return count;
	}

	private add(secret: { kind: string; value: string }, hint: string): void {
		for (const { form, text } of formsOf(secret.value)) {
			const key = text.slice(0, MIN_NEEDLE_LENGTH);
			const bucket = this.needles.get(key) ?? [];
			if (bucket.some((needle) => needle.text === text)) continue;
			bucket.push({ text, kind: secret.kind, form, hint });
			this.needles.set(key, bucket);
			this.starts.add(startCode(text, 0));
			this.longest = Math.max(this.longest, text.length);
		}
	}

	/** Each needle found in the text, with the offset of its first occurrence. */
	scanText(text: string): Array<Needle & { index: number }> {
		const found = new Map<Needle, number>();
		const last = text.length - MIN_NEEDLE_LENGTH;
		for (let index = 0; index <= last; index++) {
			if (!this.starts.has(startCode(text, index))) continue;
			const bucket = this.needles.get(text.slice(index, index + MIN_NEEDLE_LENGTH));
			if (!bucket) continue;
			for (const needle of bucket) {
				if (!found.has(needle) && text.startsWith(needle.text, index)) found.set(needle, index);
			}
		}
		return [...found].map(([needle, index]) => ({ ...needle, index }));
	}

	/** Reads the file in chunks (logs can be large), overlapping so a secret across a boundary is found. */
	scanFile(file: string): SecretFinding[] {
		const findings = new Map<string, SecretFinding>();
		const descriptor = openSync(file, 'r');
		try {
			const overlap = Math.max(this.longest * 6, 1024);
			const chunkSize = Math.min(CHUNK_SIZE, fstatSync(descriptor).size + 1);
			const buffer = Buffer.allocUnsafe(chunkSize + overlap);
			let carried = Buffer.alloc(0);
			let linesBefore = 0;
			for (;;) {
				carried.copy(buffer, 0);
				const read = readSync(descriptor, buffer, carried.length, chunkSize, null);
				const chunk = buffer.subarray(0, carried.length + read);
				const text = chunk.toString('utf8');
				for (const match of this.scanText(text)) {
					const key = `${match.kind}\u0000${match.form}\u0000${match.hint}`;
					if (findings.has(key)) continue;
					const line = linesBefore + countNewlines(text, match.index) + 1;
					findings.set(key, { file, line, kind: match.kind, form: match.form, hint: match.hint });
				}
				if (read === 0) break;
				// Keep the tail for the next chunk; count the lines of what is dropped.
				const keep = Math.min(overlap, chunk.length);
				const dropped = chunk.subarray(0, chunk.length - keep);
				linesBefore += countNewlines(dropped.toString('utf8'), dropped.length);
				carried = Buffer.from(chunk.subarray(chunk.length - keep));
			}
		} finally {
			closeSync(descriptor);
		}
		return [...findings.values()];
	}
}

function startCode(text: string, index: number): number {
	return text.charCodeAt(index) * 0x100000000 + text.charCodeAt(index + 1) * 0x10000 + text.charCodeAt(index + 2);
}

function countNewlines(text: string, end: number): number {
	let count = 0;
	for (let index = text.indexOf('\n'); index !== -1 && index < end; index = text.indexOf('\n', index + 1)) count++;
	return count;
}

/** The secrets registered in a recording folder (every process's registry file). */
export function readRegistry(directory: string): RegisteredSecret[] {
	const secrets = new Map<string, RegisteredSecret>();
	for (const name of readdirSync(directory).filter((entry) => REGISTRY_FILE.test(entry))) {
		for (const line of readFileSync(join(directory, name), 'utf8').split('\n')) {
			if (!line.trim()) continue;
			const secret = JSON.parse(line) as RegisteredSecret;
			secrets.set(secret.value, secret);
		}
	}
	return [...secrets.values()];
}

/** Every file under `directory` (recursively), registry files excepted. */
export function recordedFiles(directory: string): string[] {
	return readdirSync(directory, { recursive: true, encoding: 'utf8' })
		.filter((entry) => !REGISTRY_FILE.test(entry.split(/[\\/]/).pop() as string))
		.map((entry) => join(directory, entry))
		.filter((file) => statSync(file).isFile());
}

/** One line per finding, for a failure message. */
export function describeFindings(findings: SecretFinding[]): string {
	return findings.map((finding) => `${finding.file}:${finding.line}: ${finding.kind}, ${finding.form}, ${finding.hint}`).join('\n');
}
