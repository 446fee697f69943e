import {
  ChangeMessageVisibilityBatchCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  TagQueueCommand,
  UntagQueueCommand,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import type { MappedRequest } from '../types.js';
import { sqsMapper, sqsRequestProtocol } from './sqs.js';
import { capture, handRequest, offlineClientConfig } from './test-support/capture.js';

const client = new SQSClient(offlineClientConfig);
const URL_ = 'http://127.0.0.1:4566/111122223333/orders';
const QUEUE = 'arn:aws:sqs:us-east-1:111122223333:orders';

function mapped(result: ReturnType<typeof sqsMapper.map>): MappedRequest {
  if ('unmapped' in result) throw new Error(`unmapped ${result.operation}`);
  return result;
}

async function map(command: unknown): Promise<MappedRequest> {
  return mapped(sqsMapper.map(await capture(client, command)));
}

describe('sqs mapper: JSON 1.0 requests as the JS SDK v3 sends them', () => {
  it('SendMessage: queue ARN from QueueUrl; the body never reaches requestParameters', async () => {
    const request = await capture(
      client,
      new SendMessageCommand({ QueueUrl: URL_, MessageBody: 'card 4111-secret' }),
    );
    expect(sqsRequestProtocol(request)).toBe('json');
    const result = mapped(sqsMapper.map(request));
    expect(result).toEqual({
      service: 'sqs',
      eventSource: 'sqs.amazonaws.com',
      operation: 'SendMessage',
      checks: [{ action: 'sqs:SendMessage', resource: QUEUE, context: {} }],
      requestParameters: { queueUrl: URL_ },
      resources: [{ ARN: QUEUE, accountId: '111122223333' }],
    });
    expect(JSON.stringify(result)).not.toContain('4111');
  });

  it.each([
    [
      new SendMessageBatchCommand({
        QueueUrl: URL_,
        Entries: [
          { Id: '1', MessageBody: 'a' },
          { Id: '2', MessageBody: 'b' },
        ],
      }),
      'sqs:SendMessage',
    ],
    [
      new DeleteMessageBatchCommand({ QueueUrl: URL_, Entries: [{ Id: '1', ReceiptHandle: 'r' }] }),
      'sqs:DeleteMessage',
    ],
    [
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: URL_,
        Entries: [{ Id: '1', ReceiptHandle: 'r', VisibilityTimeout: 5 }],
      }),
      'sqs:ChangeMessageVisibility',
    ],
  ])('batches authorize as their single-message action (%#)', async (command, action) => {
    const result = await map(command);
    expect(result.checks).toEqual([{ action, resource: QUEUE, context: {} }]);
    expect(result.requestParameters?.['entries']).toBeGreaterThan(0);
  });

  it('a queue of another account carries resourceAccount', async () => {
    const result = await map(
      new ReceiveMessageCommand({ QueueUrl: 'https://sqs.us-east-1.amazonaws.com/444455556666/shared' }),
    );
    expect(result.checks[0]).toEqual({
      action: 'sqs:ReceiveMessage',
      resource: 'arn:aws:sqs:us-east-1:444455556666:shared',
      resourceAccount: '444455556666',
      context: {},
    });
  });

  it('CreateQueue: queue named by QueueName in the caller account, with request tags', async () => {
    const result = await map(
      new CreateQueueCommand({
        QueueName: 'jobs.fifo',
        Attributes: { FifoQueue: 'true' },
        tags: { team: 'pay' },
      }),
    );
    expect(result.checks).toEqual([
      {
        action: 'sqs:CreateQueue',
        resource: 'arn:aws:sqs:us-east-1:111122223333:jobs.fifo',
        context: { 'aws:RequestTag/team': 'pay', 'aws:TagKeys': ['team'] },
      },
    ]);
  });

  it('GetQueueUrl honours QueueOwnerAWSAccountId', async () => {
    const result = await map(
      new GetQueueUrlCommand({ QueueName: 'shared', QueueOwnerAWSAccountId: '444455556666' }),
    );
    expect(result.checks[0]?.resource).toBe('arn:aws:sqs:us-east-1:444455556666:shared');
  });

  it('TagQueue and UntagQueue', async () => {
    expect(
      (await map(new TagQueueCommand({ QueueUrl: URL_, Tags: { env: 'dev' } }))).checks[0]?.context,
    ).toEqual({
      'aws:RequestTag/env': 'dev',
      'aws:TagKeys': ['env'],
    });
    expect(
      (await map(new UntagQueueCommand({ QueueUrl: URL_, TagKeys: ['env'] }))).checks[0]?.context,
    ).toEqual({
      'aws:TagKeys': ['env'],
    });
  });

  it('ListQueues takes no resource', async () => {
    expect((await map(new ListQueuesCommand({ QueueNamePrefix: 'or' }))).checks).toEqual([
      { action: 'sqs:ListQueues', resource: '*', context: {} },
    ]);
  });

  it('an unusable QueueUrl is InvalidAddress; a malformed body SerializationException', () => {
    const headers = { 'x-amz-target': 'AmazonSQS.SendMessage', 'content-type': 'application/x-amz-json-1.0' };
    expect(() =>
      sqsMapper.map(handRequest({ headers, body: '{"QueueUrl":"http://h/not-a-queue","MessageBody":"x"}' })),
    ).toThrow(expect.objectContaining({ code: 'InvalidAddress' }));
    expect(() => sqsMapper.map(handRequest({ headers, body: 'Action=SendMessage' }))).toThrow(
      expect.objectContaining({ code: 'SerializationException', status: 400 }),
    );
  });
});

