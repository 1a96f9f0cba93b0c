/**
 * A parser, type checker and evaluator for the $filter subset Dataverse accepts: eq ne gt ge lt le,
 * and / or / not with OData precedence, parentheses, contains / startswith / endswith (SQL LIKE
 * wildcards honoured, as Dataverse does), null, unquoted GUID / date / datetime literals, enum
 * literals (Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist') and property paths (RequiredLevel/Value).
 * Strings compare case-insensitively; comparisons with a null column are unknown, so `ne` skips nulls
 * as SQL does. Errors carry OData's own messages and positions.
 */
import { odataError } from './wire';

/** An Edm primitive name (Edm.String...) or an enum type name (Microsoft.Dynamics.CRM.AttributeTypeCode). */
export type EdmType = string;

export interface FilterProperty<Row> {
	type: EdmType;
	read: (row: Row) => unknown;
}

/** What a filter can see: the type name used in messages, and its properties by path. */
export interface FilterScope<Row> {
	typeName: string;
	property(path: string): FilterProperty<Row> | undefined;
}

export type RowPredicate<Row> = (row: Row) => boolean;

type TokenKind = 'open' | 'close' | 'comma' | 'string' | 'number' | 'guid' | 'datetime' | 'date' | 'name' | 'enum' | 'end';

interface Token {
	kind: TokenKind;
	text: string;
	value?: unknown;
	/** For enum literals: the enum type name. */
	enumType?: string;
	position: number;
}

const PATTERNS: Array<[TokenKind, RegExp]> = [
	['guid', /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-])/],
	['datetime', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2})(?![\w:])/],
	['date', /^\d{4}-\d{2}-\d{2}(?![\w:-])/],
	['number', /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[mMdDfFlL]?(?![\w.])/],
	['name', /^[A-Za-z_$][\w.]*(?:\/[A-Za-z_][\w.]*)*/],
];

function tokenize(text: string): Token[] {
	const tokens: Token[] = [];
	let position = 0;
	while (position < text.length) {
		const char = text[position];
		if (/\s/.test(char)) {
			position++;
			continue;
		}
		if (char === '(' || char === ')' || char === ',') {
			tokens.push({ kind: char === '(' ? 'open' : char === ')' ? 'close' : 'comma', text: char, position });
			position++;
			continue;
		}
		if (char === "'") {
			const { value, end } = readString(text, position);
			tokens.push({ kind: 'string', text: text.slice(position, end), value, position });
			position = end;
			continue;
		}
		const rest = text.slice(position);
		const match = PATTERNS.map(([kind, pattern]) => [kind, pattern.exec(rest)] as const).find(([, found]) => found);
		if (!match) throw odataError(`Syntax error: character '${char}' is not valid at position ${position} in '${text}'.`);
		const [kind, found] = match as readonly [TokenKind, RegExpExecArray];
		const tokenText = found[0];
		if (kind === 'name' && text[position + tokenText.length] === "'" && tokenText.includes('.')) {
			// An enum literal: Namespace.EnumType'Member'.
			const { value, end } = readString(text, position + tokenText.length);
			tokens.push({ kind: 'enum', text: text.slice(position, end), value, enumType: tokenText, position });
			position = end;
			continue;
		}
		tokens.push({ kind, text: tokenText, value: literalValue(kind, tokenText), position });
		position += tokenText.length;
	}
	tokens.push({ kind: 'end', text: '', position: text.length });
	return tokens;

	function readString(source: string, start: number): { value: string; end: number } {
		let value = '';
		let index = start + 1;
		while (index < source.length) {
			if (source[index] === "'") {
				if (source[index + 1] === "'") {
					value += "'";
					index += 2;
					continue;
				}
				return { value, end: index + 1 };
			}
			value += source[index++];
		}
		throw odataError(`There is an unterminated string literal at position ${start} in '${source}'.`);
	}
}

function literalValue(kind: TokenKind, text: string): unknown {
	if (kind === 'number') return Number(text.replace(/[mMdDfFlL]$/, ''));
	if (kind === 'guid') return text.toLowerCase();
	return text;
}

type Node =
	| { kind: 'literal'; type: EdmType; value: unknown; position: number }
	| { kind: 'property'; path: string; position: number }
	| { kind: 'compare'; operator: string; left: Node; right: Node; position: number }
	| { kind: 'logical'; operator: 'and' | 'or'; left: Node; right: Node; position: number }
	| { kind: 'not'; operand: Node; position: number }
	| { kind: 'call'; name: string; args: Node[]; position: number };

const COMPARISONS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);

