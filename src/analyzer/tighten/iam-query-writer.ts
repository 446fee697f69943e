/**
 * The `RolePolicyWriter` over the IAM Query API of a running control plane, signed with the admin
 * key, so a tighten or rollback is authenticated, authorized and logged like any other IAM call.
 */
import { ControlPlaneUnavailableError, type AdminEndpoint } from '../../admin-api/client.js';
import { signBodyRequest } from '../../sigv4/sign.js';
import { AwsError } from '../../errors.js';
import type { RolePolicyWriter } from './changes.js';

/** Sends one IAM Query request (form parameters) and resolves the HTTP status and body. */
export type QueryTransport = (params: Record<string, string>) => Promise<{ status: number; body: string }>;

const IAM_VERSION = '2010-05-08';

/**
 * @example
 * const writer = iamQueryWriter(httpQueryTransport(adminEndpoint('.credplane')));
 * await writer.putRolePolicy('web', 'credplane-least-privilege', document);
 */
export function iamQueryWriter(transport: QueryTransport): RolePolicyWriter {
  const call = async (params: Record<string, string>): Promise<string> => {
    const { status, body } = await transport({ ...params, Version: IAM_VERSION });
    if (status >= 300) throw queryError(status, body);
    return body;
  };
  return {
    putRolePolicy: async (RoleName, PolicyName, PolicyDocument) => {
      await call({ Action: 'PutRolePolicy', RoleName, PolicyName, PolicyDocument });
    },
    deleteRolePolicy: async (RoleName, PolicyName) => {
      await call({ Action: 'DeleteRolePolicy', RoleName, PolicyName });
    },
    attachRolePolicy: async (RoleName, PolicyArn) => {
      await call({ Action: 'AttachRolePolicy', RoleName, PolicyArn });
    },
    detachRolePolicy: async (RoleName, PolicyArn) => {
      await call({ Action: 'DetachRolePolicy', RoleName, PolicyArn });
    },
  };
}

/**
 * Resolves the role through `GetRole`: proves the API answers, the key works and the server sees
 * the same role. Throws the API's error (`NoSuchEntity`, ...) otherwise.
 */
export async function probeRole(transport: QueryTransport, roleName: string): Promise<void> {
  const { status, body } = await transport({ Action: 'GetRole', RoleName: roleName, Version: IAM_VERSION });
  if (status >= 300) throw queryError(status, body);
}

/** AWS Query error document → `AwsError` with its code and message. */
function queryError(status: number, body: string): AwsError {
  const code = xmlText(body, 'Code') ?? 'InternalFailure';
  const message = xmlText(body, 'Message') ?? `HTTP ${status}`;
  return new AwsError(code, message, { status });
}

function xmlText(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([\\s\\S]*?)</${name}>`)
    .exec(xml)?.[1]
    ?.replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/**
 * `POST /` with the form body, SigV4-signed for `iam` with the endpoint's (admin) credentials.
 * `ControlPlaneUnavailableError` when nothing answers.
 *
 * @example
 * const transport = httpQueryTransport(adminEndpoint(dataDir));
 */
export function httpQueryTransport(endpoint: AdminEndpoint): QueryTransport {
  return async (params) => {
    const url = new URL('/', endpoint.url);
    const body = new URLSearchParams(params).toString();
    const headers = signBodyRequest(
      { method: 'POST', url, body, contentType: 'application/x-www-form-urlencoded; charset=utf-8' },
      endpoint.credentials,
      endpoint.region,
      'iam',
    );
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(30_000) });
    } catch {
      throw new ControlPlaneUnavailableError(`credplane is not answering at ${endpoint.url}`);
    }
    return { status: response.status, body: await response.text() };
  };
}
