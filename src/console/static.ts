/**
 * The built front-end (`dist/console-ui/`, written by the console-ui Vite build) under
 * `/credplane/console/`: files by extension's content type, `index.html` for `/` and for every
 * other path that is not a file (the single-page app routes them), and a short page saying how to
 * build it when it is not built. Paths are decoded once and must stay inside the directory: `..`
 * segments (also encoded), backslashes and NUL are refused.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiResponse } from '../http/types.js';
import { CONSOLE_PREFIX } from './contract.js';
import { SECURITY_HEADERS } from './respond.js';

/** Where the build writes, beside this module once compiled (`dist/console/` → `dist/console-ui/`). */
export const DEFAULT_UI_ROOT = fileURLToPath(new URL('../console-ui/', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

const NOT_BUILT =
  '<!doctype html><meta charset="utf-8"><title>credplane console</title>' +
  '<p>The console was not built. Run <code>npm run build</code> and restart <code>credplane up</code>.</p>';

const badPath = (): ApiResponse => ({
  status: 400,
  headers: { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' },
  body: 'Bad path',
});

/**
 * The answer for `GET <urlPath>` (a path under `/credplane/console/`, query removed).
 *
 * @example
 * serveStatic('/credplane/console/assets/index-3f2a.js', DEFAULT_UI_ROOT);
 */
export function serveStatic(urlPath: string, root: string = DEFAULT_UI_ROOT): ApiResponse {
  let relative: string;
  try {
    relative = decodeURIComponent(urlPath.slice(CONSOLE_PREFIX.length));
  } catch {
    return badPath();
  }
  if (relative.includes('\0') || relative.includes('\\')) return badPath();
  const segments = relative.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return badPath();
  const base = path.resolve(root);
  const index = path.join(base, 'index.html');
  if (!fs.existsSync(index)) {
    return {
      status: 503,
      headers: {
        ...SECURITY_HEADERS,
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
      },
      body: NOT_BUILT,
    };
  }
  const file = path.resolve(base, ...segments.filter((s) => s !== ''));
  if (file !== base && !file.startsWith(base + path.sep)) return badPath();
  let target = index;
  try {
    // Symbolic links are not followed out of the directory: the real path must stay inside too.
    if (relative !== '' && fs.statSync(file).isFile()) {
      const real = fs.realpathSync(file);
      if (real.startsWith(fs.realpathSync(base) + path.sep)) target = real;
    }
  } catch {
    // Not a file: the single-page app's own route.
  }
  const type = TYPES[path.extname(target).toLowerCase()] ?? 'application/octet-stream';
  // Vite names built assets by content hash: those may be cached; index.html never.
  const cache = target.includes(`${path.sep}assets${path.sep}`)
    ? 'public, max-age=31536000, immutable'
    : 'no-store';
  return {
    status: 200,
    headers: { ...SECURITY_HEADERS, 'content-type': type, 'cache-control': cache },
    body: fs.readFileSync(target),
  };
}
