import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { generateApiKey } from '../../src/auth/api-key.js';
import type { SqlClient } from '../../src/stores/relational/sql-client.js';
import { testPool, urlInSchema } from '../helpers/postgres-schema.js';
import { UPSERT, instrument } from '../helpers/fixtures.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process-gateway.js';
import { EMBEDDED, MB, closeOf, healthy, initSocket, openSocket, post, underAttack, wsUrlOf, type Upgrade } from './probe.js';

/**
 * Issue 13, WebSocket: what one client may hold (payload, sockets, operations per socket, time
 * before connection_init) and credentials checked again while a socket is open (a JWT's `exp`, a
 * revoked API key). Small limits here so that the test is quick; the defaults are in config.ts.
 */
const SECRET = 'a-hostile-test-secret-of-32-characters!';
const LIMITS = { connections: 4, operations: 3, payload: 64 * 1024, initMs: 1_000 };
const SLACK_MS = 3_000; // a shared two-core machine
const SUBSCRIPTION = 'subscription { ticks(symbols: ["EURUSD"]) { bid } }';

let gateway: GatewayProcess;
const token = (claims: Record<string, unknown>, exp?: number | string) => {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('hostile');
  return (exp === undefined ? jwt : jwt.setExpirationTime(exp)).sign(new TextEncoder().encode(SECRET));
};
const bearer = async (exp: number | string = '10m') => ({ authorization: `Bearer ${await token({ roles: ['read'] }, exp)}` });

const opened = (upgrade: Upgrade): WebSocket => {
  if (upgrade.status !== undefined) throw new Error(`upgrade refused with ${upgrade.status}: ${upgrade.body}`);
  return upgrade.socket;
};
/** An acknowledged socket of a reader. */
async function reader(headers: Record<string, string> = {}): Promise<WebSocket> {
  const socket = opened(await openSocket(wsUrlOf(gateway), headers));
  await initSocket(socket, await bearer());
  return socket;
}
const subscribe = (socket: WebSocket, id: string, query = SUBSCRIPTION) => socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query } }));
/** Messages the socket receives from now on. */
function inbox(socket: WebSocket): any[] {
  const messages: any[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(data.toString())));
  return messages;
}
async function closeAll(sockets: WebSocket[]): Promise<void> {
  await Promise.all(sockets.map((s) => { const c = closeOf(s); s.close(1000); return c; }));
}

beforeAll(async () => {
  gateway = await spawnGateway(
    {
      ...EMBEDDED,
      AUTH: 'required',
      AUTH_JWT_SECRET: SECRET,
      WS_MAX_CONNECTIONS: String(LIMITS.connections),
      WS_MAX_OPERATIONS_PER_SOCKET: String(LIMITS.operations),
      WS_MAX_PAYLOAD_BYTES: String(LIMITS.payload),
      WS_CONNECTION_INIT_TIMEOUT_MS: String(LIMITS.initMs),
    },
    120_000,
  );
  // The instrument the subscriptions name.
  const admin = `Bearer ${await token({ roles: ['admin'] }, '10m')}`;
  const upserted = await post(gateway.url, JSON.stringify({ query: UPSERT, variables: { instruments: [instrument('EURUSD')] } }), { authorization: admin });
  expect(upserted.body.data.upsertInstruments).toBe(1);
}, 130_000);
afterAll(async () => {
  await gateway?.stop();
});

describe('WebSocket limits', () => {
  it('closes a socket whose message is larger than WS_MAX_PAYLOAD_BYTES with 1009', async () => {
    const socket = await reader();
    const closed = closeOf(socket);
    const { result, slowestHealthMs, rssGrowthBytes } = await underAttack(gateway, async () => {
      socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `{ ${'a '.repeat(4 * MB)}}` } }));
      return closed;
    });
    expect(result.code).toBe(1009);
    expect(result.ms).toBeLessThan(SLACK_MS);
    expect(slowestHealthMs).toBeLessThan(2_000);
    expect(rssGrowthBytes).toBeLessThan(50 * MB);
  }, 30_000);

  it('refuses one socket more than WS_MAX_CONNECTIONS with 503 OVERLOADED, and takes one again once a socket closes', async () => {
    const sockets = await Promise.all(Array.from({ length: LIMITS.connections }, () => reader()));
    try {
      const refused = await openSocket(wsUrlOf(gateway));
      expect(refused.status).toBe(503);
      expect(JSON.parse((refused as { body: string }).body).errors[0].extensions.code).toBe('OVERLOADED');
      await closeAll(sockets.splice(0, 1));
      sockets.push(await reader());
    } finally {
      await closeAll(sockets);
    }
    expect(await healthy(gateway)).toBe(true);
  }, 30_000);

  it('refuses an operation beyond WS_MAX_OPERATIONS_PER_SOCKET with TOO_MANY_OPERATIONS, and keeps the others running', async () => {
    const socket = await reader();
    const messages = inbox(socket);
    for (let i = 1; i <= LIMITS.operations + 1; i++) subscribe(socket, String(i));
    await new Promise((r) => setTimeout(r, 1_000));
    const refused = messages.find((m) => m.id === String(LIMITS.operations + 1));
    expect(refused?.type).toBe('error');
    expect(refused?.payload[0].extensions.code).toBe('TOO_MANY_OPERATIONS');
    // The first ones still run: none has ended.
    expect(messages.filter((m) => m.id !== String(LIMITS.operations + 1) && m.type !== 'next')).toEqual([]);
    // Completing one makes room for another.
    socket.send(JSON.stringify({ id: '1', type: 'complete' }));
    subscribe(socket, 'again');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(messages.filter((m) => m.id === 'again' && m.type === 'error')).toEqual([]);
    await closeAll([socket]);
  }, 30_000);

  it('closes a socket that sends no connection_init within WS_CONNECTION_INIT_TIMEOUT_MS with 4408', async () => {
    const socket = opened(await openSocket(wsUrlOf(gateway)));
    const closed = await closeOf(socket);
    expect(closed.code).toBe(4408);
    expect(closed.ms).toBeLessThan(LIMITS.initMs + SLACK_MS);
  }, 30_000);
});

