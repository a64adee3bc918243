import {
  Kind,
  parse,
  print,
  type DocumentNode,
  type FieldNode,
  type OperationDefinitionNode,
} from 'graphql';
import type { TickInput } from '../stores/ticks/tick-store.js';
import { parseDateTime } from './datetime.js';

/**
 * The insertTicks fast path. graphql-js coerces a variable field by field through generic
 * code: for a 10,000-tick batch that costs more than everything else the gateway does with it
 * (bench/ingest.ts measures it). For the one request shape a bridge sends —
 * `insertTicks(ticks: $ticks)` with `$ticks: [TickInput!]!` — the list is checked here, by code
 * written for TickInput, and the request goes on through Apollo with `ticks: []` in its place
 * (parsed, validated, authorized and limited as any other), the coerced ticks handed to the
 * resolver in its context (`Context.preparedTicks`, set where the HTTP request's context is created).
 *
 * It accepts exactly what graphql-js would accept and yields the same values. Anything else
 * (a wrong type, an unknown field, a missing price) is left to graphql-js, so errors are
 * graphql-js's own, word for word.
 */

interface Plan {
  /** The variable that holds the ticks. */
  variable: string;
  /** The same operation with `ticks: []` and without that variable. */
  query: string;
}

/**
 * The hand-off to the insertTicks resolver, through its context (Context.preparedTicks): the
 * ticks as graphql-js would have coerced the variable. The resolver checks them as it checks
 * graphql-js's (src/ingest/tick-rules.ts); the write path numbers them in place.
 */
export interface PreparedTicks {
  readonly ticks: TickInput[];
}

/**
 * A tick list the HTTP layer already read from the body's bytes (src/http/insert-ticks-body.ts),
 * coerced as coerceTicks would; the body then holds `[]` in its place.
 */
export interface ScannedTicks {
  variable: string;
  ticks: TickInput[];
}

export interface PreparedInsert {
  /** The request to hand to Apollo. */
  body: Record<string, unknown>;
  preparedTicks: PreparedTicks;
}

// Query texts seen; a bridge sends one or two. Bounded by count and by characters, so that
// random texts cannot grow it (issue 13: it was keyed by whole texts of any length): a text over
// PLAN_TEXT_MAX_CHARS is planned each time (at most QUERY_MAX_TOKENS tokens) and never kept.
const PLAN_CACHE_MAX = 64; // entries
const PLAN_TEXT_MAX_CHARS = 4_096; // a bridge's mutation is ~100 characters
const plans = new Map<string, Plan | null>(); // at most 64 × 4 KiB = 256 Ki characters

/**
 * The request with its ticks checked, or undefined to leave it to graphql-js. `maxTokens` bounds
 * the parse of a text not planned yet (QUERY_MAX_TOKENS): past it, graphql-js reports the error.
 * With `scanned`, the list was read from the body's bytes already; undefined then means the
 * caller must parse the body whole and ask again.
 */
export function prepareInsertTicks(body: unknown, maxTokens?: number, scanned?: ScannedTicks): PreparedInsert | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const { query, variables } = body as { query?: unknown; variables?: unknown };
  if (typeof query !== 'string' || typeof variables !== 'object' || variables === null) return undefined;
  const plan = planFor(query, maxTokens);
  if (!plan) return undefined;
  const values = variables as Record<string, unknown>;
  if (Object.keys(values).length !== 1) return undefined;
  const ticks = scanned ? (scanned.variable === plan.variable ? scanned.ticks : undefined) : coerceTicks(values[plan.variable]);
  if (!ticks) return undefined;
  return { body: { ...body, query: plan.query, variables: {} }, preparedTicks: { ticks } };
}

/** How many plans are kept, and their texts' length: for tests of the bound. */
export const planCacheSize = () => ({ entries: plans.size, chars: [...plans.keys()].reduce((n, text) => n + text.length, 0) });

function planFor(query: string, maxTokens: number | undefined): Plan | null {
  let plan = plans.get(query);
  if (plan === undefined) {
    plan = makePlan(query, maxTokens);
    if (query.length > PLAN_TEXT_MAX_CHARS) return plan;
    if (plans.size >= PLAN_CACHE_MAX) plans.delete(plans.keys().next().value!);
    plans.set(query, plan);
  }
  return plan;
}

function makePlan(query: string, maxTokens: number | undefined): Plan | null {
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens });
  } catch {
    return null; // Apollo reports the syntax error
  }
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1) return null;
  const operation = operations[0]!;
  if (operation.operation !== 'mutation' || operation.directives?.length) return null;
  const [field, ...others] = operation.selectionSet.selections;
  if (others.length > 0 || field?.kind !== Kind.FIELD || field.name.value !== 'insertTicks' || field.directives?.length) return null;
  const [argument, ...moreArguments] = field.arguments ?? [];
  if (moreArguments.length > 0 || argument?.name.value !== 'ticks' || argument.value.kind !== Kind.VARIABLE) return null;
  const [definition, ...moreDefinitions] = operation.variableDefinitions ?? [];
  if (moreDefinitions.length > 0 || !definition || definition.defaultValue || definition.directives?.length) return null;
  if (definition.variable.name.value !== argument.value.name.value || print(definition.type) !== '[TickInput!]!') return null;

  const withEmptyList: FieldNode = { ...field, arguments: [{ ...argument, value: { kind: Kind.LIST, values: [] } }] };
  const rewritten: DocumentNode = {
    ...document,
    definitions: document.definitions.map((d) =>
      d === operation ? { ...operation, variableDefinitions: [], selectionSet: { ...operation.selectionSet, selections: [withEmptyList] } } : d,
    ),
  };
  return { variable: definition.variable.name.value, query: print(rewritten) };
}

const TICK_FIELDS = new Set(['symbol', 'time', 'bid', 'ask', 'last', 'volume', 'flags']);
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

const isFloat = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= INT32_MIN && (v as number) <= INT32_MAX;

/** The ticks as graphql-js would coerce `[TickInput!]!`, or undefined to let it do so (and report why). */
function coerceTicks(value: unknown): TickInput[] | undefined {
  if (!Array.isArray(value)) return undefined; // includes a single object, which GraphQL wraps in a list
  const ticks = new Array<TickInput>(value.length);
  for (let i = 0; i < value.length; i++) {
    const tick = coerceTick(value[i]);
    if (!tick) return undefined;
    ticks[i] = tick;
  }
  return ticks;
}

function coerceTick(value: unknown): TickInput | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  for (const key in value) if (!TICK_FIELDS.has(key)) return undefined;
  const { symbol, time, bid, ask, last, volume, flags } = value as Record<string, unknown>;
  if (typeof symbol !== 'string' || !isFloat(bid) || !isFloat(ask)) return undefined;
  if (last != null && !isFloat(last)) return undefined;
  if (volume != null && !isFloat(volume)) return undefined;
  if (flags != null && !isInt(flags)) return undefined;
  if (typeof time !== 'number' && typeof time !== 'string') return undefined;
  let ms: number;
  try {
    ms = parseDateTime(time); // the scalar's own parser: the same times accepted on both paths
  } catch {
    return undefined;
  }
  return { symbol, time: ms, bid, ask, last: last ?? null, volume: volume ?? null, flags: flags ?? null };
}
