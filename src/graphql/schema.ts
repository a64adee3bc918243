import { readFileSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { Tracer } from '@opentelemetry/api';
import { parse, type GraphQLSchema } from 'graphql';
import { traceResolvers } from '../telemetry/trace-resolvers.js';
import { checkEntityRepresentations } from './entity-representations.js';
import { resolvers } from './resolvers/index.js';

const SDL_PATH = new URL('../../schema/marketgraph.graphql', import.meta.url);

export const typeDefs = parse(readFileSync(SDL_PATH, 'utf8'));

/** The subgraph schema: the SDL in schema/ with the resolvers, joinable to a supergraph. With a tracer, resolvers that reach a store are spans. */
export function createSchema(tracer?: Tracer): GraphQLSchema {
  const traced = tracer ? traceResolvers(resolvers, tracer) : resolvers;
  return checkEntityRepresentations(buildSubgraphSchema({ typeDefs, resolvers: traced as GraphQLResolverMap<unknown> }));
}
