/**
 * SNS (Query protocol: `Action=<Operation>`, lists as `Tags.member.N.Key`) -> IAM checks. Every
 * current SDK speaks Query to SNS: botocore's model lists only `query`, and the JS SDK v3 client
 * is an `AwsQueryProtocol` client.
 *
 * Subscription operations authorize on the subscription's topic (a subscription ARN is the topic
 * ARN with `:<id>` appended). A publish to a phone number has no resource and checks `*`. Message
 * text, subjects, phone numbers and attributes are never logged.
 */
import { AwsError } from '../../errors.js';
import type { ContextInput } from '../../policy/index.js';
import type { GatewayRequest, MappedRequest, ServiceMapper, UnmappedRequest } from '../types.js';
import { foreignAccount, resourceArn, splitArn } from './support/arn.js';
import { requestTagContext, tagKeysContext } from './support/conditions.js';
import { coverageOf, runOperation } from './support/operations.js';
import type { MappedParts, OperationTable } from './support/operations.js';
import { queryInput } from './support/query-body.js';
import type { QueryInput } from './support/query-body.js';

const SERVICE = { service: 'sns', eventSource: 'sns.amazonaws.com' } as const;

const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}(?:\.fifo)?$/;

/** SNS answers a missing or unusable parameter with `InvalidParameter`. */
function invalidParameter(name: string, reason: string): AwsError {
  return new AwsError('InvalidParameter', `Invalid parameter: ${name} Reason: ${reason}`, { status: 400 });
}

function required(params: QueryInput, name: string): string {
  const value = params.get(name);
  if (value === undefined || value === '') throw invalidParameter(name, 'no value for required parameter');
  return value;
}

function snsArn(name: string, text: string): string {
  if (splitArn(text)?.service !== 'sns')
    throw invalidParameter(name, `${truncate(text)} is not a valid SNS ARN`);
  return text;
}

/** A subscription ARN's topic: `arn:aws:sns:<region>:<account>:<topic>:<subscription id>`. */
function topicOfSubscription(subscriptionArn: string): string {
  const arn = splitArn(snsArn('SubscriptionArn', subscriptionArn))!;
  const [topic, subscription, ...more] = arn.resource.split(':');
  if (subscription === undefined || more.length > 0) {
    throw invalidParameter('SubscriptionArn', 'An ARN must have 7 elements');
  }
  return resourceArn({ partition: arn.partition, region: arn.region, accountId: arn.account }, 'sns', topic!);
}

function check(
  action: string,
  resource: string,
  request: GatewayRequest,
  context: Record<string, ContextInput> = {},
) {
  return {
    action: `sns:${action}`,
    resource,
    ...(resource === '*' ? {} : foreignAccount(request, resource)),
    context,
  };
}

/** Operations on the topic `TopicArn` names. */
function topicOperation(
  action: string,
  extra: (params: QueryInput) => Record<string, ContextInput> = () => ({}),
) {
  return {
    actions: [`sns:${action}`],
    map: (params: QueryInput, request: GatewayRequest): MappedParts => {
      const topic = snsArn('TopicArn', required(params, 'TopicArn'));
      return {
        checks: [check(action, topic, request, extra(params))],
        requestParameters: { topicArn: topic },
      };
    },
  };
}

/** Operations on a subscription, authorized on its topic. */
function subscriptionOperation(action: string) {
  return {
    actions: [`sns:${action}`],
    map: (params: QueryInput, request: GatewayRequest): MappedParts => {
      const subscription = required(params, 'SubscriptionArn');
      return {
        checks: [check(action, topicOfSubscription(subscription), request)],
        requestParameters: { subscriptionArn: subscription },
      };
    },
  };
}

function taggingOperation(action: 'TagResource' | 'UntagResource' | 'ListTagsForResource') {
  return {
    actions: [`sns:${action}`],
    map: (params: QueryInput, request: GatewayRequest): MappedParts => {
      const arn = snsArn('ResourceArn', required(params, 'ResourceArn'));
      const context =
        action === 'TagResource'
          ? requestTagContext(params.pairs('Tags', true))
          : action === 'UntagResource'
            ? tagKeysContext(params.list('TagKeys', true))
            : {};
      return { checks: [check(action, arn, request, context)], requestParameters: { resourceArn: arn } };
    },
  };
}

