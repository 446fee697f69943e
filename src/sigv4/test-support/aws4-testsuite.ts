/**
 * Reads the 2015 AWS SigV4 test suite (test/fixtures/aws4_testsuite, Apache-2.0) into requests
 * the verifier takes. Each case is `<name>/<name>.{req,creq,sts,authz,sreq}`, optionally under a
 * group folder (`normalize-path`, `post-sts-token`).
 *
 * `.req` files are raw HTTP/1.1 text with LF line endings; a continuation line (leading space or
 * tab, obsolete line folding) stays part of the previous header's raw value, joined with `\n`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SUITE_DIR = fileURLToPath(new URL('../../../test/fixtures/aws4_testsuite/', import.meta.url));

export const SUITE_ACCESS_KEY_ID = 'AKIDEXAMPLE';
export const SUITE_SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
export const SUITE_REGION = 'us-east-1';
export const SUITE_SERVICE = 'service';
export const SUITE_TIME_MS = Date.UTC(2015, 7, 30, 12, 36, 0);

export interface RawRequest {
  method: string;
  target: string;
  headers: Array<[string, string]>;
  body: string;
}

export interface SuiteCase {
  name: string;
  group: string;
  req: string;
  creq: string;
  sts: string;
  authz: string;
  sreq: string;
}

/** Parses raw HTTP/1.1 request text. The target may contain spaces (`get-space`). */
export function parseRawRequest(text: string): RawRequest {
  const lines = text.split('\n');
  const requestLine = lines[0] ?? '';
  const firstSpace = requestLine.indexOf(' ');
  const lastSpace = requestLine.lastIndexOf(' ');
  if (firstSpace <= 0 || lastSpace <= firstSpace || !requestLine.slice(lastSpace + 1).startsWith('HTTP/')) {
    throw new Error(`bad request line: ${JSON.stringify(requestLine)}`);
  }
  const headers: Array<[string, string]> = [];
  let i = 1;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') {
      i++;
      break;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      const last = headers[headers.length - 1];
      if (last === undefined) throw new Error('continuation line before any header');
      last[1] = `${last[1]}\n${line}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`bad header line: ${JSON.stringify(line)}`);
    headers.push([line.slice(0, colon), line.slice(colon + 1)]);
  }
  return {
    method: requestLine.slice(0, firstSpace),
    target: requestLine.slice(firstSpace + 1, lastSpace),
    headers,
    body: lines.slice(i).join('\n'),
  };
}

function readCase(dir: string, group: string, name: string): SuiteCase {
  const read = (ext: string) => fs.readFileSync(path.join(dir, `${name}.${ext}`), 'utf8');
  return {
    name,
    group,
    req: read('req'),
    creq: read('creq'),
    sts: read('sts'),
    authz: read('authz'),
    sreq: read('sreq'),
  };
}

/** Every case of the suite, in folder order. */
export function loadSuite(root = SUITE_DIR): SuiteCase[] {
  const cases: SuiteCase[] = [];
  const walk = (dir: string, group: string) => {
    for (const entry of fs
      .readdirSync(dir, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))) {
      if (!entry.isDirectory()) continue;
      const sub = path.join(dir, entry.name);
      if (fs.existsSync(path.join(sub, `${entry.name}.req`))) cases.push(readCase(sub, group, entry.name));
      else walk(sub, entry.name);
    }
  };
  walk(root, '');
  return cases;
}

/**
 * The signed request of a case: the `.req` headers, any header the `.sreq` adds besides
 * `Authorization` (the unsigned session token of `post-sts-header-after`), then `Authorization`
 * from `.authz`.
 */
export function signedRequestOf(c: SuiteCase): RawRequest {
  const req = parseRawRequest(c.req);
  const sreq = parseRawRequest(c.sreq);
  const known = new Set(req.headers.map(([n]) => n.toLowerCase()));
  const extra = sreq.headers.filter(
    ([n]) => !known.has(n.toLowerCase()) && n.toLowerCase() !== 'authorization',
  );
  return { ...req, headers: [...req.headers, ...extra, ['Authorization', c.authz]] };
}