class Parser {
	private index = 0;
	constructor(
		private readonly tokens: Token[],
		private readonly text: string,
	) {}

	parse(): Node {
		if (this.peek().kind === 'end') throw this.error('Expression expected');
		const node = this.or();
		if (this.peek().kind !== 'end') throw odataError(`Syntax error at position ${this.peek().position} in '${this.text}'.`);
		return node;
	}

	private peek(): Token {
		return this.tokens[this.index];
	}

	private next(): Token {
		return this.tokens[this.index++];
	}

	private keyword(word: string): boolean {
		const token = this.peek();
		if (token.kind === 'name' && token.text === word) {
			this.index++;
			return true;
		}
		return false;
	}

	private error(what: string): Error {
		return odataError(`${what} at position ${this.peek().position} in '${this.text}'.`);
	}

	private or(): Node {
		let node = this.and();
		for (let position = this.peek().position; this.keyword('or'); position = this.peek().position) {
			node = { kind: 'logical', operator: 'or', left: node, right: this.and(), position };
		}
		return node;
	}

	private and(): Node {
		let node = this.comparison();
		for (let position = this.peek().position; this.keyword('and'); position = this.peek().position) {
			node = { kind: 'logical', operator: 'and', left: node, right: this.comparison(), position };
		}
		return node;
	}

	private comparison(): Node {
		const left = this.unary();
		const token = this.peek();
		if (token.kind === 'name' && COMPARISONS.has(token.text)) {
			this.index++;
			return { kind: 'compare', operator: token.text, left, right: this.unary(), position: token.position };
		}
		return left;
	}

	private unary(): Node {
		const position = this.peek().position;
		if (this.keyword('not')) return { kind: 'not', operand: this.unary(), position };
		return this.primary();
	}

	private primary(): Node {
		const token = this.next();
		switch (token.kind) {
			case 'open': {
				const node = this.or();
				if (this.peek().kind !== 'close') throw this.error("')' or operator expected");
				this.index++;
				return node;
			}
			case 'string':
				return { kind: 'literal', type: 'Edm.String', value: token.value, position: token.position };
			case 'number':
				return { kind: 'literal', type: numberType(token.text), value: token.value, position: token.position };
			case 'guid':
				return { kind: 'literal', type: 'Edm.Guid', value: token.value, position: token.position };
			case 'datetime':
				return { kind: 'literal', type: 'Edm.DateTimeOffset', value: token.value, position: token.position };
			case 'date':
				return { kind: 'literal', type: 'Edm.Date', value: token.value, position: token.position };
			case 'enum':
				return { kind: 'literal', type: token.enumType as string, value: token.value, position: token.position };
			case 'name':
				return this.name(token);
			default:
				this.index--;
				throw this.error('Expression expected');
		}
	}

	private name(token: Token): Node {
		if (token.text === 'true' || token.text === 'false') return { kind: 'literal', type: 'Edm.Boolean', value: token.text === 'true', position: token.position };
		if (token.text === 'null') return { kind: 'literal', type: 'null', value: null, position: token.position };
		if (COMPARISONS.has(token.text) || token.text === 'and' || token.text === 'or') {
			this.index--;
			throw this.error('Expression expected');
		}
		if (this.peek().kind !== 'open') return { kind: 'property', path: token.text, position: token.position };
		this.index++;
		const args: Node[] = [];
		if (this.peek().kind !== 'close') {
			do args.push(this.or());
			while (this.peek().kind === 'comma' && this.next());
		}
		if (this.peek().kind !== 'close') throw this.error("')' or ',' expected");
		this.index++;
		return { kind: 'call', name: token.text, args, position: token.position };
	}
}

function numberType(text: string): EdmType {
	if (/[mM]$/.test(text)) return 'Edm.Decimal';
	if (/[dDfF]$/.test(text) || /[.eE]/.test(text)) return 'Edm.Double';
	return Math.abs(Number(text.replace(/[lL]$/, ''))) > 2147483647 || /[lL]$/.test(text) ? 'Edm.Int64' : 'Edm.Int32';
}

const NUMERIC = new Set(['Edm.Byte', 'Edm.Int16', 'Edm.Int32', 'Edm.Int64', 'Edm.Double', 'Edm.Single', 'Edm.Decimal']);
const TEMPORAL = new Set(['Edm.DateTimeOffset', 'Edm.Date']);
const isEnum = (type: EdmType) => type !== 'null' && !type.startsWith('Edm.');
const isTextual = (type: EdmType) => type === 'Edm.String' || isEnum(type);

