/**
 * Maps one contact to a target-ready record: Dynamics attribute values for a create or update
 * body, a partial People API Person (whole arrays for every Person field it touches, so an
 * update's updatePersonFields is its keys), or a plain flat record; with the match keys the
 * writers need (the counterpart's id when the source knows it, the normalised emails).
 *
 * When the target's current record is known (an update), it anchors the result: names split
 * around the unchanged part, values that compare equal (phones by digits, emails case-blind,
 * address lines) keep the target's own formatting, Google list entries the map does not speak
 * about (a home address, a fifth email, other labels) are kept.
 */
import type { AppName, FieldDescriptor } from '../model/fields';
import { dynamicsFormattedValue, readDynamicsField, toDynamicsWireValue, type DynamicsRecord } from '../dynamics/contact-fields';
import { googlePersonField, readGoogleField, writeGoogleField, type GooglePerson } from '../google/fields';
import type { PlainRecord } from '../plain/fields';
import { isWritable } from './compatibility';
import { joinName, splitName } from './names';
import { normalizeEmail } from './normalize';
import { APP_NAMES, compileMapping, type CompiledMapping, type MappingError, type MappingSpec, type ResolvedLink, type ResolvedNames } from './spec';
import { convertValue, fitTargetValue, isEmptyValue, valuesEqual, ValueError, type ConversionContext, type Converted, type ValueMap } from './values';

/** Where the link between a Dynamics contact and its counterpart is kept. */
export const LINK_KEYS = {
	/** Google contact clientData key holding the linked Dynamics contactid. */
	googleDynamicsContactId: 'dynamics365.contactid',
	/** Google contact clientData key holding the fingerprint of the last synced values. */
	googleSyncFingerprint: 'dynamics365.fingerprint',
	/** Plain record key holding the linked Dynamics contactid. */
	plainDynamicsContactId: 'dynamicsContactId',
} as const;

/** The Google system group every contact must stay in when its labels are set. */
const MY_CONTACTS_GROUP = 'contactGroups/myContacts';

export interface MappingContext {
	/** The target's current record (raw Dynamics JSON, a Person, or a plain record) when updating. */
	current?: Record<string, unknown>;
	/** The source record's id, for plain records (Dynamics and Google records carry their own). */
	sourceId?: string;
}

export interface TargetRecord {
	target: AppName;
	/** Dynamics attribute names, a partial People API Person, or plain keys. */
	values: Record<string, unknown>;
	matchKeys: {
		/** The counterpart's id (Dynamics contactid or Google resourceName) when the source knows it. */
		linkId?: string;
		/** The source's emails, trimmed and lower-case, primary first. */
		emails: string[];
	};
	sourceId: string;
	sourceApp: AppName;
}

export type MappingResult = { ok: true; record: TargetRecord } | { ok: false; error: MappingError };

/** A value problem tied to the field it was bound for. */
class ItemError extends Error {
	constructor(
		readonly field: string,
		message: string,
		readonly fix: string,
	) {
		super(message);
	}
}

/** A ValueError as the problem of the field it was bound for; anything else as it is. */
function forField(field: FieldDescriptor, error: unknown): unknown {
	return error instanceof ValueError ? new ItemError(field.name, error.message, error.fix) : error;
}

interface SourceAccess {
	read(field: FieldDescriptor): unknown;
	labelOf(field: FieldDescriptor, value: unknown): string | undefined;
}

interface TargetAccess {
	/** Whether the target's current record is known (an update). */
	readonly known: boolean;
	/** The target's current value of a field (undefined when creating). */
	current(field: FieldDescriptor): unknown;
	/** Writes a canonical value; an empty value clears the field. */
	write(field: FieldDescriptor, value: unknown): void;
	/** The finished values, with the contact added to `labels` (Google only). */
	finish(labels: string[]): Record<string, unknown>;
}

// Sources and targets are classes, not closures: one of each is made for every contact mapped.
class DynamicsSource implements SourceAccess {
	constructor(private readonly record: DynamicsRecord) {}

	read(field: FieldDescriptor): unknown {
		return readDynamicsField(this.record, field);
	}