describe('credentials on an open socket', () => {
  it('closes the socket of a JWT with 4403 when the token expires', async () => {
    const expSeconds = Math.floor(Date.now() / 1000) + 4;
    const socket = opened(await openSocket(wsUrlOf(gateway)));
    await initSocket(socket, await bearer(expSeconds));
    subscribe(socket, '1');
    const closed = await closeOf(socket);
    expect(closed.code).toBe(4403);
    expect(Date.now()).toBeGreaterThanOrEqual(expSeconds * 1000);
    expect(Date.now()).toBeLessThan(expSeconds * 1000 + SLACK_MS);
  }, 30_000);

  it('refuses a token without exp at connection_init with 4403', async () => {
    const socket = opened(await openSocket(wsUrlOf(gateway)));
    const closed = closeOf(socket);
    await expect(initSocket(socket, { authorization: `Bearer ${await token({ roles: ['read'] })}` })).rejects.toThrow(/4403/);
    expect((await closed).code).toBe(4403);
  });

  it("lets a page of another site through to connection_init while access control is on: credentials decide", async () => {
    const socket = opened(await openSocket(wsUrlOf(gateway), { origin: 'http://evil.example' }));
    const closed = closeOf(socket);
    await expect(initSocket(socket, {})).rejects.toThrow(/4403/);
    expect((await closed).code).toBe(4403);
  });
});

// A key is revoked while the gateway runs: its relational store must be a server (PGlite's data
// directory belongs to the gateway's process). Skipped without POSTGRES_URL.
const postgresUrl = process.env.POSTGRES_URL;
describe.skipIf(!postgresUrl)('an API key revoked while its socket is open', () => {
  const TTL_MS = 1_000;
  const schema = `mg_hostile_ws_${Math.random().toString(36).slice(2, 8)}`;
  let admin: SqlClient;
  let keyed: GatewayProcess;
  beforeAll(async () => {
    admin = await testPool(postgresUrl!);
    await admin.exec(`CREATE SCHEMA ${schema}`);
    // Its own schema alone on the search path: with `public` there, a database whose public schema
    // other tests migrated already would satisfy the migrations and leave this schema empty.
    keyed = await spawnGateway(
      { ...EMBEDDED, POSTGRES_URL: urlInSchema(postgresUrl!, schema), MIGRATE_ON_START: 'true', AUTH: 'required', AUTH_KEY_CACHE_TTL_MS: String(TTL_MS) },
      120_000,
    );
  }, 130_000);
  afterAll(async () => {
    await keyed?.stop();
    await admin?.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin?.close();
  });

  it('closes the socket with 4403 within the key cache TTL (and one poll) of the revocation', async () => {
    const { id, key, secretHash } = generateApiKey();
    await admin.query(`INSERT INTO ${schema}.api_keys (id, name, roles, secret_hash) VALUES ($1, 'screen', ARRAY['read'], $2)`, [id, secretHash]);
    const socket = opened(await openSocket(wsUrlOf(keyed)));
    await initSocket(socket, { apiKey: key });
    subscribe(socket, '1');
    await new Promise((r) => setTimeout(r, 2 * TTL_MS)); // open, and checked again, for a while
    expect(socket.readyState).toBe(socket.OPEN);
    const closed = closeOf(socket);
    await admin.query(`UPDATE ${schema}.api_keys SET revoked_at = now() WHERE id = $1`, [id]);
    const { code, ms } = await closed;
    expect(code).toBe(4403);
    expect(ms).toBeLessThan(TTL_MS + SLACK_MS);
  }, 60_000);
});
