/**
 * The simulated org in memory: tables of records, one global row-version counter (Dataverse's
 * versionnumber, which change tracking reads), tombstones of deleted rows, the Entra app registration
 * and the access tokens issued for it. Every write goes through createRecord / updateRecord /
 * deleteRecord, whether it comes from the Web API, a $batch, the control API or a test, so the
 * same validation, computed columns, modifiedby and versions apply to all of them.
 */
import { randomBytes, randomUUID } from 'crypto';
import { recordSecret } from '../../security/recording';
import { issueSecret } from '../common/secrets';
import type { SelfSignedCertificate } from '../tls';
import { type EntityDefinition, ACCOUNT, CONTACT, ENTITIES, SYSTEMUSER, TEAM, attributeOf, defaultValues, entityByName, entityBySet, stableGuid } from './schema';
import {
	type EntityRecord,
	type LookupRef,
	type RecordValues,
	type WriteMode,
	computeColumns,
	parseWriteBody,
	reconcileState,
} from './records';
import { CODES, DataverseError, isGuid, isoSeconds, odataError, recordNotFound } from './wire';

export interface Tombstone {
	id: string;
	version: number;
}

interface Table {
	definition: EntityDefinition;
	rows: Map<string, EntityRecord>;
	tombstones: Tombstone[];
	/** Alternate key column → lower-cased value → record id. */
	keys: Map<string, Map<string, string>>;
	/** The ids sorted, kept until a row is added or removed (the default order of queries). */
	sortedIds?: string[];
}

export interface AppRegistration {
	displayName: string;
	clientId: string;
	clientSecret: string;
	certificate: SelfSignedCertificate;
	/** The application user Dataverse maps this app to (WhoAmI's UserId, modifiedby of its writes). */
	applicationUserId: string;
}

export interface IssuedToken {
	clientId: string;
	/** The org URL the token was requested for (scope without /.default). */
	audience: string;
	expiresAt: number;
}

export interface WriteOptions {
	/** The systemuser doing the write: a systemuserid, full name or domain name. Defaults per caller. */
	as?: string;
	/** The id for a new record (upserts and creates that bring their own id). */
	id?: string;
	/** Timestamp for createdon / modifiedon (seeding spreads them over the past). */
	at?: Date;
}

export interface DynamicsStateOptions {
	tokenLifetimeSeconds?: number;
	changeTrackingTokenLifetimeSeconds?: number;
	certificate: SelfSignedCertificate;
	latencyMs?: number;
}

const FIRST_VERSION = 1_000_000;
const DEFAULT_CHANGE_TRACKING_LIFETIME_SECONDS = 7 * 24 * 60 * 60;
const ORGANIZATION_NAME = 'simorg';

const HUMAN_USERS = [
	{ firstname: 'Megan', lastname: 'Bowen' },
	{ firstname: 'Alex', lastname: 'Wilber' },
	{ firstname: 'Diego', lastname: 'Siciliani' },
	{ firstname: 'Isaiah', lastname: 'Langer' },
	{ firstname: 'Former', lastname: 'Employee', isdisabled: true },
];
const BASE_ACCOUNTS = ['Contoso Ltd', 'Fabrikam Inc', 'Northwind Traders'];

export class DynamicsState {
	readonly organizationId = randomUUID();
	readonly businessUnitId = randomUUID();
	readonly transactionCurrencyId = stableGuid('transactioncurrency:USD');
	readonly tenantId = randomUUID();
	readonly tenantDomain = `${ORGANIZATION_NAME}.onmicrosoft.com`;
	readonly app: AppRegistration;
	tokenLifetimeSeconds: number;
	changeTrackingTokenLifetimeSeconds: number;
	/** Added to every API request (the control API can change it). */
	latencyMs: number;
	/** Change-tracking tokens below this version are expired (see expireChangeTracking). */
	changeTrackingFloor = 0;
	/**
	 * Plays a behaviour reported of Dataverse (MicrosoftDocs/powerapps-docs#439): a tracked query asking for
	 * formatted values gets no deltaLink on its last page. Off by default; reset() turns it off.
	 */
	dropsDeltaLinkWithFormattedValues = false;