	labelOf(field: FieldDescriptor, value: unknown): string | undefined {
		return value === this.record[field.name] ? dynamicsFormattedValue(this.record, field) : undefined;
	}
}

class GoogleSource implements SourceAccess {
	constructor(private readonly person: GooglePerson) {}

	read(field: FieldDescriptor): unknown {
		return readGoogleField(this.person, field.name);
	}

	labelOf(): undefined {
		return undefined;
	}
}

class PlainSource implements SourceAccess {
	constructor(private readonly record: PlainRecord) {}

	read(field: FieldDescriptor): unknown {
		return this.record[field.name];
	}

	labelOf(): undefined {
		return undefined;
	}
}

function sourceAccess(app: AppName, record: Record<string, unknown>): SourceAccess {
	switch (app) {
		case 'dynamics':
			return new DynamicsSource(record);
		case 'google':
			return new GoogleSource(record as GooglePerson);
		case 'plain':
			return new PlainSource(record);
	}
}

/** A target whose values are a flat record: Dynamics attributes or plain keys. */
abstract class FlatTarget implements TargetAccess {
	protected readonly values: Record<string, unknown> = {};
	readonly known: boolean;

	constructor(protected readonly currentRecord: Record<string, unknown> | undefined) {
		this.known = currentRecord !== undefined;
	}

	abstract current(field: FieldDescriptor): unknown;

	abstract write(field: FieldDescriptor, value: unknown): void;

	finish(): Record<string, unknown> {
		return this.values;
	}
}

class DynamicsTarget extends FlatTarget {
	current(field: FieldDescriptor): unknown {
		return this.currentRecord ? readDynamicsField(this.currentRecord, field) : undefined;
	}

	write(field: FieldDescriptor, value: unknown): void {
		this.values[field.name] = toDynamicsWireValue(field, value);
	}
}

class GoogleTarget implements TargetAccess {
	private readonly person: GooglePerson = {};
	readonly known: boolean;

	constructor(private readonly currentPerson: GooglePerson | undefined) {
		this.known = currentPerson !== undefined;
	}

	current(field: FieldDescriptor): unknown {
		return this.currentPerson ? readGoogleField(this.currentPerson, field.name) : undefined;
	}

	write(field: FieldDescriptor, value: unknown): void {
		const { person, currentPerson } = this;
		// Arrays are replaced whole on update: start from the current one so entries the map does not touch survive.
		if (currentPerson) {
			const personField = googlePersonField(field.name);
			if (!(personField in person) && currentPerson[personField] !== undefined) person[personField] = structuredClone(currentPerson[personField]);
		}
		writeGoogleField(person, field.name, isEmptyValue(value) ? undefined : value);
	}

	finish(labels: string[]): Record<string, unknown> {
		const { person, currentPerson } = this;
		if (labels.length > 0) {
			const groups = readGoogleField(person.memberships ? person : currentPerson ?? {}, 'memberships') as string[];
			writeGoogleField(person, 'memberships', [...new Set([...groups, ...labels])]);
		}
		// A contact must always stay in at least one group; a new one with labels also goes to My Contacts.
		const groups = person.memberships ? (readGoogleField(person, 'memberships') as string[]) : undefined;
		if (groups && !currentPerson && !groups.includes(MY_CONTACTS_GROUP)) writeGoogleField(person, 'memberships', [MY_CONTACTS_GROUP, ...groups]);
		return person;
	}
}

class PlainTarget extends FlatTarget {
	current(field: FieldDescriptor): unknown {
		return this.currentRecord?.[field.name];
	}

	write(field: FieldDescriptor, value: unknown): void {
		this.values[field.name] = isEmptyValue(value) ? null : value;
	}
}

function targetAccess(app: AppName, current: Record<string, unknown> | undefined): TargetAccess {
	if (app === 'dynamics') return new DynamicsTarget(current);
	if (app === 'google') return new GoogleTarget(current as GooglePerson | undefined);
	return new PlainTarget(current);
}

const textOf = (value: unknown) => (value === undefined || value === null ? '' : String(value).trim());

