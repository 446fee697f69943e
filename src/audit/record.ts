/**
 * From what a channel saw (`AccessRecordInput`) to one access-log event: a CloudTrail record
 * (the shape of `eventVersion` 1.09 records in CloudTrail log files) with secrets redacted, plus
 * credplane's own `credplane` member (decision, channel, checks and their deciding statements),
 * and the `accesses` the store folds into the last-accessed aggregates.
 */
import { randomUUID } from 'node:crypto';
import type { AuthenticatedCaller } from '../control/authenticate.js';
import type { JsonValue } from '../iam/types.js';
import type { Decision } from '../policy/index.js';
import type { AccessEventInput } from '../store/store.js';
import { redact } from './redact.js';
import type { AccessChannel, AccessRecordInput } from './types.js';

export const EVENT_VERSION = '1.09';

type JsonObject = { [key: string]: JsonValue };

/**
 * CloudTrail writes times to the second: `2026-11-29T09:16:23Z`.
 *
 * @example
 * cloudTrailTime(new Date('2026-11-29T09:16:23.456Z')); // '2026-11-29T09:16:23Z'
 */
export function cloudTrailTime(date: Date): string {
  // On every logged request: cut the milliseconds (`.sssZ`, always the last five characters of
  // `toISOString`) without a regular expression.
  const iso = date.toISOString();
  return `${iso.slice(0, -5)}Z`;
}

/** The AWS service principal that obtains a delivery channel's credentials on AWS. */
const INVOKED_BY: Partial<Record<AccessChannel, string>> = {
  imds: 'ec2.amazonaws.com',
  container: 'ecs-tasks.amazonaws.com',
  lambda: 'lambda.amazonaws.com',
  'pod-identity': 'pods.eks.amazonaws.com',
};

/**
 * Data events (CloudTrail's `eventCategory: "Data"`, `managementEvent: false`): object- and
 * item-level operations. Everything else (STS, IAM, EC2, KMS, Secrets Manager, SSM, bucket and
 * table operations) is a management event, as on AWS.
 */
const DATA_EVENTS: Readonly<Record<string, RegExp>> = {
  's3.amazonaws.com':
    /^(GetObject\w*|PutObject\w*|DeleteObjects?|DeleteObjectTagging|HeadObject|CopyObject|ListObjects(V2)?|ListObjectVersions|ListMultipartUploadParts|ListParts|(Create|Complete|Abort)MultipartUpload|UploadPart(Copy)?|RestoreObject|SelectObjectContent)$/,
  'dynamodb.amazonaws.com':
    /^(GetItem|PutItem|UpdateItem|DeleteItem|Query|Scan|BatchGetItem|BatchWriteItem|TransactGetItems|TransactWriteItems|ExecuteStatement|BatchExecuteStatement|ExecuteTransaction)$/,
  'lambda.amazonaws.com': /^Invoke(WithResponseStream)?$/,
  'sqs.amazonaws.com':
    /^(SendMessage|SendMessageBatch|ReceiveMessage|DeleteMessage|DeleteMessageBatch|ChangeMessageVisibility|ChangeMessageVisibilityBatch)$/,
  'sns.amazonaws.com': /^Publish(Batch)?$/,
};

/** Operations that change nothing (CloudTrail's `readOnly`). */
const READ_ONLY =
  /^(Get|List|Describe|Head|Lookup|Decode|Decrypt$|Encrypt$|GenerateDataKey|Verify|Sign$|Query$|Scan$|BatchGet|TransactGet|ReceiveMessage$|Select|AssumeRole|GetSessionToken|GetFederationToken|Simulate)/;

function isDataEvent(eventSource: string, eventName: string): boolean {
  return DATA_EVENTS[eventSource]?.test(eventName) ?? false;
}

/** `userIdentity` for a signed caller: `AssumedRole` (with `sessionContext`) or `IAMUser`. */
function callerIdentity(auth: AuthenticatedCaller): JsonObject {
  const { caller } = auth;
  const session = caller.session;
  const attributes: JsonObject | undefined =
    session === undefined
      ? undefined
      : {
          creationDate: cloudTrailTime(new Date(session.issuedAt * 1000)),
          mfaAuthenticated: 'false',
        };
  if (caller.kind === 'User') {
    return {
      type: 'IAMUser',
      principalId: caller.userId,
      arn: caller.arn,
      accountId: caller.accountId,
      accessKeyId: caller.accessKeyId,
      userName: caller.userName ?? caller.arn.slice(caller.arn.lastIndexOf('/') + 1),
      ...(attributes === undefined ? {} : { sessionContext: { attributes } }),
    };
  }
  const s = session!;
  return {
    type: 'AssumedRole',
    principalId: caller.userId,
    arn: caller.arn,
    accountId: caller.accountId,
    accessKeyId: caller.accessKeyId,
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: s.roleId,
        arn: s.roleArn,
        accountId: s.accountId,
        userName: s.roleName,
      },
      attributes: attributes!,
      ...(s.sourceIdentity === undefined ? {} : { sourceIdentity: s.sourceIdentity }),
    },
  };
}

