// The checks of .ci/image-check.sh against the image's gateway, as a user of the compose stack
// would make them: node .ci/image-probe.mjs <graphql url> <api key>
// Plain JavaScript with fetch only: it runs on the CI's node before anything is compiled.
const [url, key] = process.argv.slice(2);
if (!url || !key) throw new Error('usage: image-probe.mjs <graphql url> <api key>');
const origin = new URL(url).origin;

/** Retries `check` until it passes or `seconds` have passed: the servers' stores and the demo data arrive in the background. */
async function eventually(what, seconds, check) {
  const until = Date.now() + seconds * 1_000;
  for (;;) {
    try {
      const detail = await check();
      console.log(`ok   ${what}${detail ? `: ${detail}` : ''}`);
      return;
    } catch (error) {
      if (Date.now() > until) throw new Error(`${what}: ${error.message}`);
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

async function gql(query, headers = { authorization: `Bearer ${key}` }) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
  return { status: res.status, body: await res.json() };
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

await eventually('/readyz is 200', 120, async () => {
  const res = await fetch(`${origin}/readyz`);
  assert(res.status === 200, `status ${res.status}: ${await res.text()}`);
});

await eventually('access control is on: no credential, 401', 5, async () => {
  const { status } = await gql('{ instruments(first: 1) { edges { cursor } } }', {});
  assert(status === 401, `status ${status}`);
});

await eventually('a query with the key returns the demo data', 120, async () => {
  const { status, body } = await gql(`{
    instruments(first: 50) { edges { node { symbol } } }
    candles(symbol: "EURUSD", interval: H1, limit: 5) { time close }
  }`);
  assert(status === 200 && !body.errors, `status ${status}: ${JSON.stringify(body.errors ?? body)}`);
  const symbols = body.data.instruments.edges.map((e) => e.node.symbol);
  assert(symbols.includes('EURUSD') && symbols.includes('XAUUSD'), `instruments: ${symbols.join(', ') || 'none'}`);
  assert(body.data.candles.length > 0, 'no EURUSD candles');
  return `${symbols.length} instruments, ${body.data.candles.length} EURUSD candles`;
});

await eventually('the market page and its script load', 5, async () => {
  const page = await fetch(`${origin}/`);
  const html = await page.text();
  assert(page.status === 200 && /text\/html/.test(page.headers.get('content-type') ?? ''), `GET / is ${page.status}`);
  const scripts = [...html.matchAll(/<script[^>]+src="([^"]+)"/g)].map((m) => m[1]);
  assert(scripts.length > 0, 'no script in the page');
  for (const src of scripts) {
    const res = await fetch(new URL(src, origin));
    assert(res.status === 200 && /javascript/.test(res.headers.get('content-type') ?? ''), `${src} is ${res.status}`);
  }
  return scripts.join(', ');
});
