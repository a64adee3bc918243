import { badInput } from '../errors.js';

/** Page and batch sizes a client may ask for; above them the request is refused, not trimmed. */
export const LIMITS = {
  ticksDefault: 100,
  ticksMax: 10_000,
  listDefault: 100,
  listMax: 1_000,
  candlesDefault: 500,
  candlesMax: 10_000,
  subscriptionSymbolsMax: 100,
  relatedDepthMax: 3,
  conversionHopsMax: 4,
  similarMax: 100,
  correlationWindowMax: 10_000,
  // Text a client stores or filters by: asset classes, sectors, currencies; descriptions.
  labelMax: 64, // characters
  descriptionMax: 256, // characters
} as const;

export function pageSize(argument: string, value: number | null | undefined, fallback: number, max: number): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < 0) throw badInput(`\`${argument}\` must be a whole number from 0 to ${max}; got ${n}`, argument);
  if (n > max) throw badInput(`\`${argument}\` is at most ${max}; got ${n}`, argument);
  return n;
}
