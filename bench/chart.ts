/** The bench's chart as a small hand-written SVG: wall time against contact count, one line per series. */
export interface ChartSeries {
	name: string;
	color: string;
	points: Array<{ contacts: number; seconds: number }>;
}

const WIDTH = 640;
const HEIGHT = 400;
const MARGIN = { left: 70, right: 170, top: 40, bottom: 50 };

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Both axes logarithmic: contact counts span 1,000 to 100,000 and times several orders of magnitude. */
export function timeChartSvg(title: string, series: ChartSeries[]): string {
	const points = series.flatMap((line) => line.points);
	const decades = (values: number[]) => ({ low: Math.floor(Math.log10(Math.min(...values))), high: Math.ceil(Math.log10(Math.max(...values))) });
	const xRange = decades(points.map((point) => point.contacts));
	const yRange = decades(points.map((point) => Math.max(point.seconds, 0.01)));
	if (xRange.high === xRange.low) xRange.high++;
	if (yRange.high === yRange.low) yRange.high++;
	const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
	const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
	const x = (contacts: number) => MARGIN.left + ((Math.log10(contacts) - xRange.low) / (xRange.high - xRange.low)) * plotWidth;
	const y = (seconds: number) => MARGIN.top + plotHeight - ((Math.log10(Math.max(seconds, 0.01)) - yRange.low) / (yRange.high - yRange.low)) * plotHeight;
	const parts: string[] = [
		`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="12">`,
		`<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
		`<text x="${MARGIN.left}" y="22" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
	];
	for (let decade = xRange.low; decade <= xRange.high; decade++) {
		const position = x(10 ** decade);
		parts.push(`<line x1="${position}" y1="${MARGIN.top}" x2="${position}" y2="${MARGIN.top + plotHeight}" stroke="#ddd"/>`);
		parts.push(`<text x="${position}" y="${MARGIN.top + plotHeight + 18}" text-anchor="middle">${(10 ** decade).toLocaleString('en-US')}</text>`);
	}
	for (let decade = yRange.low; decade <= yRange.high; decade++) {
		const position = y(10 ** decade);
		parts.push(`<line x1="${MARGIN.left}" y1="${position}" x2="${MARGIN.left + plotWidth}" y2="${position}" stroke="#ddd"/>`);
		parts.push(`<text x="${MARGIN.left - 6}" y="${position + 4}" text-anchor="end">${10 ** decade} s</text>`);
	}
	parts.push(`<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 12}" text-anchor="middle">contacts (log scale)</text>`);
	parts.push(`<text transform="translate(16 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">wall time (log scale)</text>`);
	series.forEach((line, index) => {
		const sorted = [...line.points].sort((a, b) => a.contacts - b.contacts);
		const path = sorted.map((point) => `${x(point.contacts).toFixed(1)},${y(point.seconds).toFixed(1)}`).join(' ');
		parts.push(`<polyline points="${path}" fill="none" stroke="${line.color}" stroke-width="2"/>`);
		for (const point of sorted) parts.push(`<circle cx="${x(point.contacts).toFixed(1)}" cy="${y(point.seconds).toFixed(1)}" r="4" fill="${line.color}"><title>${point.contacts} contacts: ${point.seconds.toFixed(2)} s</title></circle>`);
		const legendY = MARGIN.top + 10 + index * 20;
		parts.push(`<rect x="${WIDTH - MARGIN.right + 15}" y="${legendY - 9}" width="12" height="12" fill="${line.color}"/>`);
		parts.push(`<text x="${WIDTH - MARGIN.right + 32}" y="${legendY + 1}">${escapeXml(line.name)}</text>`);
	});
	parts.push('</svg>');
	return `${parts.join('\n')}\n`;
}
