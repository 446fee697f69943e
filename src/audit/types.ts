/**
 * The access log's contract with the channels that write to it (gateway, STS, IAM, EC2 API,
 * credential delivery): each builds an `AccessRecordInput`; `audit/record.ts` turns it into a
 * CloudTrail-format record with secrets redacted; an `AccessLogSink` commits it to the store before the
 * request is answered.
 */
import type { AuthenticatedCaller } from '../control/authenticate.js';
import type { JsonValue } from '../iam/types.js';
import type { Decision } from '../policy/index.js';
import type { AccessEventInput } from '../store/store.js';

export type AccessChannel =
  'gateway' | 'sts' | 'iam' | 'ec2' | 'imds' | 'container' | 'pod-identity' | 'lambda' | 'web-identity';

export interface AccessRecordInput {
  channel: AccessChannel;
  eventTime: Date;
  /** `s3.amazonaws.com`, `sts.amazonaws.com`, `ec2.amazonaws.com` (IMDS deliveries), ... */
  eventSource: string;
  eventName: string;
  awsRegion: string;
  sourceIPAddress: string;
  userAgent?: string;
  /** The authenticated caller; absent for unsigned requests (IMDS, web identity before verification). */
  caller?: AuthenticatedCaller;
  /** The account the event belongs to when there is no caller. */
  accountId?: string;
  /** The role acted as or delivered for, when there is no caller or it differs. */
  roleName?: string;
  requestParameters?: { [key: string]: JsonValue };
  responseElements?: { [key: string]: JsonValue };
  errorCode?: string;
  errorMessage?: string;
  resources?: { ARN: string; type?: string; accountId?: string }[];
  requestId: string;
  decision: 'allow' | 'deny' | 'audit-deny';
  /** The policy decisions behind `decision`, one per check, for the deciding statements. */
  decisions?: { action: string; resource: string; decision: Decision }[];
  /** Access-key-level detail: which credential was used (never the secret). */
  accessKeyId?: string;
  /** The ARN of the role acted as or delivered for, when there is no caller (the event's `principalArn`). */
  roleArn?: string;
  /** For `AssumeRoleWithWebIdentity`: the verified token's issuer, audience and subject (`WebIdentityUser`). */
  webIdentity?: { identityProvider: string; audience?: string; subject: string };
  /**
   * For an unauthenticated request: how many unauthenticated events were left out of the log
   * since the previous one written (`audit/unauthenticated.ts`).
   */
  suppressedUnauthenticated?: number;
}

export interface AccessLogSink {
  /**
   * Resolves `true` once the event is durable — in this process's journal
   * (`audit/journaled-log.ts`, `credplane up`'s default) or committed to the store
   * (`audit/queue.ts`) — or `false` when the log cannot take it (full, closed, journal not
   * writable, store too slow): the caller must then refuse the request. A request is answered
   * only after its event is durable, so every answered call is in the log (docs/access-log.md
   * says what that survives).
   */
  commit(event: AccessEventInput): Promise<boolean>;
  /**
   * Queues an event nobody waits for (a forwarded call's outcome, completing an event already
   * committed): it is written with the next batch, or within `audit/queue.ts`'s `lazyDelayMs`, so
   * it costs no transaction of its own (the journaled sink journals it first, like `commit`).
   * `false` when the log cannot take it.
   */
  append?(event: AccessEventInput): boolean;
}