	private tables = new Map<string, Table>();
	private version = FIRST_VERSION;
	private tokens = new Map<string, IssuedToken>();
	private clockOffsetMs = 0;
	/** Before-images of the rows a running transaction touched, for rollback. */
	private journal?: { rows: Map<string, { table: Table; id: string; before: EntityRecord | undefined }>; tombstones: Map<Table, number> };

	constructor(options: DynamicsStateOptions) {
		this.tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? 3599;
		this.changeTrackingTokenLifetimeSeconds = options.changeTrackingTokenLifetimeSeconds ?? DEFAULT_CHANGE_TRACKING_LIFETIME_SECONDS;
		this.latencyMs = options.latencyMs ?? 0;
		this.app = {
			displayName: 'n8n Dynamics 365 Sync',
			clientId: randomUUID(),
			clientSecret: issueSecret('Dynamics 365 client secret', `${randomBytes(3).toString('hex')}~`, 24),
			certificate: options.certificate,
			applicationUserId: randomUUID(),
		};
		recordSecret('Dynamics 365 certificate private key', options.certificate.privateKeyPem);
		this.reset();
	}

	/** Back to a fresh org: users, teams and a few accounts; no contacts, no tombstones. Tokens stay valid. */
	reset(): void {
		this.tables = new Map(ENTITIES.map((definition) => [definition.logicalName, { definition, rows: new Map(), tombstones: [], keys: new Map() }]));
		this.changeTrackingFloor = 0;
		this.dropsDeltaLinkWithFormattedValues = false;
		const system = { as: this.app.applicationUserId };
		const systemUser = (values: RecordValues, id: string) => this.insertSystemRow(SYSTEMUSER, id, values);
		systemUser(
			{ firstname: '#', lastname: this.app.displayName, domainname: `app-${this.app.clientId}@${this.tenantDomain}`, applicationid: this.app.clientId, accessmode: 4, isdisabled: false },
			this.app.applicationUserId,
		);
		for (const person of HUMAN_USERS) {
			const domainname = `${person.firstname.toLowerCase()}.${person.lastname.toLowerCase()}@${this.tenantDomain}`;
			systemUser(
				{ firstname: person.firstname, lastname: person.lastname, domainname, internalemailaddress: domainname, accessmode: 0, isdisabled: person.isdisabled ?? false },
				stableGuid(`systemuser:${domainname}`),
			);
		}
		this.insertSystemRow(TEAM, stableGuid('team:default'), { name: ORGANIZATION_NAME, teamtype: 0, isdefault: true });
		this.insertSystemRow(TEAM, stableGuid('team:sales'), { name: 'Sales Team', teamtype: 0, isdefault: false });
		for (const name of BASE_ACCOUNTS) this.createRecord('account', { name }, system);
	}

	private insertSystemRow(definition: EntityDefinition, id: string, values: RecordValues): void {
		const row: RecordValues = { [definition.primaryIdAttribute]: id, businessunitid: { entity: 'businessunit', id: this.businessUnitId }, ...values };
		this.store(this.table(definition.logicalName), id, row, {});
	}

	now(): Date {
		return new Date(Date.now() + this.clockOffsetMs);
	}

	/** Moves the simulator's clock forward, so token and delta-link expiry can be tested without waiting. */
	advanceClock(seconds: number): void {
		this.clockOffsetMs += seconds * 1000;
	}

	nextVersion(): number {
		return ++this.version;
	}

	/** The newest row version so far; a delta token taken now covers every change up to it. */
	currentVersion(): number {
		return this.version;
	}

	table(logicalName: string): Table {
		const table = this.tables.get(logicalName);
		if (!table) throw new Error(`the simulator has no table '${logicalName}'`);
		return table;
	}

	get(entity: string, id: string): EntityRecord | undefined {
		return this.table(entity).rows.get(id.toLowerCase());
	}

	records(entity: string): EntityRecord[] {
		return [...this.table(entity).rows.values()];
	}

