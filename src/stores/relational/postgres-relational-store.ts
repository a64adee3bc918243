import type {
  AccountRow,
  ApiKeyRow,
  InstrumentInput,
  InstrumentRow,
  NewAccount,
  NewPosition,
  PositionRow,
  RelationalStore,
} from './relational-store.js';
import { holdClient } from './client-holder.js';
import type { SqlClient } from './sql-client.js';

// Column lists that map rows to the port's shapes. Numbers are cast in SQL so that
// PGlite and `pg` (which returns bigint and numeric as strings) give the same types.
const instrumentColumns = `symbol, description, asset_class AS "assetClass", base_currency AS "baseCurrency",
  quote_currency AS "quoteCurrency", digits, contract_size AS "contractSize", sector`;
const accountColumns = `id::text AS id, login, name, currency, balance::float8 AS balance`;
const apiKeyColumns = `id, name, roles, secret_hash AS "secretHash", (extract(epoch FROM created_at) * 1000)::float8 AS "createdAt",
  (extract(epoch FROM revoked_at) * 1000)::float8 AS "revokedAt"`;
const positionColumns = `id::text AS id, account_id::text AS "accountId", symbol, side, volume,
  open_price AS "openPrice", (extract(epoch FROM open_time) * 1000)::float8 AS "openTime"`;

/** Instruments, accounts and positions in PostgreSQL: PGlite embedded, or a server through `pg`. */
export function createPostgresRelationalStore(engine: string, connect: () => Promise<SqlClient>): RelationalStore {
  const held = holdClient('relational', connect);
  const db = held.db;

  return {
    engine,
    start: held.start, // the tables come from migrations/relational
    sqlClient: db,
    ping: held.ping,
    close: held.close,

    async instrumentsBySymbols(symbols) {
      const { rows } = await db().query<InstrumentRow>(
        `SELECT ${instrumentColumns} FROM instruments WHERE symbol = ANY($1::text[])`,
        [symbols],
      );
      const bySymbol = new Map(rows.map((r) => [r.symbol, r]));
      return symbols.map((s) => bySymbol.get(s) ?? null);
    },

    async listInstruments({ after, limit, assetClass }) {
      const { rows } = await db().query<InstrumentRow>(
        `SELECT ${instrumentColumns} FROM instruments
         WHERE ($1::text IS NULL OR symbol > $1) AND ($2::text IS NULL OR asset_class = $2)
         ORDER BY symbol LIMIT $3`,
        [after ?? null, assetClass ?? null, limit],
      );
      return rows;
    },

    async upsertInstruments(instruments: readonly InstrumentInput[]) {
      if (instruments.length === 0) return 0;
      // One statement for the whole list: unnest() turns parallel arrays into rows.
      const column = <K extends keyof InstrumentInput>(key: K) => instruments.map((i) => i[key] ?? null);
      const { rows } = await db().query<{ n: number }>(
        `WITH upserted AS (
           INSERT INTO instruments AS i (symbol, description, asset_class, base_currency, quote_currency, digits, contract_size, sector)
           SELECT s, d, a, b, q, g, coalesce(c, 1), sec
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::float8[], $8::text[])
             AS t(s, d, a, b, q, g, c, sec)
           ON CONFLICT (symbol) DO UPDATE SET description = excluded.description, asset_class = excluded.asset_class,
             base_currency = excluded.base_currency, quote_currency = excluded.quote_currency,
             digits = excluded.digits, contract_size = excluded.contract_size, sector = excluded.sector, updated_at = now()
           RETURNING 1)
         SELECT count(*)::int AS n FROM upserted`,
        [
          column('symbol'),
          column('description'),
          column('assetClass'),
          column('baseCurrency'),
          column('quoteCurrency'),
          column('digits'),
          column('contractSize'),
          column('sector'),
        ],
      );
      return rows[0]?.n ?? 0;
    },

    async accountsByIds(ids) {
      const numeric = ids.filter((id) => /^\d{1,18}$/.test(id));
      const { rows } = await db().query<AccountRow>(
        `SELECT ${accountColumns} FROM accounts WHERE id = ANY($1::bigint[])`,
        [numeric],
      );
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? null);
    },

    async listAccounts({ after, limit }) {
      const { rows } = await db().query<AccountRow>(
        `SELECT ${accountColumns} FROM accounts WHERE ($1::bigint IS NULL OR accounts.id > $1) ORDER BY accounts.id LIMIT $2`,
        [after ?? null, limit],
      );
      return rows;
    },

    async positionsByAccountIds(accountIds) {
      const numeric = accountIds.filter((id) => /^\d{1,18}$/.test(id));
      const { rows } = await db().query<PositionRow>(
        `SELECT ${positionColumns} FROM positions WHERE account_id = ANY($1::bigint[]) ORDER BY positions.account_id, positions.id`,
        [numeric],
      );
      const byAccount = new Map<string, PositionRow[]>();
      for (const row of rows) {
        const list = byAccount.get(row.accountId);
        if (list) list.push(row);
        else byAccount.set(row.accountId, [row]);
      }
      return accountIds.map((id) => byAccount.get(id) ?? []);
    },

    async createAccounts(accounts: readonly NewAccount[]) {
      const { rows } = await db().query<AccountRow>(
        `INSERT INTO accounts (login, name, currency, balance)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::numeric[])
         RETURNING ${accountColumns}`,
        [accounts.map((a) => a.login), accounts.map((a) => a.name), accounts.map((a) => a.currency), accounts.map((a) => a.balance)],
      );
      return rows;
    },

    async createPositions(positions: readonly NewPosition[]) {
      if (positions.length === 0) return;
      await db().query(
        `INSERT INTO positions (account_id, symbol, side, volume, open_price, open_time)
         SELECT a, s, d, v, p, to_timestamp(t / 1000.0)
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::float8[], $5::float8[], $6::float8[]) AS x(a, s, d, v, p, t)`,
        [
          positions.map((p) => p.accountId),
          positions.map((p) => p.symbol),
          positions.map((p) => p.side),
          positions.map((p) => p.volume),
          positions.map((p) => p.openPrice),
          positions.map((p) => p.openTime),
        ],
      );
    },

    async createApiKey({ id, name, roles, secretHash }) {
      const { rows } = await db().query<ApiKeyRow>(
        `INSERT INTO api_keys (id, name, roles, secret_hash) VALUES ($1, $2, $3::text[], $4) RETURNING ${apiKeyColumns}`,
        [id, name, roles, secretHash],
      );
      return rows[0]!;
    },

    async findApiKey(id) {
      const { rows } = await db().query<ApiKeyRow>(`SELECT ${apiKeyColumns} FROM api_keys WHERE id = $1`, [id]);
      return rows[0] ?? null;
    },

    async listApiKeys() {
      const { rows } = await db().query<ApiKeyRow>(`SELECT ${apiKeyColumns} FROM api_keys ORDER BY created_at, id`);
      return rows;
    },

    async revokeApiKey(id) {
      const { rows } = await db().query<{ id: string }>(
        `UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id`,
        [id],
      );
      return rows.length > 0;
    },
  };
}
