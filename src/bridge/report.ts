/** What a bridge client did, for its log line and its caller. */
export interface BridgeReport {
  /** Ticks handed to the client. */
  added: number;
  /** Ticks the gateway answered for, each once however many attempts it took. */
  sent: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  /** Rejected ticks by reason, numbers and times in the reason replaced by `#` (at most MAX_REASONS). */
  rejectedByReason: Record<string, number>;
  /** Attempts re-sent, and why (OVERLOADED, RATE_LIMITED, timeout, connection ECONNREFUSED, HTTP 502, ...). */
  retries: number;
  retriesByReason: Record<string, number>;
  /** Ticks added but not answered yet. */
  pending: number;
}

// Distinct reasons kept: a gateway's reasons quote values, which are collapsed, so few remain;
// the bound holds against one that does not.
const MAX_REASONS = 50;

/** "time 2026-11-27T10:00:00.000Z is more than 1 minute in the future" -> "time # is more than # minute in the future". */
const reasonKind = (reason: string) => reason.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z|-?\d+(\.\d+)?(e[-+]?\d+)?/g, '#');

export function createReport() {
  const r = { added: 0, sent: 0, accepted: 0, duplicates: 0, rejected: 0, retries: 0 };
  const rejectedByReason = new Map<string, number>();
  const retriesByReason = new Map<string, number>();
  const count = (map: Map<string, number>, key: string) => {
    if (!map.has(key) && map.size >= MAX_REASONS) key = 'other';
    map.set(key, (map.get(key) ?? 0) + 1);
  };
  return {
    added: () => void r.added++,
    answered(ticks: number, accepted: number, duplicates: number) {
      r.sent += ticks;
      r.accepted += accepted;
      r.duplicates += duplicates;
    },
    rejected(reason: string) {
      r.rejected++;
      count(rejectedByReason, reasonKind(reason));
    },
    retried(reason: string) {
      r.retries++;
      count(retriesByReason, reason);
    },
    snapshot: (pending: number): BridgeReport => ({
      ...r,
      rejectedByReason: Object.fromEntries(rejectedByReason),
      retriesByReason: Object.fromEntries(retriesByReason),
      pending,
    }),
  };
}

/** "1,200 sent: 1,150 accepted, 40 duplicates, 10 rejected (unknown symbol: 10); 3 retries (OVERLOADED: 2, timeout: 1)". */
export function describeReport(r: BridgeReport): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const by = (m: Record<string, number>) => Object.entries(m).map(([k, v]) => `${k}: ${n(v)}`).join(', ');
  const rejected = r.rejected > 0 ? `${n(r.rejected)} rejected (${by(r.rejectedByReason)})` : '0 rejected';
  const retries = r.retries > 0 ? `${n(r.retries)} retries (${by(r.retriesByReason)})` : '0 retries';
  return `${n(r.sent)} sent: ${n(r.accepted)} accepted, ${n(r.duplicates)} duplicates, ${rejected}; ${retries}`;
}
