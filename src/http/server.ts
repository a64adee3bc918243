import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { Config } from '../config.js';
import type { Context, RequestExtras } from '../graphql/context.js';
import { trustHttpRequest, type TrustedDocuments } from '../graphql/trusted-documents.js';
import { exceedsTokenLimit, tooManyTokens } from '../graphql/token-limit.js';
import { hasRole, type Principal } from '../auth/principal.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { StoreGuards, Stores } from '../stores/stores.js';
import { EXPLORER_ASSETS, explorerHtml } from './explorer.js';
import { sharedStoreCheck, type StoreHealth } from './health.js';
import { isStrict, readiness } from './readiness.js';
import { createBodyBuffers, type BodyBuffers } from './body-buffers.js';
import { createBodySlots, type BodySlots } from './body-slots.js';
import { createHostOriginCheck, type HostOriginCheck } from './host-origin.js';
import { BodyTooLargeError, readBody } from './read-body.js';
import { sendRefusal } from './refusal.js';
import { prepareInsertTicks, type PreparedInsert, type ScannedTicks } from '../graphql/insert-ticks-fast-path.js';
import { scanInsertTicksBody } from './insert-ticks-body.js';
import { serveWebPage } from './web-page.js';
import { inOperationSpan } from '../telemetry/operation-span.js';
import type { Tracing } from '../telemetry/tracing.js';

export interface HttpDeps {
  config: Config;
  apollo: ApolloServer<Context>;
  /**
   * Who sent the request, from its headers alone. Rejects with UNAUTHENTICATED (401) for a missing
   * or bad credential while auth is required: run before the body is read or anything parsed.
   */
  authenticate: (req: IncomingMessage) => Promise<Principal>;
  /** A request's context; `extras` carries what the HTTP layer prepared (the insertTicks fast path's ticks). */
  createContext: (principal: Principal, extras?: RequestExtras) => Context;
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
const CONNECTIONS_CHECK_MS = 1_000; // milliseconds
// Request bodies' memory kept between requests, at most: 4 bridges' 100,000-tick bodies (~10 MB each).
const KEPT_BODY_BYTES = 48 * 2 ** 20; // 48 MiB

/** What the HTTP layer checks before it does any work on a request (issue 13). */
interface Gate {
  hostOrigin: HostOriginCheck;
  bodies: BodySlots;
  /** Memory of bodies read, kept for the next ones. */
  bodyBuffers: BodyBuffers;
  /** Readiness probes that arrive while a check runs share it. */
  checkStores: () => Promise<StoreHealth[]>;
}

/**
 * The gateway's HTTP surface: GraphQL, the explorer, health, readiness, metrics, version. The
 * returned server's `hostOrigin` check is shared with the WebSocket upgrade (src/graphql/websocket.ts).
 */
export function createHttpServer(deps: HttpDeps): Server & { hostOrigin: HostOriginCheck } {
  const gate: Gate = {
    hostOrigin: createHostOriginCheck(deps.config),
    bodies: createBodySlots(deps.config.http.maxBodiesInFlight),
    bodyBuffers: createBodyBuffers(KEPT_BODY_BYTES),
    checkStores: sharedStoreCheck(deps.stores, deps.guards),
  };
  const server = createServer(
    {
      requestTimeout: deps.config.http.requestTimeoutMs,
      headersTimeout: deps.config.http.headersTimeoutMs,
      // How often node looks for requests past those timeouts (30 s by default, which would let a
      // request outlive a 10 s headers timeout threefold); one pass over the open connections.
      connectionsCheckingInterval: CONNECTIONS_CHECK_MS,
    },
    (req, res) => {
      route(req, res, deps, gate).catch((error: unknown) => {
        // A client that went away mid-body (or timed out) is no failure of the gateway.
        if (req.destroyed && !res.headersSent) return void res.destroy();
        deps.logger.error({ err: error, url: req.url }, 'http handler failed');
        if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
        else res.destroy();
      });
    },
  );
  return Object.assign(server, { hostOrigin: gate.hostOrigin });
}

async function route(req: IncomingMessage, res: ServerResponse, deps: HttpDeps, gate: Gate): Promise<void> {
  const wrongHost = gate.hostOrigin.host(req);
  if (wrongHost) return sendRefusal(res, wrongHost);
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;

  if (path === GRAPHQL_PATH) {
    if (req.method === 'GET' && !url.searchParams.has('query') && acceptsHtml(req)) {
      return send(res, 200, 'text/html; charset=utf-8', explorerHtml());
    }
    return graphql(req, res, url, deps, gate);
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'method not allowed' });

