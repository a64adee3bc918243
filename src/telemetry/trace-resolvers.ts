import type { Tracer } from '@opentelemetry/api';
import { responsePathAsArray, type GraphQLResolveInfo } from 'graphql';
import { inSpan } from './spans.js';

type Resolver = (parent: unknown, args: unknown, ctx: unknown, info: GraphQLResolveInfo) => unknown;
type ResolverMap = Record<string, unknown>;

/**
 * The resolver map with a span around each resolver that can reach a store: those that take
 * the context (the stores and loaders are only there), and `__resolveReference`, which takes it
 * second. Field-mapping resolvers (`steps: (path) => path.hops`) and default resolvers stay
 * bare: a span per list item of a plain field would cost more than the field. Subscriptions are
 * long-lived and get no resolver span. Applied only when tracing is on.
 */
export function traceResolvers<M extends object>(resolvers: M, tracer: Tracer): M {
  const traced: ResolverMap = {};
  for (const [type, fields] of Object.entries(resolvers as ResolverMap)) {
    // Scalars are kept whole: a GraphQLScalarType, or (after resolvers/index.ts merged the maps) a
    // plain copy of one, which has `serialize` where an object type has field resolvers.
    if (type === 'Subscription' || !isPlainObject(fields) || typeof (fields as ResolverMap).serialize === 'function') {
      traced[type] = fields;
      continue;
    }
    const wrapped: ResolverMap = {};
    for (const [field, resolve] of Object.entries(fields as ResolverMap)) {
      const reachesStore = typeof resolve === 'function' && (resolve.length >= 3 || field === '__resolveReference');
      wrapped[field] = reachesStore ? traceResolver(tracer, type, field, resolve as Resolver) : resolve;
    }
    traced[type] = wrapped;
  }
  return traced as M;
}

const isPlainObject = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;

function traceResolver(tracer: Tracer, type: string, field: string, resolve: Resolver): Resolver {
  const name = `${type}.${field}`;
  return (parent, args, ctx, info) =>
    inSpan(
      tracer,
      name,
      {
        attributes: {
          'graphql.field.name': field,
          'graphql.field.type': type,
          // Bounded by the query limits (depth); list indices included, as graphql-js reports paths.
          ...(info?.path ? { 'graphql.field.path': responsePathAsArray(info.path).join('.') } : {}),
        },
      },
      async () => resolve(parent, args, ctx, info),
    );
}
