/** Dataverse's display formats: the by-position reading of stored dates agrees with a Date's reading of them. */
import { formatDateOnly, formatDateTime, formatMoney, formatNumber, isoSeconds } from './wire';

/** What a user with en-US settings sees for a UTC timestamp, read through a Date. */
function displayedThroughDate(value: string): string {
	const date = new Date(value);
	const hours = date.getUTCHours();
	const hour12 = hours % 12 === 0 ? 12 : hours % 12;
	return `${date.getUTCMonth() + 1}/${date.getUTCDate()}/${date.getUTCFullYear()} ${hour12}:${String(date.getUTCMinutes()).padStart(2, '0')} ${hours < 12 ? 'AM' : 'PM'}`;
}

describe('display formats', () => {
	it('shows every stored timestamp as a Date reads it: years 1 to 9999, each hour, midnight and noon', () => {
		const start = Date.UTC(1, 0, 1);
		const end = Date.UTC(9999, 11, 31, 23, 59, 59);
		const step = Math.floor((end - start) / 20_000) + 3_607_000;
		let checked = 0;
		for (let time = start; time <= end; time += step) {
			const stored = isoSeconds(new Date(time));
			expect(formatDateTime(stored)).toBe(displayedThroughDate(stored));
			checked++;
		}
		for (const stored of ['2023-04-07T00:00:00Z', '2023-04-07T12:00:00Z', '2023-04-07T21:59:59Z', '0099-01-01T09:05:00Z']) {
			expect(formatDateTime(stored)).toBe(displayedThroughDate(stored));
		}
		expect(checked).toBeGreaterThan(10_000);
		expect(formatDateTime('2023-04-07T21:59:00Z')).toBe('4/7/2023 9:59 PM');
	});

	it('reads other timestamp shapes through a Date', () => {
		for (const value of ['2023-04-07T21:59:00.123Z', '2023-04-07T23:30:00-05:00', '+010000-01-01T00:00:00Z']) {
			expect(formatDateTime(value)).toBe(displayedThroughDate(value));
		}
	});

	it('shows date-only values month/day/year without leading zeros', () => {
		expect(formatDateOnly('1975-04-30')).toBe('4/30/1975');
		expect(formatDateOnly('0099-01-09')).toBe('1/9/99');
		expect(formatDateOnly('2001-12-31')).toBe('12/31/2001');
	});

	it('groups numbers and money as en-US does', () => {
		for (const value of [0, -0, 7, 1234, -1234567, 1e15]) expect(formatNumber(value)).toBe(value.toLocaleString('en-US', { minimumFractionDigits: 0, maximumFractionDigits: 0 }));
		expect(formatNumber(1234.5, 2)).toBe('1,234.50');
		expect(formatMoney(1234.5)).toBe('$1,234.50');
		expect(formatMoney(-0.25)).toBe('-$0.25');
	});
});
