import { createClient } from 'graphql-ws';
import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { generateApiKey } from '../../src/auth/api-key.js';
import { INSERT, UPSERT, instrument } from '../helpers/fixtures.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process-gateway.js';

// Embedded engines only, whatever servers the test run has.
const embedded = { POSTGRES_URL: '', REDIS_URL: '', KAFKA_BROKERS: '', CLICKHOUSE_URL: '', WEAVIATE_URL: '', ARANGO_URL: '' };
const HS256_SECRET = 'a-test-secret-of-at-least-32-characters!';
const ISSUER = 'https://issuer.test';
// Three gateways start at once on a shared machine (two cores): give them time.
const START_TIMEOUT_MS = 180_000;

let gw: TestGateway; // AUTH=required, HS256 tokens, no key cache
let exposed: GatewayProcess; // HOST=0.0.0.0 with AUTH unset, RS256 tokens
let byDefault: GatewayProcess; // nothing configured: 127.0.0.1
let rsaPrivate: CryptoKey;
const keys = {} as Record<'read' | 'ingest' | 'admin' | 'readIngest', string>;

const time = Date.now() - 60_000;
const QUERY = `{ instruments(first: 5) { edges { node { symbol } } } }`;
const LATEST = `query($s: String!) { instrument(symbol: $s) { latestTick { bid } } }`;

async function post(url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  return { status: res.status, headers: res.headers, ...((await res.json()) as { data?: any; errors?: any[] }) };
}
/** Store calls since resetCalls() other than API key lookups (no cache here: one per request). */
const callsBeyondKeyLookups = () => [...gw.calls.keys()].filter((call) => call !== 'relational.findApiKey');
const bearer = (credential: string) => ({ authorization: `Bearer ${credential}` });
const as = (credential: string, query: string, variables?: Record<string, unknown>) => post(gw.url, query, variables, bearer(credential));

async function createKey(roles: string[], name = roles.join('+')) {
  const { id, key, secretHash } = generateApiKey();
  await gw.app.stores.relational.createApiKey({ id, name, roles, secretHash });
  return { id, key };
}

const hs256 = (claims: Record<string, unknown>, secret = HS256_SECRET) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(secret));

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  rsaPrivate = pair.privateKey;
  [gw, exposed, byDefault] = await Promise.all([
    startGateway({ env: { AUTH: 'required', AUTH_KEY_CACHE_TTL_MS: '0', AUTH_JWT_SECRET: HS256_SECRET } }),
    exportSPKI(pair.publicKey).then((pem) =>
      spawnGateway({ ...embedded, HOST: '0.0.0.0', AUTH_JWT_PUBLIC_KEY: pem.replace(/\n/g, '\\n'), AUTH_JWT_ISSUER: ISSUER }, START_TIMEOUT_MS),
    ),
    spawnGateway({ ...embedded }, START_TIMEOUT_MS),
  ]);
  keys.read = (await createKey(['read'])).key;
  keys.ingest = (await createKey(['ingest'])).key;
  keys.admin = (await createKey(['admin'])).key;
  keys.readIngest = (await createKey(['read', 'ingest'])).key;
  const upserted = await as(keys.admin, UPSERT, { instruments: ['EURUSD', 'GBPUSD'].map((s) => instrument(s)) });
  expect(upserted.data?.upsertInstruments).toBe(2);
}, START_TIMEOUT_MS + 30_000);
afterAll(async () => {
  await gw?.destroy();
  await exposed?.stop();
  await byDefault?.stop();
});

