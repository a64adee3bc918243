import type { ConversionHop } from '../stores/graph/graph-store.js';

/** What a ConversionPath resolves from: the hops, with rates filled in by field resolvers. */
export interface ConversionPathModel {
  hops: ConversionHop[];
}
