/**
 * The CLI side of the `/credplane/` management routes: find the running control plane and its
 * admin key in the data directory (`credplane up` writes `<data-dir>/aws/config` and
 * `<data-dir>/aws/credentials`), sign a JSON request with SigV4, and turn error documents back
 * into `AwsError`s.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AwsError } from '../errors.js';
import { signBodyRequest } from '../sigv4/sign.js';

export interface AdminEndpoint {
  url: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** `credplane up` is not running (or not for this data directory). */
export class ControlPlaneUnavailableError extends AwsError {
  constructor(message: string) {
    super('ServiceUnavailable', message, { status: 503 });
  }
}

function iniValue(text: string, key: string): string | undefined {
  return new RegExp(`^${key}\\s*=\\s*(\\S+)\\s*$`, 'm').exec(text)?.[1];
}

/**
 * The control plane's URL, region and admin key from `<dataDir>/aws/{config,credentials}`.
 *
 * @example
 * const endpoint = adminEndpoint('.credplane');
 */
export function adminEndpoint(dataDir: string): AdminEndpoint {
  let config: string;
  let credentials: string;
  try {
    config = fs.readFileSync(path.join(dataDir, 'aws', 'config'), 'utf8');
    credentials = fs.readFileSync(path.join(dataDir, 'aws', 'credentials'), 'utf8');
  } catch {
    throw new ControlPlaneUnavailableError(
      `No credplane state in ${path.resolve(dataDir)}: start it with 'credplane up --data-dir ${dataDir}'`,
    );
  }
  const url = iniValue(config, 'endpoint_url');
  const accessKeyId = iniValue(credentials, 'aws_access_key_id');
  const secretAccessKey = iniValue(credentials, 'aws_secret_access_key');
  if (url === undefined || accessKeyId === undefined || secretAccessKey === undefined) {
    throw new ControlPlaneUnavailableError(`Incomplete AWS files in ${path.join(dataDir, 'aws')}`);
  }
  return {
    url,
    region: iniValue(config, 'region') ?? 'us-east-1',
    credentials: { accessKeyId, secretAccessKey },
  };
}

/**
 * `POST|GET <url>/credplane/<route>` signed for `service`; the parsed JSON answer.
 *
 * @example
 * const out = await adminRequest(endpoint, 'ecs', 'POST', '/credplane/ecs/run-task', { taskDefinition: 'orders' });
 */
export async function adminRequest(
  endpoint: AdminEndpoint,
  service: string,
  method: 'GET' | 'POST',
  route: string,
  body?: unknown,
): Promise<unknown> {
  const url = new URL(route, endpoint.url);
  const text = body === undefined ? '' : JSON.stringify(body);
  const headers = signBodyRequest(
    { method, url, body: text, contentType: 'application/json' },
    endpoint.credentials,
    endpoint.region,
    service,
  );
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      ...(method === 'GET' ? {} : { body: text }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch {
    throw new ControlPlaneUnavailableError(
      `credplane is not answering at ${endpoint.url}: is 'credplane up' running?`,
    );
  }
  const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    const code = typeof answer.Code === 'string' ? answer.Code : 'InternalFailure';
    const message = typeof answer.Message === 'string' ? answer.Message : `HTTP ${response.status}`;
    throw new AwsError(code, message, { status: response.status });
  }
  return answer;
}