/** Adds the non-empty lines of a value, trimmed, to `lines`. */
function addLines(lines: string[], value: unknown): void {
	const text = textOf(value);
	if (!text.includes('\n')) {
		if (text !== '') lines.push(text);
		return;
	}
	for (const line of text.split(/\r?\n/)) {
		const trimmed = line.trim();
		if (trimmed !== '') lines.push(trimmed);
	}
}

/** The non-empty lines of the values, trimmed. */
function linesOf(values: unknown[]): string[] {
	const lines: string[] = [];
	for (const value of values) addLines(lines, value);
	return lines;
}
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : isEmptyValue(value) ? [] : [value]);

/** Carries the values of one record along the compiled links. */
class RecordMapper {
	/** How values convert when the link has no value map: the same for every field of the record. */
	private readonly conversion: ConversionContext;

	constructor(
		private readonly mapping: CompiledMapping,
		private readonly source: SourceAccess,
		private readonly target: TargetAccess,
	) {
		this.conversion = { fromDynamics: mapping.sides.fromDynamics, labelOf: (field, raw) => source.labelOf(field, raw) };
	}

	/** The target's own form of an equal value: "+1 555 0100" stays as the target writes it. */
	private keepTargetFormat(field: FieldDescriptor, value: unknown): unknown {
		const current = this.target.current(field);
		// A new record (or an empty field) has no format to keep.
		if (current === undefined) return value;
		if (Array.isArray(value)) {
			const currentItems = asArray(current);
			return value.map((item) => currentItems.find((existing) => valuesEqual(field, existing, item)) ?? item);
		}
		return valuesEqual(field, value, current) ? current : value;
	}

	/** Writes a value into a target field; an empty value clears it only when `clear` (or the spec) says so. */
	private put(field: FieldDescriptor, value: unknown, clear = this.mapping.clearEmpty): void {
		if (!isWritable(field)) return;
		if (isEmptyValue(value)) {
			if (clear) this.target.write(field, null);
			return;
		}
		const kept = this.keepTargetFormat(field, value);
		let fitted: unknown;
		try {
			fitted = fitTargetValue(field, kept, this.mapping.overLengthText);
		} catch (error) {
			throw forField(field, error);
		}
		this.target.write(field, fitted);
	}

	run(link: ResolvedLink): void {
		const fromDynamics = this.mapping.sides.fromDynamics;
		switch (link.kind) {
			case 'field':
				return fromDynamics ? this.field(link.dynamics, link.other, link.valueMap) : this.field(link.other, link.dynamics, link.valueMap);
			case 'list':
				return fromDynamics ? this.slotsToList(link.dynamics, link.other) : this.listToSlots(link.other, link.dynamics);
			case 'lines':
				return fromDynamics ? this.lines(link.dynamics, link.other) : this.lines(link.other, link.dynamics);
			case 'names':
				return fromDynamics ? this.names(link.dynamics, link.other) : this.names(link.other, link.dynamics);
		}
	}

	private field(from: FieldDescriptor, to: FieldDescriptor, valueMap: ValueMap | undefined): void {
		const value = this.source.read(from);
		if (isEmptyValue(value)) return this.put(to, null);
		// Only a value map reads the target's current value (to keep the entries it does not speak about).
		const context = valueMap ? { ...this.conversion, valueMap, current: this.target.current(to) } : this.conversion;
		let converted: Converted;
		try {
			converted = convertValue(value, from, to, context);
		} catch (error) {
			throw forField(to, error);
		}
		if (converted) this.put(to, converted.value);
	}

	/** Numbered columns → a list: the columns in order, then the list's entries past the last column. */
	private slotsToList(slots: FieldDescriptor[], list: FieldDescriptor): void {
		const merged: unknown[] = [];
		const add = (value: unknown) => {
			if (!merged.some((existing) => valuesEqual(list, existing, value))) merged.push(value);
		};
		for (const slot of slots) {
			const text = textOf(this.source.read(slot));
			if (text !== '') add(text);
		}
		if (merged.length === 0) return this.put(list, null);
		const currentItems = asArray(this.target.current(list));
		for (let index = slots.length; index < currentItems.length; index++) add(currentItems[index]);
		this.put(list, merged);
	}

