import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Outcome } from './retry-table.js';

/** Sends one request body and says what came back; never throws. */
export type Post = (body: string) => Promise<Outcome>;

export interface HttpPostOptions {
  url: string;
  /** Sent as `Authorization: Bearer <key>`. */
  apiKey?: string | null;
  /** The longest one attempt may take, request to end of answer. */
  timeoutMs: number;
  /** Connections kept open: one per batch in flight. */
  sockets: number;
}

// An answer larger than this is not an insertTicks result (the largest, every tick of a
// 100,000-tick batch rejected, is about 8 MB): a broken proxy, read no further.
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/**
 * POSTs over kept-alive connections with node:http (lighter than fetch per request, which
 * matters to `import` at hundreds of thousands of ticks a second).
 */
export function httpPost({ url, apiKey, timeoutMs, sockets }: HttpPostOptions): Post & { close(): void } {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  const agent = secure ? new HttpsAgent({ keepAlive: true, maxSockets: sockets }) : new HttpAgent({ keepAlive: true, maxSockets: sockets });
  const request = secure ? httpsRequest : httpRequest;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;

  const post = (body: string) =>
    new Promise<Outcome>((resolve) => {
      let settled = false;
      const settle = (outcome: Outcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const req = request(target, { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) return req.destroy(Object.assign(new Error('answer too large'), { code: 'EANSWERTOOLARGE' }));
          chunks.push(chunk);
        });
        res.on('error', (error) => settle({ kind: 'connection', code: codeOf(error) }));
        res.on('end', () => {
          const retryAfter = res.headers['retry-after'];
          settle({ kind: 'answer', status: res.statusCode ?? 0, retryAfter: typeof retryAfter === 'string' ? retryAfter : null, text: Buffer.concat(chunks).toString() });
        });
      });
      const timer = setTimeout(() => {
        settle({ kind: 'timeout' });
        req.destroy();
      }, timeoutMs);
      req.on('error', (error) => settle({ kind: 'connection', code: codeOf(error) }));
      req.end(body);
    });
  return Object.assign(post, { close: () => agent.destroy() });
}

const codeOf = (error: Error) => (error as { code?: string }).code ?? error.message;
