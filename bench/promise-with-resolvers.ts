/**
 * Promise.withResolvers (Node 22+) for @platformatic/kafka, which calls it and declares
 * node >= 22.22: marketgraph declares node >= 22 too, but the development machines the bench
 * runs on have Node 20. Imported before the client; a no-op where Node has it.
 */
const withResolvers = <T>() => {
  let resolve!: (value: T | PromiseLike<T>) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

const PromiseConstructor = Promise as unknown as { withResolvers?: typeof withResolvers };
PromiseConstructor.withResolvers ??= withResolvers;
