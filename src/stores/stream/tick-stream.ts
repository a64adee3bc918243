import type { StoredTick } from '../ticks/tick-store.js';

/** Accepted ticks, in order per symbol, delivered to every gateway process's listener. */
export type TickListener = (ticks: readonly StoredTick[]) => void;

export interface TickStream {
  readonly engine: string;
  start(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  publish(ticks: readonly StoredTick[]): Promise<void>;
  /** Returns the function that unsubscribes. */
  subscribe(listener: TickListener): () => void;
}
