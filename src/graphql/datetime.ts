import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { ErrorCode } from '../errors.js';

// ISO-8601 date and time with an explicit zone: without one, the instant is ambiguous.
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

function invalid(value: unknown): GraphQLError {
  const shown = typeof value === 'string' ? `"${value.slice(0, 40)}"` : String(value).slice(0, 40);
  return new GraphQLError(
    `DateTime must be an ISO-8601 string with a time zone (2026-11-27T10:15:00.123Z) or epoch milliseconds; got ${shown}`,
    { extensions: { code: ErrorCode.BAD_USER_INPUT } },
  );
}

/** Parses an input DateTime to epoch milliseconds. */
export function parseDateTime(value: unknown): number {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return value;
    throw invalid(value);
  }
  if (typeof value === 'string' && ISO_8601.test(value)) {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return ms;
  }
  throw invalid(value);
}

function parseLiteral(node: ValueNode): number {
  if (node.kind === Kind.INT) return parseDateTime(Number(node.value));
  if (node.kind === Kind.STRING) return parseDateTime(node.value);
  throw invalid(node.kind);
}

export const DateTime = new GraphQLScalarType<number, string>({
  name: 'DateTime',
  serialize(value) {
    const ms = value instanceof Date ? value.getTime() : (value as number);
    if (typeof ms !== 'number' || !Number.isFinite(ms)) throw new GraphQLError('DateTime cannot represent a non-time value');
    return new Date(ms).toISOString();
  },
  parseValue: parseDateTime,
  parseLiteral,
});
