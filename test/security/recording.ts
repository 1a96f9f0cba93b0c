/**
 * What a test run produces, collected for the secret scan (test/security/suite-output.scan.ts). Off
 * unless SECRET_SCAN_DIR names a folder, as `npm test` does (test/security/run-suite.js): then the
 * simulators register every secret they seed or issue, the n8n harness records node outputs, errors
 * and n8n-core's log, and the e2e launcher keeps n8n's output, all in that folder.
 */
import { appendFileSync, mkdirSync } from 'fs';
import { join } from 'path';
import { inspect } from 'util';

export const RECORDING_DIRECTORY_VARIABLE = 'SECRET_SCAN_DIR';
const RECORDED_LIST_LENGTH = 50;
/** Registry files (one per process): JSON lines of { kind, value }. The scan reads them and never scans them. */
export const REGISTRY_FILE = /^secrets-\d+\.jsonl$/;

export interface RegisteredSecret {
	/** What the secret is, e.g. "Google refresh token"; named in scan findings. */
	kind: string;
	value: string;
}

/** The run's recording folder, or undefined when nothing is recorded. */
export function recordingDirectory(): string | undefined {
	return process.env[RECORDING_DIRECTORY_VARIABLE] || undefined;
}

/** A path in the recording folder for a log of this process (`<name>-<pid>.log`), or undefined when not recording. */
export function recordingFile(name: string): string | undefined {
	const directory = recordingDirectory();
	if (!directory) return undefined;
	mkdirSync(directory, { recursive: true });
	return join(directory, `${name}-${process.pid}.log`);
}

function append(fileName: string, line: string): void {
	const directory = recordingDirectory();
	if (!directory) return;
	mkdirSync(directory, { recursive: true });
	appendFileSync(join(directory, fileName), `${line}\n`);
}

export function recordSecret(kind: string, value: string): void {
	append(`secrets-${process.pid}.jsonl`, JSON.stringify({ kind, value } satisfies RegisteredSecret));
}

const INSPECT_DEPTH = 12;

/** Every error in a value, once: Error objects and the `error` of items and runs (continue-on-fail items, failed nodes). */
function errorsWithin(value: unknown, found = new Set<unknown>(), seen = new WeakSet<object>(), depth = 0): Set<unknown> {
	if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || seen.has(value) || depth > INSPECT_DEPTH) return found;
	seen.add(value);
	if (value instanceof Error) return found.add(value);
	const { error } = value as { error?: unknown };
	if (!Array.isArray(value) && error && !(error instanceof Error)) found.add(error);
	for (const child of Object.values(value)) errorsWithin(child, found, seen, depth + 1);
	return found;
}

function inspected(value: unknown, maxArrayLength: number): string {
	return inspect(value, { depth: INSPECT_DEPTH, maxArrayLength, maxStringLength: Infinity, breakLength: Infinity });
}

/**
 * One value the suite produced (items, an error with its cause and context), as util.inspect prints
 * it: every own property, cycles cut, strings whole. Lists keep their first RECORDED_LIST_LENGTH
 * entries (a leak into items repeats on every item, and the whole suite's items would run to
 * gigabytes); every error in the value is recorded in full besides.
 */
export function recordOutput(source: string, value: unknown): void {
	if (!recordingDirectory()) return;
	append(`outputs-${process.pid}.log`, `${source}: ${inspected(value, RECORDED_LIST_LENGTH)}`);
	const errors = [...errorsWithin(value)];
	if (errors.length) append(`outputs-${process.pid}.log`, `${source}, its errors: ${inspected(errors, Infinity)}`);
}
