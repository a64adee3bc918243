import {
  GraphQLError,
  getOperationAST,
  getVariableValues,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLSchema,
  type ParseOptions,
  type ValidationRule,
} from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import { ErrorCode } from '../errors.js';
import { entitiesCostError, type QueryLimits } from './query-limits.js';
import { trustedQuery, type TrustedDocuments } from './trusted-documents.js';

// Distinct valid documents kept (the oldest goes first), and the longest text kept: screens
// send a few short subscriptions; anything else is parsed each time rather than held.
const DOCUMENT_CACHE_MAX = 200;
const DOCUMENT_CACHE_MAX_CHARS = 2_000;

export interface OperationChecks {
  schema: GraphQLSchema;
  parseOptions: ParseOptions;
  /** Run after graphql-js's specified rules, as Apollo runs its `validationRules`. */
  validationRules: readonly ValidationRule[];
  /** For the cost that only the variables tell (entitiesCostError), as useEntitiesCost does on HTTP. */
  queryLimits: QueryLimits;
  trustedDocuments?: TrustedDocuments;
}

/**
 * For graphql-ws subscribe messages, what Apollo's request pipeline does for HTTP: trusted
 * documents, parse with the token limit, validate with the query limits, coerce the variables.
 * graphql-ws alone would parse without a limit and validate with graphql-js's rules only, and its
 * errors carry no code, so the masker would turn them into INTERNAL_SERVER_ERROR. Returns the
 * arguments to execute, or errors (with the codes Apollo gives them) so that no resolver runs.
 */
export function createOperationPreparer({ schema, parseOptions, validationRules, queryLimits, trustedDocuments }: OperationChecks) {
  const rules = [...specifiedRules, ...validationRules];
  // Valid documents by their text, as Apollo keeps them for HTTP: thousands of screens sending
  // the same subscription share one parsed document (and skip parsing and validating it again).
  const valid = new Map<string, DocumentNode>();
  return function prepareOperation(payload: SubscribePayload): ExecutionArgs | GraphQLError[] {
    const query = trustedDocuments ? trustedQuery(trustedDocuments, payload) : payload.query;
    if (query instanceof GraphQLError) return [query];
    let document = valid.get(query);
    if (!document) {
      try {
        document = parse(query, parseOptions);
      } catch (error) {
        return [withCode(error, 'GRAPHQL_PARSE_FAILED')];
      }
      const invalid = validate(schema, document, rules);
      if (invalid.length > 0) return invalid.map((e) => withCode(e, 'GRAPHQL_VALIDATION_FAILED'));
      if (query.length <= DOCUMENT_CACHE_MAX_CHARS) {
        if (valid.size >= DOCUMENT_CACHE_MAX) valid.delete(valid.keys().next().value!);
        valid.set(query, document);
      }
    }
    const operation = getOperationAST(document, payload.operationName);
    if (!operation) {
      const message = payload.operationName
        ? `Unknown operation named "${payload.operationName}".`
        : 'The document has several operations: name the one to run in `operationName`.';
      return [withCode(new GraphQLError(message), 'OPERATION_RESOLUTION_FAILURE')];
    }
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], payload.variables ?? {}, { maxErrors: 50 });
    if (coerced.errors) return coerced.errors.map((e) => withCode(e, ErrorCode.BAD_USER_INPUT));
    const tooCostly = entitiesCostError(schema, document, operation, payload.variables ?? undefined, queryLimits);
    if (tooCostly) return [tooCostly];
    return { schema, document, operationName: payload.operationName, variableValues: payload.variables };
  };
}

function withCode(error: unknown, code: string): GraphQLError {
  // A RangeError from a document nested past the stack, should the token limit allow one.
  if (!(error instanceof GraphQLError)) return new GraphQLError('The document is nested too deeply to parse.', { extensions: { code } });
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code },
  });
}
