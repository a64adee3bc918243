import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * The fan-out scenario's baseline (bench/fanout.ts): what delivering ticks costs without the
 * gateway, in a process of its own. It takes the same insertTicks request body over HTTP and
 * sends each tick to the same graphql-transport-ws subscribers, with frames of the same bytes:
 * the payload serialized once per tick, as the gateway does per subscription shape, and
 * wrapped per subscriber in its `next` frame. No GraphQL execution, validation, stores or
 * stream. It answers /metrics with the one gauge the bench polls (subscriptions open).
 */
interface Subscriber {
  socket: WebSocket;
  prefix: string;
}

interface TickVariables {
  symbol: string;
  time: number;
  bid: number;
  ask: number;
}

const bySymbol = new Map<string, Set<Subscriber>>();
let open = 0;

function subscribe(socket: WebSocket, id: string, symbols: string[]): Subscriber {
  const subscriber = { socket, prefix: `{"id":${JSON.stringify(id)},"type":"next","payload":` };
  for (const s of symbols) {
    const set = bySymbol.get(s) ?? new Set();
    set.add(subscriber);
    bySymbol.set(s, set);
  }
  open++;
  return subscriber;
}

function unsubscribe(subscriber: Subscriber): void {
  for (const set of bySymbol.values()) set.delete(subscriber);
  open--;
}

function broadcast(ticks: TickVariables[]): void {
  for (const t of ticks) {
    const payload = JSON.stringify({ data: { ticks: { symbol: t.symbol, time: new Date(t.time).toISOString(), bid: t.bid, ask: t.ask } } });
    for (const subscriber of bySymbol.get(t.symbol) ?? []) subscriber.socket.send(subscriber.prefix + payload + '}');
  }
}

function onRequest(req: IncomingMessage, res: ServerResponse): void {
  if (req.url === '/metrics') {
    res.end(`marketgraph_subscriptions_active ${open}\n`);
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const ticks = (JSON.parse(Buffer.concat(chunks).toString()) as { variables: { ticks: TickVariables[] } }).variables.ticks;
    broadcast(ticks);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ data: { insertTicks: { accepted: ticks.length, duplicates: 0, rejected: [] } } }));
  });
}

const server = createServer(onRequest);
const wss = new WebSocketServer({ server, path: '/graphql' });
wss.on('connection', (socket) => {
  const mine = new Map<string, Subscriber>();
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { type: string; id?: string; payload?: { variables?: { s?: string[] } } };
    if (message.type === 'connection_init') socket.send('{"type":"connection_ack"}');
    else if (message.type === 'ping') socket.send('{"type":"pong"}');
    else if (message.type === 'subscribe') mine.set(message.id!, subscribe(socket, message.id!, message.payload?.variables?.s ?? []));
    else if (message.type === 'complete' && mine.has(message.id!)) (unsubscribe(mine.get(message.id!)!), mine.delete(message.id!));
  });
  socket.on('close', () => mine.forEach(unsubscribe));
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (process.connected) process.send!({ type: 'listening', port: typeof address === 'object' && address ? address.port : 0 });
});
process.on('message', (cmd: { type: string }) => {
  if (cmd.type === 'close') process.exit(0);
});
process.on('disconnect', () => process.exit(0)); // the bench ended