  switch (path) {
    case '/healthz':
      return sendJson(res, 200, { status: 'ok' });
    case '/readyz': {
      const { httpStatus, body } = readiness(await gate.checkStores(), deps.config.readyStores, isStrict(url));
      return sendJson(res, httpStatus, body);
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

async function graphql(req: IncomingMessage, res: ServerResponse, url: URL, deps: HttpDeps, gate: Gate): Promise<void> {
  // Credentials first, from the headers: a caller without one gets its 401 before a byte of its
  // body is read or parsed (issue 13: a 6 MB document took 8.4 s to be refused).
  let principal: Principal;
  try {
    principal = await deps.authenticate(req);
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    return sendCodedError(res, error);
  }
  let raw: Buffer | undefined;
  if (req.method === 'POST') {
    const release = gate.bodies.take();
    if (typeof release !== 'function') {
      res.setHeader('connection', 'close'); // its body is not read
      return sendRefusal(res, release);
    }
    try {
      raw = await readBody(req, deps.config.bodyLimitBytes, gate.bodyBuffers);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      res.setHeader('connection', 'close'); // the rest of the body is not read
      return sendGraphQLError(res, 413, 'PAYLOAD_TOO_LARGE', `Request body is larger than the limit of ${error.limit} bytes.`);
    } finally {
      release();
    }
  }
  const json = (req.headers['content-type'] ?? '').includes('json');
  // insertTicks from a bridge: its tick list is read from the body's bytes and checked by code
  // written for it (insert-ticks-body.ts, insert-ticks-fast-path.ts). A caller without the ingest
  // role gets its 403 from Apollo before any variable is coerced.
  const ingest = raw !== undefined && json && hasRole(principal, 'ingest');
  const scanned = ingest ? scanInsertTicksBody(raw!) : undefined;
  let request = scanned ? graphqlRequest(scanned.body, url.search, deps, ingest, scanned.scanned) : undefined;
  if (!request || (!('refusal' in request) && !request.prepared)) {
    // Not the bridge's shape after all (or not scanned): the body parsed whole, as any request's.
    let body: unknown;
    if (raw !== undefined && json) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return sendGraphQLError(res, 400, 'BAD_REQUEST', 'Request body is not valid JSON.');
      }
    } else if (raw !== undefined) body = raw.toString('utf8');
    request = graphqlRequest(body, url.search, deps, ingest);
  }
  // Nothing reads the body's bytes after this (the parsed values are copies): its memory serves the next body.
  if (raw !== undefined) gate.bodyBuffers.give(raw);
  if ('refusal' in request) return request.refusal(res);
  const { body, search, prepared } = request;

  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const execute = () =>
    deps.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search, body },
      context: async () => deps.createContext(principal, { preparedTicks: prepared?.preparedTicks }),
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

type GraphqlRequest = { body: unknown; search: string; prepared?: PreparedInsert } | { refusal: (res: ServerResponse) => void };

/**
 * What goes to Apollo: the body and query string after trusted documents and the token limit,
 * and insertTicks's prepared ticks (with `scanned`, the ones read from the body's bytes).
 */
function graphqlRequest(body: unknown, search: string, deps: HttpDeps, ingest: boolean, scanned?: ScannedTicks): GraphqlRequest {
  if (deps.trustedDocuments) {
    const trusted = trustHttpRequest(deps.trustedDocuments, { body, search });
    if (trusted instanceof GraphQLError) return { refusal: (res) => sendGraphQLError(res, 400, String(trusted.extensions.code), trusted.message) };
    ({ body, search } = trusted);
  }
  // Counted before anything parses it, the fast path included (Apollo's parser would stop at the
  // limit too, but the fast path parses first).
  const { maxTokens } = deps.config.queryLimits;
  const document = queryText(body, search);
  if (document !== undefined && exceedsTokenLimit(document, maxTokens)) return { refusal: (res) => sendCodedError(res, tooManyTokens(maxTokens), 400) };
  const prepared = ingest ? prepareInsertTicks(body, maxTokens, scanned) : undefined;
  return { body: prepared ? prepared.body : body, search, prepared };
}

/** The document a request carries: a POST body's `query`, or GET's `query` parameter. */
function queryText(body: unknown, search: string): string | undefined {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const { query } = body as { query?: unknown };
    return typeof query === 'string' ? query : undefined;
  }
  return body === undefined ? (new URLSearchParams(search).get('query') ?? undefined) : undefined;
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

/** A GraphQLError with its code, status and headers (`extensions.http`, as Apollo reads them). */
function sendCodedError(res: ServerResponse, error: GraphQLError, status = 500): void {
  const http = error.extensions.http as { status?: number; headers?: Map<string, string> } | undefined;
  for (const [key, value] of http?.headers ?? []) res.setHeader(key, value);
  sendGraphQLError(res, http?.status ?? status, String(error.extensions.code), error.message);
}
