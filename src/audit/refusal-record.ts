/**
 * The access-log event for a request refused before anyone authenticated, at a credential
 * endpoint: an IMDS read without a token when `HttpTokens=required`, a token `PUT` with
 * `X-Forwarded-For`, a guessed container credentials id, a pod token that fails the checks. These
 * are what SSRF and credential theft look like; they are written under the unauthenticated budget
 * (`unauthenticated.ts`), from a closed set of classes: never the request's path, headers or
 * token. Used by `credplane up`'s metadata endpoints and, for what a node agent refuses, by the
 * agent port (`delivery/fleet/node-events.ts`).
 */
import { buildAccessEvent } from './record.js';
import type { JsonValue } from '../iam/types.js';
import type { AccessEventInput } from '../store/store.js';

/** What was refused, by class. */
export const REFUSAL_REASONS = [
  'imds-token-required',
  'imds-token-invalid',
  'imds-token-forwarded',
  'imds-forwarded-with-token',
  'imds-token-version',
  'imds-endpoint-disabled',
  'container-unknown-id',
  'pod-token-refused',
  'container-token-missing',
  'container-token-invalid',
  'container-task-stopped',
  'pod-unknown-service-account',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** What each refusal class is, in the access log: the call it refused and AWS's answer. */
const REASONS: Readonly<
  Record<RefusalReason, { eventSource: string; eventName: string; errorCode: string; message: string }>
> = {
  'imds-token-required': {
    eventSource: 'ec2.amazonaws.com',
    eventName: 'GetInstanceMetadata',
    errorCode: 'Unauthorized',
    message: 'IMDSv1 request without a token while HttpTokens is required.',
  },
  'imds-token-invalid': {
    eventSource: 'ec2.amazonaws.com',
    eventName: 'GetInstanceMetadata',
    errorCode: 'Unauthorized',
    message: 'Invalid or expired IMDSv2 token.',
  },
  'imds-forwarded-with-token': {
    eventSource: 'ec2.amazonaws.com',
    eventName: 'GetInstanceMetadata',
    errorCode: 'Forbidden',
    message: 'Metadata request with X-Forwarded-For.',
  },
  'imds-token-forwarded': {
    eventSource: 'ec2.amazonaws.com',
    eventName: 'PutInstanceMetadataToken',
    errorCode: 'Forbidden',
    message: 'Token request with X-Forwarded-For.',
  },
  'imds-token-version': {
    eventSource: 'ec2.amazonaws.com',
    eventName: 'PutInstanceMetadataToken',
    errorCode: 'Forbidden',
    message: 'Token request on a versioned path.',
  },
  'imds-endpoint-disabled': {
    eventSource: 'ec2.amazonaws.com',
    eventName: 'GetInstanceMetadata',
    errorCode: 'Forbidden',
    message: 'Metadata request while HttpEndpoint is disabled.',
  },
  'container-unknown-id': {
    eventSource: 'ecs-tasks.amazonaws.com',
    eventName: 'GetContainerCredentials',
    errorCode: 'InvalidIdInRequest',
    message: 'Container credentials request for an unknown task.',
  },
  'pod-token-refused': {
    eventSource: 'eks-auth.amazonaws.com',
    eventName: 'AssumeRoleForPodIdentity',
    errorCode: 'InvalidTokenException',
    message: 'Pod token refused by the Pod Identity agent.',
  },
  'container-token-missing': {
    eventSource: 'ecs-tasks.amazonaws.com',
    eventName: 'GetContainerCredentials',
    errorCode: 'MissingAuthorizationToken',
    message: 'Container credentials request without an Authorization token.',
  },
  'container-token-invalid': {
    eventSource: 'ecs-tasks.amazonaws.com',
    eventName: 'GetContainerCredentials',
    errorCode: 'AccessDenied',
    message: "Container credentials request with a token that is not the task's.",
  },
  'container-task-stopped': {
    eventSource: 'ecs-tasks.amazonaws.com',
    eventName: 'GetContainerCredentials',
    errorCode: 'InvalidIdInRequest',
    message: 'Container credentials request for a stopped task.',
  },
  'pod-unknown-service-account': {
    eventSource: 'eks-auth.amazonaws.com',
    eventName: 'AssumeRoleForPodIdentity',
    errorCode: 'ResourceNotFoundException',
    message: 'Pod token for a service account without a Pod Identity association.',
  },
};

export interface Refusal {
  channel: 'imds' | 'container' | 'pod-identity';
  reason: RefusalReason;
  status: number;
  sourceIp: string;
  eventTime: Date;
  accountId: string;
  region: string;
  partition: string;
  requestId: string;
  instanceId?: string;
  /** Events left out by the budget before this one. */
  suppressed?: number;
  /** The node agent that refused it, when not this process. */
  node?: string;
  /**
   * What the refused request was about, when the endpoint knows it: a resource named only by ids
   * that get the caller nothing (a task ARN, a cluster ARN; never a credentials path or token).
   */
  resource?: { ARN: string; type: string };
  /** Further such ids (a pod's UID) for `requestParameters`. */
  ids?: Readonly<Record<string, string>>;
}

/**
 * @example
 * await sink.commit(refusalEvent({ channel: 'imds', reason: 'imds-token-required', status: 401, … }));
 */
export function refusalEvent(r: Refusal): AccessEventInput {
  const c = REASONS[r.reason];
  const instanceArn =
    r.instanceId === undefined
      ? undefined
      : `arn:${r.partition}:ec2:${r.region}:${r.accountId}:instance/${r.instanceId}`;
  const resource =
    instanceArn === undefined
      ? r.resource === undefined
        ? undefined
        : { ...r.resource, accountId: r.accountId }
      : { ARN: instanceArn, accountId: r.accountId, type: 'AWS::EC2::Instance' };
  const event = buildAccessEvent({
    channel: r.channel,
    eventTime: r.eventTime,
    eventSource: c.eventSource,
    eventName: c.eventName,
    awsRegion: r.region,
    sourceIPAddress: r.sourceIp,
    accountId: r.accountId,
    requestParameters: {
      ...r.ids,
      ...(r.node === undefined ? {} : { node: r.node }),
      reason: r.reason,
      status: r.status,
      ...(r.instanceId === undefined ? {} : { instanceId: r.instanceId }),
    },
    errorCode: c.errorCode,
    errorMessage: c.message,
    ...(resource === undefined ? {} : { resources: [resource] }),
    requestId: r.requestId,
    decision: 'deny',
    ...(r.suppressed === undefined || r.suppressed === 0 ? {} : { suppressedUnauthenticated: r.suppressed }),
  });
  const record = event.record as { [key: string]: JsonValue };
  // Nobody authenticated: not the service principal the channel's deliveries name.
  record.userIdentity = { type: 'Unknown', accountId: r.accountId };
  delete record.userAgent;
  return event;
}
