import type { WeaviateMigrationContext } from '../../migrations/module-target.js';
import type { SqlClient } from '../relational/sql-client.js';
import { RefusedInput } from '../input-rejection.js';
/** The port for price patterns: one vector per (instrument, interval), searched by cosine distance. */

export interface Pattern {
  symbol: string;
  interval: string;
  assetClass: string;
  vector: readonly number[];
}

export interface Neighbour {
  symbol: string;
  /** Cosine distance, 0 (same direction) to 2 (opposite). */
  distance: number;
}

export interface NearestQuery {
  vector: readonly number[];
  interval: string;
  k: number;
  assetClass?: string;
}

export interface SimilarQuery {
  /** The instrument whose stored pattern is the query; never part of its own answer. */
  symbol: string;
  interval: string;
  k: number;
}

export interface VectorStore {
  readonly engine: string;
  /** The client migrations run on, for adapters on Postgres; throws before start. */
  sqlClient?(): SqlClient;
  /** The client, collection and vector length migrations run with, for the Weaviate adapter; throws before start. */
  weaviateClient?(): WeaviateMigrationContext;
  /** Length of every vector. */
  readonly dimensions: number;
  start(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Inserts or replaces by (symbol, interval); returns how many were written. */
  upsertPatterns(patterns: readonly Pattern[]): Promise<number>;
  /** One list per query, nearest first, at most k each. */
  nearest(queries: readonly NearestQuery[]): Promise<Neighbour[][]>;
  /** One list per query, nearest first, at most k each; [] where the symbol has no pattern at that interval. */
  similarTo(queries: readonly SimilarQuery[]): Promise<Neighbour[][]>;
}

/** What both adapters refuse before sending anything: a wrong length, a non-finite or a zero vector. */
export function checkVector(vector: readonly number[], dimensions: number): void {
  if (vector.length !== dimensions) throw new RefusedInput(`vector has ${vector.length} dimensions, this store holds ${dimensions}`);
  if (!vector.every(Number.isFinite)) throw new RefusedInput('vector components must be finite numbers');
  // Cosine distance divides by the norm: pgvector would answer NaN, Weaviate an error.
  if (vector.every((x) => x === 0)) throw new RefusedInput('a zero vector has no direction to compare');
}

export function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 0) throw new RefusedInput(`k must be a non-negative integer, got ${k}`);
}
