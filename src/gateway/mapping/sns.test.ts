import {
  CreateTopicCommand,
  ListTopicsCommand,
  PublishBatchCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
  TagResourceCommand,
  UnsubscribeCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import type { MappedRequest } from '../types.js';
import { snsMapper } from './sns.js';
import { capture, handRequest, offlineClientConfig } from './test-support/capture.js';

const client = new SNSClient(offlineClientConfig);
const TOPIC = 'arn:aws:sns:us-east-1:111122223333:alerts';

async function map(command: unknown): Promise<MappedRequest> {
  const result = snsMapper.map(await capture(client, command));
  if ('unmapped' in result) throw new Error(`unmapped ${result.operation}`);
  return result;
}

describe('sns mapper: Query requests as the JS SDK v3 sends them', () => {
  it('the SDK speaks Query (form body with Action=)', async () => {
    const request = await capture(client, new ListTopicsCommand({}));
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request.body?.toString()).toContain('Action=ListTopics');
  });

  it('Publish: the topic; message and subject never logged', async () => {
    const result = await map(
      new PublishCommand({ TopicArn: TOPIC, Message: 'secret text', Subject: 'private' }),
    );
    expect(result).toEqual({
      service: 'sns',
      eventSource: 'sns.amazonaws.com',
      operation: 'Publish',
      checks: [{ action: 'sns:Publish', resource: TOPIC, context: {} }],
      requestParameters: { topicArn: TOPIC },
      resources: [{ ARN: TOPIC, accountId: '111122223333' }],
    });
    expect(JSON.stringify(result)).not.toMatch(/secret|private/);
  });

  it('Publish by TargetArn, to a phone number, and PublishBatch', async () => {
    const other = 'arn:aws:sns:us-east-1:444455556666:shared';
    expect((await map(new PublishCommand({ TargetArn: other, Message: 'm' }))).checks).toEqual([
      { action: 'sns:Publish', resource: other, resourceAccount: '444455556666', context: {} },
    ]);
    const sms = await map(new PublishCommand({ PhoneNumber: '+15555550100', Message: 'm' }));
    expect(sms.checks).toEqual([{ action: 'sns:Publish', resource: '*', context: {} }]);
    expect(JSON.stringify(sms)).not.toContain('5555550100');
    const batch = await map(
      new PublishBatchCommand({ TopicArn: TOPIC, PublishBatchRequestEntries: [{ Id: '1', Message: 'm' }] }),
    );
    expect(batch.operation).toBe('PublishBatch');
    expect(batch.checks[0]?.action).toBe('sns:Publish');
  });

  it('CreateTopic: the topic ARN in the caller account with request tags (Tags.member.N)', async () => {
    const result = await map(
      new CreateTopicCommand({ Name: 'alerts', Tags: [{ Key: 'team', Value: 'ops' }] }),
    );
    expect(result.checks).toEqual([
      {
        action: 'sns:CreateTopic',
        resource: TOPIC,
        context: { 'aws:RequestTag/team': 'ops', 'aws:TagKeys': ['team'] },
      },
    ]);
  });

  it('Subscribe carries sns:Protocol and sns:Endpoint', async () => {
    const result = await map(
      new SubscribeCommand({
        TopicArn: TOPIC,
        Protocol: 'sqs',
        Endpoint: 'arn:aws:sqs:us-east-1:111122223333:q',
      }),
    );
    expect(result.checks[0]?.context).toEqual({
      'sns:Protocol': 'sqs',
      'sns:Endpoint': 'arn:aws:sqs:us-east-1:111122223333:q',
    });
  });

  it('Unsubscribe authorizes on the subscription topic', async () => {
    const result = await map(
      new UnsubscribeCommand({ SubscriptionArn: `${TOPIC}:6b0e71bd-7e97-4d97-80ce-4a0994e55286` }),
    );
    expect(result.checks).toEqual([{ action: 'sns:Unsubscribe', resource: TOPIC, context: {} }]);
  });

  it('TagResource and UntagResource', async () => {
    expect(
      (await map(new TagResourceCommand({ ResourceArn: TOPIC, Tags: [{ Key: 'a', Value: '1' }] }))).checks[0]
        ?.context,
    ).toEqual({
      'aws:RequestTag/a': '1',
      'aws:TagKeys': ['a'],
    });
    expect(
      (await map(new UntagResourceCommand({ ResourceArn: TOPIC, TagKeys: ['a', 'b'] }))).checks[0]?.context,
    ).toEqual({
      'aws:TagKeys': ['a', 'b'],
    });
  });

  it('ListTopics takes no resource', async () => {
    expect((await map(new ListTopicsCommand({}))).checks).toEqual([
      { action: 'sns:ListTopics', resource: '*', context: {} },
    ]);
  });
});

describe('sns mapper: what SNS itself refuses, and what is not mapped', () => {
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  it('a missing TopicArn is InvalidParameter; a bad subscription ARN too', () => {
    expect(() => snsMapper.map(handRequest({ headers: form, body: 'Action=DeleteTopic' }))).toThrow(
      expect.objectContaining({ code: 'InvalidParameter', status: 400 }),
    );
    expect(() =>
      snsMapper.map(handRequest({ headers: form, body: 'Action=Unsubscribe&SubscriptionArn=nope' })),
    ).toThrow(expect.objectContaining({ code: 'InvalidParameter' }));
  });
  it('a topic name SNS refuses is InvalidParameter', () => {
    expect(() =>
      snsMapper.map(handRequest({ headers: form, body: 'Action=CreateTopic&Name=a%2Ab' })),
    ).toThrow(expect.objectContaining({ code: 'InvalidParameter' }));
  });

  it('no Action is MissingAction; an unknown Action is unmapped', () => {
    expect(() => snsMapper.map(handRequest({ headers: form, body: 'Name=x' }))).toThrow(
      expect.objectContaining({ code: 'MissingAction' }),
    );
    expect(
      snsMapper.map(handRequest({ headers: form, body: 'Action=CreatePlatformApplication' })),
    ).toMatchObject({
      unmapped: true,
      operation: 'CreatePlatformApplication',
    });
  });
});
