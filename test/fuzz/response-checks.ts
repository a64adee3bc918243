import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A GraphQL error as a client sees it. */
export interface ClientError {
  message?: unknown;
  extensions?: Record<string, unknown>;
}

// A V8 stack frame (`    at fn (/path/file.ts:12:3)`), raw or JSON-escaped after a newline.
const STACK_FRAME = /(?:\n|\\n)\s+at \S.*:\d+:\d+|\bat [\w.<>$]+ \((?:file:\/\/|\/)[^)]*:\d+:\d+\)/;
// Where the gateway's code lives: no response names a file of it.
const SOURCE_PATH = /\/work\/main|node_modules\/|file:\/\/|\bsrc\/[\w/.-]+\.[jt]s\b|\b[\w-]+\.[jt]s:\d+/;

/**
 * Everything wrong with one response to bad input, in words; empty when it is acceptable.
 * `status` is the HTTP status (undefined over WebSocket); `text` the body as received.
 */
export function responseProblems(status: number | undefined, text: string): string[] {
  const problems: string[] = [];
  if (status !== undefined && status >= 500) problems.push(`HTTP status ${status}`);
  if (STACK_FRAME.test(text)) problems.push('a stack trace');
  if (/stacktrace/i.test(text)) problems.push('a stacktrace extension');
  if (SOURCE_PATH.test(text)) problems.push('a source file path');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return [...problems, 'a body that is not JSON'];
  }
  if (typeof body !== 'object' || body === null || !('errors' in body || 'data' in body)) return [...problems, 'neither `data` nor `errors`'];
  const errors = (body as { errors?: unknown }).errors;
  if (errors !== undefined) problems.push(...errorProblems(errors));
  return problems;
}

/** Problems of an `errors` array: each needs a message and a code, and none may be an internal error. */
export function errorProblems(errors: unknown): string[] {
  if (!Array.isArray(errors) || errors.length === 0) return ['`errors` is not a non-empty list'];
  const problems: string[] = [];
  for (const error of errors as ClientError[]) {
    if (typeof error?.message !== 'string' || error.message.length === 0) problems.push('an error without a message');
    const code = error?.extensions?.code;
    if (typeof code !== 'string') problems.push(`an error without extensions.code: ${String(error?.message).slice(0, 200)}`);
    // Bad input is the client's problem: an internal error means something threw unexpectedly.
    else if (code === 'INTERNAL_SERVER_ERROR') problems.push('INTERNAL_SERVER_ERROR for bad input');
  }
  return problems;
}

/** Forces a full garbage collection (vitest's workers do not run with --expose-gc). */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** The heap in use after a full collection, in bytes. */
export function settledHeap(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

export const MiB = 1024 * 1024;
