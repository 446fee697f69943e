/**
 * Every single-byte mutation of every signed suite request is rejected, unless an independent
 * model (written here with regexes and the platform's URI functions, not the verifier's code)
 * says the mutant is canonically equivalent or touches nothing signed; then it must verify AND
 * produce the very same canonical request.
 */
import { describe, expect, it } from 'vitest';
import { AwsError } from '../errors.js';
import { verifyRequest } from './verify.js';
import { loadSuite, signedRequestOf, type RawRequest } from './test-support/aws4-testsuite.js';
import { computedSigning, SUITE_TOKEN, suiteOptions } from './test-support/harness.js';
import type { VerifyOptions } from './types.js';

const REPLACEMENTS = [' ', '\t', '%', '/', '.', '&', '=', ',', ';', '0', 'a', 'Z', '\u00e9'];

function variants(c: string): string[] {
  const out = new Set<string>([
    c.toLowerCase(),
    c.toUpperCase(),
    String.fromCharCode(c.charCodeAt(0) + 1),
    ...REPLACEMENTS,
  ]);
  out.delete(c);
  return [...out];
}

function mutations(s: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i++)
    for (const v of variants(s[i]!)) out.push(s.slice(0, i) + v + s.slice(i + 1));
  return out;
}

// --- the independent model -------------------------------------------------------------------
// An obsolete line fold is whitespace (current SigV4 suite, get-header-value-multiline).
const valueModel = (v: string) =>
  v
    .replace(/\r?\n(?=[ \t\v\f])/g, ' ')
    .replace(/^[ \t\v\f]+|[ \t\v\f]+$/g, '')
    .replace(/[ \t\v\f]+/g, ' ');

// Whitespace (SP, HTAB) around the value and between the scheme and its parameters is not part of
// either (RFC 9110 credentials = auth-scheme [ 1*SP ... ]).
const authorizationModel = (v: string) => v.replace(/^[ \t]+|[ \t]+$/g, '').replace(/^(\S+)[ \t]+/, '$1 ');

// Signer semantics (botocore posixpath.normpath, smithy): a trailing `.`/`..` leaves no slash.
function pathModel(p: string): string {
  let s = p;
  for (let prev = ''; prev !== s;) {
    prev = s;
    s = s
      .replace(/\/\/+/g, '/')
      .replace(/\/\.\//g, '/')
      .replace(/\/\.$/, '')
      .replace(/\/[^/]+\/\.\.\//, '/')
      .replace(/\/[^/]+\/\.\.$/, '')
      .replace(/^\/\.\.(\/|$)/, '/');
    if (s === '') s = '/';
  }
  return s;
}

function queryModel(q: string): string | undefined {
  const enc = (x: string) =>
    encodeURIComponent(x).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
  try {
    return q
      .split('&')
      .filter((piece) => piece !== '')
      .map((piece) => {
        const eq = piece.indexOf('=');
        const [n, v] = eq < 0 ? [piece, ''] : [piece.slice(0, eq), piece.slice(eq + 1)];
        return [enc(decodeURIComponent(n)), enc(decodeURIComponent(v))];
      })
      .sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : a[1]! < b[1]! ? -1 : a[1]! > b[1]! ? 1 : 0))
      .map((pair) => pair.join('='))
      .join('&');
  } catch {
    return undefined;
  }
}

interface Mutant {
  where: string;
  request: RawRequest;
  /** The model's verdict: canonically equivalent to the original, or outside what is signed. */
  equivalent: boolean;
}

function* mutantsOf(raw: RawRequest, signed: Set<string>): Generator<Mutant> {
  for (const method of mutations(raw.method))
    yield { where: 'method', request: { ...raw, method }, equivalent: false };
  const q = raw.target.indexOf('?');
  const path = q < 0 ? raw.target : raw.target.slice(0, q);
  const query = q < 0 ? undefined : raw.target.slice(q + 1);
  for (const p of mutations(path)) {
    const target = query === undefined ? p : `${p}?${query}`;
    const equivalent = p.startsWith('/') && pathModel(p) === pathModel(path) && !p.includes('?');
    yield { where: `path ${JSON.stringify(p)}`, request: { ...raw, target }, equivalent };
  }
  if (query !== undefined) {
    for (const m of mutations(query)) {
      const model = queryModel(m);
      const equivalent = model !== undefined && model === queryModel(query);
      yield { where: `query ${JSON.stringify(m)}`, request: { ...raw, target: `${path}?${m}` }, equivalent };
    }
  }
  for (const [index, [name, value]] of raw.headers.entries()) {
    const isAuth = name.toLowerCase() === 'authorization';
    const isToken = name.toLowerCase() === 'x-amz-security-token';
    const isSigned = signed.has(name.toLowerCase());
    const replace = (pair: [string, string]) => raw.headers.map((h, i) => (i === index ? pair : h));
    for (const n of mutations(name)) {
      const unsignedBoth =
        !isSigned &&
        !isAuth &&
        !isToken &&
        !signed.has(n.toLowerCase()) &&
        n.toLowerCase() !== 'authorization' &&
        n.toLowerCase() !== 'x-amz-date' &&
        n.toLowerCase() !== 'x-amz-security-token';
      const equivalent = n.toLowerCase() === name.toLowerCase() || unsignedBoth;
      yield {
        where: `header name ${JSON.stringify(n)}`,
        request: { ...raw, headers: replace([n, value]) },
        equivalent,
      };
    }
    for (const v of mutations(value)) {
      const equivalent = isAuth
        ? authorizationModel(v) === authorizationModel(value)
        : isToken
          ? false
          : !isSigned || valueModel(v) === valueModel(value);
      yield {
        where: `${name} value ${JSON.stringify(v)}`,
        request: { ...raw, headers: replace([name, v]) },
        equivalent,
      };
    }
  }
  for (const body of mutations(raw.body))
    yield { where: 'body', request: { ...raw, body }, equivalent: false };
}

const suite = loadSuite();

describe('single-byte mutations of the suite requests', () => {
  for (const c of suite) {
    it(`${c.name}: rejected unless the model proves them equivalent`, () => {
      const raw = signedRequestOf(c);
      const token = raw.headers.find(([n]) => n.toLowerCase() === 'x-amz-security-token')?.[1];
      if (c.group === 'post-sts-token') expect(token).toBe(SUITE_TOKEN);
      const options: VerifyOptions = suiteOptions(token);
      const auth = raw.headers.find(([n]) => n === 'Authorization')![1];
      const signed = new Set(/SignedHeaders=([^,]+)/.exec(auth)![1]!.split(';'));
      const original = computedSigning(
        { method: raw.method, url: raw.target, headers: raw.headers, body: raw.body },
        options,
      );
      let rejected = 0;
      let equivalent = 0;
      for (const m of mutantsOf(raw, signed)) {
        const request = {
          method: m.request.method,
          url: m.request.target,
          headers: m.request.headers,
          body: m.request.body,
        };
        let error: unknown;
        try {
          verifyRequest(request, options);
        } catch (e) {
          error = e;
        }
        if (m.equivalent) {
          expect(error, m.where).toBeUndefined();
          expect(computedSigning(request, options).creq, m.where).toBe(original.creq);
          equivalent++;
        } else {
          expect(error, m.where).toBeInstanceOf(AwsError);
          expect((error as AwsError).code, m.where).not.toBe('InternalFailure');
          rejected++;
        }
      }
      expect(rejected).toBeGreaterThan(100);
      // Header-name case flips alone make every case have equivalent mutants.
      expect(equivalent).toBeGreaterThan(0);
    });
  }
});
