/**
 * SQS -> IAM checks, in both wire protocols SQS accepts: JSON 1.0 (`X-Amz-Target:
 * AmazonSQS.<Operation>`; the JS SDK v3 and botocore since 2023) and Query (`Action=<Operation>`,
 * flattened lists such as `Tag.1.Key`; older SDKs and CLIs). A request is JSON when it has a target
 * header; `sqsRequestProtocol` tells the proxy which error shape to answer in.
 *
 * The queue is named by `QueueUrl` (`http(s)://<host>/<account>/<name>`; Query clients may instead
 * post to the queue URL's path) or, for CreateQueue and GetQueueUrl, by `QueueName` in the
 * caller's account (GetQueueUrl's `QueueOwnerAWSAccountId` names another). Batch operations
 * authorize as their single-message action, as on AWS. Message bodies and attributes are never
 * logged.
 */
import { AwsError } from '../../errors.js';
import type { AwsProtocol, GatewayRequest, MappedRequest, ServiceMapper, UnmappedRequest } from '../types.js';
import { resourceArn } from './support/arn.js';
import { requestTagContext, tagKeysContext } from './support/conditions.js';
import { optionalString, parseJsonBody, stringList, stringMap } from './support/json-body.js';
import type { JsonObject, Tag } from './support/json-body.js';
import { coverageOf, runOperation } from './support/operations.js';
import type { MappedParts, OperationTable } from './support/operations.js';
import { queryInput } from './support/query-body.js';
import type { QueryInput } from './support/query-body.js';
import { operationFromTarget } from './support/target.js';

const SERVICE = { service: 'sqs', eventSource: 'sqs.amazonaws.com' } as const;

/** The members of one request, read the same way from either protocol. */
interface SqsInput {
  get(name: 'QueueUrl' | 'QueueName' | 'QueueOwnerAWSAccountId' | 'QueueNamePrefix'): string | undefined;
  /** CreateQueue's `tags` / TagQueue's `Tags`. */
  tags(): Tag[];
  /** UntagQueue's `TagKeys`. */
  tagKeys(): string[];
  /** The number of entries of a batch request, for the log. */
  entryCount(): number;
  /** The queue URL the request was posted to (Query clients), when its path names one. */
  pathQueue: { account: string; name: string } | undefined;
}

function jsonInput(body: JsonObject): SqsInput {
  return {
    get: (name) => optionalString(body, name),
    tags: () =>
      Object.entries({ ...stringMap(body, 'tags'), ...stringMap(body, 'Tags') }).map(([key, value]) => ({
        key,
        value,
      })),
    tagKeys: () => stringList(body, 'TagKeys'),
    entryCount: () => (Array.isArray(body['Entries']) ? body['Entries'].length : 0),
    pathQueue: undefined,
  };
}

function queryProtocolInput(params: QueryInput, request: GatewayRequest): SqsInput {
  return {
    get: (name) => params.get(name),
    tags: () => params.pairs('Tag', false),
    tagKeys: () => params.list('TagKey', false),
    // `SendMessageBatchRequestEntry.1.Id`, `DeleteMessageBatchRequestEntry.1.Id`, ...
    entryCount: () => params.indexed(`${params.action ?? ''}RequestEntry.`, '.Id').length,
    pathQueue: queueFromPath(request.path),
  };
}

function queueFromPath(path: string): { account: string; name: string } | undefined {
  const match = /^\/(\d{12})\/([A-Za-z0-9_-]{1,80}(?:\.fifo)?)\/?$/.exec(path);
  return match === null ? undefined : { account: match[1] as string, name: match[2] as string };
}

/**
 * A queue URL as SQS issues it, and nothing more: no query, fragment, user info, dot segment or
 * trailing slash. Backends read a queue URL differently (moto takes the text after the last `/`,
 * a URL parser its path), so a URL on which they could disagree names no queue.
 */
const QUEUE_URL = /^https?:\/\/[A-Za-z0-9.:[\]_-]+\/(\d{12})\/([A-Za-z0-9_-]{1,80}(?:\.fifo)?)$/;

/**
 * The queue a `QueueUrl` names: `<scheme>://<host>/<account>/<name>`. Anything else is SQS's own
 * error for an unusable URL.
 */
function queueFromUrl(url: string): { account: string; name: string } {
  const match = QUEUE_URL.exec(url);
  if (match === null) {
    throw new AwsError('InvalidAddress', `The address ${truncate(url)} is not valid for this endpoint.`, {
      status: 404,
    });
  }
  return { account: match[1] as string, name: match[2] as string };
}

interface NamedQueue {
  arn: string;
  place: { resourceAccount?: string };
  logged: { queueUrl?: string; queueName?: string };
}

function namedQueue(input: SqsInput, request: GatewayRequest): NamedQueue {
  const url = input.get('QueueUrl');
  const queue = url !== undefined && url !== '' ? queueFromUrl(url) : input.pathQueue;
  // Posted to one queue's URL but naming another: which one a backend acts on is its choice.
  const posted = input.pathQueue;
  if (posted !== undefined && (posted.account !== queue?.account || posted.name !== queue.name)) {
    throw new AwsError(
      'InvalidParameterValue',
      'The QueueUrl parameter names another queue than the URL the request was posted to.',
      { status: 400 },
    );
  }
  if (queue === undefined) {
    throw new AwsError('MissingParameter', 'The request must contain the parameter QueueUrl.', {
      status: 400,
    });
  }
  return {
    arn: resourceArn(request, 'sqs', queue.name, { account: queue.account }),
    place: queue.account === request.accountId ? {} : { resourceAccount: queue.account },
    logged: url === undefined ? {} : { queueUrl: url },
  };
}

