/**
 * The environment that makes an unmodified SDK behave as if it ran on an instance: IMDS at the
 * instance's loopback endpoint, STS/IAM/EC2 at credplane, and nothing else that could supply
 * credentials first (the default chains consult environment keys and shared files before IMDS).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { EndpointsFile } from './files.js';

/** Variables that would win over IMDS in the SDKs' default chains, or disable it. */
export const SHADOWING_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_ROLE_ARN',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_EC2_METADATA_V1_DISABLED',
  'AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE',
] as const;

export type InstanceRef = EndpointsFile['instances'][number];

/** The instance named by id or workload name. */
export function findInstance(endpoints: EndpointsFile, key: string): InstanceRef | undefined {
  return endpoints.instances.find((i) => i.instanceId === key || i.name === key);
}

/**
 * The variables to set for `instance`. `emptyConfig` is a file with no profiles, used as the shared
 * config and credentials file so the machine's `~/.aws` cannot shadow the instance role.
 *
 * @example
 * instanceEnvironment(endpoints, instance, '/data/imds/empty-aws-config');
 * // { AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:2xxxx/', AWS_REGION: 'us-east-1', ... }
 */
export function instanceEnvironment(
  endpoints: EndpointsFile,
  instance: InstanceRef,
  emptyConfig: string,
): Record<string, string> {
  return {
    AWS_EC2_METADATA_SERVICE_ENDPOINT: instance.url,
    AWS_REGION: endpoints.region,
    AWS_DEFAULT_REGION: endpoints.region,
    AWS_ENDPOINT_URL: endpoints.url,
    AWS_ENDPOINT_URL_STS: endpoints.url,
    AWS_ENDPOINT_URL_IAM: endpoints.url,
    AWS_ENDPOINT_URL_EC2: endpoints.url,
    AWS_CONFIG_FILE: emptyConfig,
    AWS_SHARED_CREDENTIALS_FILE: emptyConfig,
  };
}

/** `<dataDir>/imds/empty-aws-config`, created when missing. */
export function emptyAwsConfig(dataDir: string): string {
  const file = path.join(dataDir, 'imds', 'empty-aws-config');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, '');
  }
  return file;
}

/** `export`/`unset` lines for a POSIX shell, values single-quoted. */
export function shellExports(variables: Record<string, string>): string {
  const quote = (v: string): string => `'${v.replaceAll("'", "'\\''")}'`;
  return [
    `unset ${SHADOWING_VARIABLES.join(' ')}`,
    ...Object.entries(variables).map(([k, v]) => `export ${k}=${quote(v)}`),
  ].join('\n');
}

/** `base` without the shadowing variables, plus `variables`. */
export function childEnvironment(
  base: NodeJS.ProcessEnv,
  variables: Record<string, string>,
): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...base };
  for (const name of SHADOWING_VARIABLES) delete out[name];
  return { ...out, ...variables };
}
