import { readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The market page at `/`: the files Vite builds into web/dist (`npm run build:web`). In the
 * container image they sit at dist/web/dist, beside the compiled modules, as schema/ does.
 */
export const WEB_DIST = fileURLToPath(new URL('../../web/dist', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

// Vite names every file under assets/ by its content hash, so a name never changes meaning:
// a year, immutable. index.html names the current hashes, so it is revalidated every time.
const HASHED_CACHE = 'public, max-age=31536000, immutable';
const PAGE_CACHE = 'no-cache';

// One or more path segments of letters, digits, '_', '-' and '.', none starting with '.':
// no '..', no encoded characters, no hidden files. Anything else is not a file of the page.
const SAFE_PATH = /^\/(?:[\w-][\w.-]*\/)*[\w-][\w.-]*$/;

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>marketgraph</title></head>
<body style="font-family:system-ui,sans-serif;background:#0b0f16;color:#d6dce6;padding:2em">
<h1>The market page is not built</h1>
<p>Run <code>npm run build:web</code> (or <code>npm install</code>, which builds it), then reload.</p>
<p>The GraphQL explorer is at <a style="color:#4c8dff" href="/graphql">/graphql</a>.</p>
</body></html>`;

/**
 * Answers GET/HEAD `path` from the page's files; resolves false when `path` is not one of them
 * (the caller answers 404). `/` without a build answers a page saying how to build it.
 */
export async function serveWebPage(path: string, res: ServerResponse, dir = WEB_DIST): Promise<boolean> {
  const file = path === '/' ? '/index.html' : path;
  if (!SAFE_PATH.test(file)) return false;
  const root = resolve(dir);
  const full = resolve(root, `.${file}`);
  if (!full.startsWith(root + sep)) return false; // unreachable after SAFE_PATH; kept as the rule itself
  const body = await readRegularFile(full);
  if (body === null) {
    if (path !== '/') return false;
    return send(res, 'text/html; charset=utf-8', PAGE_CACHE, NOT_BUILT);
  }
  const type = CONTENT_TYPES[extname(full)] ?? 'application/octet-stream';
  return send(res, type, file.startsWith('/assets/') ? HASHED_CACHE : PAGE_CACHE, body);
}

async function readRegularFile(file: string): Promise<Buffer | null> {
  try {
    if (!(await stat(file)).isFile()) return null;
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw error;
  }
}

function send(res: ServerResponse, type: string, cache: string, body: string | Buffer): true {
  res.statusCode = 200;
  res.setHeader('content-type', type);
  res.setHeader('cache-control', cache);
  res.setHeader('x-content-type-options', 'nosniff');
  res.end(body);
  return true;
}
