import * as ddb from '@aws-sdk/client-dynamodb';
import * as kms from '@aws-sdk/client-kms';
import * as lambda from '@aws-sdk/client-lambda';
import * as secrets from '@aws-sdk/client-secrets-manager';
import * as sns from '@aws-sdk/client-sns';
import * as sqs from '@aws-sdk/client-sqs';
import * as ssm from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { findAction, loadService } from '../../catalog/iam-actions.js';
import type { ServiceMapper } from '../types.js';
import { GATEWAY_COVERAGE, renderCoverageTable } from './coverage.js';
import { mapperForSigningName } from './index.js';
import { capture, offlineClientConfig } from './test-support/capture.js';

const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY = `arn:aws:kms:us-east-1:111122223333:key/${KEY_ID}`;
const QUEUE_URL = 'http://127.0.0.1:4566/111122223333/orders';
const TOPIC = 'arn:aws:sns:us-east-1:111122223333:alerts';
const TABLE = 'arn:aws:dynamodb:us-east-1:111122223333:table/Scores';
const blob = Buffer.concat([Buffer.from(KEY_ID), Buffer.alloc(40, 1)]);

interface Client {
  send(command: never): Promise<unknown>;
}

/** One request per mapped operation, built with the real SDK client of the service. */
const SAMPLES: Record<string, { client: Client; commands: Record<string, unknown> }> = {
  dynamodb: {
    client: new ddb.DynamoDBClient(offlineClientConfig),
    commands: {
      GetItem: new ddb.GetItemCommand({ TableName: 'Scores', Key: { Id: { S: 'a' } } }),
      PutItem: new ddb.PutItemCommand({ TableName: 'Scores', Item: { Id: { S: 'a' } } }),
      UpdateItem: new ddb.UpdateItemCommand({
        TableName: 'Scores',
        Key: { Id: { S: 'a' } },
        UpdateExpression: 'SET n = :n',
        ExpressionAttributeValues: { ':n': { N: '1' } },
      }),
      DeleteItem: new ddb.DeleteItemCommand({ TableName: 'Scores', Key: { Id: { S: 'a' } } }),
      Query: new ddb.QueryCommand({
        TableName: 'Scores',
        IndexName: 'ByGame',
        KeyConditionExpression: 'G = :g',
        ExpressionAttributeValues: { ':g': { S: 'x' } },
      }),
      Scan: new ddb.ScanCommand({ TableName: 'Scores' }),
      BatchGetItem: new ddb.BatchGetItemCommand({ RequestItems: { Scores: { Keys: [{ Id: { S: 'a' } }] } } }),
      BatchWriteItem: new ddb.BatchWriteItemCommand({
        RequestItems: { Scores: [{ DeleteRequest: { Key: { Id: { S: 'a' } } } }] },
      }),
      TransactGetItems: new ddb.TransactGetItemsCommand({
        TransactItems: [{ Get: { TableName: 'Scores', Key: { Id: { S: 'a' } } } }],
      }),
      TransactWriteItems: new ddb.TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: 'Scores', Item: { Id: { S: 'a' } } } },
          { Update: { TableName: 'Scores', Key: { Id: { S: 'b' } }, UpdateExpression: 'REMOVE x' } },
          { Delete: { TableName: 'Scores', Key: { Id: { S: 'c' } } } },
          {
            ConditionCheck: {
              TableName: 'Scores',
              Key: { Id: { S: 'd' } },
              ConditionExpression: 'attribute_exists(Id)',
            },
          },
        ],
      }),
      CreateTable: new ddb.CreateTableCommand({
        TableName: 'Scores',
        KeySchema: [{ AttributeName: 'Id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'Id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
      DeleteTable: new ddb.DeleteTableCommand({ TableName: 'Scores' }),
      DescribeTable: new ddb.DescribeTableCommand({ TableName: 'Scores' }),
      UpdateTable: new ddb.UpdateTableCommand({ TableName: 'Scores', BillingMode: 'PAY_PER_REQUEST' }),
      DescribeTimeToLive: new ddb.DescribeTimeToLiveCommand({ TableName: 'Scores' }),
      ListTables: new ddb.ListTablesCommand({}),
      TagResource: new ddb.TagResourceCommand({ ResourceArn: TABLE, Tags: [{ Key: 'a', Value: 'b' }] }),
      UntagResource: new ddb.UntagResourceCommand({ ResourceArn: TABLE, TagKeys: ['a'] }),
      ListTagsOfResource: new ddb.ListTagsOfResourceCommand({ ResourceArn: TABLE }),
    },
  },
  sqs: {
    client: new sqs.SQSClient(offlineClientConfig),
    commands: {
      SendMessage: new sqs.SendMessageCommand({ QueueUrl: QUEUE_URL, MessageBody: 'm' }),
      SendMessageBatch: new sqs.SendMessageBatchCommand({
        QueueUrl: QUEUE_URL,
        Entries: [{ Id: '1', MessageBody: 'm' }],
      }),
      ReceiveMessage: new sqs.ReceiveMessageCommand({ QueueUrl: QUEUE_URL }),
      DeleteMessage: new sqs.DeleteMessageCommand({ QueueUrl: QUEUE_URL, ReceiptHandle: 'r' }),
      DeleteMessageBatch: new sqs.DeleteMessageBatchCommand({
        QueueUrl: QUEUE_URL,
        Entries: [{ Id: '1', ReceiptHandle: 'r' }],
      }),
      ChangeMessageVisibility: new sqs.ChangeMessageVisibilityCommand({
        QueueUrl: QUEUE_URL,
        ReceiptHandle: 'r',
        VisibilityTimeout: 1,
      }),
      ChangeMessageVisibilityBatch: new sqs.ChangeMessageVisibilityBatchCommand({
        QueueUrl: QUEUE_URL,
        Entries: [{ Id: '1', ReceiptHandle: 'r' }],
      }),
      GetQueueUrl: new sqs.GetQueueUrlCommand({ QueueName: 'orders' }),
      GetQueueAttributes: new sqs.GetQueueAttributesCommand({ QueueUrl: QUEUE_URL, AttributeNames: ['All'] }),
      SetQueueAttributes: new sqs.SetQueueAttributesCommand({
        QueueUrl: QUEUE_URL,
        Attributes: { DelaySeconds: '1' },
      }),
      CreateQueue: new sqs.CreateQueueCommand({ QueueName: 'orders' }),
      DeleteQueue: new sqs.DeleteQueueCommand({ QueueUrl: QUEUE_URL }),
      PurgeQueue: new sqs.PurgeQueueCommand({ QueueUrl: QUEUE_URL }),
      TagQueue: new sqs.TagQueueCommand({ QueueUrl: QUEUE_URL, Tags: { a: 'b' } }),
      UntagQueue: new sqs.UntagQueueCommand({ QueueUrl: QUEUE_URL, TagKeys: ['a'] }),
      ListQueueTags: new sqs.ListQueueTagsCommand({ QueueUrl: QUEUE_URL }),
      ListDeadLetterSourceQueues: new sqs.ListDeadLetterSourceQueuesCommand({ QueueUrl: QUEUE_URL }),
      ListQueues: new sqs.ListQueuesCommand({}),
    },
  },
  sns: {
    client: new sns.SNSClient(offlineClientConfig),
    commands: {
      Publish: new sns.PublishCommand({ TopicArn: TOPIC, Message: 'm' }),
      PublishBatch: new sns.PublishBatchCommand({
        TopicArn: TOPIC,
        PublishBatchRequestEntries: [{ Id: '1', Message: 'm' }],
      }),
      CreateTopic: new sns.CreateTopicCommand({ Name: 'alerts' }),
      DeleteTopic: new sns.DeleteTopicCommand({ TopicArn: TOPIC }),
      GetTopicAttributes: new sns.GetTopicAttributesCommand({ TopicArn: TOPIC }),
      SetTopicAttributes: new sns.SetTopicAttributesCommand({
        TopicArn: TOPIC,
        AttributeName: 'DisplayName',
        AttributeValue: 'x',
      }),
      ListSubscriptionsByTopic: new sns.ListSubscriptionsByTopicCommand({ TopicArn: TOPIC }),
      Subscribe: new sns.SubscribeCommand({ TopicArn: TOPIC, Protocol: 'email', Endpoint: 'a@example.com' }),
      Unsubscribe: new sns.UnsubscribeCommand({
        SubscriptionArn: `${TOPIC}:0b5a4c4e-7e8a-4c52-9a6e-4f1d9c1c2b3a`,
      }),
      GetSubscriptionAttributes: new sns.GetSubscriptionAttributesCommand({
        SubscriptionArn: `${TOPIC}:0b5a4c4e-7e8a-4c52-9a6e-4f1d9c1c2b3a`,
      }),
      TagResource: new sns.TagResourceCommand({ ResourceArn: TOPIC, Tags: [{ Key: 'a', Value: 'b' }] }),
      UntagResource: new sns.UntagResourceCommand({ ResourceArn: TOPIC, TagKeys: ['a'] }),
      ListTagsForResource: new sns.ListTagsForResourceCommand({ ResourceArn: TOPIC }),
      ListTopics: new sns.ListTopicsCommand({}),
      ListSubscriptions: new sns.ListSubscriptionsCommand({}),
    },
  },
  kms: {
    client: new kms.KMSClient(offlineClientConfig),
    commands: {
      Encrypt: new kms.EncryptCommand({ KeyId: KEY_ID, Plaintext: Buffer.from('p') }),
      Decrypt: new kms.DecryptCommand({ CiphertextBlob: blob }),
      GenerateDataKey: new kms.GenerateDataKeyCommand({ KeyId: KEY, KeySpec: 'AES_256' }),
      GenerateDataKeyWithoutPlaintext: new kms.GenerateDataKeyWithoutPlaintextCommand({
        KeyId: KEY,
        KeySpec: 'AES_256',
      }),
      GenerateDataKeyPair: new kms.GenerateDataKeyPairCommand({ KeyId: KEY, KeyPairSpec: 'RSA_2048' }),
      GenerateDataKeyPairWithoutPlaintext: new kms.GenerateDataKeyPairWithoutPlaintextCommand({
        KeyId: KEY,
        KeyPairSpec: 'RSA_2048',
      }),
      ReEncrypt: new kms.ReEncryptCommand({ CiphertextBlob: blob, DestinationKeyId: KEY }),
      Sign: new kms.SignCommand({
        KeyId: KEY,
        Message: Buffer.from('m'),
        SigningAlgorithm: 'RSASSA_PSS_SHA_256',
      }),
      Verify: new kms.VerifyCommand({
        KeyId: KEY,
        Message: Buffer.from('m'),
        Signature: Buffer.from('s'),
        SigningAlgorithm: 'RSASSA_PSS_SHA_256',
      }),
      GenerateMac: new kms.GenerateMacCommand({
        KeyId: KEY,
        Message: Buffer.from('m'),
        MacAlgorithm: 'HMAC_SHA_256',
      }),
      VerifyMac: new kms.VerifyMacCommand({
        KeyId: KEY,
        Message: Buffer.from('m'),
        Mac: Buffer.from('x'),
        MacAlgorithm: 'HMAC_SHA_256',
      }),
      GetPublicKey: new kms.GetPublicKeyCommand({ KeyId: KEY }),
      DescribeKey: new kms.DescribeKeyCommand({ KeyId: KEY }),
      EnableKey: new kms.EnableKeyCommand({ KeyId: KEY }),
      DisableKey: new kms.DisableKeyCommand({ KeyId: KEY }),
      GetKeyPolicy: new kms.GetKeyPolicyCommand({ KeyId: KEY, PolicyName: 'default' }),
      GetKeyRotationStatus: new kms.GetKeyRotationStatusCommand({ KeyId: KEY }),
      ListResourceTags: new kms.ListResourceTagsCommand({ KeyId: KEY }),
      ScheduleKeyDeletion: new kms.ScheduleKeyDeletionCommand({ KeyId: KEY }),
      CancelKeyDeletion: new kms.CancelKeyDeletionCommand({ KeyId: KEY }),
      TagResource: new kms.TagResourceCommand({ KeyId: KEY, Tags: [{ TagKey: 'a', TagValue: 'b' }] }),
      UntagResource: new kms.UntagResourceCommand({ KeyId: KEY, TagKeys: ['a'] }),
      CreateAlias: new kms.CreateAliasCommand({ AliasName: 'alias/app', TargetKeyId: KEY_ID }),
      DeleteAlias: new kms.DeleteAliasCommand({ AliasName: 'alias/app' }),
      UpdateAlias: new kms.UpdateAliasCommand({ AliasName: 'alias/app', TargetKeyId: KEY_ID }),
      CreateKey: new kms.CreateKeyCommand({}),
      ListKeys: new kms.ListKeysCommand({}),
      ListAliases: new kms.ListAliasesCommand({}),
      GenerateRandom: new kms.GenerateRandomCommand({ NumberOfBytes: 16 }),
    },
  },
  secretsmanager: {
    client: new secrets.SecretsManagerClient(offlineClientConfig),
    commands: {
      GetSecretValue: new secrets.GetSecretValueCommand({ SecretId: 'db' }),
      PutSecretValue: new secrets.PutSecretValueCommand({ SecretId: 'db', SecretString: 's' }),
      DescribeSecret: new secrets.DescribeSecretCommand({ SecretId: 'db' }),
      ListSecretVersionIds: new secrets.ListSecretVersionIdsCommand({ SecretId: 'db' }),
      RestoreSecret: new secrets.RestoreSecretCommand({ SecretId: 'db' }),
      DeleteSecret: new secrets.DeleteSecretCommand({ SecretId: 'db' }),
      UpdateSecret: new secrets.UpdateSecretCommand({ SecretId: 'db', Description: 'd' }),
      TagResource: new secrets.TagResourceCommand({ SecretId: 'db', Tags: [{ Key: 'a', Value: 'b' }] }),
      UntagResource: new secrets.UntagResourceCommand({ SecretId: 'db', TagKeys: ['a'] }),
      CreateSecret: new secrets.CreateSecretCommand({ Name: 'db', SecretString: 's' }),
      ListSecrets: new secrets.ListSecretsCommand({}),
    },
  },
  ssm: {
    client: new ssm.SSMClient(offlineClientConfig),
    commands: {
      GetParameter: new ssm.GetParameterCommand({ Name: '/app/db' }),
      GetParameters: new ssm.GetParametersCommand({ Names: ['/app/db', 'plain'] }),
      GetParameterHistory: new ssm.GetParameterHistoryCommand({ Name: '/app/db' }),
      GetParametersByPath: new ssm.GetParametersByPathCommand({ Path: '/app' }),
      PutParameter: new ssm.PutParameterCommand({ Name: '/app/db', Value: 'v', Type: 'SecureString' }),
      DeleteParameter: new ssm.DeleteParameterCommand({ Name: '/app/db' }),
      DeleteParameters: new ssm.DeleteParametersCommand({ Names: ['/app/db'] }),
      DescribeParameters: new ssm.DescribeParametersCommand({}),
      AddTagsToResource: new ssm.AddTagsToResourceCommand({
        ResourceType: 'Parameter',
        ResourceId: '/app/db',
        Tags: [{ Key: 'a', Value: 'b' }],
      }),
      RemoveTagsFromResource: new ssm.RemoveTagsFromResourceCommand({
        ResourceType: 'Parameter',
        ResourceId: '/app/db',
        TagKeys: ['a'],
      }),
      ListTagsForResource: new ssm.ListTagsForResourceCommand({
        ResourceType: 'Parameter',
        ResourceId: '/app/db',
      }),
    },
  },
  lambda: {
    client: new lambda.LambdaClient(offlineClientConfig),
    commands: {
      Invoke: new lambda.InvokeCommand({
        FunctionName: 'resize',
        Qualifier: 'prod',
        Payload: Buffer.from('{}'),
      }),
      InvokeWithResponseStream: new lambda.InvokeWithResponseStreamCommand({ FunctionName: 'resize' }),
      InvokeAsync: new lambda.InvokeAsyncCommand({ FunctionName: 'resize', InvokeArgs: Buffer.from('{}') }),
      GetFunction: new lambda.GetFunctionCommand({ FunctionName: 'resize' }),
      GetFunctionConfiguration: new lambda.GetFunctionConfigurationCommand({ FunctionName: 'resize' }),
      ListFunctions: new lambda.ListFunctionsCommand({}),
    },
  },
};

/** `arn:${Partition}:sqs:${Region}:${Account}:${QueueName}` as a pattern over concrete ARNs. */
function arnTemplatePattern(template: string): RegExp {
  const parts = template.split(/\$\{[^}]+\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('[^:]*')}$`);
}

const OWN_SERVICES = GATEWAY_COVERAGE.filter((entry) => entry.service !== 's3');

describe('gateway coverage: every listed operation maps a real SDK request', () => {
  it('lists the services of issue 7 and every mapper is registered by its signing name', () => {
    expect(GATEWAY_COVERAGE.map((entry) => entry.service)).toEqual([
      's3',
      'dynamodb',
      'sqs',
      'sns',
      'kms',
      'secretsmanager',
      'ssm',
      'lambda',
    ]);
    for (const entry of GATEWAY_COVERAGE)
      expect(mapperForSigningName(entry.service)?.service).toBe(entry.service);
    expect(mapperForSigningName('ec2')).toBeUndefined();
  });

  for (const entry of OWN_SERVICES) {
    it(`${entry.service}: every covered operation has a sample, maps to catalogued actions on catalogued ARN formats`, async () => {
      const samples = SAMPLES[entry.service];
      if (samples === undefined) throw new Error(`no samples for ${entry.service}`);
      expect(Object.keys(samples.commands).sort()).toEqual(entry.operations.map((o) => o.operation).sort());
      const mapper = mapperForSigningName(entry.service) as ServiceMapper;
      const catalogue = await loadService(entry.service);
      for (const covered of entry.operations) {
        const request = await capture(samples.client, samples.commands[covered.operation]);
        const result = mapper.map({ ...request, ...(mapper.needsBody(request) ? {} : { body: undefined }) });
        expect(result, covered.operation).not.toHaveProperty('unmapped');
        if ('unmapped' in result) continue;
        expect(result.operation).toBe(covered.operation);
        expect(result.service).toBe(entry.service);
        expect(result.checks.length, covered.operation).toBeGreaterThan(0);
        for (const action of covered.actions) expect(await findAction(action), action).toBeDefined();
        for (const check of result.checks) {
          expect(covered.actions, `${covered.operation} emitted ${check.action}`).toContain(check.action);
          const details = await findAction(check.action);
          expect(details?.action, check.action).toBe(check.action);
          if (check.resource === '*') {
            expect(details?.isWildcardOnly, `${check.action} on *`).toBe(true);
            continue;
          }
          // Lambda documents that function actions take the function, version or alias ARN; the
          // catalogue lists those as the `function version` and `function alias` resource types.
          const typeNames = new Set((details?.resourceTypes ?? []).map((type) => type.name.toLowerCase()));
          const formats = [...(catalogue?.resourceTypes.values() ?? [])]
            .filter(
              (type) =>
                typeNames.has(type.key.toLowerCase()) ||
                typeNames.has(type.key.toLowerCase().split(' ')[0] ?? ''),
            )
            .map((type) => type.arn);
          expect(
            formats.some((format) => arnTemplatePattern(format).test(check.resource)),
            `${check.action} on ${check.resource} is none of ${formats.join(', ')}`,
          ).toBe(true);
        }
      }
    });
  }
});

describe('renderCoverageTable', () => {
  it('writes one Markdown row per covered operation of every service', () => {
    const lines = renderCoverageTable().split('\n');
    const operations = GATEWAY_COVERAGE.reduce((count, service) => count + service.operations.length, 0);
    expect(lines).toHaveLength(2 + operations);
    expect(lines).toContain('| Amazon SQS | `SendMessageBatch` | `sqs:SendMessage` |');
    expect(lines).toContain(
      '| Amazon DynamoDB | `TransactWriteItems` | `dynamodb:PutItem`, `dynamodb:UpdateItem`, `dynamodb:DeleteItem`, `dynamodb:ConditionCheckItem` |',
    );
  });
});