function comparable(left: EdmType, right: EdmType): boolean {
	if (left === 'null' || right === 'null' || left === right) return true;
	if (NUMERIC.has(left) && NUMERIC.has(right)) return true;
	if (TEMPORAL.has(left) && TEMPORAL.has(right)) return true;
	return isTextual(left) && isTextual(right) && !(isEnum(left) && isEnum(right));
}

/** The value both sides of a comparison are turned into before comparing. */
function normalizerFor(left: EdmType, right: EdmType): (value: unknown) => string | number | boolean {
	if (TEMPORAL.has(left) || TEMPORAL.has(right)) {
		return (value) => {
			const text = String(value);
			return Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
		};
	}
	if (NUMERIC.has(left) || NUMERIC.has(right)) return (value) => Number(value);
	if (left === 'Edm.Boolean' || right === 'Edm.Boolean') return (value) => value === true;
	return (value) => String(value).toLowerCase();
}

const OPERATOR_KIND: Record<string, string> = {
	eq: 'Equal',
	ne: 'NotEqual',
	gt: 'GreaterThan',
	ge: 'GreaterThanOrEqual',
	lt: 'LessThan',
	le: 'LessThanOrEqual',
	and: 'And',
	or: 'Or',
};

/** SQL LIKE, as Dataverse applies it inside contains/startswith/endswith: % _ [set] [^set]. */
export function likePattern(pattern: string, anchorStart: boolean, anchorEnd: boolean): RegExp {
	let source = '';
	for (let index = 0; index < pattern.length; index++) {
		const char = pattern[index];
		const close = char === '[' ? pattern.indexOf(']', index + 2) : -1;
		if (char === '%') source += '[\\s\\S]*';
		else if (char === '_') source += '[\\s\\S]';
		else if (close > 0) {
			const body = pattern.slice(index + 1, close);
			const negated = body.startsWith('^');
			source += `[${negated ? '^' : ''}${(negated ? body.slice(1) : body).replace(/[\\\]^]/g, '\\$&')}]`;
			index = close;
		} else source += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
	}
	return new RegExp(`${anchorStart ? '^' : ''}${source}${anchorEnd ? '$' : ''}`, 'iu');
}

const STRING_FUNCTIONS: Record<string, [boolean, boolean]> = {
	contains: [false, false],
	startswith: [true, false],
	endswith: [false, true],
};

interface Compiled<Row> {
	type: EdmType;
	/** A value, or for boolean expressions true / false / null (unknown). */
	evaluate: (row: Row) => unknown;
	/** True for a bare null literal, which turns eq / ne into IS NULL / IS NOT NULL. */
	isNullLiteral?: boolean;
	/** Set for literals, so patterns can be compiled once. */
	constant?: { value: unknown };
}

function compileNode<Row>(node: Node, scope: FilterScope<Row>): Compiled<Row> {
	switch (node.kind) {
		case 'literal':
			return { type: node.type, evaluate: () => node.value, isNullLiteral: node.type === 'null', constant: { value: node.value } };
		case 'property': {
			const property = scope.property(node.path);
			if (!property) throw odataError(`Could not find a property named '${node.path.split('/').pop()}' on type '${scope.typeName}'.`);
			return { type: property.type, evaluate: property.read };
		}
		case 'not': {
			const operand = compileNode(node.operand, scope);
			if (operand.type !== 'Edm.Boolean') {
				throw odataError(`A unary operator with an incompatible type was detected. Found operand type '${operand.type}' for operator kind 'Not'.`);
			}
			return {
				type: 'Edm.Boolean',
				evaluate: (row) => {
					const value = operand.evaluate(row);
					return value === null || value === undefined ? null : !value;
				},
			};
		}
		case 'logical':
			return compileLogical(node.operator, compileNode(node.left, scope), compileNode(node.right, scope));
		case 'compare':
			return compileComparison(node.operator, compileNode(node.left, scope), compileNode(node.right, scope));
		case 'call':
			return compileCall(node.name, node.args.map((arg) => compileNode(arg, scope)));
	}
}

function compileLogical<Row>(operator: 'and' | 'or', left: Compiled<Row>, right: Compiled<Row>): Compiled<Row> {
	if (left.type !== 'Edm.Boolean' || right.type !== 'Edm.Boolean') {
		throw odataError(
			`A binary operator with incompatible types was detected. Found operand types '${left.type}' and '${right.type}' for operator kind '${OPERATOR_KIND[operator]}'.`,
		);
	}
	// Kleene logic: unknown (null) only decides when the other side does not.
	return {
		type: 'Edm.Boolean',
		evaluate: (row) => {
			const a = left.evaluate(row) as boolean | null;
			if (operator === 'and' && a === false) return false;
			if (operator === 'or' && a === true) return true;
			const b = right.evaluate(row) as boolean | null;
			if (operator === 'and') return b === false ? false : a === null || b === null ? null : true;
			return b === true ? true : a === null || b === null ? null : false;
		},
	};
}

