import { describe, expect, it } from 'vitest';
import { lambdaEnvironment, logStreamName } from './environment.js';
import { functionNameOf, type FunctionConfiguration } from './functions.js';

const fn: FunctionConfiguration = {
  functionName: 'report',
  functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:report',
  roleName: 'r',
  roleArn: 'arn:aws:iam::123456789012:role/r',
  handler: 'app.main',
  runtime: 'nodejs22.x',
  code: { path: '.' },
  timeout: 3,
  memorySize: 256,
  environment: { BUCKET: 'b', AWS_REGION: 'mars-1', AWS_SESSION_TOKEN: 'mine' },
};
const creds = { AccessKeyId: 'ASIAAAAAAAAAAAAAAAAA', SecretAccessKey: 'secret', Token: 'token' };

describe('lambdaEnvironment', () => {
  it('sets the reserved variables over the function ones, with the execution role credentials', () => {
    const env = lambdaEnvironment(fn, creds, {
      region: 'eu-west-1',
      taskRoot: '/code',
      runtimeDir: '/runtime',
      runtimeApi: '127.0.0.1:9001',
      endpointUrl: 'http://127.0.0.1:7300',
      now: new Date('2026-03-04T05:06:07Z'),
    });
    expect(env).toMatchObject({
      BUCKET: 'b',
      _HANDLER: 'app.main',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_LAMBDA_FUNCTION_NAME: 'report',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/report',
      AWS_ACCESS_KEY: creds.AccessKeyId,
      AWS_ACCESS_KEY_ID: creds.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'token',
      AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001',
      LAMBDA_TASK_ROOT: '/code',
      LAMBDA_RUNTIME_DIR: '/runtime',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:7300',
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    expect(env.AWS_LAMBDA_LOG_STREAM_NAME).toMatch(/^2026\/03\/04\/\[\$LATEST\][0-9a-f]{32}$/);
  });

  it('omits the Runtime API for run-function', () => {
    const env = lambdaEnvironment(fn, creds, {
      region: 'eu-west-1',
      taskRoot: '/code',
      runtimeDir: '/code',
      endpointUrl: 'http://127.0.0.1:7300',
      now: new Date(),
    });
    expect(env.AWS_LAMBDA_RUNTIME_API).toBeUndefined();
  });

  it('log stream names differ per environment', () => {
    expect(logStreamName(new Date())).not.toBe(logStreamName(new Date()));
  });
});

describe('functionNameOf', () => {
  it('takes a name, an unqualified ARN or a $LATEST ARN', () => {
    expect(functionNameOf('report')).toBe('report');
    expect(functionNameOf('arn:aws:lambda:us-east-1:123456789012:function:report')).toBe('report');
    expect(functionNameOf('arn:aws:lambda:us-east-1:123456789012:function:report:$LATEST')).toBe('report');
  });
});
