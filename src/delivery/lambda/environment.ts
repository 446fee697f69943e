/**
 * The environment variables of a Lambda execution environment (AWS Lambda Developer Guide,
 * Defined runtime environment variables):
 * the function's own variables, then the reserved ones Lambda sets (and which override the
 * function's), including the execution role's `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
 * `AWS_SESSION_TOKEN`. Pure: the caller supplies paths, endpoints and the clock.
 */
import { randomBytes } from 'node:crypto';
import type { FunctionConfiguration } from './functions.js';

export interface ExecutionRoleCredentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  Token: string;
}

export interface EnvironmentPlacement {
  region: string;
  /** `LAMBDA_TASK_ROOT`: where the function's code is. */
  taskRoot: string;
  /** `LAMBDA_RUNTIME_DIR`: where the runtime (credplane's bootstrap) is. */
  runtimeDir: string;
  /** `host:port` of the Runtime API; absent for `credplane run`, which has none. */
  runtimeApi?: string;
  /** credplane's URL, as `AWS_ENDPOINT_URL`, so the SDK's STS (and other) calls reach credplane. */
  endpointUrl: string;
  /** `NODE_PATH`: where `require('@aws-sdk/…')` finds the SDK, as Lambda's Node.js runtimes bundle it. */
  nodePath?: string;
  now: Date;
}

/** `YYYY/MM/DD/[$LATEST]<32 hex>`, Lambda's log stream name form. */
export function logStreamName(now: Date): string {
  const day = now.toISOString().slice(0, 10).replace(/-/g, '/');
  return `${day}/[$LATEST]${randomBytes(16).toString('hex')}`;
}

/**
 * @example
 * const env = lambdaEnvironment(fn, answer.credentials, { region, taskRoot, runtimeDir, runtimeApi, endpointUrl, now: new Date() });
 * env.AWS_LAMBDA_FUNCTION_NAME === fn.functionName;
 */
export function lambdaEnvironment(
  fn: FunctionConfiguration,
  credentials: ExecutionRoleCredentials,
  placement: EnvironmentPlacement,
): Record<string, string> {
  const runtime = fn.runtime ?? 'nodejs20.x';
  return {
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    ...(placement.nodePath === undefined ? {} : { NODE_PATH: placement.nodePath }),
    ...fn.environment,
    _HANDLER: fn.handler ?? 'index.handler',
    AWS_REGION: placement.region,
    AWS_DEFAULT_REGION: placement.region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: logStreamName(placement.now),
    AWS_ACCESS_KEY: credentials.AccessKeyId,
    AWS_ACCESS_KEY_ID: credentials.AccessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.SecretAccessKey,
    AWS_SESSION_TOKEN: credentials.Token,
    ...(placement.runtimeApi === undefined ? {} : { AWS_LAMBDA_RUNTIME_API: placement.runtimeApi }),
    LAMBDA_TASK_ROOT: placement.taskRoot,
    LAMBDA_RUNTIME_DIR: placement.runtimeDir,
    AWS_ENDPOINT_URL: placement.endpointUrl,
    // Not a Lambda variable: credplane never lets a workload's SDK reach for a real metadata service.
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}
