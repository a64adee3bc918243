/**
 * Memory for request bodies, kept once a body is read and parsed and handed to the next body
 * that fits. Why: a Buffer's bytes live outside V8's heap, and V8 starts a full collection
 * (marking the whole heap, ~65 MB in a gateway) whenever such memory grows by tens of MB. Four
 * bridges sending 10,000-tick batches (1 MB bodies) made 16 to 17 such collections ("external
 * memory pressure", --trace-incremental-marking) in a gateway's run of 3.6 M ticks, and V8's
 * threads spent 0.42 to 0.49 µs of CPU per tick; with bodies read into kept memory and the tick
 * store's Native bodies written into kept memory (chdb-tick-store.ts), 8 to 9 and 0.21 to 0.28 µs
 * (alternated twice, issue 15).
 *
 * Bounded: at most `maxKeptBytes` in all (HTTP_MAX_BODIES_IN_FLIGHT bounds how many bodies are
 * read at once; this bounds what stays allocated between them). Memory is kept only as it is
 * used: a body's declared length takes a kept buffer if one is large enough, never a new one, so
 * a client that declares 32 MiB and sends nothing costs what it sends, as before.
 */
export interface BodyBuffers {
  /** A kept buffer of at least `bytes`, no longer kept; undefined when none is large enough. */
  take(bytes: number): Buffer | undefined;
  /** New memory for a body of `bytes`, with room for a slightly larger one next time. */
  allocate(bytes: number): Buffer;
  /** A body read into memory from `take` or `allocate`, once nothing reads it any more. */
  give(body: Buffer): void;
  readonly keptBytes: number;
}

// Below this a body's memory is not worth keeping: Node pools small buffers already.
export const MIN_KEPT_BODY_BYTES = 64 * 1024; // 64 KiB
// Bodies of one bridge differ by a few bytes: an eighth more lets the next one fit.
const HEADROOM = 1 / 8;

export function createBodyBuffers(maxKeptBytes: number): BodyBuffers {
  const kept: ArrayBufferLike[] = [];
  let keptBytes = 0;
  // Memory this made, so that give() never keeps a Buffer that shares its memory with others.
  const own = new WeakSet<ArrayBufferLike>();

  return {
    take(bytes) {
      let best = -1;
      for (let i = 0; i < kept.length; i++) {
        if (kept[i]!.byteLength >= bytes && (best < 0 || kept[i]!.byteLength < kept[best]!.byteLength)) best = i;
      }
      if (best < 0) return undefined;
      const [memory] = kept.splice(best, 1);
      keptBytes -= memory!.byteLength;
      return Buffer.from(memory!);
    },
    allocate(bytes) {
      const memory = Buffer.allocUnsafeSlow(Math.ceil(bytes * (1 + HEADROOM)));
      own.add(memory.buffer);
      return memory;
    },
    give(body) {
      const memory = body.buffer;
      if (!own.has(memory) || memory.byteLength < MIN_KEPT_BODY_BYTES || kept.includes(memory)) return;
      // The newest kept first: past the bound, the oldest (least likely to fit what comes) go.
      kept.unshift(memory);
      keptBytes += memory.byteLength;
      while (keptBytes > maxKeptBytes && kept.length > 0) keptBytes -= kept.pop()!.byteLength;
    },
    get keptBytes() {
      return keptBytes;
    },
  };
}
