import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { Config } from '../config.js';
import type { Context } from '../graphql/context.js';
import { trustHttpRequest, type TrustedDocuments } from '../graphql/trusted-documents.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { StoreGuards, Stores } from '../stores/stores.js';
import { EXPLORER_ASSETS, explorerHtml } from './explorer.js';
import { checkStores } from './health.js';
import { BodyTooLargeError, readBody } from './read-body.js';
import { prepareInsertTicks } from '../graphql/insert-ticks-fast-path.js';
import { serveWebPage } from './web-page.js';
import { inOperationSpan } from '../telemetry/operation-span.js';
import type { Tracing } from '../telemetry/tracing.js';

export interface HttpDeps {
  config: Config;
  apollo: ApolloServer<Context>;
  /** Rejects with UNAUTHENTICATED (401) for a missing or bad credential while auth is required. */
  createContext: (req: IncomingMessage) => Promise<Context>;
  stores: Stores;
  guards: StoreGuards;
  metrics: Metrics;
  logger: Logger;
  version: { name: string; version: string };
  /** When set (TRUSTED_DOCUMENTS), a request runs only a document of this manifest. */
  trustedDocuments?: TrustedDocuments;
  /** When set, each GraphQL request runs in an operation span, child of its `traceparent` header. */
  tracing?: Tracing;
}

const GRAPHQL_PATH = '/graphql';

/** The gateway's HTTP surface: GraphQL, the explorer, health, readiness, metrics, version. */
export function createHttpServer(deps: HttpDeps): Server {
  return createServer((req, res) => {
    route(req, res, deps).catch((error: unknown) => {
      deps.logger.error({ err: error, url: req.url }, 'http handler failed');
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else res.destroy();
    });
  });
}

async function route(req: IncomingMessage, res: ServerResponse, deps: HttpDeps): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;

  if (path === GRAPHQL_PATH) {
    if (req.method === 'GET' && !url.searchParams.has('query') && acceptsHtml(req)) {
      return send(res, 200, 'text/html; charset=utf-8', explorerHtml());
    }
    return graphql(req, res, url, deps);
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'method not allowed' });

  switch (path) {
    case '/healthz':
      return sendJson(res, 200, { status: 'ok' });
    case '/readyz': {
      const stores = await checkStores(deps.stores, deps.guards);
      const ready = stores.every((s) => s.status === 'up');
      return sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'unavailable', stores });
    }
    case '/metrics':
      return send(res, 200, deps.metrics.registry.contentType, await deps.metrics.registry.metrics());
    case '/version':
      return sendJson(res, 200, {
        ...deps.version,
        stores: Object.fromEntries(Object.entries(deps.stores).map(([name, port]) => [name, port.engine])),
      });
  }
  if (path.startsWith('/explorer/')) {
    const asset = EXPLORER_ASSETS[path.slice('/explorer/'.length)];
    if (asset) {
      res.setHeader('cache-control', 'public, max-age=86400');
      return send(res, 200, `${asset.type}; charset=utf-8`, await readFile(asset.file));
    }
  }
  if (await serveWebPage(path, res)) return; // the market page: `/` and its assets
  sendJson(res, 404, { error: `no route for ${path}` });
}

async function graphql(req: IncomingMessage, res: ServerResponse, url: URL, deps: HttpDeps): Promise<void> {
  let body: unknown;
  if (req.method === 'POST') {
    let raw: Buffer;
    try {
      raw = await readBody(req, deps.config.bodyLimitBytes);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      res.setHeader('connection', 'close'); // the rest of the body is not read
      return sendGraphQLError(res, 413, 'PAYLOAD_TOO_LARGE', `Request body is larger than the limit of ${error.limit} bytes.`);
    }
    const type = req.headers['content-type'] ?? '';
    if (type.includes('json')) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return sendGraphQLError(res, 400, 'BAD_REQUEST', 'Request body is not valid JSON.');
      }
    } else {
      body = raw.toString('utf8');
    }
  }
  let search = url.search;
  if (deps.trustedDocuments) {
    const trusted = trustHttpRequest(deps.trustedDocuments, { body, search });
    if (trusted instanceof GraphQLError) return sendGraphQLError(res, 400, String(trusted.extensions.code), trusted.message);
    ({ body, search } = trusted);
  }

  // insertTicks from a bridge: its tick list is checked by code written for it (see there).
  const prepared = req.method === 'POST' ? prepareInsertTicks(body) : undefined;
  if (prepared) body = prepared.body;

  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const execute = () =>
    deps.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search, body },
      context: async () => {
        const context = await deps.createContext(req);
        return prepared ? Object.assign(context, { preparedTicks: prepared.ticks }) : context;
      },
    });
  const response = await (deps.tracing ? inOperationSpan(deps.tracing, req.headers, execute) : execute());
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

function acceptsHtml(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').includes('text/html');
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.statusCode = status;
  res.setHeader('content-type', type);
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

function sendGraphQLError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] });
}
