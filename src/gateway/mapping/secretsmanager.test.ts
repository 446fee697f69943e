import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UpdateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { compileArnPattern, createRequestContext, parseArnValue } from '../../policy/index.js';
import type { MappedRequest } from '../types.js';
import { secretsManagerMapper } from './secretsmanager.js';
import { capture, handRequest, offlineClientConfig } from './test-support/capture.js';

const client = new SecretsManagerClient(offlineClientConfig);
const PREFIX = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:';

async function map(command: unknown): Promise<MappedRequest> {
  const result = secretsManagerMapper.map(await capture(client, command));
  if ('unmapped' in result) throw new Error(`unmapped ${result.operation}`);
  return result;
}

describe('secretsmanager mapper: requests as the JS SDK v3 sends them', () => {
  it('GetSecretValue by name: the name with the unknown suffix, SecretId and VersionStage keys', async () => {
    const result = await map(new GetSecretValueCommand({ SecretId: 'prod/db', VersionStage: 'AWSCURRENT' }));
    expect(result.checks).toEqual([
      {
        action: 'secretsmanager:GetSecretValue',
        resource: `${PREFIX}prod/db-??????`,
        context: { 'secretsmanager:SecretId': 'prod/db', 'secretsmanager:VersionStage': 'AWSCURRENT' },
      },
    ]);
  });

  it('the suffix stand-in matches the documented policy patterns as the real ARN would, and no other secret', async () => {
    const resource = parseArnValue(
      ((await map(new GetSecretValueCommand({ SecretId: 'prod/db' }))).checks[0] as { resource: string })
        .resource,
    );
    const vars = createRequestContext({});
    const matches = (pattern: string) => compileArnPattern(pattern, true)(resource, vars);
    expect(matches(`${PREFIX}prod/db-??????`)).toBe(true);
    expect(matches(`${PREFIX}prod/db-*`)).toBe(true);
    expect(matches(`${PREFIX}prod/*`)).toBe(true);
    expect(matches(`${PREFIX}prod/d-??????`)).toBe(false);
    expect(matches(`${PREFIX}prod-??????`)).toBe(false);
    expect(matches(`${PREFIX}prod/db-AbCdEf`)).toBe(false);
  });

  it('a full ARN is used as given (another account included); a partial ARN gets the stand-in', async () => {
    const full = 'arn:aws:secretsmanager:us-east-1:444455556666:secret:shared-AbCdEf';
    expect((await map(new GetSecretValueCommand({ SecretId: full }))).checks[0]).toMatchObject({
      resource: full,
      resourceAccount: '444455556666',
    });
    const partial = `${PREFIX}team/api`;
    expect((await map(new GetSecretValueCommand({ SecretId: partial }))).checks[0]?.resource).toBe(
      `${partial}-??????`,
    );
  });

  it('PutSecretValue and CreateSecret never log the secret', async () => {
    const put = await map(new PutSecretValueCommand({ SecretId: 'db', SecretString: 'hunter2' }));
    expect(JSON.stringify(put)).not.toContain('hunter2');
    expect(put.requestParameters).toEqual({ secretId: 'db', clientRequestToken: expect.any(String) });
    const create = await map(
      new CreateSecretCommand({
        Name: 'db',
        SecretBinary: Buffer.from('hunter2'),
        Description: 'd',
        Tags: [{ Key: 'team', Value: 'pay' }],
      }),
    );
    expect(JSON.stringify(create)).not.toContain(Buffer.from('hunter2').toString('base64'));
    expect(create.checks).toEqual([
      {
        action: 'secretsmanager:CreateSecret',
        resource: `${PREFIX}db-??????`,
        context: {
          'secretsmanager:Name': 'db',
          'secretsmanager:Description': 'd',
          'aws:RequestTag/team': 'pay',
          'aws:TagKeys': ['team'],
        },
      },
    ]);
  });

  it('DeleteSecret, UpdateSecret and TagResource keys; ListSecrets on *', async () => {
    expect(
      (await map(new DeleteSecretCommand({ SecretId: 'db', ForceDeleteWithoutRecovery: true }))).checks[0]
        ?.context,
    ).toEqual({
      'secretsmanager:SecretId': 'db',
      'secretsmanager:ForceDeleteWithoutRecovery': true,
    });
    expect(
      (await map(new UpdateSecretCommand({ SecretId: 'db', KmsKeyId: 'alias/k' }))).checks[0]?.context,
    ).toMatchObject({
      'secretsmanager:KmsKeyId': 'alias/k',
    });
    expect(
      (await map(new TagResourceCommand({ SecretId: 'db', Tags: [{ Key: 'a', Value: 'b' }] }))).checks[0]
        ?.context,
    ).toMatchObject({
      'aws:RequestTag/a': 'b',
      'aws:TagKeys': ['a'],
    });
    expect((await map(new ListSecretsCommand({}))).checks).toEqual([
      { action: 'secretsmanager:ListSecrets', resource: '*', context: {} },
    ]);
  });

  it('a name with characters Secrets Manager refuses (wildcards included) is ValidationException', () => {
    const headers = {
      'x-amz-target': 'secretsmanager.GetSecretValue',
      'content-type': 'application/x-amz-json-1.1',
    };
    for (const id of ['prod/*', 'a?b', `${PREFIX}x*`, 'arn:aws:s3:::bucket']) {
      expect(() =>
        secretsManagerMapper.map(handRequest({ headers, body: JSON.stringify({ SecretId: id }) })),
      ).toThrow(expect.objectContaining({ code: 'ValidationException' }));
    }
  });

  it('malformed bodies and missing SecretId are the service errors; unknown operations unmapped', () => {
    const headers = {
      'x-amz-target': 'secretsmanager.GetSecretValue',
      'content-type': 'application/x-amz-json-1.1',
    };
    expect(() => secretsManagerMapper.map(handRequest({ headers, body: '[1]' }))).toThrow(
      expect.objectContaining({ code: 'SerializationException' }),
    );
    expect(() => secretsManagerMapper.map(handRequest({ headers, body: '{}' }))).toThrow(
      expect.objectContaining({ code: 'ValidationException' }),
    );
    expect(
      secretsManagerMapper.map(
        handRequest({ headers: { 'x-amz-target': 'secretsmanager.RotateSecret' }, body: '{}' }),
      ),
    ).toMatchObject({ unmapped: true, operation: 'RotateSecret' });
  });
});