	/** A list → numbered columns, as a unit: columns past the list's end are cleared. */
	private listToSlots(list: FieldDescriptor, slots: FieldDescriptor[]): void {
		const values = asArray(this.source.read(list));
		if (values.length === 0) {
			for (const slot of slots) this.put(slot, null);
			return;
		}
		slots.forEach((slot, index) => this.put(slot, values[index], true));
	}

	/** Address lines, as a unit: one line per field, the rest in the last field, one per line. */
	private lines(from: FieldDescriptor[], to: FieldDescriptor[]): void {
		const lines: string[] = [];
		for (const field of from) addLines(lines, this.source.read(field));
		if (lines.length === 0) {
			for (const field of to) this.put(field, null);
			return;
		}
		// A new record has no lines of its own to keep.
		const currentValues = this.target.known ? to.map((field) => this.target.current(field)) : [];
		const sameLines = this.target.known && linesOf(currentValues).join('\n') === lines.join('\n');
		to.forEach((field, index) => {
			const value = sameLines ? currentValues[index] : index < to.length - 1 ? lines[index] : lines.slice(index).join('\n');
			this.put(field, value, true);
		});
	}

	private readText(field: FieldDescriptor | undefined): string {
		return field ? textOf(this.source.read(field)) : '';
	}

	/** Names as a unit: both parts written together; a full name is split around the target's current names. */
	private names(from: ResolvedNames, to: ResolvedNames): void {
		let parts = { first: this.readText(from.first), last: this.readText(from.last) };
		if (!parts.first && !parts.last) {
			const full = this.readText(from.full);
			if (!full) {
				for (const field of [to.first, to.last, to.full]) if (field) this.put(field, null);
				return;
			}
			const anchor = { first: to.first ? textOf(this.target.current(to.first)) : '', last: to.last ? textOf(this.target.current(to.last)) : '' };
			parts = splitName(full, anchor.first || anchor.last ? anchor : undefined);
		}
		if (to.first) this.put(to.first, parts.first, true);
		if (to.last) this.put(to.last, parts.last, true);
		if (from.middle && to.middle) this.put(to.middle, this.readText(from.middle));
		// Google's display name is read-only: the join is only worth making for a full name that is written.
		if (to.full && isWritable(to.full)) this.put(to.full, joinName(parts.first, parts.last), true);
	}
}

/** A list built by push, at its length: an array grown by push keeps 16 spare slots, which every mapped record would carry. */
const atLength = <T>(items: T[]): T[] => items.slice();

/** Adds an email, normalised, to `emails` unless it is empty or already there. */
function addEmail(emails: string[], value: unknown): void {
	if (typeof value !== 'string' || value.trim() === '') return;
	const email = normalizeEmail(value);
	if (!emails.includes(email)) emails.push(email);
}

function uniqueEmails(values: unknown[]): string[] {
	const emails: string[] = [];
	for (const value of values) addEmail(emails, value);
	return atLength(emails);
}

function stringOrUndefined(value: unknown): string | undefined {
	return typeof value === 'string' && value !== '' ? value : undefined;
}

function dynamicsEmails(mapping: CompiledMapping, source: SourceAccess): string[] {
	const emails: string[] = [];
	for (const field of mapping.dynamicsEmailFields) addEmail(emails, source.read(field));
	return atLength(emails);
}

/** The source's own id, its emails, and the counterpart's id when the source (or the current target) knows it. */
function identify(mapping: CompiledMapping, record: Record<string, unknown>, source: SourceAccess, context: MappingContext) {
	const current = context.current;
	switch (mapping.sides.source) {
		case 'dynamics':
			return {
				sourceId: stringOrUndefined(record.contactid),
				emails: dynamicsEmails(mapping, source),
				linkId: stringOrUndefined(mapping.linkField && record[mapping.linkField.name]) ?? stringOrUndefined(current?.resourceName),
			};
		case 'google': {
			const person = record as GooglePerson;
			return {
				sourceId: stringOrUndefined(person.resourceName),
				emails: uniqueEmails(readGoogleField(person, 'emailAddresses') as string[]),
				linkId: stringOrUndefined(readGoogleField(person, `clientData:${LINK_KEYS.googleDynamicsContactId}`)) ?? stringOrUndefined(current?.contactid),
			};
		}
		case 'plain':
			return {
				sourceId: context.sourceId ?? (record.id === undefined || record.id === null ? '' : String(record.id)),
				emails: uniqueEmails([record.email, record.email2, record.email3]),
				linkId: stringOrUndefined(record[LINK_KEYS.plainDynamicsContactId]) ?? stringOrUndefined(current?.contactid),
			};
	}
}

