/**
 * The console's JSON API client (src/console/contract.ts): same-origin requests with the session
 * cookie, and the session's CSRF token on every change.
 */
import {
  CONSOLE_API_PREFIX,
  CSRF_HEADER,
  type ConsoleError,
  type SessionInfo,
} from '../../src/console/contract';

/** An error answer of the API, with its code (`AccessDenied`, `NotAuthenticated`, ...). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken = '';

/** Remember the session's CSRF token for the changes that follow. */
export function useSessionToken(session: SessionInfo | undefined): void {
  csrfToken = session?.csrfToken ?? '';
}

async function answer<T>(response: Response): Promise<T> {
  if (response.status === 204) return undefined as T;
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = (body as ConsoleError | undefined)?.error;
    throw new ApiError(
      response.status,
      error?.code ?? 'HttpError',
      error?.message ?? `HTTP ${response.status}`,
    );
  }
  return body as T;
}

/** `GET api/<path>`. */
export async function get<T>(path: string): Promise<T> {
  const response = await fetch(CONSOLE_API_PREFIX + path, {
    credentials: 'same-origin',
    headers: { accept: 'application/json' },
  });
  return answer<T>(response);
}

/** `POST api/<path>` with a JSON body and the CSRF token. */
export async function post<T>(path: string, body: unknown = {}): Promise<T> {
  const response = await fetch(CONSOLE_API_PREFIX + path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/json', [CSRF_HEADER]: csrfToken },
    body: JSON.stringify(body),
  });
  return answer<T>(response);
}

/** A path segment, encoded (role names may hold `+=,.@-_`, and hostile ones anything). */
export function seg(value: string): string {
  return encodeURIComponent(value);
}

export function streamUrl(path: string): string {
  return CONSOLE_API_PREFIX + path;
}