function compileComparison<Row>(operator: string, left: Compiled<Row>, right: Compiled<Row>): Compiled<Row> {
	if (!comparable(left.type, right.type)) {
		throw odataError(
			`A binary operator with incompatible types was detected. Found operand types '${left.type}' and '${right.type}' for operator kind '${OPERATOR_KIND[operator]}'.`,
		);
	}
	const isNull = (value: unknown) => value === null || value === undefined;
	if (left.isNullLiteral || right.isNullLiteral) {
		const other = left.isNullLiteral ? right : left;
		if (operator === 'eq') return { type: 'Edm.Boolean', evaluate: (row) => isNull(other.evaluate(row)) };
		if (operator === 'ne') return { type: 'Edm.Boolean', evaluate: (row) => !isNull(other.evaluate(row)) };
		return { type: 'Edm.Boolean', evaluate: () => null };
	}
	const normalize = normalizerFor(left.type, right.type);
	const test: Record<string, (a: string | number | boolean, b: string | number | boolean) => boolean> = {
		eq: (a, b) => a === b,
		ne: (a, b) => a !== b,
		gt: (a, b) => a > b,
		ge: (a, b) => a >= b,
		lt: (a, b) => a < b,
		le: (a, b) => a <= b,
	};
	const compare = test[operator];
	return {
		type: 'Edm.Boolean',
		evaluate: (row) => {
			const a = left.evaluate(row);
			const b = right.evaluate(row);
			if (isNull(a) || isNull(b)) return null;
			return compare(normalize(a), normalize(b));
		},
	};
}

function compileCall<Row>(name: string, args: Array<Compiled<Row>>): Compiled<Row> {
	const anchors = STRING_FUNCTIONS[name];
	if (!anchors) {
		throw odataError(
			`An unknown function with name '${name}' was found. This may also be a function import or a key lookup on a navigation property, which is not allowed.`,
		);
	}
	const signature = `${name}(Edm.String Nullable=true, Edm.String Nullable=true)`;
	if (args.length !== 2 || args.some((arg) => arg.type !== 'Edm.String' && arg.type !== 'null')) {
		throw odataError(
			`No function signature for the function with name '${name}' matches the specified arguments. The function signatures considered are: ${signature}.`,
		);
	}
	const [subject, pattern] = args;
	const fixed = pattern.constant?.value;
	const fixedPattern = typeof fixed === 'string' ? likePattern(fixed, ...anchors) : undefined;
	return {
		type: 'Edm.Boolean',
		evaluate: (row) => {
			const text = subject.evaluate(row);
			if (typeof text !== 'string') return null;
			if (fixedPattern) return fixedPattern.test(text);
			const value = pattern.evaluate(row);
			return typeof value === 'string' ? likePattern(value, ...anchors).test(text) : null;
		},
	};
}

/** Parses and type-checks a $filter; the result keeps a row only when the expression is true (not false, not unknown). */
export function compileFilter<Row>(text: string, scope: FilterScope<Row>): RowPredicate<Row> {
	const compiled = compileNode(new Parser(tokenize(text), text).parse(), scope);
	if (compiled.type !== 'Edm.Boolean') throw odataError('The $filter expression must evaluate to a single boolean value.');
	return (row) => compiled.evaluate(row) === true;
}

/**
 * The ids of a filter made only of `<key> eq <guid>` clauses joined by `or` (a read by id list), so a
 * caller can serve it from an index the way SQL would; undefined for any other filter.
 */
export function keyEqualities(text: string, key: string): Set<string> | undefined {
	const ids = new Set<string>();
	const collect = (node: Node): boolean => {
		if (node.kind === 'logical' && node.operator === 'or') return collect(node.left) && collect(node.right);
		if (node.kind !== 'compare' || node.operator !== 'eq') return false;
		const [property, literal] = node.left.kind === 'property' ? [node.left, node.right] : [node.right, node.left];
		if (property.kind !== 'property' || property.path !== key || literal.kind !== 'literal' || literal.type !== 'Edm.Guid') return false;
		ids.add(literal.value as string);
		return true;
	};
	return collect(new Parser(tokenize(text), text).parse()) ? ids : undefined;
}
