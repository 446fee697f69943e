/**
 * Cross-site request forgery defences for every change (OWASP CSRF Prevention Cheat Sheet): the
 * session's synchronizer token in `X-CSRF-Token` (a custom header a cross-site form cannot set),
 * and the `Origin` header, when the browser sends one, must be the server's own origin. The
 * session cookie is also `SameSite=Strict`.
 */
import type { ApiRequest } from '../http/types.js';
import { CSRF_HEADER } from './contract.js';
import { invalidCsrf, ConsoleApiError } from './respond.js';
import { sameSecret } from './session.js';

/**
 * The origin this request was sent to: `http://` and its `Host` header (the control plane serves
 * plain HTTP on loopback).
 */
export function ownOrigin(request: Pick<ApiRequest, 'headers'>): string | undefined {
  const host = request.headers.host;
  return typeof host === 'string' && host !== '' ? `http://${host.toLowerCase()}` : undefined;
}

/** Refuses (403) a state-changing request from another origin. */
export function checkOrigin(request: Pick<ApiRequest, 'headers'>): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  if (typeof origin !== 'string' || origin.toLowerCase() !== ownOrigin(request)) {
    throw new ConsoleApiError('AccessDenied', 'Cross-origin requests may not change anything.', {
      status: 403,
    });
  }
}

/** Refuses (403 `InvalidCsrfToken`) a change without the session's CSRF token. */
export function checkCsrfToken(request: Pick<ApiRequest, 'headers'>, expected: string): void {
  const sent = request.headers[CSRF_HEADER];
  if (typeof sent !== 'string' || sent === '') throw invalidCsrf('The X-CSRF-Token header is missing.');
  if (!sameSecret(sent, expected)) throw invalidCsrf('The X-CSRF-Token header does not match the session.');
}