describe('sqs mapper: Query requests of older clients', () => {
  const form = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };

  it('SendMessage with QueueUrl in the form', () => {
    const request = handRequest({
      headers: form,
      body: `Action=SendMessage&Version=2012-11-05&QueueUrl=${encodeURIComponent(URL_)}&MessageBody=hello+secret`,
    });
    expect(sqsRequestProtocol(request)).toBe('query');
    const result = mapped(sqsMapper.map(request));
    expect(result.checks).toEqual([{ action: 'sqs:SendMessage', resource: QUEUE, context: {} }]);
    expect(JSON.stringify(result)).not.toContain('secret');
  });

  it('ReceiveMessage posted to the queue URL path', () => {
    const request = handRequest({
      path: '/111122223333/orders',
      headers: form,
      body: 'Action=ReceiveMessage&AttributeName.1=All',
    });
    expect(mapped(sqsMapper.map(request)).checks[0]?.resource).toBe(QUEUE);
  });

  it('CreateQueue with flattened Tag.N.Key/Value; UntagQueue with TagKey.N; batches count entries', () => {
    const create = mapped(
      sqsMapper.map(
        handRequest({
          headers: form,
          body: 'Action=CreateQueue&QueueName=q1&Attribute.1.Name=DelaySeconds&Attribute.1.Value=5&Tag.1.Key=team&Tag.1.Value=pay&Tag.2.Key=env&Tag.2.Value=dev',
        }),
      ),
    );
    expect(create.checks[0]?.context).toEqual({
      'aws:RequestTag/team': 'pay',
      'aws:RequestTag/env': 'dev',
      'aws:TagKeys': ['team', 'env'],
    });
    const untag = mapped(
      sqsMapper.map(
        handRequest({
          headers: form,
          body: `Action=UntagQueue&QueueUrl=${encodeURIComponent(URL_)}&TagKey.1=a&TagKey.2=b`,
        }),
      ),
    );
    expect(untag.checks[0]?.context).toEqual({ 'aws:TagKeys': ['a', 'b'] });
    const batch = mapped(
      sqsMapper.map(
        handRequest({
          headers: form,
          body: `Action=SendMessageBatch&QueueUrl=${encodeURIComponent(URL_)}&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=x&SendMessageBatchRequestEntry.2.Id=b&SendMessageBatchRequestEntry.2.MessageBody=y`,
        }),
      ),
    );
    expect(batch.checks[0]?.action).toBe('sqs:SendMessage');
    expect(batch.requestParameters).toEqual({ queueUrl: URL_, entries: 2 });
  });

  it('a GET with the parameters in the URL query', () => {
    const request = handRequest({ method: 'GET', query: [['Action', 'ListQueues']] });
    expect(mapped(sqsMapper.map(request)).checks[0]?.action).toBe('sqs:ListQueues');
  });

  it('no Action is MissingAction; bad percent-encoding MalformedQueryString; unknown Action unmapped', () => {
    expect(() => sqsMapper.map(handRequest({ headers: form, body: 'QueueName=x' }))).toThrow(
      expect.objectContaining({ code: 'MissingAction' }),
    );
    expect(() =>
      sqsMapper.map(handRequest({ headers: form, body: 'Action=CreateQueue&QueueName=%zz' })),
    ).toThrow(expect.objectContaining({ code: 'MalformedQueryString' }));
    expect(sqsMapper.map(handRequest({ headers: form, body: 'Action=AddPermission' }))).toEqual({
      unmapped: true,
      service: 'sqs',
      eventSource: 'sqs.amazonaws.com',
      operation: 'AddPermission',
    });
  });

  it('a queue operation without a queue is MissingParameter', () => {
    expect(() => sqsMapper.map(handRequest({ headers: form, body: 'Action=PurgeQueue' }))).toThrow(
      expect.objectContaining({ code: 'MissingParameter' }),
    );
  });
});
