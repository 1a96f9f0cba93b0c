/**
 * Realistic, deterministic people for seeding both simulators. The first entries are the hard cases
 * a contact sync must survive (surname particles, accents, CJK, apostrophes, single names, no email,
 * one email in different case, phone formats, birthdays, text at Dynamics' length limits); the rest
 * are generated from small name pools with a seeded generator, so a seed of N is the same every run.
 */

export type SeedPhoneType = 'business' | 'home' | 'mobile' | 'fax';

export interface SeedPerson {
	firstName: string;
	middleName?: string;
	lastName: string;
	emails: string[];
	phones: Array<{ type: SeedPhoneType; value: string }>;
	/** Date only, YYYY-MM-DD. */
	birthday?: string;
	company?: string;
	jobTitle?: string;
	department?: string;
	address?: { street: string; city: string; region?: string; postalCode?: string; country: string };
	notes?: string;
	doNotEmail?: boolean;
	doNotBulkEmail?: boolean;
}

const LONG_FIRST_NAME = 'Maximilianus-Bartholomaeus-Christophorus-Alexandre'; // 50 characters: firstname's MaxLength
const LONG_JOB_TITLE = 'Senior Vice President of Strategic Partnerships, Enterprise Accounts and Customer Success (EMEA)'.padEnd(100, '.');

export const HARD_CASES: SeedPerson[] = [
	{ firstName: 'Jan', lastName: 'van der Berg', emails: ['jan.vanderberg@example.nl'], phones: [{ type: 'business', value: '+31 20 123 4567' }], birthday: '1975-04-30', company: 'Berg & Zonen', jobTitle: 'Directeur', address: { street: 'Keizersgracht 123', city: 'Amsterdam', region: 'Noord-Holland', postalCode: '1015 CJ', country: 'Netherlands' } },
	{ firstName: 'María José', lastName: 'García Pérez', emails: ['mj.garcia@example.es', 'mariajose@example.com'], phones: [{ type: 'mobile', value: '+34 612 34 56 78' }], birthday: '1988-12-31', company: 'Compañía Ibérica', jobTitle: 'Ingeniera', notes: 'Prefiere español.\nLlamar por la tarde.' },
	{ firstName: 'Siobhán', lastName: "O'Brien", emails: ["siobhan.o'brien@example.ie"], phones: [{ type: 'home', value: '(01) 555 0199' }], birthday: '1969-12-31' },
	{ firstName: '小龙', lastName: '李', emails: ['xiaolong.li@example.cn'], phones: [{ type: 'mobile', value: '138 0013 8000' }], birthday: '1940-11-27', company: '龙公司' },
	{ firstName: '', lastName: 'Cher', emails: ['cher@example.com'], phones: [] },
	{ firstName: 'Noemail', lastName: 'Person', emails: [], phones: [{ type: 'business', value: '555.010.0001' }] },
	{ firstName: 'Case', lastName: 'Upper', emails: ['Case.Sensitive@Example.com'], phones: [] },
	{ firstName: 'Case', lastName: 'Lower', emails: ['case.sensitive@example.com'], phones: [] },
	{ firstName: 'Zoë', middleName: 'Ann', lastName: 'Müller-Lüdenscheidt', emails: ['zoe.mueller@example.de'], phones: [{ type: 'business', value: '0049 30 1234567' }, { type: 'fax', value: '+49 (0)30 1234568' }], birthday: '2000-02-29', company: 'Müller GmbH', department: 'Einkauf' },
	{ firstName: 'Leap', lastName: 'Day', emails: ['leap.day@example.com'], phones: [{ type: 'mobile', value: '+1 (555) 010-0000' }, { type: 'home', value: '555-010-0002 ext. 12' }], birthday: '1904-02-29' },
	{ firstName: LONG_FIRST_NAME, lastName: 'Lengthlimit', emails: ['long.names@example.com'], phones: [], jobTitle: LONG_JOB_TITLE },
	{ firstName: 'Ångström', lastName: 'Ærø', emails: ['angstrom@example.dk'], phones: [{ type: 'business', value: '+45 33 12 34 56' }], doNotBulkEmail: true },
	{ firstName: 'Opted', lastName: 'Out', emails: ['opted.out@example.com'], phones: [], doNotEmail: true, doNotBulkEmail: true },
	{ firstName: 'José', lastName: 'da Silva', emails: ['jose.dasilva@example.com.br'], phones: [{ type: 'mobile', value: '+55 11 91234-5678' }], address: { street: 'Rua Augusta, 1500\nApto 12', city: 'São Paulo', region: 'SP', postalCode: '01304-001', country: 'Brazil' } },
	{ firstName: 'Emoji', lastName: 'Fan 🎉', emails: ['emoji@example.com'], phones: [], notes: 'Likes 🎉 and ☕' },
];

