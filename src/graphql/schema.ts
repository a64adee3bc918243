import { readFileSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { parse, type GraphQLSchema } from 'graphql';
import { checkEntityRepresentations } from './entity-representations.js';
import { resolvers } from './resolvers/index.js';

const SDL_PATH = new URL('../../schema/marketgraph.graphql', import.meta.url);

export const typeDefs = parse(readFileSync(SDL_PATH, 'utf8'));

/** The subgraph schema: the SDL in schema/ with the resolvers, joinable to a supergraph. */
export function createSchema(): GraphQLSchema {
  return checkEntityRepresentations(buildSubgraphSchema({ typeDefs, resolvers: resolvers as GraphQLResolverMap<unknown> }));
}
