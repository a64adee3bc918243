import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON lines on stdout, one object per event: what log shippers expect. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'marketgraph' } });
}
