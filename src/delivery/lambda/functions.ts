/**
 * Lambda functions as `credplane apply` stores them (workload kind `lambda-function`, name = function
 * name; settings `roleArn`, `handler`, `runtime`, `code`, `timeout`, `memorySize`, `environment`),
 * looked up by name or ARN as `Invoke` accepts them.
 */
import { AwsError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import { lambdaFunctionOf, type LambdaFunction } from '../../workloads/index.js';

export const LAMBDA_SERVICE = 'lambda.amazonaws.com';

/** What an execution environment is built from: the function (`src/workloads/function.ts`) and its names. */
export interface FunctionConfiguration extends LambdaFunction {
  functionName: string;
  functionArn: string;
  roleName: string;
}

/** Lambda's `404 ResourceNotFoundException`. */
export class FunctionNotFoundError extends AwsError {
  constructor(functionArn: string) {
    super('ResourceNotFoundException', `Function not found: ${functionArn.slice(0, 300)}`, { status: 404 });
  }
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
  const roleArn =
    workload.roleArn ?? `arn:${where.partition}:iam::${where.accountId}:role/${workload.roleName}`;
  return {
    functionName: name,
    functionArn,
    roleName: workload.roleName,
    ...lambdaFunctionOf(workload.settings, roleArn),
    // The role credentials are issued for is the workload's, whatever the settings say.
    roleArn,
  };
}
