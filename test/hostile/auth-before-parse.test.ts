import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSERT, UPSERT, instrument, tickSeries } from '../helpers/fixtures.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process-gateway.js';
import { EMBEDDED, MB, healthy, post, underAttack } from './probe.js';

/**
 * Issue 13, "credentials before parsing": with access control on, a caller without a credential
 * is refused before its document is read or parsed, on every path, the insertTicks fast path
 * included; a caller with one has its document measured against the token limit before any parse.
 * On c7dd339 a 6 MB `{ a a a … }` took 8.4 s and 1.5 GB of RSS to be refused with 401.
 */
const SECRET = 'a-hostile-test-secret-of-32-characters!';
const QUICKLY_MS = 3_000; // "at once", on a shared two-core machine
const RSS_BOUND = 100 * MB; // the old code grew by more than 1 GB on these

let gateway: GatewayProcess;
const token = (roles: string[], expires = true) => {
  const jwt = new SignJWT({ roles }).setProtectedHeader({ alg: 'HS256' }).setSubject('hostile');
  return (expires ? jwt.setExpirationTime('10m') : jwt).sign(new TextEncoder().encode(SECRET));
};
/** `{ a a a … }` of about `bytes`, with the `variables` that sent it down the fast path. */
// Each text different from any sent before: the old fast path cached its plans by text.
let sent = 0;
const bigDocument = (bytes: number) => JSON.stringify({ query: `{ q${++sent} ${'a '.repeat(bytes / 2)}}`, variables: {} });

beforeAll(async () => {
  gateway = await spawnGateway({ ...EMBEDDED, AUTH: 'required', AUTH_JWT_SECRET: SECRET }, 120_000);
}, 130_000);
afterAll(async () => {
  await gateway?.stop();
});

describe('credentials before parsing', () => {
  it('answers a 6 MB document without a credential with 401 at once, without parsing it', async () => {
    const { result, slowestHealthMs, rssGrowthBytes } = await underAttack(gateway, () => post(gateway.url, bigDocument(6 * MB)));
    expect(result.status).toBe(401);
    expect(result.code).toBe('UNAUTHENTICATED');
    expect(result.ms).toBeLessThan(QUICKLY_MS);
    expect(slowestHealthMs).toBeLessThan(2_000);
    expect(rssGrowthBytes).toBeLessThan(RSS_BOUND);
    expect(await healthy(gateway)).toBe(true);
  }, 60_000);

  it('answers a 6 MB document with a forged key or token with 401 at once', async () => {
    const forgedKey = `mg_0123456789abcdef_${'A'.repeat(43)}`;
    const otherSecret = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode('not-the-gateway-secret-but-32-characters-long'));
    for (const credential of [forgedKey, otherSecret]) {
      const { result, rssGrowthBytes } = await underAttack(gateway, () => post(gateway.url, bigDocument(6 * MB), { authorization: `Bearer ${credential}` }));
      expect(result.status).toBe(401);
      expect(result.code).toBe('UNAUTHENTICATED');
      expect(result.ms).toBeLessThan(QUICKLY_MS);
      expect(JSON.stringify(result.body)).not.toContain(credential);
      expect(rssGrowthBytes).toBeLessThan(RSS_BOUND);
    }
  }, 60_000);

  it('refuses a 6 MB document from an ingest credential past the token limit before the fast path parses it', async () => {
    const ingest = await token(['ingest']);
    const { result, slowestHealthMs, rssGrowthBytes } = await underAttack(gateway, () =>
      post(gateway.url, bigDocument(6 * MB), { authorization: `Bearer ${ingest}` }),
    );
    expect(result.status).toBe(400);
    expect(result.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(result.body.errors[0].message).toMatch(/contains more th.. 1000 tokens/);
    expect(result.ms).toBeLessThan(QUICKLY_MS);
    expect(slowestHealthMs).toBeLessThan(2_000);
    expect(rssGrowthBytes).toBeLessThan(RSS_BOUND);
  }, 60_000);

  it('refuses a token without exp with 401', async () => {
    const forever = await token(['admin'], false);
    const answer = await post(gateway.url, JSON.stringify({ query: '{ __typename }' }), { authorization: `Bearer ${forever}` });
    expect(answer.status).toBe(401);
    expect(answer.code).toBe('UNAUTHENTICATED');
    expect(answer.body.errors[0].message).toMatch(/no exp claim/);
  });

  it('still stores what a credential with the ingest role sends, after all that', async () => {
    const admin = await token(['admin']);
    const upserted = await post(gateway.url, JSON.stringify({ query: UPSERT, variables: { instruments: [instrument('EURUSD')] } }), { authorization: `Bearer ${admin}` });
    expect(upserted.body.data.upsertInstruments).toBe(1);
    const ingest = await token(['ingest']);
    const ticks = tickSeries('EURUSD', Date.UTC(2026, 0, 5, 10), 3);
    const answer = await post(gateway.url, JSON.stringify({ query: INSERT, variables: { ticks } }), { authorization: `Bearer ${ingest}` });
    expect(answer.status).toBe(200);
    expect(answer.body.data.insertTicks).toEqual({ accepted: 3, duplicates: 0, rejected: [] });
    expect(await healthy(gateway)).toBe(true);
  });
});
