/**
 * DNS rebinding defence: the console answers only requests addressed (`Host`) to a loopback or
 * other IP literal, to `localhost`, or to a name the operator listed (`credplane up --console-host`).
 * A rebinding page reaches 127.0.0.1 under its own name, so its requests carry that name and are
 * refused before anything is read or changed; the Origin check alone would pass them, since it
 * compares against `Host` (csrf.ts). Jupyter's `local_hostnames` and Vite's `server.allowedHosts`
 * defend the same way.
 */
import { isIP } from 'node:net';
import type { ApiRequest } from '../http/types.js';
import { ConsoleApiError } from './respond.js';

/** The host name of a `Host` header (`[::1]:7300` → `::1`, `LOCALHOST:80` → `localhost`). */
export function hostName(header: string): string {
  const host = header.trim().toLowerCase();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end < 0 ? host : host.slice(1, end);
  }
  const colon = host.lastIndexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}

/** True when a request to `hostHeader` may be answered. */
export function hostAllowed(hostHeader: string | undefined, allowedNames: ReadonlySet<string>): boolean {
  if (hostHeader === undefined || hostHeader === '') return false;
  const name = hostName(hostHeader);
  // An IP literal names no DNS record an attacker could re-point.
  return isIP(name) !== 0 || name === 'localhost' || allowedNames.has(name);
}

/** Refuses (403 `AccessDenied`) a request addressed to a name the console does not answer to. */
export function checkHost(request: Pick<ApiRequest, 'headers'>, allowedNames: ReadonlySet<string>): void {
  const host = request.headers.host;
  if (!hostAllowed(typeof host === 'string' ? host : undefined, allowedNames)) {
    throw new ConsoleApiError(
      'AccessDenied',
      'The console answers only at an IP address, localhost, or a name given with --console-host.',
      { status: 403 },
    );
  }
}
