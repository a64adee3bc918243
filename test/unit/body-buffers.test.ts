import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBodyBuffers, MIN_KEPT_BODY_BYTES } from '../../src/http/body-buffers.js';
import { BodyTooLargeError, readBody } from '../../src/http/read-body.js';

const KIB = 1024;

describe('body buffers', () => {
  it('hands a body\'s memory to the next body that fits, once', () => {
    const buffers = createBodyBuffers(10 * MIN_KEPT_BODY_BYTES);
    const body = buffers.allocate(100 * KIB);
    buffers.give(body.subarray(0, 100 * KIB));
    expect(buffers.keptBytes).toBe(body.buffer.byteLength);
    const next = buffers.take(100 * KIB + 10); // a body a few bytes longer fits the headroom
    expect(next?.buffer).toBe(body.buffer);
    expect(buffers.take(1)).toBeUndefined();
    expect(buffers.keptBytes).toBe(0);
  });

  it('gives nothing for a length no kept memory holds: a declared length never allocates', () => {
    const buffers = createBodyBuffers(10 * MIN_KEPT_BODY_BYTES);
    buffers.give(buffers.allocate(100 * KIB));
    expect(buffers.take(32 * 2 ** 20)).toBeUndefined();
    expect(buffers.keptBytes).toBeGreaterThan(0);
  });

  it('takes the smallest kept memory that fits', () => {
    const buffers = createBodyBuffers(100 * MIN_KEPT_BODY_BYTES);
    const [small, large] = [buffers.allocate(100 * KIB), buffers.allocate(1000 * KIB)];
    buffers.give(large);
    buffers.give(small);
    expect(buffers.take(90 * KIB)?.buffer).toBe(small.buffer);
    expect(buffers.take(90 * KIB)?.buffer).toBe(large.buffer);
  });

  it('keeps only memory it made, of at least MIN_KEPT_BODY_BYTES, each once', () => {
    const buffers = createBodyBuffers(100 * MIN_KEPT_BODY_BYTES);
    buffers.give(Buffer.alloc(MIN_KEPT_BODY_BYTES * 2)); // not its own: may share memory with others
    buffers.give(Buffer.from('{"query":"{ __typename }"}')); // a slice of node's shared pool
    buffers.give(buffers.allocate(100)); // too small to be worth keeping
    expect(buffers.keptBytes).toBe(0);
    const body = buffers.allocate(100 * KIB);
    buffers.give(body);
    buffers.give(body);
    expect(buffers.keptBytes).toBe(body.buffer.byteLength);
  });

  it('keeps at most its bound, letting the oldest go', () => {
    const buffers = createBodyBuffers(2.5 * 128 * KIB);
    const bodies = [1, 2, 3].map(() => buffers.allocate(100 * KIB)); // 112.5 KiB of memory each
    for (const b of bodies) buffers.give(b);
    expect(buffers.keptBytes).toBe(2 * bodies[0]!.buffer.byteLength);
    expect(buffers.take(1)?.buffer).not.toBe(bodies[0]!.buffer);
    expect(buffers.take(1)?.buffer).not.toBe(bodies[0]!.buffer);
  });
});

