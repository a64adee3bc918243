import { ROOT_CONTEXT, SpanKind, SpanStatusCode, type Context as TraceContext, type Span } from '@opentelemetry/api';
import { getOperationAST, type ExecutionArgs, type OperationTypeNode } from 'graphql';
import { inSpan } from './spans.js';
import type { Tracing } from './tracing.js';

// Operation names come from clients: a span name or attribute carries at most this much of one.
const NAME_MAX_CHARS = 100;

/**
 * Runs one GraphQL operation (HTTP request or graphql-ws subscribe) in its span: kind server,
 * child of the caller's W3C `traceparent` when it sent one (HTTP header, or graphql-ws
 * connectionParams), named `GraphQL Operation` until `nameOperation` knows better.
 */
export function inOperationSpan<T>(tracing: Tracing, carrier: Readonly<Record<string, unknown>> | undefined, run: () => Promise<T>): Promise<T> {
  return inSpan(tracing.tracer, 'GraphQL Operation', { kind: SpanKind.SERVER, parent: tracing.parentFrom(carrier) }, run);
}

/**
 * graphql-ws's execute or subscribe, each operation in its span. The parent comes from the
 * socket's connectionParams (`traceparent`), read once per operation by the context function
 * into `traceParent`. A subscription's span covers its start, not its life.
 */
export function traceExecution<R>(tracing: Tracing, run: (args: ExecutionArgs) => R | Promise<R>) {
  return (args: ExecutionArgs): Promise<R> => {
    const parent = (args.contextValue as { traceParent?: TraceContext } | undefined)?.traceParent ?? ROOT_CONTEXT;
    return inSpan<R>(tracing.tracer, 'GraphQL Operation', { kind: SpanKind.SERVER, parent }, async (span) => {
      const operation = getOperationAST(args.document, args.operationName);
      if (operation) nameOperation(span, operation.operation, operation.name?.value);
      const result = await run(args);
      const errors = (result as { errors?: readonly { extensions?: Record<string, unknown> }[] } | undefined)?.errors;
      if (errors) markOperationErrors(span, errors.map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR')));
      return result;
    });
  };
}

/** Semantic conventions for GraphQL servers: `{graphql.operation.type} {graphql.operation.name}`. */
export function nameOperation(span: Span, type: OperationTypeNode, name: string | null | undefined): void {
  const shown = name?.slice(0, NAME_MAX_CHARS);
  span.updateName(shown ? `${type} ${shown}` : type);
  span.setAttribute('graphql.operation.type', type);
  if (shown) span.setAttribute('graphql.operation.name', shown);
}

/** Marks the span failed with the codes of the errors (never their messages, which can quote input). */
export function markOperationErrors(span: Span, codes: readonly string[]): void {
  if (codes.length === 0) return;
  const distinct = [...new Set(codes)].slice(0, 10);
  span.setAttribute('error.type', distinct[0]!);
  span.setAttribute('marketgraph.error.codes', distinct);
  span.setStatus({ code: SpanStatusCode.ERROR });
}
