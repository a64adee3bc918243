// Loaded into the gateway's process by bench/fanout.ts (`node --expose-gc --import`): SIGUSR2
// runs a full garbage collection, so that its memory is read without garbage waiting to be
// collected (at start-up, hundreds of MB of external buffers are garbage until the first full GC).
process.on('SIGUSR2', () => globalThis.gc?.());