const FIRST_NAMES = ['Olivia', 'Liam', 'Emma', 'Noah', 'Amelia', 'Oliver', 'Sophia', 'Elijah', 'Mia', 'Lucas', 'Chloé', 'Mateo', 'Ingrid', 'Kenji', 'Aisha', 'Dmitri', 'Fatima', 'Søren', 'Priya', 'Tomás'];
const LAST_NAMES = ['Smith', 'Johnson', 'de Vries', 'Nguyen', 'Kowalski', 'Rossi', 'Fernández', 'Tanaka', 'Okafor', 'Novak', 'Larsen', 'Dubois', 'Schmidt', 'Patel', 'Kim', 'van Dijk', "D'Angelo", 'MacLeod', 'Haddad', 'Silva'];
const COMPANIES = ['Contoso Ltd', 'Fabrikam Inc', 'Northwind Traders', 'Adventure Works', 'Tailspin Toys', 'Wide World Importers', 'Litware', 'Proseware'];
const TITLES = ['Account Manager', 'CTO', 'Purchasing Lead', 'Office Manager', 'Engineer', 'Consultant', ''];
const CITIES: Array<[string, string, string, string]> = [
	['Seattle', 'WA', '98052', 'United States'],
	['London', '', 'SW1A 1AA', 'United Kingdom'],
	['Paris', 'Île-de-France', '75001', 'France'],
	['Tokyo', '東京都', '100-0001', 'Japan'],
	['Toronto', 'ON', 'M5H 2N2', 'Canada'],
];
const PHONE_FORMATS = [
	(n: number) => `+1 (425) 555-${String(n % 10000).padStart(4, '0')}`,
	(n: number) => `425.555.${String(n % 10000).padStart(4, '0')}`,
	(n: number) => `+44 20 7946 ${String(n % 10000).padStart(4, '0')}`,
	(n: number) => `0${String(600000000 + (n % 99999999))}`,
];

/** A small deterministic generator (mulberry32): numbers in [0, 1), the same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function asciiSlug(text: string): string {
	return text
		.normalize('NFD')
		.replace(/[^\x20-\x7e]/g, '')
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '');
}

function generatedPerson(index: number, random: () => number): SeedPerson {
	const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)];
	const firstName = pick(FIRST_NAMES);
	const lastName = pick(LAST_NAMES);
	const [city, region, postalCode, country] = pick(CITIES);
	const person: SeedPerson = {
		firstName,
		lastName,
		emails: [`${asciiSlug(firstName)}.${asciiSlug(lastName)}.${index}@example.com`],
		phones: [{ type: random() < 0.5 ? 'business' : 'mobile', value: pick(PHONE_FORMATS)(index) }],
		company: pick(COMPANIES),
		jobTitle: pick(TITLES) || undefined,
	};
	if (random() < 0.6) {
		const month = 1 + Math.floor(random() * 12);
		const day = 1 + Math.floor(random() * 28);
		person.birthday = `${1950 + Math.floor(random() * 55)}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
	}
	if (random() < 0.5) person.address = { street: `${1 + (index % 300)} Main Street`, city, region: region || undefined, postalCode, country };
	if (random() < 0.2) person.emails.push(`${asciiSlug(firstName)}${index}@mail.example.org`);
	if (random() < 0.05) person.doNotBulkEmail = true;
	return person;
}

/** The first `count` seed people: the hard cases, then generated ones. `offset` continues a previous seed. */
export function seedPeople(count: number, options: { seed?: number; offset?: number; hardCases?: boolean } = {}): SeedPerson[] {
	const offset = options.offset ?? 0;
	const cases = options.hardCases === false ? [] : HARD_CASES;
	const random = seededRandom((options.seed ?? 42) + offset);
	const people: SeedPerson[] = [];
	for (let index = offset; index < offset + count; index++) {
		people.push(index < cases.length ? structuredClone(cases[index]) : generatedPerson(index, random));
	}
	return people;
}