describe('access control over HTTP (AUTH=required)', () => {
  it('answers a request without a credential with 401 UNAUTHENTICATED and WWW-Authenticate: Bearer', async () => {
    const res = await post(gw.url, QUERY);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(res.errors).toEqual([{ message: expect.stringMatching(/Authentication required/), extensions: { code: 'UNAUTHENTICATED' } }]);
    expect(res.data).toBeUndefined();
  });

  it('refuses an unknown, malformed or differently-schemed credential with 401, never repeating it', async () => {
    const unknown = generateApiKey().key;
    for (const headers of [bearer(unknown), { 'x-api-key': unknown }, bearer('mg_nonsense'), { authorization: `Basic ${keys.read}` }]) {
      const res = await post(gw.url, QUERY, {}, headers);
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(JSON.stringify(res.errors)).not.toContain('mg_');
    }
  });

  it('lets a read key query, and refuses its insertTicks with 403 FORBIDDEN, storing nothing', async () => {
    const query = await as(keys.read, QUERY);
    expect(query.status).toBe(200);
    expect(query.data.instruments.edges.map((e: any) => e.node.symbol)).toEqual(['EURUSD', 'GBPUSD']);
    gw.resetCalls();
    const insert = await as(keys.read, INSERT, { ticks: [{ symbol: 'EURUSD', time, bid: 1.1, ask: 1.2 }] });
    expect(insert.status).toBe(403);
    expect(insert.errors).toEqual([{ message: expect.stringMatching(/needs the ingest role/), extensions: { code: 'FORBIDDEN' } }]);
    expect(callsBeyondKeyLookups()).toEqual([]); // refused before any resolver ran
    expect((await as(keys.read, LATEST, { s: 'EURUSD' })).data.instrument.latestTick).toBeNull();
  });

  it("counts federation's _service and _entities as reads", async () => {
    const sdl = `{ _service { sdl } }`;
    expect((await as(keys.read, sdl)).status).toBe(200);
    expect((await as(keys.ingest, sdl)).status).toBe(403);
    const entities = `{ _entities(representations: [{ __typename: "Instrument", symbol: "EURUSD" }]) { ... on Instrument { symbol } } }`;
    expect((await as(keys.read, entities)).data._entities).toEqual([{ symbol: 'EURUSD' }]);
    expect((await as(keys.ingest, entities)).status).toBe(403);
  });

  it('accepts the key in x-api-key too', async () => {
    const res = await post(gw.url, QUERY, {}, { 'x-api-key': keys.read });
    expect(res.status).toBe(200);
  });

  it('lets an ingest key insert ticks but not query (403 FORBIDDEN)', async () => {
    const insert = await as(keys.ingest, INSERT, { ticks: [{ symbol: 'EURUSD', time, bid: 1.1, ask: 1.2 }] });
    expect(insert.status).toBe(200);
    expect(insert.data.insertTicks.accepted).toBe(1);
    const query = await as(keys.ingest, QUERY);
    expect(query.status).toBe(403);
    expect(query.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await as(keys.read, LATEST, { s: 'EURUSD' })).data.instrument.latestTick).toEqual({ bid: 1.1 });
  });

  it('refuses an ingest key a mutation that also writes instruments, even through a fragment', async () => {
    const mixed = await as(keys.ingest, `mutation($t: [TickInput!]!) { insertTicks(ticks: $t) { accepted } ...W } fragment W on Mutation { upsertInstruments(instruments: []) }`, {
      t: [{ symbol: 'EURUSD', time: time + 1, bid: 1.1, ask: 1.2 }],
    });
    expect(mixed.status).toBe(403);
    expect(mixed.errors?.[0]?.message).toMatch(/admin role/);
    expect((await as(keys.readIngest, LATEST, { s: 'EURUSD' })).data.instrument.latestTick).toEqual({ bid: 1.1 });
  });

  it('lets an admin key run refresh jobs, query and insert', async () => {
    const refresh = await as(keys.admin, `mutation { refreshCorrelations(interval: M1, window: 10, threshold: 0.5) }`);
    expect(refresh.status).toBe(200);
    expect(refresh.data.refreshCorrelations).toEqual(expect.any(Number));
    expect((await as(keys.admin, QUERY)).status).toBe(200);
    expect((await as(keys.admin, INSERT, { ticks: [{ symbol: 'GBPUSD', time, bid: 1.3, ask: 1.4 }] })).data.insertTicks.accepted).toBe(1);
    expect((await as(keys.readIngest, `mutation { refreshPatterns(interval: M1) }`)).status).toBe(403);
  });

  it('stops accepting a revoked key (at once with AUTH_KEY_CACHE_TTL_MS=0)', async () => {
    const { id, key } = await createKey(['read'], 'short-lived');
    expect((await as(key, QUERY)).status).toBe(200);
    expect(await gw.app.stores.relational.revokeApiKey(id)).toBe(true);
    const after = await as(key, QUERY);
    expect(after.status).toBe(401);
    expect(after.errors?.[0]?.message).toMatch(/not valid or has been revoked/);
  });

  it('grants the roles of a valid HS256 token, as an array or a space-separated string', async () => {
    const reader = await hs256({ roles: ['read'] });
    expect((await as(reader, QUERY)).status).toBe(200);
    expect((await as(reader, INSERT, { ticks: [] })).status).toBe(403);
    const operator = await hs256({ roles: 'ingest admin' });
    expect((await as(operator, `mutation { refreshCorrelations(interval: M1, window: 10, threshold: 0.5) }`)).status).toBe(200);
    const noRoles = await hs256({});
    expect((await as(noRoles, QUERY)).status).toBe(403);
  });

  it('refuses an expired, forged or tampered token with 401 UNAUTHENTICATED', async () => {
    const expired = await new SignJWT({ roles: ['read'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(HS256_SECRET));
    const forged = await hs256({ roles: ['admin'] }, 'another-secret-of-at-least-32-characters');
    const [header, , signature] = (await hs256({ roles: ['read'] })).split('.');
    const tampered = `${header}.${Buffer.from(JSON.stringify({ roles: ['admin'], sub: 'alice' })).toString('base64url')}.${signature}`;
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"roles":["admin"]}').toString('base64url')}.`;
    for (const [name, token] of Object.entries({ expired, forged, tampered, unsigned })) {
      const res = await as(token, QUERY);
      expect(res.status, name).toBe(401);
      expect(res.errors?.[0]?.extensions?.code, name).toBe('UNAUTHENTICATED');
    }
    expect((await as(expired, QUERY)).errors?.[0]?.message).toMatch(/expired/);
  });
});

