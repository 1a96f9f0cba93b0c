/**
 * "Already existing in the app you sync with", in bulk: the keys a batch of contacts needs looked up on
 * the other side, and the index the evaluator reads once the node has made those lookups. Matching is
 * link first, then email (trimmed, case-insensitive), as in DESIGN section 6. The keys are distinct, so
 * the number of lookups follows the distinct links and emails of a batch, never its number of items.
 */

import { readGoogleField } from '../google/fields';
import { LINK_KEYS } from '../mapping/mapper';
import { normalizeEmail } from '../mapping/normalize';
import { guidOf, type ContactRecord } from './record';

export interface CounterpartOptions {
	/** The Dynamics column that stores the Google contact's resource name, when the org has one configured. */
	dynamicsLinkColumn?: string;
	/** The Google clientData key that stores the Dynamics contactid; by default the one the mapping writes. */
	googleLinkKey?: string;
}

/** What identifies a record on the other side: the stored link, and its emails. */
export interface CounterpartKeys {
	/** A Google resource name (from a Dynamics contact) or a Dynamics contactid (from a Google contact). */
	link?: string;
	/**
	 * The record's own id as the other side stores it: a Google contact's resource name, which a Dynamics
	 * contact holds in the link column (the mapping writes it there when it creates the Dynamics contact).
	 */
	backLink?: string;
	emails: string[];
}

const DYNAMICS_EMAIL_COLUMNS = ['emailaddress1', 'emailaddress2', 'emailaddress3'];

function normaliseLink(link: unknown): string | undefined {
	if (typeof link !== 'string' || link.trim() === '') return undefined;
	return guidOf(link) ?? link.trim();
}

function normaliseEmail(email: unknown): string | undefined {
	if (typeof email !== 'string') return undefined;
	const normalised = normalizeEmail(email);
	return normalised.includes('@') ? normalised : undefined;
}

function distinct(values: Array<string | undefined>): string[] {
	return [...new Set(values.filter((value): value is string => value !== undefined))];
}

export function counterpartKeys(record: ContactRecord, options: CounterpartOptions): CounterpartKeys {
	if (record.app === 'dynamics') {
		const { contact } = record;
		return {
			link: options.dynamicsLinkColumn ? normaliseLink(contact[options.dynamicsLinkColumn]) : undefined,
			emails: distinct(DYNAMICS_EMAIL_COLUMNS.map((column) => normaliseEmail(contact[column]))),
		};
	}
	const { person } = record;
	const emails = readGoogleField(person, 'emailAddresses') as string[];
	return {
		link: normaliseLink(readGoogleField(person, `clientData:${options.googleLinkKey ?? LINK_KEYS.googleDynamicsContactId}`)),
		backLink: options.dynamicsLinkColumn ? normaliseLink(person.resourceName) : undefined,
		emails: distinct(emails.map(normaliseEmail)),
	};
}

function linksOf(keys: CounterpartKeys): Array<string | undefined> {
	return [keys.link, keys.backLink];
}

/**
 * The distinct links of a batch: look these up first (Google batchGet; Dataverse `contactid` filters, and
 * link column filters for the back links, which are Google resource names).
 */
export function linksToLookUp(records: ContactRecord[], options: CounterpartOptions): string[] {
	return distinct(records.flatMap((record) => linksOf(counterpartKeys(record, options))));
}

/**
 * The distinct emails of a batch to look up on the other side. Given the links already found, the
 * records those resolve are left out: their counterpart is known, so their emails cost nothing.
 */
export function emailsToLookUp(records: ContactRecord[], options: CounterpartOptions, foundLinks: Iterable<string> = []): string[] {
	const resolved = new Set(distinct([...foundLinks].map(normaliseLink)));
	return distinct(
		records.flatMap((record) => {
			const keys = counterpartKeys(record, options);
			return linksOf(keys).some((link) => link !== undefined && resolved.has(link)) ? [] : keys.emails;
		}),
	);
}

/** The lookups' answer: which links and which emails exist on the other side. */
export interface CounterpartIndex {
	options: CounterpartOptions;
	links: ReadonlySet<string>;
	emails: ReadonlySet<string>;
}

export function buildCounterpartIndex(
	found: { links?: Iterable<string>; emails?: Iterable<string> },
	options: CounterpartOptions,
): CounterpartIndex {
	return {
		options,
		links: new Set(distinct([...(found.links ?? [])].map(normaliseLink))),
		emails: new Set(distinct([...(found.emails ?? [])].map(normaliseEmail))),
	};
}

export type CounterpartMatch = { by: 'link'; link: string } | { by: 'email'; email: string };

/** The record's counterpart by its link (or back link), else by any of its emails; undefined when it has none. */
export function findCounterpart(record: ContactRecord, index: CounterpartIndex): CounterpartMatch | undefined {
	const keys = counterpartKeys(record, index.options);
	const link = linksOf(keys).find((candidate) => candidate !== undefined && index.links.has(candidate));
	if (link !== undefined) return { by: 'link', link };
	const email = keys.emails.find((candidate) => index.emails.has(candidate));
	return email === undefined ? undefined : { by: 'email', email };
}
