/**
 * What every API operation handler receives: the authenticated caller, the store, and one
 * `authorize` that runs the policy engine for this caller, so no API has its own notion of
 * "allowed" (ARCHITECTURE.md, Decisions: one request context).
 */
import type { AccessKeyUse } from '../iam/types.js';
import type { Store } from '../store/store.js';
import type { Caller } from './caller.js';
import type { MfaAttempts } from './mfa-attempts.js';

/** What the IAM API needs to issue users' access keys and report their use. */
export interface AccessKeyServices {
  /** Seals a new secret under the master key (`crypto/long-term-keys.ts`) for the store. */
  seal(secretAccessKey: string, accessKeyId: string): Uint8Array;
  /** Opens what `seal` sealed for `id` (virtual MFA seeds, sealed for their serial number). */
  open?(sealed: Uint8Array, id: string): string;
  /** A use noted by the authenticator and not yet written to the store (`access-key-use.ts`). */
  pendingUse?(accessKeyId: string): AccessKeyUse | undefined;
}

/** Condition-key values an operation adds to the request context (e.g. `iam:PermissionsBoundary`). */
export type ExtraContext = Record<string, string | string[] | undefined>;

export interface OperationContext {
  accountId: string;
  partition: string;
  region: string;
  requestId: string;
  caller: Caller;
  store: Store;
  /** Present where the server holds the master key; `CreateAccessKey` needs it. */
  accessKeys?: AccessKeyServices;
  /**
   * Wrong MFA codes per device, shared with STS, so `ResyncMFADevice` with wrong codes counts
   * toward the same lockout and is refused while it lasts (`mfa-attempts.ts`).
   */
  mfaAttempts?: MfaAttempts;
  /** Milliseconds since the epoch (TOTP checks); `Date.now` when absent. */
  now?: () => number;
  /**
   * Decide `action` on `resourceArn` for the caller with every applicable policy. Resolves when
   * allowed; throws an `AwsError` `AccessDenied` (403) whose message has AWS's form ("User: <arn>
   * is not authorized to perform: <action> on resource: <arn> because ...") otherwise.
   */
  authorize(action: string, resourceArn: string, extra?: ExtraContext): void;
}
