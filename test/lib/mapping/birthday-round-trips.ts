/**
 * Maps the birthdays of the contacts it reads from stdin (Dynamics Web API JSON and Google
 * Persons, as `{ dynamics, google }`) Dynamics → Google → Dynamics, Google → Dynamics → Google and
 * through the plain shape, in whatever time zone this process runs in, and writes what came out.
 * birthdays.test.ts runs it in child processes with TZ set to zones far apart (jest gives each
 * test file a sandboxed process.env, so TZ cannot be switched inside a test).
 */
import { mapContact } from '../../../lib/mapping';
import { readGoogleField, type GooglePerson } from '../../../lib/google/fields';

export interface BirthdayInput {
	dynamics: Array<Record<string, unknown>>;
	google: GooglePerson[];
}

export interface BirthdayRow {
	dynamicsToGoogle: unknown;
	backToDynamics: unknown;
	googleToDynamics: unknown;
	backToGoogle: unknown;
	plain: unknown;
	plainToDynamics: unknown;
}

export interface BirthdayReport {
	zone: string | undefined;
	/** Minutes ahead of UTC in mid-2020 (the zones' current offsets). */
	offsetMinutes: number;
	/** What a Date-based conversion of 2020-12-31 gives here: the control that proves the zone is in effect. */
	naiveDate: string;
	rows: BirthdayRow[];
}

function valuesOf(result: ReturnType<typeof mapContact>): Record<string, unknown> {
	if (!result.ok) throw new Error(`${result.error.field}: ${result.error.message}`);
	return result.record.values;
}

export function birthdayRoundTrips(input: BirthdayInput): BirthdayReport {
	const naive = new Date('2020-12-31');
	return {
		zone: process.env.TZ,
		offsetMinutes: -new Date('2020-06-01T00:00:00Z').getTimezoneOffset(),
		naiveDate: `${naive.getFullYear()}-${String(naive.getMonth() + 1).padStart(2, '0')}-${String(naive.getDate()).padStart(2, '0')}`,
		rows: input.dynamics.map((dynamics, index) => {
			const contact = input.google[index];
			const google = valuesOf(mapContact(dynamics, { direction: 'dynamicsToGoogle' })) as GooglePerson;
			const backToDynamics = valuesOf(mapContact({ ...google, resourceName: contact.resourceName }, { direction: 'googleToDynamics' }, { current: dynamics }));
			const fromGoogle = valuesOf(mapContact(contact, { direction: 'googleToDynamics' }));
			const backToGoogle = valuesOf(mapContact({ ...fromGoogle, contactid: dynamics.contactid }, { direction: 'dynamicsToGoogle' }, { current: contact }));
			const plain = valuesOf(mapContact(dynamics, { direction: 'dynamicsToPlain' }));
			const plainToDynamics = valuesOf(mapContact(plain, { direction: 'plainToDynamics' }, { current: dynamics }));
			return {
				dynamicsToGoogle: google.birthdays?.[0]?.date,
				backToDynamics: backToDynamics.birthdate,
				googleToDynamics: fromGoogle.birthdate,
				backToGoogle: readGoogleField(backToGoogle as GooglePerson, 'birthdays[0].date'),
				plain: plain.birthday,
				plainToDynamics: plainToDynamics.birthdate,
			};
		}),
	};
}

if (require.main === module) {
	const chunks: Buffer[] = [];
	process.stdin.on('data', (chunk: Buffer) => chunks.push(chunk));
	process.stdin.on('end', () => process.stdout.write(JSON.stringify(birthdayRoundTrips(JSON.parse(Buffer.concat(chunks).toString('utf8')) as BirthdayInput))));
}
