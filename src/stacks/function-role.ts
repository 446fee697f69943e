/**
 * Lambda's `CreateFunction`/`UpdateFunctionConfiguration` check on the execution role: Lambda
 * assumes the role when the function is created or its role changes, and refuses a role it cannot
 * assume with `InvalidParameterValueException` "The role defined for the function cannot be
 * assumed by Lambda." (AWS Lambda API Reference, CreateFunction; AWS Lambda Developer Guide,
 * Defining Lambda function permissions with an execution role). The decision is the policy
 * engine's on the role's trust policy, with the request context credplane's function host assumes
 * the role with at invoke time, so a stack never holds a function that every invoke would refuse.
 */
import { AwsError } from '../errors.js';
import { compilePolicy, createRequestContext, evaluate, parsePolicy } from '../policy/index.js';
import type { Store } from '../store/store.js';
import type { WorkloadEnv } from './workload-settings.js';

export const LAMBDA_SERVICE_PRINCIPAL = 'lambda.amazonaws.com';
export const ROLE_NOT_ASSUMABLE_MESSAGE = 'The role defined for the function cannot be assumed by Lambda.';

/** Lambda's answer for an execution role it cannot assume (HTTP 400). */
export class RoleNotAssumableByLambdaError extends AwsError {
  constructor() {
    super('InvalidParameterValueException', ROLE_NOT_ASSUMABLE_MESSAGE, { status: 400 });
  }
}

/**
 * Throws {@link RoleNotAssumableByLambdaError} unless `roleName` exists and its trust policy
 * allows `lambda.amazonaws.com` to `sts:AssumeRole` for the function `functionName`.
 *
 * @example
 * await checkLambdaCanAssumeRole(tx, { partition: 'aws', accountId, region }, 'report-fn', 'report');
 */
export async function checkLambdaCanAssumeRole(
  store: Store,
  env: WorkloadEnv,
  roleName: string,
  functionName: string,
): Promise<void> {
  const role = await store.findRole(env.accountId, roleName);
  if (role === undefined) throw new RoleNotAssumableByLambdaError();
  let trust;
  try {
    trust = compilePolicy(parsePolicy(role.assumeRolePolicyDocument), {
      id: `role/${role.roleName}/trust`,
      kind: 'trust',
    });
  } catch {
    // A stored trust policy that does not compile lets nobody in, Lambda included.
    throw new RoleNotAssumableByLambdaError();
  }
  const functionArn = `arn:${env.partition}:lambda:${env.region}:${env.accountId}:function:${functionName}`;
  const decision = evaluate(
    {
      principal: { type: 'Service', service: LAMBDA_SERVICE_PRINCIPAL },
      action: 'sts:AssumeRole',
      resource: role.arn,
      resourceAccount: env.accountId,
      context: createRequestContext({
        'aws:PrincipalServiceName': LAMBDA_SERVICE_PRINCIPAL,
        'aws:PrincipalIsAWSService': 'true',
        'aws:SourceAccount': env.accountId,
        'aws:SourceArn': functionArn,
      }),
    },
    { resource: trust },
  );
  if (decision.decision !== 'Allow') throw new RoleNotAssumableByLambdaError();
}
