/**
 * The `lambda-function` workload (name = function name), and the one description of a Lambda
 * function that both `credplane apply` (its desired state) and the function host (what an execution
 * environment is built from) use.
 */
import { z } from 'zod';
import { ownershipShape } from './common.js';

/**
 * Where a function's code comes from (`Code` of `AWS::Lambda::Function`); `path` is credplane's
 * local-directory extension. Checked in this order, so a stored value naming two takes the first.
 */
export const codeSourceSchema = z.union([
  z.object({ path: z.string() }),
  z.object({ zipFile: z.string() }),
  z.object({ imageUri: z.string() }),
  z.object({ s3Bucket: z.string(), s3Key: z.string(), s3ObjectVersion: z.string().optional() }),
]);
export type LambdaCodeSource = z.infer<typeof codeSourceSchema>;

export const functionSettingsSchema = z.object({
  ...ownershipShape,
  roleArn: z.string().optional(),
  handler: z.string().optional(),
  runtime: z.string().optional(),
  code: codeSourceSchema.optional(),
  timeout: z.number().optional(),
  memorySize: z.number().optional(),
  environment: z.record(z.string(), z.string()).optional(),
  reservedConcurrentExecutions: z.number().int().min(0).optional(),
});
export type FunctionSettings = z.infer<typeof functionSettingsSchema>;

/** A Lambda function's configuration, with Lambda's defaults filled in. */
export interface LambdaFunction {
  roleArn: string;
  handler?: string;
  runtime?: string;
  code: LambdaCodeSource;
  /** Seconds; Lambda's default is 3. */
  timeout: number;
  /** MB; Lambda's default is 128. */
  memorySize: number;
  environment: { [name: string]: string };
  /** `ReservedConcurrentExecutions`: invocations running at once (unset: only the global limit). */
  reservedConcurrentExecutions?: number;
}

/**
 * The function stored settings describe; `roleArn` is the workload role's ARN, used when the
 * settings name none. Defaults as in "Configuring Lambda function options" (Lambda Developer Guide).
 */
export function lambdaFunctionOf(settings: FunctionSettings, roleArn: string): LambdaFunction {
  return {
    roleArn: settings.roleArn ?? roleArn,
    ...(settings.handler === undefined ? {} : { handler: settings.handler }),
    ...(settings.runtime === undefined ? {} : { runtime: settings.runtime }),
    code: settings.code ?? { s3Bucket: '', s3Key: '' },
    timeout: settings.timeout ?? 3,
    memorySize: settings.memorySize ?? 128,
    environment: { ...settings.environment },
    ...(settings.reservedConcurrentExecutions === undefined
      ? {}
      : { reservedConcurrentExecutions: settings.reservedConcurrentExecutions }),
  };
}
