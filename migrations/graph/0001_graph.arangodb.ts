import { isArangoError } from 'arangojs/errors';
import type { ArangoMigrationContext } from '../../src/migrations/module-target.js';

const VERTICES = ['instruments', 'currencies', 'sectors'];
const EDGES = [
  { collection: 'denominated_in', from: 'instruments', to: 'currencies' },
  { collection: 'in_sector', from: 'instruments', to: 'sectors' },
  { collection: 'correlated', from: 'instruments', to: 'instruments' },
];

// ArangoDB error numbers, from its errors.dat.
const DUPLICATE_NAME = 1207;
const GRAPH_DUPLICATE = 1925;

/** Dropping the graph and its collections drops every instrument, currency, sector and edge. */
export const destructive = { up: false, down: true };

// Gateways migrating at once race on every create: losing a race to create is success.
const ignoring = (code: number) => (error: unknown) => {
  if (!isArangoError(error) || error.errorNum !== code) throw error;
};

/** The vertex and edge collections, the named graph over them, and the index on correlated.interval. Idempotent. */
export async function up({ db, graph }: ArangoMigrationContext): Promise<void> {
  for (const name of VERTICES) {
    if (!(await db.collection(name).exists())) await db.createCollection(name).catch(ignoring(DUPLICATE_NAME));
  }
  for (const { collection } of EDGES) {
    if (!(await db.collection(collection).exists())) await db.createEdgeCollection(collection).catch(ignoring(DUPLICATE_NAME));
  }
  const named = db.graph(graph);
  if (!(await named.exists())) await named.create(EDGES.map(({ collection, from, to }) => ({ collection, from, to }))).catch(ignoring(GRAPH_DUPLICATE));
  // replaceCorrelations finds an interval's edges; edges are found by _from/_to through the edge index.
  await db.collection('correlated').ensureIndex({ type: 'persistent', fields: ['interval'], name: 'correlated_interval' });
}

export async function down({ db, graph }: ArangoMigrationContext): Promise<void> {
  const named = db.graph(graph);
  if (await named.exists()) await named.drop(false);
  for (const name of [...EDGES.map((e) => e.collection), ...VERTICES]) {
    if (await db.collection(name).exists()) await db.collection(name).drop();
  }
}
