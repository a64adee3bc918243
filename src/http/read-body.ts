import type { IncomingMessage } from 'node:http';
import { MIN_KEPT_BODY_BYTES, type BodyBuffers } from './body-buffers.js';

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body is larger than ${limit} bytes`);
  }
}

/**
 * Reads the whole body, refusing it as soon as it is known to exceed `limit` bytes. With
 * `buffers`, a body of at least MIN_KEPT_BODY_BYTES is read into memory kept from an earlier one
 * when its declared length fits (body-buffers.ts), else into new memory that can be kept after it;
 * hand it back with `give`. A smaller body (most queries) goes into node's pooled memory as before:
 * it would never be kept, and taking kept memory for it would keep that from a large body meanwhile.
 */
export async function readBody(req: IncomingMessage, limit: number, buffers?: BodyBuffers): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) throw new BodyTooLargeError(limit);
  // Kept memory taken for this body goes back to `buffers` if the body does not end up in it.
  const taken = declared >= MIN_KEPT_BODY_BYTES ? buffers?.take(declared) : undefined;
  let into = taken;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      if (size + chunk.length > limit) throw new BodyTooLargeError(limit);
      if (into && size + chunk.length > into.length) {
        // More than it declared (node's parser holds a body to its Content-Length: not expected).
        chunks.push(into.subarray(0, size));
        into = undefined;
      }
      if (into) chunk.copy(into, size);
      else chunks.push(chunk);
      size += chunk.length;
    }
  } catch (error) {
    // Too large, or the client went away: the memory is free for the next body.
    if (taken) buffers!.give(taken);
    throw error;
  }
  if (into) return into.subarray(0, size);
  const body = gathered(chunks, size, buffers);
  if (taken) buffers!.give(taken); // its bytes are copied into `body` by now
  return body;
}

function gathered(chunks: Buffer[], size: number, buffers: BodyBuffers | undefined): Buffer {
  if (!buffers || size < MIN_KEPT_BODY_BYTES) return Buffer.concat(chunks, size);
  const body = buffers.allocate(size);
  let at = 0;
  for (const chunk of chunks) at += chunk.copy(body, at);
  return body.subarray(0, size);
}