/** `userIdentity` when nobody signed: a service obtaining a channel's credentials, or a web identity. */
function unsignedIdentity(input: AccessRecordInput): JsonObject {
  if (input.webIdentity !== undefined) {
    const w = input.webIdentity;
    // CloudTrail names the provider by host and path (`accounts.google.com`), without the scheme.
    const provider = w.identityProvider.replace(/^https:\/\//, '');
    return {
      type: 'WebIdentityUser',
      principalId: `${provider}:${w.audience ?? ''}:${w.subject}`,
      userName: w.subject,
      identityProvider: provider,
    };
  }
  const invokedBy = INVOKED_BY[input.channel];
  if (invokedBy !== undefined) return { type: 'AWSService', invokedBy };
  return { type: 'Unknown', ...(input.accountId === undefined ? {} : { accountId: input.accountId }) };
}

/** CloudTrail-like references to the statements that decided one check. */
function decidingStatements(decision: Decision): JsonValue[] {
  return decision.explanation.deciding.map((ref) => ({
    policy: ref.policyName ?? ref.policyId,
    policyId: ref.policyId,
    policyKind: ref.policyKind,
    index: ref.statementIndex,
    ...(ref.sid === undefined ? {} : { sid: ref.sid }),
    effect: ref.effect,
  }));
}

function missingAllows(decision: Decision): JsonValue[] | undefined {
  if (decision.decision !== 'ImplicitDeny' || decision.explanation.missing.length === 0) return undefined;
  return decision.explanation.missing.map((m) =>
    m.kind === 'scp' || m.kind === 'rcp' ? `${m.kind}:${m.level}` : m.kind,
  );
}

/** The role an event counts for in the last-accessed aggregates. */
function roleOf(input: AccessRecordInput): string | undefined {
  const session = input.caller?.caller.session;
  if (input.caller?.caller.kind === 'AssumedRole' && session !== undefined) return session.roleName;
  return input.roleName;
}

/**
 * Builds the access-log event for one decision or credential delivery: the CloudTrail record
 * (secrets redacted) and the accesses for the last-accessed aggregates (one per check, on the
 * exact resource checked; the analyzer generalises).
 *
 * @example
 * await sink.commit(
 *   buildAccessEvent({
 *     channel: 'sts', eventTime: new Date(), eventSource: 'sts.amazonaws.com',
 *     eventName: 'AssumeRole', awsRegion: 'us-east-1', sourceIPAddress: '127.0.0.1',
 *     caller: auth, requestId, decision: 'allow', decisions,
 *     requestParameters: { roleArn, roleSessionName: 'ci' },
 *   }),
 * );
 */
export function buildAccessEvent(input: AccessRecordInput): AccessEventInput {
  const accountId = input.caller?.caller.accountId ?? input.accountId;
  if (accountId === undefined) {
    throw new TypeError(`access event ${input.eventName} has neither a caller nor an accountId`);
  }
  const eventId = randomUUID();
  const data = isDataEvent(input.eventSource, input.eventName);
  const userIdentity = input.caller === undefined ? unsignedIdentity(input) : callerIdentity(input.caller);
  if (input.accessKeyId !== undefined && userIdentity.accessKeyId === undefined) {
    userIdentity.accessKeyId = input.accessKeyId;
  }
  const userAgent =
    input.userAgent ??
    input.caller?.userAgent ??
    (typeof userIdentity.invokedBy === 'string' ? userIdentity.invokedBy : undefined);

  const checks: JsonValue[] = (input.decisions ?? []).map((d) => {
    const missing = missingAllows(d.decision);
    return {
      action: d.action,
      resource: d.resource,
      decision: d.decision.decision,
      decidingStatements: decidingStatements(d.decision),
      ...(missing === undefined ? {} : { missingAllow: missing }),
    };
  });

  const record: JsonObject = {
    eventVersion: EVENT_VERSION,
    userIdentity,
    eventTime: cloudTrailTime(input.eventTime),
    eventSource: input.eventSource,
    eventName: input.eventName,
    awsRegion: input.awsRegion,
    sourceIPAddress: input.sourceIPAddress,
    ...(userAgent === undefined ? {} : { userAgent }),
    ...(input.errorCode === undefined ? {} : { errorCode: input.errorCode }),
    ...(input.errorMessage === undefined ? {} : { errorMessage: input.errorMessage }),
    requestParameters:
      input.requestParameters === undefined ? null : redact(input.requestParameters, input.eventName),
    responseElements:
      input.responseElements === undefined ? null : redact(input.responseElements, input.eventName),
    requestID: input.requestId,
    eventID: eventId,
    readOnly: READ_ONLY.test(input.eventName),
    ...(input.resources === undefined || input.resources.length === 0
      ? {}
      : {
          resources: input.resources.map((r) => ({
            ...(r.accountId === undefined ? {} : { accountId: r.accountId }),
            ...(r.type === undefined ? {} : { type: r.type }),
            ARN: r.ARN,
          })),
        }),
    eventType: 'AwsApiCall',
    managementEvent: !data,
    recipientAccountId: accountId,
    eventCategory: data ? 'Data' : 'Management',
    credplane: {
      decision: input.decision,
      channel: input.channel,
      checks,
      ...(input.suppressedUnauthenticated
        ? { suppressedUnauthenticated: input.suppressedUnauthenticated }
        : {}),
    },
  };

  const roleName = roleOf(input);
  const principalArn = input.caller?.caller.principalArn ?? input.roleArn;
  return {
    eventId,
    eventTime: input.eventTime,
    accountId,
    ...(roleName === undefined ? {} : { roleName }),
    ...(principalArn === undefined ? {} : { principalArn }),
    channel: input.channel,
    eventSource: input.eventSource,
    eventName: input.eventName,
    decision: input.decision,
    ...(input.errorCode === undefined ? {} : { errorCode: input.errorCode }),
    record,
    // Only a signed caller's checks are uses of its role's permissions; a delivery's or a web
    // identity's checks are of the trust policy, on behalf of a service or an outside identity.
    ...(input.caller === undefined || input.decisions === undefined || input.decisions.length === 0
      ? {}
      : {
          accesses: input.decisions.map((d) => ({
            action: d.action,
            resource: d.resource,
            allowed: d.decision.decision === 'Allow',
          })),
        }),
  };
}