/** CreateQueue and GetQueueUrl name the queue by `QueueName`. */
function queueByName(input: SqsInput, request: GatewayRequest): NamedQueue {
  const name = input.get('QueueName');
  if (name === undefined || name === '') {
    throw new AwsError('MissingParameter', 'The request must contain the parameter QueueName.', {
      status: 400,
    });
  }
  const owner = input.get('QueueOwnerAWSAccountId');
  const account = owner !== undefined && owner !== '' ? owner : request.accountId;
  return {
    arn: resourceArn(request, 'sqs', name, { account }),
    place: account === request.accountId ? {} : { resourceAccount: account },
    logged: { queueName: name },
  };
}

type Context = GatewayRequest;

function queueOperation(
  action: string,
  options: { batch?: boolean; byName?: boolean; tags?: 'set' | 'remove' } = {},
) {
  return {
    actions: [`sqs:${action}`],
    map: (input: SqsInput, request: Context): MappedParts => {
      const queue = options.byName === true ? queueByName(input, request) : namedQueue(input, request);
      const context =
        options.tags === 'set'
          ? requestTagContext(input.tags())
          : options.tags === 'remove'
            ? tagKeysContext(input.tagKeys())
            : {};
      const logged = { ...queue.logged, ...(options.batch === true ? { entries: input.entryCount() } : {}) };
      return {
        checks: [{ action: `sqs:${action}`, resource: queue.arn, ...queue.place, context }],
        requestParameters: logged,
      };
    },
  };
}

const operations: OperationTable<SqsInput, Context> = {
  SendMessage: queueOperation('SendMessage'),
  SendMessageBatch: queueOperation('SendMessage', { batch: true }),
  ReceiveMessage: queueOperation('ReceiveMessage'),
  DeleteMessage: queueOperation('DeleteMessage'),
  DeleteMessageBatch: queueOperation('DeleteMessage', { batch: true }),
  ChangeMessageVisibility: queueOperation('ChangeMessageVisibility'),
  ChangeMessageVisibilityBatch: queueOperation('ChangeMessageVisibility', { batch: true }),
  GetQueueUrl: queueOperation('GetQueueUrl', { byName: true }),
  GetQueueAttributes: queueOperation('GetQueueAttributes'),
  SetQueueAttributes: queueOperation('SetQueueAttributes'),
  CreateQueue: queueOperation('CreateQueue', { byName: true, tags: 'set' }),
  DeleteQueue: queueOperation('DeleteQueue'),
  PurgeQueue: queueOperation('PurgeQueue'),
  TagQueue: queueOperation('TagQueue', { tags: 'set' }),
  UntagQueue: queueOperation('UntagQueue', { tags: 'remove' }),
  ListQueueTags: queueOperation('ListQueueTags'),
  ListDeadLetterSourceQueues: queueOperation('ListDeadLetterSourceQueues'),
  ListQueues: {
    actions: ['sqs:ListQueues'],
    map: (input) => {
      const prefix = input.get('QueueNamePrefix');
      return {
        checks: [{ action: 'sqs:ListQueues', resource: '*', context: {} }],
        requestParameters: prefix === undefined ? undefined : { queueNamePrefix: prefix },
      };
    },
  },
};

/** Every mapped operation with the actions it can need. */
export const sqsCoverage = coverageOf(operations);

/**
 * The protocol of one SQS request: JSON when it carries `X-Amz-Target`, Query otherwise. The proxy
 * answers errors in this protocol's shape.
 *
 * @example
 * sqsRequestProtocol(request); // 'json'
 */
export function sqsRequestProtocol(request: Pick<GatewayRequest, 'headers'>): AwsProtocol {
  const target = request.headers['x-amz-target'];
  return target !== undefined && target !== '' ? 'json' : 'query';
}

/** The SQS mapper; see the module comment for the two protocols. */
export const sqsMapper: ServiceMapper = {
  service: 'sqs',
  signingName: 'sqs',
  protocol: 'json',
  errorNamespace: 'com.amazonaws.sqs#',
  needsBody: () => true,
  map(request: GatewayRequest): MappedRequest | UnmappedRequest {
    if (sqsRequestProtocol(request) === 'json') {
      const operation = operationFromTarget(request, 'AmazonSQS');
      return runOperation(
        SERVICE,
        operations,
        operation,
        () => jsonInput(parseJsonBody(request.body)),
        request,
      );
    }
    const params = queryInput(request);
    const action = params.action;
    if (action === undefined || action === '') {
      throw new AwsError('MissingAction', 'The request must contain the parameter Action.', { status: 400 });
    }
    return runOperation(SERVICE, operations, action, () => queryProtocolInput(params, request), request);
  },
};

function truncate(text: string): string {
  return text.length > 128 ? `${text.slice(0, 128)}...` : text;
}