	/** All ids of a table in ascending order (cached: paging the default order never re-sorts). */
	idsInOrder(entity: string): readonly string[] {
		const table = this.table(entity);
		table.sortedIds ??= [...table.rows.keys()].sort();
		return table.sortedIds;
	}

	count(entity: string): number {
		return this.table(entity).rows.size;
	}

	tombstones(entity: string): readonly Tombstone[] {
		return this.table(entity).tombstones;
	}

	/** The record whose alternate key column holds `value` (case-insensitive, as SQL compares). */
	findByKey(entity: string, column: string, value: string): EntityRecord | undefined {
		const id = this.table(entity).keys.get(column)?.get(value.toLowerCase());
		return id ? this.get(entity, id) : undefined;
	}

	private put(table: Table, record: EntityRecord): void {
		this.remember(table, record.id);
		const previous = table.rows.get(record.id);
		if (!previous) table.sortedIds = undefined;
		this.unindex(table, previous);
		table.rows.set(record.id, record);
		for (const column of table.definition.alternateKeys) {
			const value = record.values[column];
			if (typeof value !== 'string') continue;
			let index = table.keys.get(column);
			if (!index) table.keys.set(column, (index = new Map()));
			index.set(value.toLowerCase(), record.id);
		}
	}

	private unindex(table: Table, record: EntityRecord | undefined): void {
		if (!record) return;
		for (const column of table.definition.alternateKeys) {
			const value = record.values[column];
			if (typeof value === 'string' && table.keys.get(column)?.get(value.toLowerCase()) === record.id) table.keys.get(column)?.delete(value.toLowerCase());
		}
	}

	private remove(table: Table, id: string): void {
		this.remember(table, id);
		this.unindex(table, table.rows.get(id));
		if (table.rows.delete(id)) table.sortedIds = undefined;
	}

	private remember(table: Table, id: string): void {
		if (!this.journal) return;
		const key = `${table.definition.logicalName}:${id}`;
		if (!this.journal.rows.has(key)) this.journal.rows.set(key, { table, id, before: table.rows.get(id) });
		if (!this.journal.tombstones.has(table)) this.journal.tombstones.set(table, table.tombstones.length);
	}

	/** Runs `work` atomically: if it throws, every row it touched is restored (a $batch change set). */
	transaction<T>(work: () => T): T {
		if (this.journal) return work();
		this.journal = { rows: new Map(), tombstones: new Map() };
		try {
			const result = work();
			this.journal = undefined;
			return result;
		} catch (error) {
			const journal = this.journal as NonNullable<DynamicsState['journal']>;
			this.journal = undefined;
			for (const { table, id, before } of journal.rows.values()) {
				if (before) this.put(table, before);
				else this.remove(table, id);
			}
			for (const [table, length] of journal.tombstones) table.tombstones.length = length;
			throw error;
		}
	}

	/** Resolves a user by systemuserid, full name or domain name (case-insensitive). */
	userId(nameOrId: string): string {
		const wanted = nameOrId.trim().toLowerCase();
		if (this.get('systemuser', wanted)) return wanted;
		const user = this.records('systemuser').find(
			(record) => record.id === wanted || [record.values.fullname, record.values.domainname].some((value) => typeof value === 'string' && value.toLowerCase() === wanted),
		);
		if (!user) {
			const known = this.records('systemuser').map((record) => record.values.fullname).join(', ');
			throw new Error(`no systemuser '${nameOrId}' in the simulator; known users: ${known}`);
		}
		return user.id;
	}

	/** The primary name of a lookup target, as FormattedValue shows it. */
	nameOf(ref: LookupRef): string | null {
		if (ref.entity === 'businessunit') return ORGANIZATION_NAME;
		if (ref.entity === 'transactioncurrency') return 'US Dollar';
		const definition = entityByName(ref.entity);
		const name = definition && this.get(ref.entity, ref.id)?.values[definition.primaryNameAttribute];
		return typeof name === 'string' ? name : null;
	}

