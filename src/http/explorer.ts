import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * A GraphQL explorer that works offline: GraphiQL and React from npm, served by the
 * gateway itself. (Apollo's default landing page loads from a CDN.)
 */
const require = createRequire(import.meta.url);
const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));

/** URL path under /explorer/ → file on disk and its content type. */
export const EXPLORER_ASSETS: Record<string, { file: string; type: string }> = {
  'react.js': { file: join(packageDir('react'), 'umd/react.production.min.js'), type: 'text/javascript' },
  'react-dom.js': { file: join(packageDir('react-dom'), 'umd/react-dom.production.min.js'), type: 'text/javascript' },
  'graphiql.js': { file: join(packageDir('graphiql'), 'dist/index.umd.js'), type: 'text/javascript' },
  'graphiql.css': { file: join(packageDir('graphiql'), 'dist/style.css'), type: 'text/css' },
  'graphql-ws.js': { file: join(packageDir('graphql-ws'), 'umd/graphql-ws.min.js'), type: 'text/javascript' },
};

const DEFAULT_QUERY = `# marketgraph: try a query, then open the Docs panel.
query Market {
  instruments(first: 5) {
    edges {
      node {
        symbol
        description
        latestTick { time bid ask }
        candles(interval: M1, limit: 3) { time open high low close ticks }
      }
    }
  }
}
`;

export function explorerHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>marketgraph explorer</title>
<link rel="stylesheet" href="/explorer/graphiql.css">
<style>body{margin:0;height:100vh}#graphiql{height:100vh}</style>
</head>
<body>
<div id="graphiql">Loading the explorer…</div>
<script src="/explorer/react.js"></script>
<script src="/explorer/react-dom.js"></script>
<script src="/explorer/graphql-ws.js"></script>
<script src="/explorer/graphiql.js"></script>
<script>
  const url = location.origin + location.pathname;
  const fetcher = GraphiQL.createFetcher({
    url,
    wsClient: graphqlWs.createClient({ url: url.replace(/^http/, 'ws') }),
  });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, { fetcher, defaultQuery: ${JSON.stringify(DEFAULT_QUERY)} }),
  );
</script>
</body>
</html>`;
}
