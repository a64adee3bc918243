import {
  GraphQLError,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  getNamedType,
  getNullableType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  type ASTVisitor,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ParseOptions,
  type SelectionSetNode,
  type ValidationRule,
} from 'graphql';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import type { Config } from '../config.js';
import { LIMITS } from './limits.js';

/** How large a document may be; see QUERY_MAX_* in config.ts for the defaults and why. */
export type QueryLimits = Config['queryLimits'];

/** What one operation weighs, with the fragments it spreads expanded. */
export interface OperationMeasures {
  depth: number;
  aliases: number;
  directives: number;
  cost: number;
  /**
   * The cost counts `_entities` with a variable `representations` as one representation: the
   * variables were not known. entitiesCostError weighs it again with them.
   */
  sizedByVariables?: boolean;
}

/**
 * Lists whose length the client chooses: the argument that sets it, its size when left out
 * (the resolver's default) and the largest the resolver accepts. A variable counts at the
 * largest: validation runs before variables are known, and Apollo caches it per document.
 */
const PAGE_SIZES: Record<string, { argument: string; fallback: number; max: number }> = {
  'Query.instruments': { argument: 'first', fallback: LIMITS.listDefault, max: LIMITS.listMax },
  'Query.accounts': { argument: 'first', fallback: LIMITS.listDefault, max: LIMITS.listMax },
  'Query.ticks': { argument: 'first', fallback: LIMITS.ticksDefault, max: LIMITS.ticksMax },
  'Instrument.ticks': { argument: 'first', fallback: LIMITS.ticksDefault, max: LIMITS.ticksMax },
  'Query.candles': { argument: 'limit', fallback: LIMITS.candlesDefault, max: LIMITS.candlesMax },
  'Instrument.candles': { argument: 'limit', fallback: LIMITS.candlesDefault, max: LIMITS.candlesMax },
  'Instrument.similar': { argument: 'k', fallback: 5, max: LIMITS.similarMax },
  'Query.similarPatterns': { argument: 'k', fallback: 10, max: LIMITS.similarMax },
};
// Lists bounded by the resolver without a size argument.
const FIXED_SIZES: Record<string, number> = { 'ConversionPath.steps': LIMITS.conversionHopsMax };
// Any other list (an account's positions, related instruments, rejected ticks, introspection's
// types and fields) counts as this many items.
const OTHER_LIST_SIZE = 10;
// Federation's entry point for a router: a list as long as its `representations`.
const ENTITIES = 'Query._entities';

const NOTHING: OperationMeasures = Object.freeze({ depth: 0, aliases: 0, directives: 0, cost: 0 });

/** Parse options for the token limit: graphql-js stops lexing past `maxTokens`. */
export function limitParseOptions(limits: QueryLimits): ParseOptions {
  return { maxTokens: limits.maxTokens };
}

/** The depth, alias, directive and cost limits as graphql-js validation rules, for HTTP and WebSocket. */
export function queryLimitRules(limits: QueryLimits): ValidationRule[] {
  return [
    limitRule('Query depth', (m) => m.depth, limits.maxDepth),
    limitRule('Number of aliases', (m) => m.aliases, limits.maxAliases),
    limitRule('Number of directives', (m) => m.directives, limits.maxDirectives),
    limitRule('Query cost', (m) => m.cost, limits.maxCost),
  ];
}

// The four rules weigh the same operation: measure it once.
const measured = new WeakMap<OperationDefinitionNode, OperationMeasures>();

/**
 * The cost limit for an operation whose cost the variables decide (`_entities` with
 * `representations: $r`, as a federation router sends it): with the request's variables, once
 * validation (which runs without them, and is cached per document) has passed it. Undefined when
 * the operation is within the limit or its cost does not depend on variables.
 */
