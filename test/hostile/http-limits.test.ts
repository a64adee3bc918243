import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnGateway, type GatewayProcess } from '../helpers/process-gateway.js';
import { until } from '../helpers/until.js';
import { EMBEDDED, MB, healthy, post, rawRequest, underAttack } from './probe.js';

/**
 * Issue 13, HTTP: node's request and headers timeouts, and a bound on the request bodies read at
 * once. The gateway here has small values so that the test is quick: 2 bodies, a 4 s request
 * timeout, a 2 s headers timeout (defaults: 16, 300 s, 10 s; see config.ts for why).
 */
const BODIES = 2;
const REQUEST_TIMEOUT_MS = 4_000;
const HEADERS_TIMEOUT_MS = 2_000;
const SLACK_MS = 3_000; // node checks its timeouts once a second; the machine is shared

let gateway: GatewayProcess;
beforeAll(async () => {
  gateway = await spawnGateway(
    {
      ...EMBEDDED,
      HTTP_MAX_BODIES_IN_FLIGHT: String(BODIES),
      HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
    },
    120_000,
  );
}, 130_000);
afterAll(async () => {
  await gateway?.stop();
});

const QUERY = JSON.stringify({ query: '{ __typename }' });
/** A POST that declares a 1 MiB body, sends 10 bytes of it and waits. */
const slowUpload = () => rawRequest(gateway.url, { headers: { 'content-length': String(MB) }, body: 'x'.repeat(MB), hold: 10 });
const ended = (answer: Promise<unknown>) =>
  answer.then(
    (value) => value,
    (error: Error) => ({ error: error.message }),
  );

describe('HTTP limits', () => {
  it('refuses a body beyond the bodies being read at once with 503 OVERLOADED and Retry-After, before reading it', async () => {
    const slow = Array.from({ length: BODIES }, slowUpload);
    const outcomes = slow.map((s) => ended(s.answer));
    try {
      await new Promise((r) => setTimeout(r, 500)); // their headers are in: their bodies are being read
      const { result, slowestHealthMs, rssGrowthBytes } = await underAttack(gateway, () => post(gateway.url, QUERY));
      expect(result.status).toBe(503);
      expect(result.code).toBe('OVERLOADED');
      expect(result.ms).toBeLessThan(SLACK_MS);
      expect(slowestHealthMs).toBeLessThan(2_000);
      expect(rssGrowthBytes).toBeLessThan(50 * MB);
    } finally {
      for (const s of slow) s.request.destroy();
      await Promise.all(outcomes);
    }
    // The slots are free again once the gateway has seen those clients go (their sockets' close
    // reaches it a moment after the client has destroyed them).
    const after = await until(() => post(gateway.url, QUERY), (answer) => answer.status === 200, SLACK_MS);
    expect(after.status).toBe(200);
    expect(after.body.data.__typename).toBe('Query');
  }, 30_000);

  it('sends a Retry-After with its 503', async () => {
    const slow = Array.from({ length: BODIES }, slowUpload);
    const outcomes = slow.map((s) => ended(s.answer));
    try {
      await new Promise((r) => setTimeout(r, 500));
      const refused = await rawRequest(gateway.url, { body: QUERY }).answer;
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('1');
    } finally {
      for (const s of slow) s.request.destroy();
      await Promise.all(outcomes);
    }
  }, 30_000);

  it('ends a request whose body does not arrive within HTTP_REQUEST_TIMEOUT_MS, and frees its slot', async () => {
    const started = performance.now();
    const outcome = await ended(slowUpload().answer);
    const ms = performance.now() - started;
    expect(ms).toBeLessThan(REQUEST_TIMEOUT_MS + SLACK_MS);
    // node answers 408 when it can, else the connection is closed
    if ('status' in (outcome as object)) expect((outcome as { status: number }).status).toBe(408);
    expect(await healthy(gateway)).toBe(true);
    expect((await post(gateway.url, QUERY)).status).toBe(200);
  }, 30_000);

  it('closes a connection whose headers drip in slower than HTTP_HEADERS_TIMEOUT_MS (slowloris)', async () => {
    const { port } = new URL(gateway.url);
    const socket = connect(Number(port), '127.0.0.1');
    const started = performance.now();
    socket.write('POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const drip = setInterval(() => socket.writable && socket.write(`x-drip-${Math.random().toString(36).slice(2)}: 1\r\n`), 300);
    const closedAfter = await new Promise<number>((resolve) => {
      socket.on('data', () => {}); // node may answer 408 first
      socket.once('close', () => resolve(performance.now() - started));
      socket.once('error', () => {});
    }).finally(() => clearInterval(drip));
    expect(closedAfter).toBeLessThan(HEADERS_TIMEOUT_MS + SLACK_MS);
    expect(await healthy(gateway)).toBe(true);
  }, 30_000);
});