describe('readBody', () => {
  let url: URL;
  let handle: (req: IncomingMessage) => Promise<Buffer>;
  const server = createServer((req, res) => {
    handle(req).then(
      (body) => res.end(body),
      () => res.writeHead(500).end(),
    );
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Sends `body` with its Content-Length and gives the status and what came back. */
  function send(body: Buffer): Promise<{ status: number; echoed: Buffer }> {
    return new Promise((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { 'content-length': body.length } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, echoed: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  const bodyOf = (bytes: number, seed: number) => Buffer.from(Array.from({ length: bytes }, (_, i) => (i * seed) % 251));

  it('reads a second body into the memory of the first, byte for byte', async () => {
    const buffers = createBodyBuffers(64 * 2 ** 20);
    const read: Buffer[] = [];
    handle = async (req) => {
      const body = await readBody(req, 2 ** 20, buffers);
      read.push(body);
      const copy = Buffer.from(body); // answered after the memory is given back
      buffers.give(body);
      return copy;
    };
    const [first, second] = [bodyOf(300 * KIB, 7), bodyOf(300 * KIB - 5, 13)];
    expect((await send(first)).echoed.equals(first)).toBe(true);
    expect((await send(second)).echoed.equals(second)).toBe(true);
    expect(read[1]!.buffer).toBe(read[0]!.buffer);
  });

  /** A request as readBody sees one: headers, and the body's chunks. */
  const requestOf = (chunks: Buffer[], headers: Record<string, string> = {}) => Object.assign(Readable.from(chunks), { headers }) as unknown as IncomingMessage;

  it('reads a body without a declared length (chunked) into memory it can keep', async () => {
    const buffers = createBodyBuffers(64 * 2 ** 20);
    const body = bodyOf(150 * KIB, 3);
    const read = await readBody(requestOf([body.subarray(0, 70_000), body.subarray(70_000)]), 200 * KIB, buffers);
    expect(read.equals(body)).toBe(true);
    buffers.give(read);
    expect(buffers.keptBytes).toBeGreaterThanOrEqual(150 * KIB);
  });

  it('leaves kept memory to large bodies: a small one is read as before', async () => {
    const buffers = createBodyBuffers(64 * 2 ** 20);
    buffers.give(buffers.allocate(MIN_KEPT_BODY_BYTES));
    const kept = buffers.keptBytes;
    const small = Buffer.from('{"query":"{ __typename }"}');
    const read = await readBody(requestOf([small], { 'content-length': String(small.length) }), 200 * KIB, buffers);
    expect(read.equals(small)).toBe(true);
    expect(buffers.keptBytes).toBe(kept);
    buffers.give(read);
    expect(buffers.keptBytes).toBe(kept);
  });

  it('refuses a body past the limit, declared or not', async () => {
    const buffers = createBodyBuffers(64 * 2 ** 20);
    const big = bodyOf(250 * KIB, 5);
    await expect(readBody(requestOf([big.subarray(0, 100_000), big.subarray(100_000)]), 200 * KIB, buffers)).rejects.toBeInstanceOf(BodyTooLargeError);
    await expect(readBody(requestOf([], { 'content-length': String(big.length) }), 200 * KIB, buffers)).rejects.toBeInstanceOf(BodyTooLargeError);
  });
});

describe('readBody and kept memory it does not use', () => {
  /** A body declared as `declared` bytes whose client goes away after `sent` of them. */
  function cutShort(declared: number, sent: number): IncomingMessage {
    const stream = new Readable({ read() {} });
    stream.push(Buffer.alloc(sent, 1));
    setImmediate(() => stream.destroy(new Error('aborted')));
    return Object.assign(stream, { headers: { 'content-length': String(declared) } }) as unknown as IncomingMessage;
  }

  it('gives kept memory back when the client goes away mid-body', async () => {
    const buffers = createBodyBuffers(64 * 2 ** 20);
    buffers.give(buffers.allocate(200 * KIB));
    const kept = buffers.keptBytes;
    await expect(readBody(cutShort(150 * KIB, 70 * KIB), 1 * 2 ** 20, buffers)).rejects.toThrow('aborted');
    expect(buffers.keptBytes).toBe(kept);
  });

  it('gives kept memory back when the body turns out too large', async () => {
    const buffers = createBodyBuffers(64 * 2 ** 20);
    buffers.give(buffers.allocate(200 * KIB));
    const kept = buffers.keptBytes;
    const chunk = Buffer.alloc(100 * KIB, 2);
    const req = Object.assign(Readable.from([chunk, chunk, chunk]), { headers: { 'content-length': String(150 * KIB) } }) as unknown as IncomingMessage;
    await expect(readBody(req, 250 * KIB, buffers)).rejects.toBeInstanceOf(BodyTooLargeError);
    expect(buffers.keptBytes).toBe(kept);
  });

  it('gives kept memory back when more than the declared length arrives, after copying it', async () => {
    const buffers = createBodyBuffers(64 * 2 ** 20);
    buffers.give(buffers.allocate(100 * KIB)); // 112.5 KiB of memory
    const kept = buffers.keptBytes;
    const body = Buffer.from(Array.from({ length: 200 * KIB }, (_, i) => i % 253));
    const req = Object.assign(Readable.from([body.subarray(0, 80 * KIB), body.subarray(80 * KIB)]), { headers: { 'content-length': String(80 * KIB) } }) as unknown as IncomingMessage;
    const read = await readBody(req, 1 * 2 ** 20, buffers);
    expect(read.equals(body)).toBe(true);
    expect(buffers.keptBytes).toBe(kept);
  });
});
