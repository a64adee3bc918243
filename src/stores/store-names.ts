/**
 * The six kinds of store, in start order (shutdown closes in reverse). Apart from stores.ts so
 * that config.ts can name stores without loading a driver.
 */
export const STORE_NAMES = ['relational', 'ticks', 'cache', 'stream', 'graph', 'vector'] as const;

export type StoreName = (typeof STORE_NAMES)[number];
