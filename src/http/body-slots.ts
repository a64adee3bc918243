import { ErrorCode } from '../errors.js';
import type { Refusal } from './refusal.js';

/**
 * A bound on the request bodies being read at once (HTTP_MAX_BODIES_IN_FLIGHT). Each may grow to
 * BODY_LIMIT_BYTES in memory, and a slow sender holds its slot until HTTP_REQUEST_TIMEOUT_MS:
 * without a bound, many slow 32 MiB uploads hold gigabytes (issue 13). One over is refused before
 * a byte of its body is read; the client retries, as after any 503.
 */
export function createBodySlots(max: number) {
  let reading = 0;
  return {
    /** A release function for the slot taken, or the refusal when none is free. */
    take(): (() => void) | Refusal {
      if (reading >= max) {
        return {
          status: 503,
          code: ErrorCode.OVERLOADED,
          message: `The gateway is reading ${max} request bodies already; try again shortly.`,
          retryAfterSeconds: 1,
        };
      }
      reading++;
      let released = false;
      return () => {
        if (!released) reading--;
        released = true;
      };
    },
    get reading() {
      return reading;
    },
  };
}

export type BodySlots = ReturnType<typeof createBodySlots>;