	/** Turns the target of an @odata.bind into a reference, checking that the record exists. */
	resolveBinding = (entitySetName: string, key: string): LookupRef => {
		const definition = entityBySet(entitySetName);
		if (!definition) throw odataError(`Resource not found for the segment '${entitySetName}'.`, 404);
		if (!isGuid(key)) throw odataError(`Bad Request - Error in query syntax.`);
		const id = key.toLowerCase();
		if (!this.get(definition.logicalName, id)) throw recordNotFound(definition.logicalName, id);
		return { entity: definition.logicalName, id };
	};

	private prepare(definition: EntityDefinition, body: unknown, mode: WriteMode): RecordValues {
		return parseWriteBody(definition, body, mode, this.resolveBinding);
	}

	private checkAlternateKeys(table: Table, id: string, values: RecordValues): void {
		for (const column of table.definition.alternateKeys) {
			const value = values[column];
			const holder = typeof value === 'string' ? table.keys.get(column)?.get(value.toLowerCase()) : undefined;
			if (holder && holder !== id) {
				const label = attributeOf(table.definition, column)?.label ?? column;
				throw new DataverseError(
					412,
					'0x80060892',
					`A record that has the attribute values ${label} already exists. The entity key ${column}_key requires that this set of attributes contains unique values. Select unique values and try again.`,
				);
			}
		}
	}

	private actorFor(options: WriteOptions): LookupRef {
		return { entity: 'systemuser', id: options.as ? this.userId(options.as) : this.app.applicationUserId };
	}

	/** Creates a record from a Web API body; the actor becomes owner (unless bound), createdby and modifiedby. */
	createRecord(entity: string, body: unknown, options: WriteOptions = {}): EntityRecord {
		const table = this.table(entity);
		const { definition } = table;
		if (!definition.writable) throw new DataverseError(403, '0x80040220', `The simulator does not allow creating ${definition.logicalName} records.`);
		const changes = this.prepare(definition, body, 'create');
		const id = (options.id ?? (changes[definition.primaryIdAttribute] as string | undefined) ?? randomUUID()).toLowerCase();
		if (table.rows.has(id)) throw new DataverseError(412, CODES.duplicateRecord, 'Cannot insert duplicate key.');
		const actor = this.actorFor(options);
		const stamp = isoSeconds(options.at ?? this.now());
		const values: RecordValues = Object.assign({}, defaultValues(definition), changes);
		values[definition.primaryIdAttribute] = id;
		values.createdon = values.modifiedon = stamp;
		values.createdby = values.modifiedby = actor;
		values.ownerid ??= actor;
		if (typeof values.creditlimit === 'number') values.transactioncurrencyid = { entity: 'transactioncurrency', id: this.transactionCurrencyId };
		values.owningbusinessunit = { entity: 'businessunit', id: this.businessUnitId };
		return this.store(table, id, values, changes);
	}

	/** Derives the computed columns, checks keys, and saves the record under a new version, empty columns left out. */
	private store(table: Table, id: string, values: RecordValues, changes: RecordValues): EntityRecord {
		const { definition } = table;
		reconcileState(definition, values, changes);
		computeColumns(definition, values);
		this.checkAlternateKeys(table, id, values);
		const version = this.nextVersion();
		const stored: RecordValues = {};
		for (const name in values) {
			const value = values[name];
			const attribute = attributeOf(definition, name);
			if (value !== null && value !== undefined && attribute && !attribute.attributeOf) stored[name] = value;
		}
		stored.versionnumber = version;
		const record: EntityRecord = { id, version, values: stored };
		this.put(table, record);
		return record;
	}

	/** Applies a Web API body to an existing record: a new version, modifiedon now, modifiedby the actor. */
	updateRecord(entity: string, id: string, body: unknown, options: WriteOptions = {}): EntityRecord {
		const table = this.table(entity);
		const { definition } = table;
		if (!definition.writable) throw new DataverseError(403, '0x80040220', `The simulator does not allow changing ${definition.logicalName} records.`);
		const current = this.get(entity, id);
		if (!current) throw recordNotFound(definition.logicalName, id);
		const changes = this.prepare(definition, body, 'update');
		if ('ownerid' in changes && changes.ownerid === null) {
			throw new DataverseError(400, '0x80040203', `Attribute ownerid cannot be set to NULL`);
		}
		const values: RecordValues = Object.assign({}, current.values, changes);
		values.modifiedon = isoSeconds(options.at ?? this.now());
		values.modifiedby = this.actorFor(options);
		if (typeof values.creditlimit === 'number') values.transactioncurrencyid ??= { entity: 'transactioncurrency', id: this.transactionCurrencyId };
		return this.store(table, current.id, values, changes);
	}