describe('access control over WebSocket (AUTH=required)', () => {
  /** Opens a raw graphql-transport-ws socket, sends connection_init and resolves with what came back. */
  function connect(payload?: Record<string, unknown>) {
    return new Promise<{ ack: boolean; code?: number }>((resolve, reject) => {
      const socket = new WebSocket(gw.wsUrl, 'graphql-transport-ws');
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload })));
      socket.on('message', (data) => {
        if (JSON.parse(String(data)).type === 'connection_ack') {
          socket.close(1000);
          resolve({ ack: true });
        }
      });
      socket.on('close', (code) => resolve({ ack: false, code }));
      socket.on('error', reject);
    });
  }

  it('closes a connection with a bad key, or none, with 4403 Forbidden', async () => {
    expect(await connect({ apiKey: generateApiKey().key })).toEqual({ ack: false, code: 4403 });
    expect(await connect({ authorization: 'Bearer mg_nonsense' })).toEqual({ ack: false, code: 4403 });
    expect(await connect({ authorization: `Bearer ${await hs256({ roles: ['read'] }, 'another-secret-of-at-least-32-characters')}` })).toEqual({ ack: false, code: 4403 });
    expect(await connect()).toEqual({ ack: false, code: 4403 });
    expect(await connect({ apiKey: keys.read })).toEqual({ ack: true });
  });

  /** Subscribes with these connectionParams; resolves with the first result (data or errors). */
  function firstResult(connectionParams: Record<string, unknown>, query: string, onSubscribed?: () => Promise<unknown>) {
    const client = createClient({ url: gw.wsUrl, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0 });
    return new Promise<any>((resolve, reject) => {
      let ticking: ReturnType<typeof setInterval> | undefined;
      client.subscribe({ query }, {
        next: (result) => resolve(result),
        error: reject,
        complete: () => resolve('complete'),
      });
      // The subscription is registered asynchronously: insert until a tick arrives.
      if (onSubscribed) ticking = setInterval(() => void onSubscribed(), 200);
      client.on('closed', () => clearInterval(ticking));
    }).finally(() => client.dispose());
  }

  it('lets a read key subscribe and receive ticks', async () => {
    let n = 0;
    const result = await firstResult({ authorization: `Bearer ${keys.read}` }, `subscription { ticks(symbols: ["GBPUSD"]) { symbol bid } }`, () =>
      as(keys.ingest, INSERT, { ticks: [{ symbol: 'GBPUSD', time: time + 1000 + n++, bid: 1.31, ask: 1.4 }] }),
    );
    expect(result).toEqual({ data: { ticks: { symbol: 'GBPUSD', bid: 1.31 } } });
  });

  it('refuses an ingest key a subscription, and a read key insertTicks, with FORBIDDEN', async () => {
    const subscription = await firstResult({ apiKey: keys.ingest }, `subscription { ticks(symbols: ["GBPUSD"]) { symbol } }`);
    expect(subscription.errors).toEqual([{ message: expect.stringMatching(/needs the read role/), extensions: { code: 'FORBIDDEN' } }]);
    gw.resetCalls();
    const mutation = await firstResult({ apiKey: keys.read }, `mutation { insertTicks(ticks: [{ symbol: "GBPUSD", time: "${new Date(time + 5000).toISOString()}", bid: 1, ask: 2 }]) { accepted } }`);
    expect(mutation.errors?.[0]?.extensions).toEqual({ code: 'FORBIDDEN' });
    expect(callsBeyondKeyLookups()).toEqual([]);
  });
});

