import { trace } from '@opentelemetry/api';
import { pino, type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** Add the active span's `trace_id` and `span_id` to each line (when tracing is on). */
  traceIds?: boolean;
}

/** JSON lines on stdout, one object per event: what log shippers expect. */
export function createLogger(level: string, { traceIds = false }: LoggerOptions = {}): Logger {
  return pino({ level, base: { service: 'marketgraph' }, ...(traceIds ? { mixin: activeTraceIds } : {}) });
}

// The field names of OpenTelemetry's log data model (as its pino instrumentation writes them),
// so that a log backend can jump from a line to its trace.
function activeTraceIds(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

/**
 * For an event that can repeat many times a second (a failure retried, records another program
 * wrote): `write` runs at most once per `everyMs`, told how many times the event was passed over
 * since, so that the log says it without being flooded.
 */
export function atMostEvery(everyMs: number): (write: (passedOver: number) => void) => void {
  let writtenAt = -Infinity;
  let passedOver = 0;
  return (write) => {
    const now = Date.now();
    if (now - writtenAt < everyMs) return void passedOver++;
    write(passedOver);
    writtenAt = now;
    passedOver = 0;
  };
}
