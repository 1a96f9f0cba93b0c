/**
 * Birthdays keep their calendar date in every time zone: the round trips run in child processes
 * with TZ set to zones 25 hours apart (and two with half-hour offsets). A Date-based conversion
 * is the control: it must move 2020-12-31 in the zones behind UTC, proving each zone took effect.
 */
import { execFile } from 'child_process';
import * as path from 'path';
import { seedPeople } from '../../simulators/common/seed';
import type { BirthdayInput, BirthdayReport } from './birthday-round-trips';
import { DynamicsTestOrg, googleContacts } from './records';

const SCRIPT = path.join(__dirname, 'birthday-round-trips.ts');
const ZONES: Array<[string, number]> = [
	['Pacific/Kiritimati', 14 * 60],
	['Pacific/Pago_Pago', -11 * 60],
	['Asia/Kolkata', 5 * 60 + 30],
	['America/St_Johns', -(2 * 60 + 30)],
];

const seeded = seedPeople(80);
const withBirthday = seeded.map((_person, index) => index).filter((index) => seeded[index].birthday);
const people = withBirthday.map((index) => seeded[index]);
const dynamicsContacts = new DynamicsTestOrg().seed(seeded.length);
const input: BirthdayInput = { dynamics: withBirthday.map((index) => dynamicsContacts[index]), google: googleContacts(people) };

function runIn(zone: string): Promise<BirthdayReport> {
	return new Promise((resolve, reject) => {
		const child = execFile(
			process.execPath,
			['-r', 'ts-node/register/transpile-only', SCRIPT],
			{ cwd: path.join(__dirname, '../../..'), env: { ...process.env, TZ: zone, TS_NODE_PROJECT: 'tsconfig.json' } },
			(error, stdout, stderr) => (error ? reject(new Error(`round trips in ${zone} failed: ${stderr}`)) : resolve(JSON.parse(stdout) as BirthdayReport)),
		);
		child.stdin?.end(JSON.stringify(input));
	});
}

const reports = new Map<string, BirthdayReport>();
beforeAll(async () => {
	const results = await Promise.all(ZONES.map(([zone]) => runIn(zone)));
	results.forEach((report, index) => reports.set(ZONES[index][0], report));
});

describe.each(ZONES)('birthdays in time zone %s', (zone, offsetMinutes) => {
	it('runs in that zone (control: a Date-based conversion moves the day wherever the zone is behind UTC)', () => {
		const report = reports.get(zone) as BirthdayReport;
		expect(report.zone).toBe(zone);
		expect(report.offsetMinutes).toBe(offsetMinutes);
		expect(report.naiveDate === '2020-12-31').toBe(offsetMinutes >= 0);
	});

	it('keeps every seeded birthday through every direction, leap days and 31 December included', () => {
		const report = reports.get(zone) as BirthdayReport;
		expect(people.map((person) => person.birthday)).toEqual(expect.arrayContaining(['1988-12-31', '1969-12-31', '2000-02-29', '1904-02-29', '1940-11-27']));
		expect(report.rows).toHaveLength(people.length);
		report.rows.forEach((row, index) => {
			const birthday = people[index].birthday as string;
			const [year, month, day] = birthday.split('-').map(Number);
			expect(row).toEqual({
				dynamicsToGoogle: { year, month, day },
				backToDynamics: birthday,
				googleToDynamics: birthday,
				backToGoogle: birthday,
				plain: birthday,
				plainToDynamics: birthday,
			});
		});
	});
});
