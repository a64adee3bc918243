import { GraphQLError, Kind, type DocumentNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { ErrorCode } from '../errors.js';
import { hasRole, type Principal, type Role } from './principal.js';

// The one mutation a bridge's `ingest` role may run; every other mutation needs `admin`.
const INGEST_MUTATIONS = new Set(['insertTicks']);

/**
 * The roles an operation needs: `read` for a query or subscription (federation's `_service` and
 * `_entities` are Query fields, so read too); for a mutation, `ingest` for insertTicks and
 * `admin` for any other root field.
 */
export function rolesFor(document: DocumentNode, operation: OperationDefinitionNode): Set<Role> {
  if (operation.operation !== 'mutation') return new Set(['read']);
  const roles = new Set<Role>();
  for (const field of rootFields(document, operation.selectionSet)) {
    if (field !== '__typename') roles.add(INGEST_MUTATIONS.has(field) ? 'ingest' : 'admin');
  }
  return roles.size > 0 ? roles : new Set(['read']);
}

/** FORBIDDEN naming the missing roles, or undefined when the principal may run the operation. */
export function authorize(principal: Principal, document: DocumentNode, operation: OperationDefinitionNode): GraphQLError | undefined {
  const missing = [...rolesFor(document, operation)].filter((role) => !hasRole(principal, role));
  if (missing.length === 0) return undefined;
  const held = principal.kind === 'open' ? [] : principal.roles;
  return new GraphQLError(
    `This operation needs the ${missing.join(' and ')} role${missing.length > 1 ? 's' : ''}; the credential has ${held.length ? held.join(', ') : 'no role'}.`,
    { extensions: { code: ErrorCode.FORBIDDEN } },
  );
}

/** Names of the root fields, through fragments (`mutation { ...Write }` must not hide a field). */
function rootFields(document: DocumentNode, selectionSet: SelectionSetNode, seen = new Set<string>()): string[] {
  const names: string[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) names.push(selection.name.value);
    else if (selection.kind === Kind.INLINE_FRAGMENT) names.push(...rootFields(document, selection.selectionSet, seen));
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === selection.name.value);
      if (fragment?.kind === Kind.FRAGMENT_DEFINITION) names.push(...rootFields(document, fragment.selectionSet, seen));
    }
  }
  return names;
}
