import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { GraphQLError } from 'graphql';
import { z } from 'zod';
import { ConfigError } from '../config.js';
import { ErrorCode } from '../errors.js';

/** The documents a gateway started with TRUSTED_DOCUMENTS runs, by the sha256 (hex) of their body. */
export type TrustedDocuments = ReadonlyMap<string, string>;

// Apollo's persisted query manifest, as `generate-persisted-query-manifest` writes it.
const manifestSchema = z.object({
  format: z.literal('apollo-persisted-query-manifest'),
  version: z.literal(1),
  operations: z.array(z.object({ id: z.string(), body: z.string(), name: z.string().optional(), type: z.string().optional() })),
});

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Reads the manifest; a malformed one, or an id that is not its body's sha256, stops the start. */
export async function loadTrustedDocuments(path: string): Promise<TrustedDocuments> {
  const refuse = (why: string) => new ConfigError(`invalid configuration: TRUSTED_DOCUMENTS (${path}) ${why}`);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw refuse(`cannot be read as JSON: ${error instanceof Error ? error.message : error}`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) throw refuse(`is not an Apollo persisted query manifest: ${parsed.error.issues[0]?.message}`);
  const documents = new Map<string, string>();
  for (const { id, body, name } of parsed.data.operations) {
    if (sha256(body) !== id.toLowerCase()) throw refuse(`lists operation ${name ?? id} under an id that is not the sha256 of its body`);
    documents.set(sha256(body), body);
  }
  return documents;
}

/** The fields of a GraphQL request that name its document. */
export interface DocumentRef {
  query?: unknown;
  documentId?: unknown;
  extensions?: unknown;
}

/**
 * The trusted body a request names, by `extensions.persistedQuery.sha256Hash`, by `documentId`
 * (`sha256:<hex>` or bare hex, as in the GraphQL-over-HTTP persisted documents proposal), or by
 * sending a `query` that is in the manifest. Anything else is an error; nothing runs.
 */
export function trustedQuery(documents: TrustedDocuments, request: DocumentRef): string | GraphQLError {
  const id = requestedId(request);
  if (id !== undefined) {
    const body = documents.get(id.toLowerCase());
    if (body !== undefined) return body;
    return new GraphQLError('Only trusted documents are accepted, and no trusted document has this id.', {
      extensions: { code: ApolloServerErrorCode.PERSISTED_QUERY_NOT_FOUND },
    });
  }
  if (typeof request.query === 'string' && documents.has(sha256(request.query))) return request.query;
  return new GraphQLError(
    'Only trusted documents are accepted: send the id of a document in the manifest (extensions.persistedQuery.sha256Hash or documentId).',
    { extensions: { code: ErrorCode.PERSISTED_QUERY_NOT_IN_LIST } },
  );
}

function requestedId({ documentId, extensions }: DocumentRef): string | undefined {
  if (typeof documentId === 'string') return documentId.replace(/^sha256:/, '');
  const persisted = isObject(extensions) ? extensions.persistedQuery : undefined;
  return isObject(persisted) && typeof persisted.sha256Hash === 'string' ? persisted.sha256Hash : undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/**
 * The HTTP request with its document replaced by the trusted body (POST JSON body or GET search
 * parameters), and without the persisted query extension, so Apollo runs the body as sent.
 */
export function trustHttpRequest(
  documents: TrustedDocuments,
  request: { body: unknown; search: string },
): { body: unknown; search: string } | GraphQLError {
  if (isObject(request.body) && !Array.isArray(request.body)) {
    const { documentId: _, extensions, ...rest } = request.body;
    const query = trustedQuery(documents, request.body);
    if (query instanceof GraphQLError) return query;
    const others = withoutPersistedQuery(extensions);
    return { body: { ...rest, query, ...(others ? { extensions: others } : {}) }, search: request.search };
  }
  if (request.body !== undefined) return request; // a batch or a non-JSON body: Apollo refuses it
  const params = new URLSearchParams(request.search);
  let extensions: unknown;
  try {
    extensions = params.has('extensions') ? JSON.parse(params.get('extensions')!) : undefined;
  } catch {
    extensions = undefined; // Apollo answers the malformed parameter itself
  }
  const query = trustedQuery(documents, { query: params.get('query') ?? undefined, documentId: params.get('documentId') ?? undefined, extensions });
  if (query instanceof GraphQLError) return query;
  params.set('query', query);
  params.delete('documentId');
  const rest = withoutPersistedQuery(extensions);
  if (rest) params.set('extensions', JSON.stringify(rest));
  else params.delete('extensions');
  return { body: undefined, search: `?${params}` };
}

function withoutPersistedQuery(extensions: unknown): Record<string, unknown> | undefined {
  if (!isObject(extensions)) return undefined;
  const { persistedQuery: _, ...rest } = extensions;
  return Object.keys(rest).length > 0 ? rest : undefined;
}
