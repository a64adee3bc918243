import WebSocket from 'ws';

/**
 * The subscriber side of the fan-out scenario (bench/fanout.ts), in a process of its own: the
 * bench forks two of these, so the clients neither share the gateway's event loop nor saturate
 * one core. Speaks graphql-transport-ws with `ws` directly (connection_init, connection_ack,
 * subscribe, next): the graphql-ws client is heavier than 5,000 sockets need.
 *
 * Commands come over IPC: `open` (connect and subscribe), `report` (counts so far), `close`.
 */
export interface OpenCommand {
  type: 'open';
  url: string;
  /** Subscribers `first` .. `first + count - 1` of the whole run; subscriber k takes symbols[k % symbols.length]. */
  first: number;
  count: number;
  symbols: string[];
  /** Subscriptions per socket (1: one socket each). */
  perSocket: number;
  /** The subscription (default SUBSCRIPTION); `$s` holds the subscriber's one symbol. */
  query?: string;
}

export interface SubscriberReport {
  type: 'report';
  /** Ticks received per subscriber, in subscriber order. */
  counts: number[];
  /** latency[ms] = ticks received that many ms after their `time`; the last slot holds the slower ones. */
  latency: number[];
  firstReceipt: number; // epoch ms, 0 before any
  lastReceipt: number; // epoch ms
  /** Sockets closed by the other side, by close code. */
  closes: Record<string, number>;
  errors: string[];
  cpuMs: number;
}

export const SUBSCRIPTION = `subscription($s: [String!]!) { ticks(symbols: $s) { symbol time bid ask } }`;
export const LATENCY_SLOTS = 10_000; // 1 ms each: 10 s

const OPENING_AT_ONCE = 50; // handshakes in flight: more only queue in the gateway's backlog
const NEXT_PREFIX = Buffer.from('{"id":"');
const NEXT_TYPE = '"type":"next"';
const TIME_KEY = '"time":';
const QUOTE = 0x22;

const counts: number[] = [];
const latency = new Uint32Array(LATENCY_SLOTS + 1);
const sockets: WebSocket[] = [];
const closes: Record<string, number> = {};
const errors: string[] = [];
let firstReceipt = 0;
let lastReceipt = 0;
let closing = false;

/**
 * A `next` frame: only its tick's time is read, from the bytes, without decoding or parsing the
 * message: at 100,000 frames a second the client's cost must stay well below the server's.
 */
function received(subscriber: number, frame: Buffer): void {
  const now = Date.now();
  // The gateway sends an ISO string ("2026-11-27T10:15:00.123Z"), a peer may send epoch ms.
  const at = frame.indexOf(TIME_KEY) + TIME_KEY.length;
  const time = frame[at] === QUOTE ? Date.parse(frame.toString('latin1', at + 1, at + 25)) : parseInt(frame.toString('latin1', at, at + 16), 10);
  const ms = Math.max(0, now - time);
  latency[Math.min(ms, LATENCY_SLOTS)]!++;
  counts[subscriber]!++;
  if (firstReceipt === 0) firstReceipt = now;
  lastReceipt = now;
}

/**
 * One socket carrying this process's subscribers `first` .. `first + n - 1` (operation ids 0 ..
 * n - 1); resolves once their subscriptions are sent.
 */
function openSocket(cmd: OpenCommand, first: number, n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(cmd.url, 'graphql-transport-ws', { perMessageDeflate: false });
    sockets.push(socket);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    socket.on('error', (error) => reject(error));
    socket.on('close', (code) => {
      if (!closing) closes[code] = (closes[code] ?? 0) + 1;
      reject(new Error(`socket closed with ${code} while opening`));
    });
    socket.on('message', (data: Buffer) => {
      // The operation id is the subscriber's offset on this socket: `{"id":"3","type":"next",...`
      if (data.compare(NEXT_PREFIX, 0, NEXT_PREFIX.length, 0, NEXT_PREFIX.length) === 0 && data.indexOf(NEXT_TYPE) > 0) {
        let id = 0;
        for (let i = NEXT_PREFIX.length; data[i] !== QUOTE; i++) id = id * 10 + data[i]! - 48;
        return received(first + id, data);
      }
      const message = JSON.parse(String(data)) as { type: string; id?: string; payload?: unknown };
      if (message.type === 'connection_ack') {
        for (let k = 0; k < n; k++) {
          const variables = { s: [cmd.symbols[(cmd.first + first + k) % cmd.symbols.length]] };
          socket.send(JSON.stringify({ id: String(k), type: 'subscribe', payload: { query: cmd.query ?? SUBSCRIPTION, variables } }));
        }
        resolve();
      } else if (message.type === 'ping') {
        socket.send('{"type":"pong"}');
      } else if (message.type === 'error' || message.type === 'complete') {
        if (errors.length < 10) errors.push(`${message.type} ${message.id}: ${JSON.stringify(message.payload ?? null).slice(0, 200)}`);
      }
    });
  });
}

async function open(cmd: OpenCommand): Promise<void> {
  counts.length = 0;
  for (let k = 0; k < cmd.count; k++) counts.push(0);
  let next = 0;
  const opener = async () => {
    while (next < cmd.count) {
      const first = next;
      next += cmd.perSocket;
      await openSocket(cmd, first, Math.min(cmd.perSocket, cmd.count - first));
    }
  };
  await Promise.all(Array.from({ length: OPENING_AT_ONCE }, opener));
}

function report(): SubscriberReport {
  const cpu = process.cpuUsage();
  return {
    type: 'report',
    counts: [...counts],
    latency: Array.from(latency),
    firstReceipt,
    lastReceipt,
    closes,
    errors,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}

function onCommand(cmd: OpenCommand | { type: 'report' | 'close' }): void {
  if (cmd.type === 'open') {
    open(cmd).then(
      () => process.send!({ type: 'opened' }),
      (error: Error) => process.send!({ type: 'failed', message: error.message }),
    );
  } else if (cmd.type === 'report') {
    process.send!(report());
  } else {
    closing = true;
    for (const socket of sockets) socket.terminate();
    process.send!({ type: 'closed' }, () => process.exit(0));
  }
}

// Only as the forked process: bench/fanout.ts imports this file's types and constants.
if (import.meta.url === `file://${process.argv[1]}`) {
  process.on('message', onCommand);
  process.on('disconnect', () => process.exit(0)); // the bench ended: its sockets must not keep this alive
}
