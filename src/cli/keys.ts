import { generateApiKey } from '../auth/api-key.js';
import { isRole, ROLES } from '../auth/principal.js';
import { readConfig } from '../config.js';
import { migrateUp, migrationStatus, migrationTargets } from '../migrations/index.js';
import { closeStores, createStores, serverStores } from '../stores/stores.js';
import type { RelationalStore } from '../stores/relational/relational-store.js';
import { UsageError, type Command } from './args.js';

const SUBCOMMANDS = ['create', 'list', 'revoke'] as const;

export const keysCommand: Command = {
  name: 'keys',
  summary: 'create, list and revoke API keys (stored hashed in the relational store)',
  usage: [
    'marketgraph keys create --role ROLE [--role ROLE] --name NAME',
    '       marketgraph keys list',
    '       marketgraph keys revoke <id>',
    '',
    `Roles: read (queries, subscriptions), ingest (insertTicks), admin (everything).`,
  ].join('\n'),
  options: { role: { type: 'string', multiple: true }, name: { type: 'string' } },
  async run(values, positionals) {
    const [sub, ...args] = positionals;
    if (!SUBCOMMANDS.includes(sub as never)) throw new UsageError(`expected one of ${SUBCOMMANDS.join(', ')}; got ${sub ?? 'nothing'}`);
    if (sub === 'create') {
      if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"`);
      const roles = createRoles(values.role);
      const name = typeof values.name === 'string' ? values.name.trim() : '';
      if (name.length < 1 || name.length > 100) throw new UsageError('keys create needs --name NAME (1 to 100 characters), saying who holds the key');
      return withRelational((relational) => create(relational, name, roles));
    }
    if (sub === 'list') {
      if (args.length > 0 || values.role !== undefined || values.name !== undefined) throw new UsageError('keys list takes no arguments');
      return withRelational(list);
    }
    const [id, ...rest] = args;
    if (!id || rest.length > 0 || values.role !== undefined || values.name !== undefined) throw new UsageError('keys revoke needs exactly one <id> (see keys list)');
    if (!/^[0-9a-f]{16}$/.test(id)) throw new UsageError(`<id> is the 16 hex digits after "mg_" (see keys list); got "${id.slice(0, 40)}"`);
    return withRelational((relational) => revoke(relational, id));
  },
};

/** `--role` may be given several times; parseArgs then gives an array. */
function createRoles(given: unknown): string[] {
  const roles = [given].flat().filter((r) => r !== undefined);
  if (roles.length === 0) throw new UsageError(`keys create needs at least one --role (${ROLES.join(', ')})`);
  const unknown = roles.find((r) => !isRole(r));
  if (unknown !== undefined) throw new UsageError(`--role must be one of ${ROLES.join(', ')}; got "${String(unknown)}"`);
  return [...new Set(roles as string[])];
}

async function create(relational: RelationalStore, name: string, roles: string[]): Promise<number> {
  const { id, key, secretHash } = generateApiKey();
  await relational.createApiKey({ id, name, roles, secretHash });
  // The key alone on stdout, for `KEY=$(marketgraph keys create …)`; it is not stored, only its hash.
  process.stderr.write(`Created key ${id} "${name}" with role${roles.length > 1 ? 's' : ''} ${roles.join(', ')}. It is shown this once:\n`);
  console.log(key);
  return 0;
}

async function list(relational: RelationalStore): Promise<number> {
  const keys = await relational.listApiKeys();
  if (keys.length === 0) console.log('No API keys.');
  for (const k of keys) {
    const state = k.revokedAt === null ? 'active ' : `revoked ${new Date(k.revokedAt).toISOString()}`;
    console.log(`${k.id}  ${state.padEnd(8)}  ${new Date(k.createdAt).toISOString()}  ${k.roles.join(',').padEnd(17)}  ${k.name}`);
  }
  return 0;
}

async function revoke(relational: RelationalStore, id: string): Promise<number> {
  if (!(await relational.revokeApiKey(id))) {
    console.error(`marketgraph keys: no active key ${id} (see keys list)`);
    return 1;
  }
  const ttl = readConfig().auth.keyCacheTtlMs;
  console.log(`Revoked key ${id}. Running gateways refuse it within ${ttl / 1000} s (AUTH_KEY_CACHE_TTL_MS).`);
  return 0;
}

/**
 * Starts only the relational store. The embedded one is migrated, as at every start; a server
 * with pending migrations is refused, as by `serve`, with what to run.
 */
async function withRelational(work: (relational: RelationalStore) => Promise<number>): Promise<number> {
  const config = readConfig();
  const stores = await createStores(config);
  const servers = serverStores(config);
  try {
    await stores.relational.start();
    const targets = await migrationTargets(stores, { servers, names: ['relational'] });
    if (!servers.has('relational')) await migrateUp(targets);
    else if ((await migrationStatus(targets)).some((row) => row.state !== 'applied'))
      throw new Error('the relational store has pending schema migrations: run `marketgraph migrate up --store relational` first');
    return await work(stores.relational);
  } finally {
    await closeStores(stores).catch(() => undefined);
  }
}