function wildcardOperation(action: string) {
  return {
    actions: [`sns:${action}`],
    map: (): MappedParts => ({ checks: [{ action: `sns:${action}`, resource: '*', context: {} }] }),
  };
}

const operations: OperationTable<QueryInput, GatewayRequest> = {
  Publish: {
    actions: ['sns:Publish'],
    map: (params, request): MappedParts => {
      // One destination only: backends choose differently among several (moto takes PhoneNumber,
      // then TargetArn, then TopicArn), so the one authorized might not be the one published to.
      const given = ['TopicArn', 'TargetArn', 'PhoneNumber'].filter(
        (name) => (params.get(name) ?? '') !== '',
      );
      if (given.length > 1) {
        throw invalidParameter(
          given.join(', '),
          'only one of TopicArn, TargetArn and PhoneNumber may be given',
        );
      }
      const target = params.get('TopicArn') || params.get('TargetArn');
      if (target === undefined || target === '') {
        if ((params.get('PhoneNumber') ?? '') === '') {
          throw invalidParameter('TopicArn or TargetArn', 'no value for required parameter');
        }
        return {
          checks: [check('Publish', '*', request)],
          requestParameters: { phoneNumber: 'HIDDEN_DUE_TO_SECURITY_REASONS' },
        };
      }
      const arn = snsArn('TopicArn', target);
      const logged: Record<string, string> = params.get('TopicArn') ? { topicArn: arn } : { targetArn: arn };
      return { checks: [check('Publish', arn, request)], requestParameters: logged };
    },
  },
  PublishBatch: { ...topicOperation('Publish') },
  CreateTopic: {
    actions: ['sns:CreateTopic'],
    map: (params, request) => {
      const name = required(params, 'Name');
      if (!TOPIC_NAME.test(name))
        throw invalidParameter('Topic Name', 'must be 1-256 letters, digits, - or _');
      return {
        checks: [
          check(
            'CreateTopic',
            resourceArn(request, 'sns', name),
            request,
            requestTagContext(params.pairs('Tags', true)),
          ),
        ],
        requestParameters: { name },
      };
    },
  },
  DeleteTopic: topicOperation('DeleteTopic'),
  GetTopicAttributes: topicOperation('GetTopicAttributes'),
  SetTopicAttributes: topicOperation('SetTopicAttributes'),
  ListSubscriptionsByTopic: topicOperation('ListSubscriptionsByTopic'),
  Subscribe: topicOperation('Subscribe', (params) => {
    const context: Record<string, ContextInput> = { 'sns:Protocol': required(params, 'Protocol') };
    const endpoint = params.get('Endpoint');
    if (endpoint !== undefined) context['sns:Endpoint'] = endpoint;
    return context;
  }),
  Unsubscribe: subscriptionOperation('Unsubscribe'),
  GetSubscriptionAttributes: subscriptionOperation('GetSubscriptionAttributes'),
  TagResource: taggingOperation('TagResource'),
  UntagResource: taggingOperation('UntagResource'),
  ListTagsForResource: taggingOperation('ListTagsForResource'),
  ListTopics: wildcardOperation('ListTopics'),
  ListSubscriptions: wildcardOperation('ListSubscriptions'),
};

/** Every mapped operation with the actions it can need. */
export const snsCoverage = coverageOf(operations);

/** The SNS mapper (Query protocol). */
export const snsMapper: ServiceMapper = {
  service: 'sns',
  signingName: 'sns',
  protocol: 'query',
  errorNamespace: 'http://sns.amazonaws.com/doc/2010-03-31/',
  needsBody: () => true,
  map(request: GatewayRequest): MappedRequest | UnmappedRequest {
    const params = queryInput(request);
    const action = params.action;
    if (action === undefined || action === '') {
      throw new AwsError('MissingAction', 'The request must contain the parameter Action.', { status: 400 });
    }
    return runOperation(SERVICE, operations, action, () => params, request);
  },
};

function truncate(text: string): string {
  return text.length > 128 ? `${text.slice(0, 128)}...` : text;
}
