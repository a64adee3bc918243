import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { OpenCommand, SubscriberReport } from './fanout-subscribers.js';
import { metricsText, metricValue, sleep } from './harness.js';

/**
 * The fan-out scenario's side of its child processes: the subscriber processes
 * (bench/fanout-subscribers.ts) and the baseline server (bench/fanout-broadcast-server.ts),
 * driven by commands and replies over IPC.
 */
export const WORKERS = 2; // subscriber processes: one alone would saturate a core before the server does

/** Forks one of the bench's TypeScript files, with an IPC channel. */
export const forkTs = (file: string) =>
  fork(fileURLToPath(new URL(file, import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });

/** Sends a command to a child process and resolves with its reply of type `replyType`. */
export function ask<T>(child: ChildProcess, command: object, replyType: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string; message?: string }) => {
      if (m.type !== replyType && m.type !== 'failed') return;
      child.off('message', onMessage).off('exit', onExit);
      if (m.type === 'failed') reject(new Error(m.message));
      else resolve(m as T);
    };
    const onExit = (code: number | null) => reject(new Error(`child process exited with ${code}`));
    child.on('message', onMessage).once('exit', onExit);
    child.send(command);
  });
}

/**
 * `total` subscribers split over WORKERS processes, `perSocket` on each socket, connected and
 * subscribed; subscriber k takes symbols[k % symbols.length].
 */
export async function startSubscribers(url: string, total: number, perSocket: number, symbols: string[], query?: string) {
  const wsUrl = url.replace(/^http/, 'ws');
  const share = Math.ceil(total / WORKERS);
  const children = Array.from({ length: WORKERS }, () => forkTs('./fanout-subscribers.ts'));
  const commands = children.map(
    (_, w): OpenCommand => ({ type: 'open', url: wsUrl, first: w * share, count: Math.max(0, Math.min(share, total - w * share)), symbols, perSocket, query }),
  );
  try {
    await Promise.all(children.map((child, w) => ask(child, commands[w]!, 'opened')));
  } catch (error) {
    children.forEach((child) => child.kill());
    throw error;
  }
  return {
    /** Every process's counts so far, in subscriber order. */
    report: () => Promise.all(children.map((child) => ask<SubscriberReport>(child, { type: 'report' }, 'report'))),
    close: () => Promise.all(children.map((child) => ask(child, { type: 'close' }, 'closed').catch(() => child.kill()))),
  };
}

export type Subscribers = Awaited<ReturnType<typeof startSubscribers>>;

/** Waits until the server counts `n` open subscriptions (its /metrics gauge). */
export async function subscriptionsOpen(url: string, n: number, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = metricValue(await metricsText(url), 'marketgraph_subscriptions_active');
    if (open === n) return;
    if (Date.now() > deadline) throw new Error(`${open} subscriptions open, waiting for ${n}`);
    await sleep(250);
  }
}
