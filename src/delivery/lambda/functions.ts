/**
 * Lambda functions as `credplane apply` stores them (workload kind `lambda-function`, name = function
 * name; settings `roleArn`, `handler`, `runtime`, `code`, `timeout`, `memorySize`, `environment`),
 * looked up by name or ARN as `Invoke` accepts them.
 */
import { AwsError } from '../../errors.js';
import type { LambdaCodeSource } from '../../config/desired.js';
import type { JsonValue } from '../../iam/types.js';
import type { Store } from '../../store/store.js';

export const LAMBDA_SERVICE = 'lambda.amazonaws.com';

/** What an execution environment is built from. */
export interface FunctionConfiguration {
  functionName: string;
  functionArn: string;
  roleName: string;
  roleArn: string;
  handler?: string;
  runtime?: string;
  code: LambdaCodeSource;
  /** Seconds (Lambda's default 3). */
  timeout: number;
  /** MB (Lambda's default 128). */
  memorySize: number;
  environment: Record<string, string>;
  /** `ReservedConcurrentExecutions`: invocations of this function running at once (0 = none). */
  reservedConcurrency?: number;
}

/** Lambda's `404 ResourceNotFoundException`. */
export class FunctionNotFoundError extends AwsError {
  constructor(functionArn: string) {
    super('ResourceNotFoundException', `Function not found: ${functionArn.slice(0, 300)}`, { status: 404 });
  }
}

const obj = (v: JsonValue | undefined): { [k: string]: JsonValue } =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {};
const str = (v: JsonValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: JsonValue | undefined, fallback: number): number => (typeof v === 'number' ? v : fallback);

function codeSource(value: JsonValue | undefined): LambdaCodeSource {
  const o = obj(value);
  if (typeof o.path === 'string') return { path: o.path };
  if (typeof o.zipFile === 'string') return { zipFile: o.zipFile };
  if (typeof o.imageUri === 'string') return { imageUri: o.imageUri };
  return { s3Bucket: str(o.s3Bucket) ?? '', s3Key: str(o.s3Key) ?? '' };
}

/** `name` or `arn:…:function:name` (an unqualified or `$LATEST` ARN) → the function name. */
export function functionNameOf(reference: string): string {
  const arn = /^arn:[^:]+:lambda:[^:]*:\d{12}:function:([A-Za-z0-9_-]{1,64})(?::\$LATEST)?$/.exec(reference);
  return arn?.[1] ?? reference;
}

/**
 * @example
 * const fn = await findFunction(store, { accountId, region: 'us-east-1', partition: 'aws' }, 'report');
 */
export async function findFunction(
  store: Store,
  where: { accountId: string; region: string; partition: string },
  reference: string,
): Promise<FunctionConfiguration> {
  const name = functionNameOf(reference);
  const functionArn = `arn:${where.partition}:lambda:${where.region}:${where.accountId}:function:${name}`;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new FunctionNotFoundError(reference);
  const workload = await store.getWorkload(where.accountId, 'lambda-function', name).catch(() => undefined);
  if (workload === undefined) throw new FunctionNotFoundError(functionArn);
  const s = workload.settings;
  const environment: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(s.environment))) environment[k] = String(v);
  const handler = str(s.handler);
  const runtime = str(s.runtime);
  return {
    functionName: name,
    functionArn,
    roleName: workload.roleName,
    roleArn: workload.roleArn ?? `arn:${where.partition}:iam::${where.accountId}:role/${workload.roleName}`,
    ...(handler === undefined ? {} : { handler }),
    ...(runtime === undefined ? {} : { runtime }),
    code: codeSource(s.code),
    timeout: num(s.timeout, 3),
    memorySize: num(s.memorySize, 128),
    environment,
    ...(typeof s.reservedConcurrentExecutions === 'number'
      ? { reservedConcurrency: s.reservedConcurrentExecutions }
      : {}),
  };
}
