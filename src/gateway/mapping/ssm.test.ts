import {
  AddTagsToResourceCommand,
  DeleteParametersCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import type { MappedRequest } from '../types.js';
import { ssmMapper } from './ssm.js';
import { capture, handRequest, offlineClientConfig } from './test-support/capture.js';

const client = new SSMClient(offlineClientConfig);
const PARAM = 'arn:aws:ssm:us-east-1:111122223333:parameter/';

async function map(command: unknown): Promise<MappedRequest> {
  const result = ssmMapper.map(await capture(client, command));
  if ('unmapped' in result) throw new Error(`unmapped ${result.operation}`);
  return result;
}

describe('ssm mapper: requests as the JS SDK v3 sends them', () => {
  it('GetParameter: the name without its leading slash and without a version selector', async () => {
    expect((await map(new GetParameterCommand({ Name: '/app/db:3', WithDecryption: true }))).checks).toEqual([
      { action: 'ssm:GetParameter', resource: `${PARAM}app/db`, context: {} },
    ]);
    expect((await map(new GetParameterCommand({ Name: 'plain' }))).checks[0]?.resource).toBe(`${PARAM}plain`);
    const other = 'arn:aws:ssm:us-east-1:444455556666:parameter/shared/x';
    expect((await map(new GetParameterCommand({ Name: `${other}:prod` }))).checks[0]).toMatchObject({
      resource: other,
      resourceAccount: '444455556666',
    });
  });

  it('GetParameters and DeleteParameters: one check per name', async () => {
    const result = await map(new GetParametersCommand({ Names: ['/a', '/b/c'] }));
    expect(result.checks.map((c) => [c.action, c.resource])).toEqual([
      ['ssm:GetParameters', `${PARAM}a`],
      ['ssm:GetParameters', `${PARAM}b/c`],
    ]);
    expect((await map(new DeleteParametersCommand({ Names: ['/a'] }))).checks[0]?.action).toBe(
      'ssm:DeleteParameters',
    );
  });

  it('GetParametersByPath: the path as a parameter ARN, with ssm:Recursive', async () => {
    expect((await map(new GetParametersByPathCommand({ Path: '/app/', Recursive: true }))).checks).toEqual([
      { action: 'ssm:GetParametersByPath', resource: `${PARAM}app`, context: { 'ssm:Recursive': true } },
    ]);
    expect((await map(new GetParametersByPathCommand({ Path: '/' }))).checks[0]?.resource).toBe(PARAM);
  });

  it('PutParameter: ssm:Overwrite and request tags; the value never logged', async () => {
    const result = await map(
      new PutParameterCommand({
        Name: '/app/db',
        Value: 'hunter2',
        Type: 'SecureString',
        Tags: [{ Key: 'team', Value: 'pay' }],
      }),
    );
    expect(result.checks[0]?.context).toEqual({
      'ssm:Overwrite': false,
      'aws:RequestTag/team': 'pay',
      'aws:TagKeys': ['team'],
    });
    expect(JSON.stringify(result)).not.toContain('hunter2');
    expect(result.requestParameters).toEqual({ name: '/app/db', type: 'SecureString' });
  });

  it('AddTagsToResource on a parameter maps; on another resource type it is unmapped', async () => {
    const tag = await map(
      new AddTagsToResourceCommand({
        ResourceType: 'Parameter',
        ResourceId: '/app/db',
        Tags: [{ Key: 'a', Value: 'b' }],
      }),
    );
    expect(tag.checks[0]).toEqual({
      action: 'ssm:AddTagsToResource',
      resource: `${PARAM}app/db`,
      context: { 'aws:RequestTag/a': 'b', 'aws:TagKeys': ['a'] },
    });
    const doc = ssmMapper.map(
      await capture(
        client,
        new AddTagsToResourceCommand({
          ResourceType: 'Document',
          ResourceId: 'doc',
          Tags: [{ Key: 'a', Value: 'b' }],
        }),
      ),
    );
    expect(doc).toEqual({
      unmapped: true,
      service: 'ssm',
      eventSource: 'ssm.amazonaws.com',
      operation: 'AddTagsToResource',
    });
  });

  it('DescribeParameters on *', async () => {
    expect((await map(new DescribeParametersCommand({}))).checks).toEqual([
      { action: 'ssm:DescribeParameters', resource: '*', context: {} },
    ]);
  });

  it('a name of another service is ValidationException; malformed JSON SerializationException', () => {
    const headers = {
      'x-amz-target': 'AmazonSSM.GetParameter',
      'content-type': 'application/x-amz-json-1.1',
    };
    for (const name of ['arn:aws:s3:::b', '/app/*', '/', 'arn:aws:ssm:us-east-1:111122223333:parameter/a*']) {
      expect(() => ssmMapper.map(handRequest({ headers, body: JSON.stringify({ Name: name }) }))).toThrow(
        expect.objectContaining({ code: 'ValidationException' }),
      );
    }
    expect(() => ssmMapper.map(handRequest({ headers, body: '{"Name":' }))).toThrow(
      expect.objectContaining({ code: 'SerializationException' }),
    );
  });
});
