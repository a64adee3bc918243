import { fileURLToPath } from 'node:url';
import { startSubscribers, subscriptionsOpen, WORKERS } from './fanout-clients.js';
import { metricsText, metricValue, sleep, vmRssBytes } from './harness.js';
import { progress } from './report.js';

/**
 * The fan-out scenario's memory part: what idle subscriptions (a socket each, nothing sent)
 * add to the gateway's RSS. The gateway must run with bench/expose-gc.mjs (see GC_ON_SIGNAL).
 */
const MB = 2 ** 20;

/** Node options that let the bench ask the gateway for a full garbage collection (SIGUSR2). */
export const GC_ON_SIGNAL = ['--expose-gc', '--import', fileURLToPath(new URL('./expose-gc.mjs', import.meta.url))];

/**
 * The gateway's RSS after a full garbage collection, once it holds still: readings every 500 ms
 * until six in a row are within 1 MB. Without the collection, the external buffers start-up
 * leaves as garbage (~230 MB here) are freed by the first full GC that the subscriptions
 * themselves cause, and the figure comes out negative; the embedded engines (chDB, PGlite)
 * also give memory back now and then, in steps of ~30 MB.
 */
export async function steadyRss(pid: number, timeoutMs = 30_000): Promise<number> {
  process.kill(pid, 'SIGUSR2');
  await sleep(500);
  const readings = [vmRssBytes(pid)];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await sleep(500);
    readings.push(vmRssBytes(pid));
    const last = readings.slice(-6);
    if (last.length === 6 && Math.max(...last) - Math.min(...last) <= MB) break;
  }
  return readings.at(-1)!;
}

/** What the gateway (process `pid`) grows by when `count` subscriptions are open and nothing is sent. */
export async function idleMemory(url: string, pid: number, count: number, symbols: string[], perSocket = 1) {
  // One-time costs (code loaded on the first subscription) are not what a subscription adds.
  const warm = await startSubscribers(url, 2 * WORKERS, 1, symbols);
  await subscriptionsOpen(url, 2 * WORKERS);
  await warm.close();
  await subscriptionsOpen(url, 0);
  const heap = async () => metricValue(await metricsText(url), 'nodejs_heap_size_used_bytes') / MB;
  const before = await steadyRss(pid);
  const heapBefore = await heap();
  progress(`fanout: ${count.toLocaleString('en-US')} idle subscriptions; gateway RSS before: ${(before / MB).toFixed(1)} MB`);
  const idle = await startSubscribers(url, count, perSocket, symbols);
  try {
    await subscriptionsOpen(url, count);
    const after = await steadyRss(pid);
    const heapAfter = await heap();
    progress(`fanout: gateway RSS with them: ${(after / MB).toFixed(1)} MB (V8 heap used ${heapBefore.toFixed(1)} -> ${heapAfter.toFixed(1)} MB)`);
    return {
      subscriptions: count,
      perSocket,
      rssBeforeMB: before / MB,
      rssAfterMB: after / MB,
      addedMB: (after - before) / MB,
      // V8's heap alone, after the same collections, from the gateway's /metrics: no engine in it.
      heapUsedBeforeMB: heapBefore,
      heapUsedAfterMB: heapAfter,
    };
  } finally {
    await idle.close();
    await subscriptionsOpen(url, 0);
  }
}
