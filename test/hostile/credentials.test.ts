import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from 'graphql-ws';
import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { spawnGateway, type GatewayProcess } from '../helpers/process-gateway.js';
import { wsRequest } from '../helpers/ws-request.js';
import { EMBEDDED, post } from './probe.js';

/**
 * What README's "Access control" promises about credentials, tried the way an attacker would:
 * the algorithm follows from the key, never from the token (ES256 key; an HS256 token signed
 * with the public key's text is the classic forgery); `aud` and `nbf` are enforced (`nbf` with
 * 5 s of leeway); messages never repeat the credential, on 401 and 403, for keys and JWTs;
 * AUTH=disabled on a non-loopback bind warns at start.
 */
const AUDIENCE = 'marketgraph-hostile';
const QUERY = '{ instruments(first: 1) { edges { cursor } } }';
const INSERT = 'mutation($t: [TickInput!]!) { insertTicks(ticks: $t) { accepted } }';
const START_TIMEOUT_MS = 180_000;

const bin = fileURLToPath(new URL('../../bin/marketgraph.mjs', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'marketgraph-hostile-credentials-'));

function createKey(role: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const env = { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    execFile(process.execPath, [bin, 'keys', 'create', '--role', role, '--name', `hostile-${role}`], { env, timeout: 120_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(stderr)) : resolve(stdout.trim()),
    );
  });
}

let gateway: GatewayProcess; // AUTH=required, ES256 public key, required audience
let disabled: GatewayProcess; // AUTH=disabled on 0.0.0.0
let ecPrivate: CryptoKey;
let publicPem: string;
let readKey: string;

const now = () => Math.floor(Date.now() / 1000);
const es256 = (claims: Record<string, unknown>, key: CryptoKey = ecPrivate) =>
  new SignJWT({ aud: AUDIENCE, exp: now() + 300, ...claims }).setProtectedHeader({ alg: 'ES256' }).setSubject('mallory').sign(key);
