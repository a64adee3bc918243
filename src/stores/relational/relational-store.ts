import type { SqlClient } from './sql-client.js';
/** The port for instruments, accounts and positions. */

export interface InstrumentRow {
  symbol: string;
  description: string | null;
  assetClass: string;
  baseCurrency: string;
  quoteCurrency: string;
  digits: number;
  contractSize: number;
  sector: string | null;
}

export type InstrumentInput = Omit<InstrumentRow, 'contractSize' | 'description' | 'sector'> & {
  description?: string | null;
  contractSize?: number | null;
  sector?: string | null;
};

export interface AccountRow {
  id: string;
  login: string;
  name: string;
  currency: string;
  balance: number;
}

export interface PositionRow {
  id: string;
  accountId: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  volume: number;
  openPrice: number;
  openTime: number; // epoch ms
}

export interface NewAccount {
  login: string;
  name: string;
  currency: string;
  balance: number;
}

export type NewPosition = Omit<PositionRow, 'id'>;

/** An API key as stored: never the key itself, only a hash of its secret (see src/auth/api-key.ts). */
export interface ApiKeyRow {
  id: string;
  name: string;
  roles: string[];
  /** SHA-256 of the secret, hex. */
  secretHash: string;
  createdAt: number; // epoch ms
  revokedAt: number | null; // epoch ms
}

export type NewApiKey = Pick<ApiKeyRow, 'id' | 'name' | 'roles' | 'secretHash'>;

export interface ListQuery {
  /** Rows after this key (symbol for instruments, id for accounts). */
  after?: string;
  limit: number;
}

export interface RelationalStore {
  readonly engine: string;
  /** The client migrations run on, for adapters on Postgres; throws before start. */
  sqlClient?(): SqlClient;
  start(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** In the order of `symbols`; null where unknown. */
  instrumentsBySymbols(symbols: readonly string[]): Promise<(InstrumentRow | null)[]>;
  listInstruments(query: ListQuery & { assetClass?: string }): Promise<InstrumentRow[]>;
  upsertInstruments(instruments: readonly InstrumentInput[]): Promise<number>;
  /** In the order of `ids`; null where unknown. */
  accountsByIds(ids: readonly string[]): Promise<(AccountRow | null)[]>;
  listAccounts(query: ListQuery): Promise<AccountRow[]>;
  /** One list per id, in the order of `accountIds`. */
  positionsByAccountIds(accountIds: readonly string[]): Promise<PositionRow[][]>;
  createAccounts(accounts: readonly NewAccount[]): Promise<AccountRow[]>;
  createPositions(positions: readonly NewPosition[]): Promise<void>;
  createApiKey(key: NewApiKey): Promise<ApiKeyRow>;
  /** The key with this id, revoked or not; null when there is none. */
  findApiKey(id: string): Promise<ApiKeyRow | null>;
  /** Every key, revoked ones too, oldest first. */
  listApiKeys(): Promise<ApiKeyRow[]>;
  /** True when an active key was revoked now; false when no active key has this id. */
  revokeApiKey(id: string): Promise<boolean>;
}