describe('secretsmanager mapper: with the resolver answers (request.resolved)', () => {
  const resolved = async (SecretId: string, fullName?: string) => {
    const request = await capture(client, new GetSecretValueCommand({ SecretId }));
    expect(secretsManagerMapper.references?.(request)).toEqual({ secrets: [SecretId] });
    const secrets = new Map(fullName === undefined ? [] : [[SecretId, fullName]]);
    return secretsManagerMapper.map({ ...request, resolved: { secrets } });
  };

  it('a name or a partial ARN is checked on the full ARN; SecretId stays what the request sent', async () => {
    const byName = await resolved('prod/db', 'prod/db-AbCdEf');
    expect('checks' in byName && byName.checks[0]).toMatchObject({
      resource: `${PREFIX}prod/db-AbCdEf`,
      context: { 'secretsmanager:SecretId': 'prod/db' },
    });
    const partial = 'arn:aws:secretsmanager:us-east-1:444455556666:secret:prod/db';
    const byArn = await resolved(partial, 'prod/db-AbCdEf');
    expect('checks' in byArn && byArn.checks[0]).toMatchObject({
      resource: 'arn:aws:secretsmanager:us-east-1:444455556666:secret:prod/db-AbCdEf',
      resourceAccount: '444455556666',
      context: { 'secretsmanager:SecretId': partial },
    });
  });

  it('a SecretId the resolver did not answer for is ResourceNotFoundException', async () => {
    await expect(resolved('prod/db')).rejects.toMatchObject({ code: 'ResourceNotFoundException' });
  });
});
