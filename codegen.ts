import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed resolvers from the SDL in schema/ (the source of truth). The federation
// directives come from @apollo/subgraph at run time, so codegen is told they exist.
const config: CodegenConfig = {
  schema: ['schema/*.graphql', 'schema/federation-directives.codegen.graphql'],
  generates: {
    'src/generated/graphql.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        federation: true,
        useIndexSignature: true,
        useTypeImports: true,
        enumsAsTypes: true,
        contextType: '../graphql/context.js#Context',
        scalars: { DateTime: { input: 'number', output: 'number' } },
        mappers: {
          Tick: '../stores/ticks/tick-store.js#StoredTick',
          Instrument: '../stores/relational/relational-store.js#InstrumentRow',
          Account: '../stores/relational/relational-store.js#AccountRow',
          Position: '../stores/relational/relational-store.js#PositionRow',
          Candle: '../stores/ticks/tick-store.js#Candle as CandleModel',
          RelatedInstrument: '../stores/graph/graph-store.js#Relation',
          SimilarInstrument: '../stores/vector/vector-store.js#Neighbour',
          ConversionPath: '../graphql/models.js#ConversionPathModel',
          ConversionStep: '../stores/graph/graph-store.js#ConversionHop',
        },
      },
    },
  },
};

export default config;
