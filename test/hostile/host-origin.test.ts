import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnGateway, type GatewayProcess } from '../helpers/process-gateway.js';
import { EMBEDDED, closeOf, healthy, initSocket, openSocket, rawRequest, wsUrlOf } from './probe.js';

/**
 * Issue 13, "open on localhost, but only to this machine": with access control off (the default
 * loopback bind), a page of another site must not reach the gateway through the user's browser,
 * by DNS rebinding (its own name, resolving to 127.0.0.1: the Host says so) or by a WebSocket
 * (no same-origin policy there: the Origin says so). Non-browser clients send no Origin.
 */
let gateway: GatewayProcess;
let port: string;
beforeAll(async () => {
  gateway = await spawnGateway({ ...EMBEDDED, ALLOWED_HOSTS: 'gateway.test', ALLOWED_ORIGINS: 'http://allowed.test:5173' }, 120_000);
  port = new URL(gateway.url).port;
}, 130_000);
afterAll(async () => {
  await gateway?.stop();
});

const QUERY = JSON.stringify({ query: '{ __typename }' });
const withHost = (host: string, path = '/graphql', method = 'POST') =>
  rawRequest(gateway.url, { method, path, headers: { host }, body: method === 'POST' ? QUERY : undefined }).answer;

describe('Host while access control is off', () => {
  it('refuses a request naming a host that is not a loopback name (DNS rebinding) with 403, on every path', async () => {
    for (const [path, method] of [['/graphql', 'POST'], ['/', 'GET'], ['/metrics', 'GET'], ['/graphql?query=%7B__typename%7D', 'GET']] as const) {
      const answer = await withHost(`evil.example:${port}`, path, method);
      expect(answer.status, path).toBe(403);
      expect(answer.code, path).toBe('FORBIDDEN');
      expect(answer.ms).toBeLessThan(3_000);
    }
    expect(await healthy(gateway)).toBe(true);
  });

  it('answers requests naming localhost, 127.0.0.1, [::1] or a name in ALLOWED_HOSTS', async () => {
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `gateway.test:${port}`, 'LOCALHOST']) {
      const answer = await withHost(host);
      expect(answer.status, host).toBe(200);
      expect(answer.body.data.__typename).toBe('Query');
    }
  });
});

describe('Origin of a WebSocket while access control is off', () => {
  it("refuses an upgrade from another site's page with 403 before the handshake", async () => {
    const upgrade = await openSocket(wsUrlOf(gateway), { origin: 'http://evil.example' });
    expect(upgrade.status).toBe(403);
    expect(JSON.parse((upgrade as { body: string }).body).errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it('refuses an upgrade from a page of this machine on another port (not the gateway\'s own origin)', async () => {
    const upgrade = await openSocket(wsUrlOf(gateway), { origin: 'http://127.0.0.1:1' });
    expect(upgrade.status).toBe(403);
  });

  it('refuses an upgrade naming a host that is not a loopback name', async () => {
    const upgrade = await openSocket(wsUrlOf(gateway), { host: `evil.example:${port}`, origin: `http://evil.example:${port}` });
    expect(upgrade.status).toBe(403);
  });

  it("accepts the gateway's own origin (the market page), one in ALLOWED_ORIGINS, and none (not a browser)", async () => {
    const own = new URL(gateway.url).origin;
    for (const headers of [{ origin: own }, { origin: 'http://allowed.test:5173' }, {}] as Record<string, string>[]) {
      const upgrade = await openSocket(wsUrlOf(gateway), headers);
      expect(upgrade.status, JSON.stringify(headers)).toBeUndefined();
      const { socket } = upgrade as { socket: import('ws').WebSocket };
      await initSocket(socket);
      const closed = closeOf(socket);
      socket.close(1000);
      await closed;
    }
  });
});
