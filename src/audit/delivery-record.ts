/**
 * The access-log input for one credential delivery: the compute service's principal assuming
 * the workload's role (what CloudTrail records on AWS as `AssumeRole` by an `AWSService`, e.g.
 * `ec2.amazonaws.com` for an instance profile), one event per credential set issued or
 * refreshed, not per metadata read. The credentials' access key id is kept; the secret and the
 * session token never enter the record.
 */
import { randomUUID } from 'node:crypto';
import type { Decision } from '../policy/index.js';
import { cloudTrailTime } from './record.js';
import type { AccessChannel, AccessRecordInput } from './types.js';

/** The delivery channel each service principal stands for. */
const CHANNEL_OF: Readonly<Record<string, AccessChannel>> = {
  'ec2.amazonaws.com': 'imds',
  'ecs-tasks.amazonaws.com': 'container',
  'lambda.amazonaws.com': 'lambda',
  'pods.eks.amazonaws.com': 'pod-identity',
};

/**
 * The channel for a service principal (`imds` for `ec2.amazonaws.com`, ...).
 *
 * @example
 * deliveryChannel('ecs-tasks.amazonaws.com'); // 'container'
 */
export function deliveryChannel(servicePrincipal: string): AccessChannel {
  return CHANNEL_OF[servicePrincipal] ?? 'imds';
}

export interface Delivery {
  servicePrincipal: string;
  accountId: string;
  roleName: string;
  /** The role's ARN when it exists. */
  roleArn?: string;
  sessionName: string;
  durationSeconds: number;
  /** `aws:SourceArn` of the trust decision: the instance, task or function. */
  sourceArn?: string;
  /**
   * The session tags the service set (EKS Pod Identity's `eks-cluster-arn`, `kubernetes-namespace`,
   * …), recorded as `requestParameters.tags` the way an `AssumeRole` call's `Tags` are.
   */
  tags?: readonly { key: string; value: string }[];
  region: string;
  eventTime: Date;
  /** The trust-policy decisions (`sts:AssumeRole`, `sts:TagSession`). */
  decisions: { action: string; resource: string; decision: Decision }[];
  /** Issued credentials (only the key id and expiry are read) or the error that stopped it. */
  issued?: { accessKeyId: string; expiration: Date; assumedRoleId?: string; arn?: string };
  error?: { code: string; message: string };
}

/**
 * @example
 * await accessLog.commit(buildAccessEvent(deliveryRecord({ servicePrincipal: 'ec2.amazonaws.com', … })));
 */
export function deliveryRecord(delivery: Delivery): AccessRecordInput {
  const { issued, error } = delivery;
  const roleArn = delivery.roleArn ?? `arn:aws:iam::${delivery.accountId}:role/${delivery.roleName}`;
  return {
    channel: deliveryChannel(delivery.servicePrincipal),
    eventTime: delivery.eventTime,
    eventSource: 'sts.amazonaws.com',
    eventName: 'AssumeRole',
    awsRegion: delivery.region,
    // As CloudTrail writes calls that a service makes on the account's behalf.
    sourceIPAddress: delivery.servicePrincipal,
    userAgent: delivery.servicePrincipal,
    accountId: delivery.accountId,
    roleName: delivery.roleName,
    roleArn,
    requestParameters: {
      roleArn,
      roleSessionName: delivery.sessionName,
      durationSeconds: delivery.durationSeconds,
      ...(delivery.sourceArn === undefined ? {} : { sourceArn: delivery.sourceArn }),
      ...(delivery.tags === undefined || delivery.tags.length === 0
        ? {}
        : { tags: delivery.tags.map((t) => ({ key: t.key, value: t.value })) }),
    },
    ...(issued === undefined
      ? {}
      : {
          responseElements: {
            credentials: {
              accessKeyId: issued.accessKeyId,
              expiration: cloudTrailTime(issued.expiration),
            },
            ...(issued.arn === undefined || issued.assumedRoleId === undefined
              ? {}
              : { assumedRoleUser: { assumedRoleId: issued.assumedRoleId, arn: issued.arn } }),
          },
        }),
    ...(error === undefined ? {} : { errorCode: error.code, errorMessage: error.message }),
    resources: [{ ARN: roleArn, accountId: delivery.accountId, type: 'AWS::IAM::Role' }],
    requestId: randomUUID(),
    decision: issued !== undefined ? 'allow' : 'deny',
    ...(delivery.decisions.length === 0 ? {} : { decisions: delivery.decisions }),
  };
}