const linkDescriptor = (app: AppName, name: string): FieldDescriptor => ({ app, name, label: 'Link to the Dynamics contact', type: 'text', writable: true });
/** Where the link to a Dynamics contact is written, per target. */
const LINK_FIELDS = {
	google: linkDescriptor('google', `clientData:${LINK_KEYS.googleDynamicsContactId}`),
	plain: linkDescriptor('plain', LINK_KEYS.plainDynamicsContactId),
};

/** Writes the link to the source record into the target, where the target has a place for it. */
function writeLink(mapping: CompiledMapping, target: TargetAccess, sourceId: string): void {
	const { source, target: targetApp } = mapping.sides;
	if (source === 'dynamics' && targetApp !== 'dynamics') target.write(LINK_FIELDS[targetApp], sourceId);
	if (source === 'google' && mapping.linkField) target.write(mapping.linkField, sourceId);
}

const ID_FIELDS: Record<AppName, string> = { dynamics: 'contactid', google: 'resourceName', plain: 'id' };
/** Where contacts with their id come from, for the error on a contact without one (a plain record always has an id). */
const ID_SOURCES: Record<AppName, string> = {
	dynamics: 'Connect this node to the Dynamics 365 Contact Trigger or the Dynamics 365 Contact node: their items carry the contact with its contactid (in "contact", or the item itself).',
	google: 'Connect this node to the Google Contacts Trigger or the Google Contacts Sync node: their items carry the contact with its resourceName "people/…" (in "person", or the item itself).',
	plain: 'Give each item an id.',
};

/**
 * Maps one contact (raw Dynamics Web API JSON, a People API Person, or a plain record) by `spec`
 * (or a mapping compiled once with compileMapping). Fails with the first problem: an invalid spec,
 * or a value that does not fit its target field (named, with the fix).
 */
export function mapContact(record: unknown, spec: MappingSpec | CompiledMapping, context: MappingContext = {}): MappingResult {
	let mapping: CompiledMapping;
	if ('compiled' in spec) mapping = spec;
	else {
		const compiled = compileMapping(spec);
		if (!compiled.ok) return { ok: false, error: compiled.errors[0] };
		mapping = compiled.mapping;
	}
	const { source: sourceApp, target: targetApp } = mapping.sides;
	if (typeof record !== 'object' || record === null || Array.isArray(record)) {
		return { ok: false, error: { field: 'record', message: `The item is not a contact record (got ${Array.isArray(record) ? 'a list' : typeof record})`, fix: `Pass one ${APP_NAMES[sourceApp]} contact per item, as JSON.` } };
	}
	const sourceRecord = record as Record<string, unknown>;
	const source = sourceAccess(sourceApp, sourceRecord);
	const identity = identify(mapping, sourceRecord, source, context);
	if (identity.sourceId === undefined) {
		const idField = ID_FIELDS[sourceApp];
		return { ok: false, error: { field: idField, message: `The ${APP_NAMES[sourceApp]} contact has no ${idField}`, fix: ID_SOURCES[sourceApp] } };
	}
	const target = targetAccess(targetApp, context.current);
	const mapper = new RecordMapper(mapping, source, target);
	try {
		for (const link of mapping.links) mapper.run(link);
	} catch (error) {
		if (error instanceof ItemError) return { ok: false, error: { field: error.field, message: error.message, fix: error.fix } };
		throw error;
	}
	writeLink(mapping, target, identity.sourceId);
	for (const fixed of mapping.fixedValues) target.write(fixed.field, fixed.value);
	return {
		ok: true,
		record: {
			target: targetApp,
			values: target.finish(mapping.addToLabels),
			matchKeys: { linkId: identity.linkId, emails: identity.emails },
			sourceId: identity.sourceId,
			sourceApp,
		},
	};
}