export function entitiesCostError(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | undefined,
  limits: QueryLimits,
): GraphQLError | undefined {
  const fragments = new Map(document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
  const getFragment = (name: string) => fragments.get(name);
  let measures = measured.get(operation);
  if (!measures) measured.set(operation, (measures = measureOperation(schema, operation, getFragment)));
  if (!measures.sizedByVariables) return undefined;
  const { cost } = measureOperation(schema, operation, getFragment, variables ?? {});
  if (cost <= limits.maxCost) return undefined;
  return new GraphQLError(`Query cost ${cost} exceeds the limit of ${limits.maxCost}.`, {
    nodes: operation,
    // The code Apollo gives the limits' validation errors: one code for a query over its cost.
    extensions: { code: ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED },
  });
}

function limitRule(what: string, pick: (m: OperationMeasures) => number, max: number): ValidationRule {
  return (context): ASTVisitor => ({
    OperationDefinition(operation) {
      let measures = measured.get(operation);
      if (!measures) {
        measures = measureOperation(context.getSchema(), operation, (name) => context.getFragment(name) ?? undefined);
        measured.set(operation, measures);
      }
      const value = pick(measures);
      if (value > max) context.reportError(new GraphQLError(`${what} ${value} exceeds the limit of ${max}.`, { nodes: operation }));
      return false; // measured already: nothing below needs a visit
    },
  });
}

/**
 * Depth counts fields from the root to the deepest leaf (`{ a { b } }` is 2), except `ofType`:
 * GraphiQL's introspection query follows it 7 levels for one type reference, and it is never a list.
 * Cost counts the objects the response can hold: an object field costs 1 plus what it selects,
 * times its list size; scalars cost nothing. A connection's `first` sizes its `edges`.
 */
export function measureOperation(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  getFragment: (name: string) => FragmentDefinitionNode | undefined,
  variables?: Readonly<Record<string, unknown>>,
): OperationMeasures {
  const memo = new Map<string, OperationMeasures>();
  const visiting = new Set<string>();
  let sizedByVariables = false;

  // `_entities` answers one entity per representation (issue 13: it was costed as 10, whatever
  // the list held). A list literal has its length; a variable, its value's (a non-list value is
  // coerced to a list of one); unknown variables count as one, and say so.
  function representations(node: FieldNode): number {
    const given = node.arguments?.find((a) => a.name.value === 'representations')?.value;
    if (given?.kind === Kind.LIST) return given.values.length;
    if (given?.kind !== Kind.VARIABLE) return 1;
    if (!variables) return (sizedByVariables = true), 1;
    const value = variables[given.name.value];
    return Array.isArray(value) ? value.length : 1;
  }

  function selectionSet(set: SelectionSetNode, type: GraphQLNamedType | undefined, pageSize?: number): OperationMeasures {
    const total = { depth: 0, aliases: 0, directives: 0, cost: 0 };
    for (const selection of set.selections) {
      let inner: OperationMeasures;
      if (selection.kind === Kind.FIELD) inner = field(selection, type, pageSize);
      else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        inner = selectionSet(selection.selectionSet, condition, pageSize);
      } else inner = spread(selection.name.value, pageSize);
      total.depth = Math.max(total.depth, inner.depth);
      total.aliases = add(total.aliases, inner.aliases);
      total.directives = add(total.directives, inner.directives, selection.directives?.length ?? 0);
      total.cost = add(total.cost, inner.cost);
    }
    return total;
  }

  // Each fragment is measured once per page size. A spread of a fragment still being measured
  // (a cycle, which NoFragmentCycles reports) weighs nothing, so cycles end.
  function spread(name: string, pageSize: number | undefined): OperationMeasures {
    const key = `${name}:${pageSize}`;
    const known = memo.get(key);
    if (known) return known;
    const fragment = getFragment(name);
    if (!fragment || visiting.has(name)) return NOTHING;
    visiting.add(name);
    const inner = selectionSet(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value), pageSize);
    visiting.delete(name);
    const result = { ...inner, directives: add(inner.directives, fragment.directives?.length ?? 0) };
    memo.set(key, result);
    return result;
  }

  function field(node: FieldNode, parent: GraphQLNamedType | undefined, pageSize: number | undefined): OperationMeasures {
    const def = parent && fieldDef(schema, parent, node.name.value);
    const coordinate = `${parent?.name}.${node.name.value}`;
    const own = def && sizeArgument(def, node, coordinate);
    const isList = def !== undefined && isListType(getNullableType(def.type));
    const named = def && getNamedType(def.type);
    // A connection passes its page size to the list under it (`edges`).
    const children = node.selectionSet ? selectionSet(node.selectionSet, named, isList ? undefined : own) : NOTHING;
    const entities = coordinate === ENTITIES ? representations(node) : undefined;
    const count = isList ? (entities ?? own ?? FIXED_SIZES[coordinate] ?? pageSize ?? OTHER_LIST_SIZE) : 1;
    const isObject = named ? isCompositeType(named) : node.selectionSet !== undefined;
    return {
      depth: (coordinate === '__Type.ofType' ? 0 : 1) + children.depth,
      aliases: add(children.aliases, node.alias ? 1 : 0),
      directives: children.directives,
      cost: isObject ? multiply(count, add(1, children.cost)) : 0,
    };
  }

  const root = schema.getRootType(operation.operation);
  const result = selectionSet(operation.selectionSet, root ?? undefined);
  const own = (operation.directives?.length ?? 0) + (operation.variableDefinitions ?? []).reduce((n, v) => n + (v.directives?.length ?? 0), 0);
  return { ...result, directives: add(result.directives, own), ...(sizedByVariables ? { sizedByVariables } : {}) };
}

function fieldDef(schema: GraphQLSchema, parent: GraphQLNamedType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
  if (parent === schema.getQueryType()) {
    if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
    if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  }
  return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
}

/** The list size a field's own argument sets: a literal (at most the cap), a variable (the cap), or the default. */
function sizeArgument(def: GraphQLField<unknown, unknown>, node: FieldNode, coordinate: string): number | undefined {
  const page = PAGE_SIZES[coordinate];
  if (!page) return undefined;
  const given = node.arguments?.find((a) => a.name.value === page.argument)?.value;
  if (given?.kind === Kind.INT) return Math.min(Math.max(Number(given.value), 0), page.max);
  if (given?.kind === Kind.VARIABLE) return page.max;
  const declared = def.args.find((a) => a.name === page.argument)?.defaultValue;
  return typeof declared === 'number' ? declared : page.fallback;
}

// Fragment spreads multiply: a 1,000-token document can describe 2^100 fields. Stop at a number
// that still prints as one and still exceeds any limit.
const add = (...n: number[]) => Math.min(n.reduce((a, b) => a + b, 0), Number.MAX_SAFE_INTEGER);
const multiply = (a: number, b: number) => Math.min(a * b, Number.MAX_SAFE_INTEGER);
