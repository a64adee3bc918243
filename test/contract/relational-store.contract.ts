import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RelationalStore } from '../../src/stores/relational/relational-store.js';

/** What every RelationalStore adapter must do, run against each one that can start here. */
export function relationalStoreContract(name: string, open: () => Promise<RelationalStore>, close: (s: RelationalStore) => Promise<void> = (s) => s.close()) {
  describe(`RelationalStore contract: ${name}`, () => {
    let store: RelationalStore;
    // Unique per run, so a shared server keeps no state between runs.
    const run = Math.random().toString(36).slice(2, 7).toUpperCase();
    const sym = (s: string) => `${s}${run}`;
    const inst = (s: string, assetClass = 'FX') => ({
      symbol: sym(s), description: null, assetClass: `${assetClass}${run}`, baseCurrency: 'EUR', quoteCurrency: 'USD', digits: 5, sector: null,
    });

    beforeAll(async () => {
      store = await open();
      await store.start();
      // start is idempotent: a second start over existing tables works
      await store.close();
      store = await open();
      await store.start();
    });
    afterAll(async () => close(store));

    it('upserts instruments by symbol and reads them back in key order, null for unknown', async () => {
      expect(await store.upsertInstruments([inst('AAA'), inst('BBB', 'METAL'), inst('CCC')])).toBe(3);
      expect(await store.upsertInstruments([{ ...inst('AAA'), description: 'updated', digits: 3, contractSize: 1000, sector: 'Majors' }])).toBe(1);
      const rows = await store.instrumentsBySymbols([sym('CCC'), 'NOSUCH', sym('AAA')]);
      expect(rows[0]?.symbol).toBe(sym('CCC'));
      expect(rows[1]).toBeNull();
      expect(rows[2]).toEqual({ ...inst('AAA'), description: 'updated', digits: 3, contractSize: 1000, sector: 'Majors' });
    });

    it('lists instruments by symbol after a key, filtered by asset class', async () => {
      const fx = await store.listInstruments({ assetClass: `FX${run}`, limit: 10 });
      expect(fx.map((r) => r.symbol)).toEqual([sym('AAA'), sym('CCC')]);
      const after = await store.listInstruments({ assetClass: `FX${run}`, after: sym('AAA'), limit: 10 });
      expect(after.map((r) => r.symbol)).toEqual([sym('CCC')]);
      expect(await store.listInstruments({ assetClass: `FX${run}`, limit: 1 })).toHaveLength(1);
    });

    it('creates accounts and positions, reads positions per account in key order', async () => {
      await store.upsertInstruments([inst('AAA')]);
      const [a, b, c] = await store.createAccounts([
        { login: `a${run}`, name: 'A', currency: 'USD', balance: 100.25 },
        { login: `b${run}`, name: 'B', currency: 'EUR', balance: 0 },
        { login: `c${run}`, name: 'C', currency: 'USD', balance: 5 },
      ]);
      expect(a).toMatchObject({ login: `a${run}`, balance: 100.25 });
      expect(typeof a!.id).toBe('string');
      const openTime = Date.UTC(2025, 0, 2, 3, 4, 5, 678);
      await store.createPositions([
        { accountId: c!.id, symbol: sym('AAA'), side: 'SELL', volume: 2, openPrice: 1.5, openTime },
        { accountId: a!.id, symbol: sym('AAA'), side: 'BUY', volume: 1, openPrice: 1.2, openTime },
        { accountId: a!.id, symbol: sym('AAA'), side: 'SELL', volume: 0.5, openPrice: 1.3, openTime },
      ]);
      const lists = await store.positionsByAccountIds([b!.id, a!.id, 'nope', c!.id]);
      expect(lists.map((l) => l.length)).toEqual([0, 2, 0, 1]);
      expect(lists[1]![0]).toMatchObject({ accountId: a!.id, symbol: sym('AAA'), side: 'BUY', volume: 1, openPrice: 1.2, openTime });
      const accounts = await store.accountsByIds([c!.id, 'x', a!.id]);
      expect(accounts.map((r) => r?.name ?? null)).toEqual(['C', null, 'A']);
      const page = await store.listAccounts({ after: a!.id, limit: 2 });
      expect(page.map((r) => r.id)).toEqual([b!.id, c!.id]);
    });

    it('refuses a position on an unknown instrument', async () => {
      const [a] = await store.createAccounts([{ login: `d${run}`, name: 'D', currency: 'USD', balance: 1 }]);
      await expect(
        store.createPositions([{ accountId: a!.id, symbol: 'NOSUCH', side: 'BUY', volume: 1, openPrice: 1, openTime: 0 }]),
      ).rejects.toThrow();
    });

    it('treats symbols as values, never as SQL', async () => {
      const evil = `x'); DROP TABLE instruments; --${run}`;
      expect(await store.upsertInstruments([{ ...inst('EVIL'), symbol: evil }])).toBe(1);
      expect((await store.instrumentsBySymbols([evil]))[0]?.symbol).toBe(evil);
      await expect(store.ping()).resolves.toBeUndefined();
    });

    // API keys: ids are random hex, unique per run on a shared server.
    const keyId = () => randomBytes(8).toString('hex');
    const hash = (c: string) => c.repeat(64);

    it('creates an API key and finds it by id, with its roles and no revocation', async () => {
      const id = keyId();
      const before = Date.now();
      const created = await store.createApiKey({ id, name: `bridge ${run}`, roles: ['ingest', 'read'], secretHash: hash('a') });
      expect(created).toMatchObject({ id, name: `bridge ${run}`, roles: ['ingest', 'read'], secretHash: hash('a'), revokedAt: null });
      expect(created.createdAt).toBeGreaterThanOrEqual(before - 5_000);
      expect(await store.findApiKey(id)).toEqual(created);
      expect(await store.findApiKey(keyId())).toBeNull();
    });

    it('revokes an active key once, keeping it findable with its revocation time', async () => {
      const id = keyId();
      await store.createApiKey({ id, name: 'to revoke', roles: ['read'], secretHash: hash('b') });
      expect(await store.revokeApiKey(id)).toBe(true);
      expect(await store.revokeApiKey(id)).toBe(false);
      expect(await store.revokeApiKey(keyId())).toBe(false);
      const revoked = await store.findApiKey(id);
      expect(revoked?.revokedAt).toEqual(expect.any(Number));
      expect(revoked!.revokedAt!).toBeGreaterThanOrEqual(revoked!.createdAt);
    });

    it('lists keys oldest first, revoked ones included', async () => {
      const ids = [keyId(), keyId()];
      for (const id of ids) {
        await store.createApiKey({ id, name: id, roles: ['admin'], secretHash: hash('c') });
        // PGlite's clock ticks in milliseconds: two keys created in one share a time, and their
        // order is then the ids' (random). Apart by more than a tick, the older comes first.
        await new Promise((r) => setTimeout(r, 5));
      }
      await store.revokeApiKey(ids[1]!);
      const listed = (await store.listApiKeys()).filter((k) => ids.includes(k.id));
      expect(listed.map((k) => [k.id, k.revokedAt === null])).toEqual([
        [ids[0], true],
        [ids[1], false],
      ]);
    });

    it('refuses a key with an unknown role, no role, or an id used twice', async () => {
      await expect(store.createApiKey({ id: keyId(), name: 'x', roles: ['root'], secretHash: hash('d') })).rejects.toThrow();
      await expect(store.createApiKey({ id: keyId(), name: 'x', roles: [], secretHash: hash('d') })).rejects.toThrow();
      const id = keyId();
      await store.createApiKey({ id, name: 'x', roles: ['read'], secretHash: hash('d') });
      await expect(store.createApiKey({ id, name: 'y', roles: ['read'], secretHash: hash('e') })).rejects.toThrow();
    });
  });
}
