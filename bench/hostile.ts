import { SignJWT } from 'jose';
import { spawnGateway, type GatewayProcess } from '../test/helpers/process-gateway.js';
import { EMBEDDED, MB, closeOf, healthy, initSocket, openSocket, post, rawRequest, rssBytes, wsUrlOf } from '../test/hostile/probe.js';

/**
 * `npx tsx bench/hostile.ts`: each hostile input of issue 13 ("checked before work", Host and
 * Origin) sent once to a gateway in its own process (embedded engines), with the answer, its time
 * and the gateway's RSS growth. Run it in a checkout of the old code (with test/hostile/probe.ts
 * copied there) for the before figures; the test suite asserts the after ones.
 */
const SECRET = 'a-hostile-bench-secret-of-32-characters!';
const sign = (roles: string[]) =>
  new SignJWT({ roles }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('10m').sign(new TextEncoder().encode(SECRET));
// Each text different from any sent before: the old fast path cached its plans by text.
let sent = 0;
const bigDocument = (bytes: number) => JSON.stringify({ query: `{ q${++sent} ${'a '.repeat(bytes / 2)}}`, variables: {} });

interface Row {
  input: string;
  answer: string;
  ms: number;
  rssGrowthMB: number;
  healthyAfter: boolean;
}

async function measure(gateway: GatewayProcess, input: string, send: () => Promise<string>): Promise<Row> {
  const pid = gateway.child.pid!;
  const before = rssBytes(pid);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 50);
  const started = performance.now();
  let answer: string;
  try {
    answer = await send();
  } catch (error) {
    answer = `error: ${(error as Error).message}`;
  }
  const ms = Math.round(performance.now() - started);
  clearInterval(sampler);
  peak = Math.max(peak, rssBytes(pid));
  return { input, answer, ms, rssGrowthMB: Math.round((peak - before) / MB), healthyAfter: await healthy(gateway) };
}

const rows: Row[] = [];
const required = await spawnGateway({ ...EMBEDDED, AUTH: 'required', AUTH_JWT_SECRET: SECRET }, 180_000);
try {
  const coded = async (res: Promise<{ status: number; code?: string }>) => {
    const { status, code } = await res;
    return `${status} ${code ?? ''}`.trim();
  };
  rows.push(await measure(required, '6 MB `{ a a … }` + variables, no credential', () => coded(post(required.url, bigDocument(6 * MB)))));
  rows.push(
    await measure(required, '6 MB `{ a a … }` + variables, forged API key', () =>
      coded(post(required.url, bigDocument(6 * MB), { authorization: `Bearer mg_0123456789abcdef_${'A'.repeat(43)}` })),
    ),
  );
  const ingest = await sign(['ingest']);
  rows.push(
    await measure(required, '6 MB `{ a a … }` + variables, ingest JWT', () =>
      coded(post(required.url, bigDocument(6 * MB), { authorization: `Bearer ${ingest}` })),
    ),
  );
  const forever = await new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
  rows.push(
    await measure(required, 'JWT without exp', () => coded(post(required.url, JSON.stringify({ query: '{ __typename }' }), { authorization: `Bearer ${forever}` }))),
  );
  rows.push(
    await measure(required, 'WebSocket: 4 MiB subscribe message', async () => {
      const upgrade = await openSocket(wsUrlOf(required));
      if (upgrade.status !== undefined) return `upgrade ${upgrade.status}`;
      await initSocket(upgrade.socket, { authorization: `Bearer ${await sign(['read'])}` });
      const closed = closeOf(upgrade.socket);
      const answered = new Promise<string>((resolve) => upgrade.socket.on('message', (data) => resolve(`message ${JSON.parse(data.toString()).type}`)));
      upgrade.socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `{ ${'a '.repeat(2 * MB)}}` } }));
      const outcome = await Promise.race([closed.then((c) => `closed ${c.code}`), answered]);
      upgrade.socket.terminate();
      return outcome;
    }),
  );
} finally {
  await required.stop();
}

const open = await spawnGateway({ ...EMBEDDED }, 180_000);
try {
  const port = new URL(open.url).port;
  rows.push(
    await measure(open, 'HTTP with Host: evil.example (DNS rebinding)', async () => {
      const answer = await rawRequest(open.url, { headers: { host: `evil.example:${port}` }, body: JSON.stringify({ query: '{ __typename }' }) }).answer;
      return `${answer.status} ${answer.code ?? ''}`.trim();
    }),
  );
  rows.push(
    await measure(open, 'WebSocket upgrade with Origin: http://evil.example', async () => {
      const upgrade = await openSocket(wsUrlOf(open), { origin: 'http://evil.example' });
      if (upgrade.status !== undefined) return `upgrade refused ${upgrade.status}`;
      await initSocket(upgrade.socket);
      upgrade.socket.terminate();
      return 'opened and acknowledged';
    }),
  );
  rows.push(
    await measure(open, '17 slow 1 MiB uploads, then a query', async () => {
      const slow = Array.from({ length: 17 }, () => rawRequest(open.url, { headers: { 'content-length': String(MB) }, body: 'x'.repeat(MB), hold: 10 }));
      for (const s of slow) s.answer.catch(() => {});
      await new Promise((r) => setTimeout(r, 500));
      const answer = await post(open.url, JSON.stringify({ query: '{ __typename }' }));
      for (const s of slow) s.request.destroy();
      return `${answer.status} ${answer.code ?? ''}`.trim();
    }),
  );
} finally {
  await open.stop();
}

console.table(rows);
