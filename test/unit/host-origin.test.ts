import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config.js';
import { createHostOriginCheck } from '../../src/http/host-origin.js';

const request = (headers: Record<string, string>): IncomingMessage => ({ headers, socket: {} }) as unknown as IncomingMessage;
const open = createHostOriginCheck(readConfig({ ALLOWED_HOSTS: 'Gateway.Test', ALLOWED_ORIGINS: 'http://allowed.test:5173' }));

describe('Host while access control is off', () => {
  it('lets loopback names and ALLOWED_HOSTS names through, with or without a port, in any case', () => {
    for (const host of ['localhost', 'LOCALHOST:4000', '127.0.0.1', '127.8.9.10:80', '[::1]:4000', '[::1]', 'gateway.test:1', 'GATEWAY.TEST']) {
      expect(open.host(request({ host })), host).toBeUndefined();
    }
  });

  it('refuses any other name, a missing Host, and names that only start like a loopback one', () => {
    for (const headers of [{ host: 'evil.example' }, { host: 'localhost.evil.example' }, { host: '127.0.0.1.nip.io:4000' }, { host: '10.0.0.5:4000' }, {}] as Record<string, string>[]) {
      expect(open.host(request(headers))?.status, JSON.stringify(headers)).toBe(403);
    }
  });
});

describe('Origin of a WebSocket upgrade while access control is off', () => {
  it("lets the gateway's own origin, ALLOWED_ORIGINS and no Origin through", () => {
    expect(open.origin(request({ host: '127.0.0.1:4000', origin: 'http://127.0.0.1:4000' }))).toBeUndefined();
    expect(open.origin(request({ host: '127.0.0.1:4000', origin: 'http://allowed.test:5173' }))).toBeUndefined();
    expect(open.origin(request({ host: '127.0.0.1:4000' }))).toBeUndefined();
  });

  it('refuses another origin, this machine on another port included', () => {
    for (const origin of ['http://evil.example', 'http://127.0.0.1:5173', 'https://127.0.0.1:4000', 'null']) {
      expect(open.origin(request({ host: '127.0.0.1:4000', origin }))?.status, origin).toBe(403);
    }
  });
});

describe('with access control on', () => {
  it('checks neither: credentials decide', () => {
    const required = createHostOriginCheck(readConfig({ AUTH: 'required' }));
    expect(required.host(request({ host: 'evil.example' }))).toBeUndefined();
    expect(required.origin(request({ host: 'evil.example', origin: 'http://evil.example' }))).toBeUndefined();
  });
});

describe('HTTP timeouts', () => {
  it('refuses a headers timeout longer than the request timeout (node would not start)', () => {
    expect(() => readConfig({ HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '10000' })).toThrow(/HTTP_HEADERS_TIMEOUT_MS/);
  });
});
