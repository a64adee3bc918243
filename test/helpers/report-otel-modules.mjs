// `node --import` this file to have the process print, as a JSON log line, each OpenTelemetry
// SDK module it loads (the API alone does not count: every build imports it).
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const { port1, port2 } = new MessageChannel();
port1.on('message', (url) => process.stdout.write(`${JSON.stringify({ msg: 'opentelemetry sdk module loaded', url })}\n`));
port1.unref();
register(
  `data:text/javascript,${encodeURIComponent(`
let port;
const seen = new Set();
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (/\\/@opentelemetry\\/(sdk-|exporter-|context-|otlp-|resources)/.test(result.url) && !seen.has(result.url)) {
    seen.add(result.url);
    port.postMessage(result.url);
  }
  return result;
}`)}`,
  { data: { port: port2 }, transferList: [port2] },
);