	/** Deletes a record and leaves a tombstone for change tracking. */
	deleteRecord(entity: string, id: string): void {
		const table = this.table(entity);
		if (!table.definition.writable) throw new DataverseError(403, '0x80040220', `The simulator does not allow deleting ${table.definition.logicalName} records.`);
		const current = this.get(entity, id);
		if (!current) throw recordNotFound(table.definition.logicalName, id);
		this.remove(table, current.id);
		table.tombstones.push({ id: current.id, version: this.nextVersion() });
	}

	/** Issues an opaque access token for the app, valid for tokenLifetimeSeconds. */
	issueAccessToken(audience: string): { token: string; expiresIn: number } {
		const token = issueSecret('Entra ID access token', '', 48);
		this.tokens.set(token, { clientId: this.app.clientId, audience, expiresAt: this.now().getTime() + this.tokenLifetimeSeconds * 1000 });
		return { token, expiresIn: this.tokenLifetimeSeconds };
	}

	/** The token's grant, 'expired', or undefined for a token the simulator never issued. */
	checkAccessToken(token: string): IssuedToken | 'expired' | undefined {
		const issued = this.tokens.get(token);
		if (!issued) return undefined;
		return issued.expiresAt <= this.now().getTime() ? 'expired' : issued;
	}

	/** Makes every access token issued so far expire now (clients must fetch a new one after their 401). */
	expireAccessTokens(): void {
		const now = this.now().getTime();
		for (const token of this.tokens.values()) token.expiresAt = Math.min(token.expiresAt, now);
	}

	/** Makes every delta link issued so far fail with ExpiredVersionStamp, as after the org's retention window. */
	expireChangeTracking(): void {
		this.changeTrackingFloor = this.nextVersion();
	}

	// Convenience for tests and the control API: contacts written as a named user (default: a person, not the app).

	private asPerson(options: WriteOptions): WriteOptions {
		return { ...options, as: options.as ?? this.userId(`${HUMAN_USERS[0].firstname} ${HUMAN_USERS[0].lastname}`) };
	}

	createContact(body: Record<string, unknown>, options: WriteOptions = {}): EntityRecord {
		return this.createRecord(CONTACT.logicalName, body, this.asPerson(options));
	}

	updateContact(id: string, body: Record<string, unknown>, options: WriteOptions = {}): EntityRecord {
		return this.updateRecord(CONTACT.logicalName, id, body, this.asPerson(options));
	}

	deleteContact(id: string): void {
		this.deleteRecord(CONTACT.logicalName, id);
	}

	getContact(id: string): EntityRecord | undefined {
		return this.get(CONTACT.logicalName, id);
	}

	listContacts(): EntityRecord[] {
		return this.records(CONTACT.logicalName);
	}

	/** The account with this name, created (as the app) when missing; seeding links contacts to companies this way. */
	accountNamed(name: string): string {
		const wanted = name.toLowerCase();
		const existing = this.records(ACCOUNT.logicalName).find((record) => typeof record.values.name === 'string' && record.values.name.toLowerCase() === wanted);
		return existing?.id ?? this.createRecord(ACCOUNT.logicalName, { name }, { as: this.app.applicationUserId }).id;
	}

	/** Users a seeded contact may be owned by (enabled people, then the app), and the teams. */
	owners(): LookupRef[] {
		const people = this.records(SYSTEMUSER.logicalName)
			.filter((record) => record.values.isdisabled !== true)
			.map((record) => ({ entity: 'systemuser', id: record.id }));
		const teams = this.records(TEAM.logicalName)
			.filter((record) => record.values.isdefault !== true)
			.map((record) => ({ entity: 'team', id: record.id }));
		return [...people, ...teams];
	}
}
