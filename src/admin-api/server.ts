/**
 * credplane's own management routes for launching workloads (`/credplane/...` on the control
 * plane's port): JSON over HTTP, SigV4-signed like every AWS call, verified by the same
 * authenticator and judged by the same authorizer as STS and IAM. The CLI signs them with the
 * admin key `credplane up` writes; a role session whose policies allow the action may call them too.
 *
 * A route that hands back a role's working credentials (or what fetches them) must also require
 * what AWS requires to put code of the caller's choosing to work as that role: `iam:PassRole` on
 * the role, with `iam:PassedToService` naming the service that would receive it (IAM User Guide,
 * "Granting a user permissions to pass a role to an AWS service"). The route's own action alone
 * (`lambda:InvokeFunction`, `ecs:RunTask`) never yields a role's credentials on AWS.
 */
import type { AuthenticatedCaller, AuthenticatorOptions } from '../control/authenticate.js';
import { authenticate } from '../control/authenticate.js';
import { authorize, type AuthorizeInput } from '../control/authorize.js';
import type { KeyRing } from '../crypto/index.js';
import { AwsError, ValidationError } from '../errors.js';
import type { ApiRequest, ApiResponse } from '../http/types.js';
import { errorResponse, jsonResponse } from '../delivery/container/protocol.js';

export const ADMIN_PREFIX = '/credplane/';

export interface AdminApiDeps {
  authenticator: AuthenticatorOptions;
}

/** A route: `POST /credplane/<path>` with a JSON body, for callers signed for `service`. */
export interface AdminRoute {
  method: 'GET' | 'POST';
  path: string;
  service: string;
  handle(call: AdminCall): Promise<unknown>;
}

export interface AdminCall {
  auth: AuthenticatedCaller;
  body: Record<string, unknown>;
  /**
   * Throw `AccessDenied` unless the caller may do `action` on `resource`; `extra` adds
   * operation-specific condition keys (`iam:PassedToService`).
   */
  authorize(action: string, resource: string, extra?: AuthorizeInput['extra']): void;
  requestId: string;
}

/** `404 UnknownOperationException`: a `/credplane/` path no route serves. */
export class UnknownOperationError extends AwsError {
  constructor() {
    super('UnknownOperationException', 'No such credplane operation', { status: 404 });
  }
}

function parseBody(request: ApiRequest): Record<string, unknown> {
  if (request.body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body.toString('utf8'));
  } catch {
    throw new ValidationError('The request body is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ValidationError('The request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/**
 * A handler for `routes` that answers `undefined` for requests outside `/credplane/`, so it
 * composes in front of the control plane's handler.
 *
 * @example
 * const admin = createAdminApi(deps, [...taskRoutes(tasks), ...functionRoutes(functions)]);
 * const handler = (req) => admin(req) ?? controlPlane(req);
 */
export function createAdminApi(
  deps: AdminApiDeps,
  routes: readonly AdminRoute[],
): (request: ApiRequest) => Promise<ApiResponse> | undefined {
  const keyRing = (): KeyRing => deps.authenticator.keyRing();
  return (request) => {
    const path = request.url.split('?', 1)[0] ?? '';
    if (!path.startsWith(ADMIN_PREFIX)) return undefined;
    return (async () => {
      try {
        const route = routes.find((r) => r.path === path && r.method === request.method);
        if (route === undefined) throw new UnknownOperationError();
        const auth = await authenticate(request, deps.authenticator, [route.service]);
        const result = await route.handle({
          auth,
          body: parseBody(request),
          authorize: (action, resource, extra) => {
            authorize(auth, { action, resource, ...(extra === undefined ? {} : { extra }) }, keyRing());
          },
          requestId: request.requestId,
        });
        return jsonResponse(result);
      } catch (error) {
        return errorResponse(error);
      }
    })();
  };
}

/** A required string field of a JSON body, or `ValidationError`. */
export function stringField(body: Record<string, unknown>, name: string, max = 2048): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '' || value.length > max) {
    throw new ValidationError(`${name} must be a non-empty string of at most ${max} characters`);
  }
  return value;
}