const asBearer = (credential: string, query = QUERY, variables: Record<string, unknown> = {}) =>
  post(gateway.url, JSON.stringify({ query, variables }), { authorization: `Bearer ${credential}` });

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  ecPrivate = pair.privateKey;
  publicPem = await exportSPKI(pair.publicKey);
  readKey = await createKey('read'); // before the gateway opens the embedded database: one process at a time
  [gateway, disabled] = await Promise.all([
    spawnGateway({ ...EMBEDDED, DATA_DIR: dataDir, AUTH: 'required', AUTH_JWT_PUBLIC_KEY: publicPem.replace(/\n/g, '\\n'), AUTH_JWT_AUDIENCE: AUDIENCE }, START_TIMEOUT_MS),
    spawnGateway({ ...EMBEDDED, AUTH: 'disabled', HOST: '0.0.0.0' }, START_TIMEOUT_MS),
  ]);
}, START_TIMEOUT_MS + 120_000);
afterAll(async () => {
  await gateway?.stop();
  await disabled?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('JWT algorithms follow from the configured key', () => {
  it('grants an ES256 token signed with the configured P-256 key', async () => {
    const answer = await asBearer(await es256({ roles: ['read'] }));
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
  });

  it('refuses an HS256 token whose secret is the public key, an unsigned token, and an ES256 token of another key', async () => {
    const claims = { roles: ['admin'], aud: AUDIENCE, exp: now() + 300 };
    const hmacWithPublicKey = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(publicPem));
    const [header, payload] = (await es256({ roles: ['admin'] })).split('.');
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    const stranger = (await generateKeyPair('ES256')).privateKey;
    for (const token of [hmacWithPublicKey, unsigned, `${header}.${payload}.`, await es256({ roles: ['admin'] }, stranger)]) {
      const answer = await asBearer(token);
      expect(answer.status, token).toBe(401);
      expect(answer.code, token).toBe('UNAUTHENTICATED');
    }
  });
});

describe('JWT claims', () => {
  it('refuses a token for another audience, or for none, when AUTH_JWT_AUDIENCE is set', async () => {
    for (const aud of ['someone-else', undefined]) {
      const answer = await asBearer(await es256({ roles: ['read'], aud }));
      expect(answer.status, String(aud)).toBe(401);
      expect(answer.body.errors[0].message).toBe("The token's aud claim is not accepted.");
    }
  });

  it('refuses a token not valid before a minute from now, and accepts one valid 2 s from now (5 s leeway)', async () => {
    const early = await asBearer(await es256({ roles: ['read'], nbf: now() + 60 }));
    expect(early.status).toBe(401);
    expect(early.body.errors[0].message).toBe("The token's nbf claim is not accepted.");
    expect((await asBearer(await es256({ roles: ['read'], nbf: now() + 2 }))).status).toBe(200);
  });
});

describe('credentials are never repeated', () => {
  /** The answer, body and headers, contains neither the credential nor its secret half. */
  const expectNoEcho = (text: string, credential: string) => {
    const secret = credential.slice(-24); // a key's secret or a token's signature
    expect(text).not.toContain(credential);
    expect(text).not.toContain(secret);
  };
  const raw = async (credential: string, body: object, header: 'authorization' | 'x-api-key' = 'authorization') => {
    const res = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [header]: header === 'authorization' ? `Bearer ${credential}` : credential },
      body: JSON.stringify(body),
    });
    return { status: res.status, text: `${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${await res.text()}` };
  };
  const tick = { symbol: 'EURUSD', time: new Date(Date.now() - 1_000).toISOString(), bid: 1, ask: 1.1 };

  it('in a 401 for an unknown or revoked-looking API key, in either header', async () => {
    const unknown = `mg_${'0'.repeat(16)}_${'A'.repeat(43)}`;
    const wrongSecret = `${readKey.slice(0, 20)}${'B'.repeat(43)}`;
    for (const credential of [unknown, wrongSecret]) {
      for (const header of ['authorization', 'x-api-key'] as const) {
        const answer = await raw(credential, { query: QUERY }, header);
        expect(answer.status).toBe(401);
        expectNoEcho(answer.text, credential);
      }
    }
  });

  it('in a 403 for an API key without the role', async () => {
    const answer = await raw(readKey, { query: INSERT, variables: { t: [tick] } });
    expect(answer.status).toBe(403);
    expect(answer.text).toMatch(/FORBIDDEN/);
    expectNoEcho(answer.text, readKey);
  });

  it('in a 401 for a forged or expired JWT and a 403 for one without the role', async () => {
    const valid = await es256({ roles: ['read'] });
    const forged = `${valid.slice(0, valid.lastIndexOf('.'))}.${'A'.repeat(86)}`;
    const expired = await es256({ roles: ['read'], exp: now() - 600 });
    for (const token of [forged, expired]) {
      const answer = await raw(token, { query: QUERY });
      expect(answer.status).toBe(401);
      expectNoEcho(answer.text, token);
    }
    const forbidden = await raw(valid, { query: INSERT, variables: { t: [tick] } });
    expect(forbidden.status).toBe(403);
    expectNoEcho(forbidden.text, valid);
  });

  it('in a WebSocket FORBIDDEN result', async () => {
    const client = createClient({ url: gateway.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { apiKey: readKey } });
    try {
      const result = await wsRequest(client, { query: INSERT, variables: { t: [tick] } });
      expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expectNoEcho(JSON.stringify(result), readKey);
    } finally {
      await client.dispose();
    }
  });
});

describe('AUTH=disabled', () => {
  it('warns at start on a non-loopback bind, naming the address', () => {
    const warning = disabled.logs.map((line) => JSON.parse(line)).find((entry) => /access control DISABLED/.test(entry.msg));
    expect(warning).toMatchObject({ level: 40, msg: expect.stringContaining('on 0.0.0.0') });
  });

  it('does not warn when credentials are checked', () => {
    expect(gateway.logs.some((line) => /access control DISABLED/.test(line))).toBe(false);
  });
});
