/**
 * Reads until `ok` holds or `limitMs` has passed, pausing `everyMs` between reads; returns the
 * last value read either way, so the test's own assertion says what was expected.
 */
export async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, limitMs: number, everyMs = 100): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() - started > limitMs) return value;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
