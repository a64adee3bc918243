import type { ArangoMigrationContext } from '../../migrations/module-target.js';
import type { SqlClient } from '../relational/sql-client.js';
/** The port for relations between instruments and conversion paths between currencies. */

export const RELATION_KINDS = ['SHARES_CURRENCY', 'SAME_SECTOR', 'CORRELATED'] as const;
export type RelationKind = (typeof RELATION_KINDS)[number];

/** An instrument as a vertex: linked to its two currencies and its sector. */
export interface GraphInstrument {
  symbol: string;
  baseCurrency: string;
  quoteCurrency: string;
  sector: string | null;
}

/** A CORRELATED edge: the correlation of two instruments' bucket returns. */
export interface Correlation {
  a: string;
  b: string;
  coefficient: number;
}

/**
 * An instrument related to an origin. A step from one instrument to another is one
 * relation: sharing a currency, sharing a sector, or a CORRELATED edge. `distance` is the
 * fewest steps; `kind` and `weight` describe the last step of such a shortest path
 * (`weight` is the correlation coefficient of a CORRELATED step, else null). An instrument
 * reachable by several kinds of last step appears once per kind.
 */
export interface Relation {
  symbol: string;
  kind: RelationKind;
  distance: number;
  weight: number | null;
}

export interface RelatedQuery {
  symbol: string;
  /** 1 to 3. */
  depth: number;
  /** Only steps of these kinds. */
  kinds: readonly RelationKind[];
}

/** One step of a conversion: through `symbol`, from currency `from` to `to`; inverted when `from` is the quote currency. */
export interface ConversionHop {
  symbol: string;
  from: string;
  to: string;
  inverted: boolean;
}

export interface ConversionQuery {
  from: string;
  to: string;
  /** 1 to 4. */
  maxHops: number;
}

export interface GraphStore {
  readonly engine: string;
  /** The client migrations run on, for adapters on Postgres; throws before start. */
  sqlClient?(): SqlClient;
  /** The database and named graph migrations run on, for the ArangoDB adapter; the database exists after start. */
  arangoDatabase?(): ArangoMigrationContext;
  start(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Creates or updates these vertices and their currency and sector edges (idempotent). */
  syncInstruments(instruments: readonly GraphInstrument[]): Promise<void>;
  /** Replaces every CORRELATED edge of `interval` by these (never duplicates); returns how many were written. */
  replaceCorrelations(interval: string, window: number, correlations: readonly Correlation[]): Promise<number>;
  /** One list per query, in query order, ordered by distance then symbol then kind; never the origin itself. */
  related(queries: readonly RelatedQuery[]): Promise<Relation[][]>;
  /** The shortest chain per query, in query order; [] when from equals to; null when none within maxHops. */
  conversionPaths(queries: readonly ConversionQuery[]): Promise<(ConversionHop[] | null)[]>;
}
