/**
 * A store that lost its database (or an access log that cannot take the event) answers every API
 * a 503 that the real SDKs parse in that API's shape and retry: a local server answers each
 * service's request with exactly the response credplane would send, and the JS SDK v3 clients and
 * boto3 (standard and legacy retry modes) call it; the server counts their attempts.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ec2Error } from '../ec2-api/xml.js';
import type { AwsError } from '../errors.js';
import type { ApiResponse } from '../http/types.js';
import { IAM_NAMESPACE } from '../iam-api/serialize.js';
import { queryError } from '../protocol/xml.js';
import { mapDatabaseError } from '../store/database-errors.js';
import { STS_NAMESPACE } from '../sts/context.js';
import { serviceErrorResponse, unavailableError } from './denial.js';
import { mapperForSigningName, requestErrorShape } from './mapping/index.js';

/** What the store raises when PostgreSQL drops the connection under a query. */
function storeUnavailable(): AwsError {
  return mapDatabaseError(new Error('Connection terminated unexpectedly')) as AwsError;
}

/** The signing name in a SigV4 Authorization header's credential scope. */
function signingName(authorization: string | undefined): string {
  return /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\/aws4_request/.exec(authorization ?? '')?.[1] ?? '';
}

/** The response credplane sends to this request when `throttled` (log full) or the store is away. */
function answerFor(req: http.IncomingMessage, throttled: boolean): ApiResponse {
  const service = signingName(req.headers.authorization);
  const mapper = mapperForSigningName(service);
  if (mapper !== undefined) {
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]),
    );
    const shape = { service: mapper.service, ...requestErrorShape(mapper, { headers }) };
    const error = throttled
      ? unavailableError(shape, 'Please reduce your request rate.', true)
      : storeUnavailable();
    return serviceErrorResponse(shape, error, 'req-1', req.headers['content-type']);
  }
  // The control plane's own Query APIs (query-api.ts answers store errors with queryError/ec2Error).
  if (service === 'ec2') return ec2Error(storeUnavailable(), 'req-1');
  return queryError(storeUnavailable(), service === 'iam' ? IAM_NAMESPACE : STS_NAMESPACE, 'req-1');
}

let server: http.Server;
let endpoint = '';
let throttled = false;
const attempts = new Map<string, number>();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const service = signingName(req.headers.authorization);
      attempts.set(service, (attempts.get(service) ?? 0) + 1);
      const answer = answerFor(req, throttled);
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const CLIENT = () => ({
  region: 'us-east-1',
  endpoint,
  maxAttempts: 2,
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
});

/** One call per protocol: [signing name, call, code when the store is away, code when throttled]. */
const JS_CASES: [string, () => Promise<unknown>, string, string][] = [
  [
    's3',
    () =>
      new S3Client({ ...CLIENT(), forcePathStyle: true }).send(
        new GetObjectCommand({ Bucket: 'b', Key: 'k' }),
      ),
    'ServiceUnavailable',
    'SlowDown',
  ],
  [
    'dynamodb',
    () => new DynamoDBClient(CLIENT()).send(new GetItemCommand({ TableName: 't', Key: { k: { S: 'v' } } })),
    'ServiceUnavailableException',
    'ThrottlingException',
  ],
  [
    'kms',
    () => new KMSClient(CLIENT()).send(new DescribeKeyCommand({ KeyId: 'alias/x' })),
    'ServiceUnavailableException',
    'ThrottlingException',
  ],
  [
    'secretsmanager',
    () => new SecretsManagerClient(CLIENT()).send(new GetSecretValueCommand({ SecretId: 's' })),
    'ServiceUnavailableException',
    'ThrottlingException',
  ],
  [
    'ssm',
    () => new SSMClient(CLIENT()).send(new GetParameterCommand({ Name: 'p' })),
    'ServiceUnavailableException',
    'ThrottlingException',
  ],
  [
    'sqs',
    () => new SQSClient(CLIENT()).send(new GetQueueUrlCommand({ QueueName: 'q' })),
    'ServiceUnavailable',
    'RequestThrottled',
  ],
  ['sns', () => new SNSClient(CLIENT()).send(new ListTopicsCommand({})), 'ServiceUnavailable', 'Throttling'],
  [
    'lambda',
    () => new LambdaClient(CLIENT()).send(new GetFunctionCommand({ FunctionName: 'f' })),
    'ServiceUnavailableException',
    'ThrottlingException',
  ],
  // The control plane answers STS and IAM itself: a lost store is ServiceUnavailable there.
  [
    'sts',
    () => new STSClient(CLIENT()).send(new GetCallerIdentityCommand({})),
    'ServiceUnavailable',
    'ServiceUnavailable',
  ],
  [
    'iam',
    () => new IAMClient(CLIENT()).send(new ListRolesCommand({})),
    'ServiceUnavailable',
    'ServiceUnavailable',
  ],
];

