/**
 * Date-only values (birthdays) as calendar dates, never as instants: parsing and formatting are
 * string and integer math only, so no time zone can move a birthday by a day.
 * The canonical form is "YYYY-MM-DD"; a date without a year (Google allows one) is "--MM-DD",
 * as ISO 8601 and vCard write it.
 */

export interface CalendarDate {
	/** 0 or undefined when the year is unknown. */
	year?: number;
	month: number;
	day: number;
}

const ZERO = 48;
const DASH = 45;

/** The number the two decimal digits at `at` write, or NaN if either is not a digit 0-9. */
function twoDigitsAt(text: string, at: number): number {
	const tens = text.charCodeAt(at) - ZERO;
	const units = text.charCodeAt(at + 1) - ZERO;
	return tens >= 0 && tens <= 9 && units >= 0 && units <= 9 ? tens * 10 + units : NaN;
}

function isLeapYear(year: number): boolean {
	return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(month: number, year: number | undefined): number {
	if (month === 2) return year === undefined || isLeapYear(year) ? 29 : 28;
	return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function isValidDate(year: number | undefined, month: number, day: number): boolean {
	return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(month, year);
}

/**
 * Reads "YYYY-MM-DD", "--MM-DD", or the date part of a Dataverse date-only value sent with a time
 * ("1975-04-30T00:00:00Z": the date part is the stored date; it is not converted to any zone).
 * Returns undefined for anything else, including impossible dates such as 1900-02-29.
 */
export function parseDateOnly(text: string): CalendarDate | undefined {
	// Read by character codes, not regular expressions: a birthday is parsed several times per contact mapped.
	const trimmed = text.trim();
	if (trimmed.length >= 10 && trimmed.charCodeAt(4) === DASH && trimmed.charCodeAt(7) === DASH && (trimmed.length === 10 || trimmed[10] === 'T')) {
		const year = twoDigitsAt(trimmed, 0) * 100 + twoDigitsAt(trimmed, 2);
		const month = twoDigitsAt(trimmed, 5);
		const day = twoDigitsAt(trimmed, 8);
		// NaN (a character that is not a digit) fails every comparison: not a date.
		if (!(year >= 0 && month >= 0 && day >= 0)) return undefined;
		return isValidDate(year, month, day) ? { year, month, day } : undefined;
	}
	if (trimmed.length === 7 && trimmed.charCodeAt(0) === DASH && trimmed.charCodeAt(1) === DASH && trimmed.charCodeAt(4) === DASH) {
		const month = twoDigitsAt(trimmed, 2);
		const day = twoDigitsAt(trimmed, 5);
		return month >= 0 && day >= 0 && isValidDate(undefined, month, day) ? { month, day } : undefined;
	}
	return undefined;
}

const twoDigits = (value: number) => String(value).padStart(2, '0');

/** "YYYY-MM-DD", or "--MM-DD" without a year; undefined for an incomplete or impossible date. */
export function formatDateOnly(date: CalendarDate): string | undefined {
	const year = date.year || undefined;
	if (!isValidDate(year, date.month, date.day)) return undefined;
	const monthDay = `${twoDigits(date.month)}-${twoDigits(date.day)}`;
	return year === undefined ? `--${monthDay}` : `${String(year).padStart(4, '0')}-${monthDay}`;
}
