/**
 * The console's answers: JSON with the headers every API answer carries (no caching, no MIME
 * sniffing, no framing, no referrer), and errors in the contract's `{ error: { code, message } }`
 * shape with the HTTP status of the AWS error the code names (`contract.ts`).
 */
import { AwsError } from '../errors.js';
import type { ApiResponse } from '../http/types.js';
import type { ConsoleError } from './contract.js';

/** Headers on every console answer, static files included. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  // `frame-ancestors` only takes effect from a header, not a <meta> tag (CSP Level 3).
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
};

const API_HEADERS: Readonly<Record<string, string>> = {
  ...SECURITY_HEADERS,
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
};

/**
 * JSON text safe to embed anywhere: `<`, `>`, `&` and the line separators escaped as `\\uXXXX`, so
 * a hostile name can never close a tag even if a client pastes the text into HTML.
 */
export function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export function json(value: unknown, status = 200, headers: Record<string, string> = {}): ApiResponse {
  return { status, headers: { ...API_HEADERS, ...headers }, body: safeJson(value) };
}

export function noContent(headers: Record<string, string> = {}): ApiResponse {
  return { status: 204, headers: { ...API_HEADERS, ...headers } };
}

/** An error the console answers with its code's status. */
export class ConsoleApiError extends AwsError {}

export const notAuthenticated = (): ConsoleApiError =>
  new ConsoleApiError('NotAuthenticated', 'Sign in to the console first.', { status: 401 });
export const invalidCsrf = (message: string): ConsoleApiError =>
  new ConsoleApiError('InvalidCsrfToken', message, { status: 403 });
export const notFound = (message: string): ConsoleApiError =>
  new ConsoleApiError('NoSuchEntity', message, { status: 404 });

export function errorResponse(error: AwsError, headers: Record<string, string> = {}): ApiResponse {
  const body: ConsoleError = { error: { code: error.code, message: error.message } };
  return json(body, error.status, headers);
}
