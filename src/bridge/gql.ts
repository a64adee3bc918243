/**
 * One GraphQL request to the gateway, for what a sender asks besides insertTicks (instruments,
 * latest prices); throws a message naming the gateway or its first error.
 */
export type Gql = <T>(query: string, variables?: Record<string, unknown>) => Promise<T>;

export function gqlClient(url: string, apiKey: string | null): Gql {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  return async (query, variables) => {
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(`cannot reach the gateway at ${url}: ${cause?.code ?? cause?.message ?? String(error)}`);
    }
    const body = (await res.json().catch(() => ({}))) as { data?: any; errors?: { message: string }[] };
    if (body.errors?.length || !body.data) throw new Error(`the gateway answered HTTP ${res.status}: ${body.errors?.[0]?.message ?? 'no data'}`);
    return body.data;
  };
}