describe('a lost store answers a 503 the JS SDK parses and retries', () => {
  for (const [service, call, unavailable, throttledCode] of JS_CASES) {
    for (const mode of ['unavailable', 'throttled'] as const) {
      it(`${service}: ${mode}`, async () => {
        throttled = mode === 'throttled';
        attempts.set(service, 0);
        const error = (await call().then(
          () => undefined,
          (e: unknown) => e,
        )) as { name: string; $metadata: { httpStatusCode?: number; attempts?: number } };
        expect(error?.name).toBe(mode === 'throttled' ? throttledCode : unavailable);
        expect(error.$metadata.httpStatusCode).toBe(503);
        // maxAttempts 2: the retry decider took the 503 as retryable.
        expect(error.$metadata.attempts).toBe(2);
        expect(attempts.get(service)).toBe(2);
      });
    }
  }
});

/**
 * boto3 in a subprocess with its own empty config files and IMDS disabled; its sleeps between
 * attempts are skipped (the decision to retry is what is under test, not the back-off).
 */
const BOTO = String.raw`
import json, sys, time
time.sleep = lambda s: None
import boto3, botocore.config
from botocore.exceptions import ClientError
endpoint, mode = sys.argv[1], sys.argv[2]
calls = {
  's3': lambda c: c.get_object(Bucket='b', Key='k'),
  'dynamodb': lambda c: c.get_item(TableName='t', Key={'k': {'S': 'v'}}),
  'kms': lambda c: c.describe_key(KeyId='alias/x'),
  'secretsmanager': lambda c: c.get_secret_value(SecretId='s'),
  'ssm': lambda c: c.get_parameter(Name='p'),
  'sqs': lambda c: c.get_queue_url(QueueName='q'),
  'sns': lambda c: c.list_topics(),
  'lambda': lambda c: c.get_function(FunctionName='f'),
  'sts': lambda c: c.get_caller_identity(),
  'iam': lambda c: c.list_roles(),
  'ec2': lambda c: c.describe_instances(),
}
out = {}
for name, call in calls.items():
  cfg = botocore.config.Config(retries={'mode': mode, 'total_max_attempts': 2}, s3={'addressing_style': 'path'})
  client = boto3.client(name, endpoint_url=endpoint, region_name='us-east-1', config=cfg,
                        aws_access_key_id='AKIDEXAMPLE', aws_secret_access_key='secret')
  try:
    call(client)
    out[name] = None
  except ClientError as e:
    out[name] = [e.response['Error'].get('Code'), e.response['ResponseMetadata'].get('HTTPStatusCode'),
                 e.response['ResponseMetadata'].get('RetryAttempts')]
print(json.dumps(out))
`;

function boto(mode: string): Promise<Record<string, [string, number, number] | null>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-boto-'));
  const config = path.join(dir, 'config');
  fs.writeFileSync(config, '');
  return new Promise((resolve, reject) => {
    execFile(
      'python3',
      ['-c', BOTO, endpoint, mode],
      {
        env: {
          PATH: process.env.PATH,
          HOME: dir,
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_CONFIG_FILE: config,
          AWS_SHARED_CREDENTIALS_FILE: config,
        },
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        fs.rmSync(dir, { recursive: true, force: true });
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as Record<string, [string, number, number] | null>);
      },
    );
  });
}

describe('a lost store answers a 503 boto3 parses and retries', () => {
  for (const mode of ['standard', 'legacy']) {
    it(`retry mode ${mode}`, async () => {
      throttled = false;
      attempts.clear();
      const out = await boto(mode);
      const expected = Object.fromEntries(
        [...JS_CASES.map(([service, , code]) => [service, code]), ['ec2', 'ServiceUnavailable']].map(
          ([service, code]) => [service, [code, 503, 1]],
        ),
      );
      expect(out).toEqual(expected);
      for (const service of Object.keys(expected))
        expect([service, attempts.get(service)]).toEqual([service, 2]);
    }, 90_000);
  }
});
