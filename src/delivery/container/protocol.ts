/**
 * The container credentials protocol as the SDKs speak it (AWS SDKs and Tools Reference Guide, Container
 * credential provider; Amazon ECS Developer Guide, Task IAM role): the
 * client sends `GET <path>` with the raw token in `Authorization` (no `Bearer`), and expects a
 * JSON body with `AccessKeyId`, `SecretAccessKey`, `Token` and an `Expiration` ending in `Z`.
 *
 * Nothing here knows about ECS tasks: the ECS endpoint and EKS Pod Identity both build on these
 * pieces (authorization header, constant-time token check, success and error documents).
 */
import { randomBytes } from 'node:crypto';
import { constantTimeEqual } from '../../crypto/constant-time.js';
import { AwsError } from '../../errors.js';
import type { ApiRequest, ApiResponse } from '../../http/types.js';
import { isoSeconds } from '../../sts/credentials-xml.js';
import type { WorkloadCredentials } from '../workload-issuer.js';

/** The JSON document a container credentials endpoint answers with (Container credential provider). */
export interface ContainerCredentialsDocument {
  AccessKeyId: string;
  SecretAccessKey: string;
  Token: string;
  /** `YYYY-MM-DDTHH:MM:SSZ`: JS `fromHttp` rejects offsets such as `+00:00`. */
  Expiration: string;
  RoleArn?: string;
  AccountId: string;
}

const JSON_HEADERS = { 'content-type': 'application/json' } as const;

/** `401 MissingAuthorizationToken`: the request carried no `Authorization` header. */
export class MissingAuthorizationTokenError extends AwsError {
  constructor() {
    super('MissingAuthorizationToken', 'The request has no Authorization header', { status: 401 });
  }
}

/**
 * `403 AccessDenied`: the token is not the one issued for this credentials path. A token that is
 * valid for another path gets the same answer, so the endpoint is no oracle for other tokens.
 */
export class InvalidAuthorizationTokenError extends AwsError {
  constructor() {
    super('AccessDenied', 'The Authorization token is not valid for this credentials path', { status: 403 });
  }
}

/** `400 InvalidIdInRequest` (the ECS agent's code): no credentials are served at this path. */
export class CredentialsNotFoundError extends AwsError {
  constructor(message = 'Credentials not found for this path') {
    super('InvalidIdInRequest', message, { status: 400 });
  }
}

/** `404 NotFound`: a path the endpoint does not serve at all. */
export class PathNotFoundError extends AwsError {
  constructor() {
    super('NotFound', 'No such resource', { status: 404 });
  }
}

/** `405 MethodNotAllowed`: the endpoint answers `GET` (and `HEAD`) only. */
export class MethodNotAllowedError extends AwsError {
  constructor() {
    super('MethodNotAllowed', 'Only GET is supported', { status: 405 });
  }
}

/**
 * A fresh authorization token: 32 random bytes, base64url, so it is a legal header value and
 * safe in a token file (no CR/LF, which botocore and Go refuse).
 */
export function newAuthorizationToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The `Authorization` value exactly as sent, or `MissingAuthorizationTokenError`.
 *
 * @example
 * const token = authorizationOf(request); // 'k3y…' (no Bearer prefix is stripped or expected)
 */
export function authorizationOf(request: Pick<ApiRequest, 'headers'>): string {
  const value = request.headers.authorization;
  if (typeof value !== 'string' || value === '') throw new MissingAuthorizationTokenError();
  return value;
}

/**
 * Throw unless `presented` equals `expected`, compared in constant time.
 *
 * @example
 * checkAuthorization(authorizationOf(request), task.authorizationToken);
 */
export function checkAuthorization(presented: string, expected: string): void {
  if (!constantTimeEqual(presented, expected)) throw new InvalidAuthorizationTokenError();
}

/**
 * The success document for `credentials`.
 *
 * @example
 * const doc = containerCredentialsDocument(await source.get());
 */
export function containerCredentialsDocument(
  credentials: WorkloadCredentials,
  options: { includeRoleArn?: boolean } = {},
): ContainerCredentialsDocument {
  return {
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    Token: credentials.sessionToken,
    Expiration: isoSeconds(credentials.expiration),
    ...(options.includeRoleArn === false ? {} : { RoleArn: credentials.roleArn }),
    AccountId: credentials.accountId,
  };
}

/** `200 application/json` with the credentials document. */
export function credentialsResponse(
  credentials: WorkloadCredentials,
  options: { includeRoleArn?: boolean } = {},
): ApiResponse {
  return {
    status: 200,
    headers: { ...JSON_HEADERS },
    body: JSON.stringify(containerCredentialsDocument(credentials, options)),
  };
}

/** `200 application/json` with any JSON document (task metadata). */
export function jsonResponse(document: unknown, status = 200): ApiResponse {
  return { status, headers: { ...JSON_HEADERS }, body: JSON.stringify(document) };
}

/**
 * The JSON error shape: `{"Code","Message"}` — capitalised, which JS `fromHttp` reads into its
 * error and Go decodes case-insensitively. Anything that is not an `AwsError` is a
 * bug and answers `500 InternalServerError` without details.
 */
export function errorResponse(error: unknown): ApiResponse {
  if (error instanceof AwsError) {
    // Some errors carry members of their own (Lambda's throttle: `Reason`, `Type`).
    const fields = 'fields' in error && typeof error.fields === 'object' ? error.fields : {};
    return jsonResponse({ ...fields, Code: error.code, Message: error.message }, error.status);
  }
  return jsonResponse({ Code: 'InternalServerError', Message: 'Internal server error' }, 500);
}