describe('auth mode by bind address', () => {
  // The spawned gateway listens on 0.0.0.0; it is reached through the loopback interface.
  const exposedUrl = () => exposed.url.replace('0.0.0.0', '127.0.0.1');
  const rs256 = (claims: Record<string, unknown>, key: CryptoKey = rsaPrivate) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).setIssuer(ISSUER).setExpirationTime('5m').sign(key);

  it('requires a credential on HOST=0.0.0.0 unless AUTH=disabled, and says so at start', async () => {
    const res = await post(exposedUrl(), QUERY);
    expect(res.status).toBe(401);
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(exposed.logs.join('\n')).toMatch(/access control on: .*HOST 0\.0\.0\.0 is not a loopback address \(AUTH=auto\)/);
  });

  it('grants the roles of an RS256 token verified with the configured public key, and refuses others', async () => {
    const reader = await rs256({ roles: ['read'] });
    expect((await post(exposedUrl(), QUERY, {}, bearer(reader))).status).toBe(200);
    expect((await post(exposedUrl(), INSERT, { ticks: [] }, bearer(reader))).status).toBe(403);
    const stranger = (await generateKeyPair('RS256')).privateKey;
    const otherIssuer = await new SignJWT({ roles: ['read'] }).setProtectedHeader({ alg: 'RS256' }).setIssuer('https://elsewhere.test').setExpirationTime('5m').sign(rsaPrivate);
    for (const token of [await rs256({ roles: ['read'] }, stranger), otherIssuer, await hs256({ roles: ['read'] })]) {
      expect((await post(exposedUrl(), QUERY, {}, bearer(token))).status).toBe(401);
    }
  });

  it('stays open on the default loopback bind: no credential needed for any role', async () => {
    expect((await post(byDefault.url, QUERY)).status).toBe(200);
    const insert = await post(byDefault.url, INSERT, { ticks: [{ symbol: 'NOSUCH', time, bid: 1, ask: 2 }] });
    expect(insert.status).toBe(200);
    expect(insert.data.insertTicks.rejected).toHaveLength(1);
    expect(byDefault.logs.join('\n')).toMatch(/access control off: .*HOST 127\.0\.0\.1 is a loopback address \(AUTH=auto\)/);
  });
});
