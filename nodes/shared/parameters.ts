/**
 * Reading node parameters once per run: a parameter without an expression has the same value for
 * every item, and n8n's getNodeParameter costs far more per call than the logic it feeds.
 */

/** Whether a parameter value holds an expression ("={{ … }}") anywhere. */
export function hasExpression(value: unknown): boolean {
	if (typeof value === 'string') return value.startsWith('=');
	if (Array.isArray(value)) return value.some(hasExpression);
	return typeof value === 'object' && value !== null && Object.values(value).some(hasExpression);
}
