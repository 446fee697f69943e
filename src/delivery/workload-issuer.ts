/**
 * How a compute service obtains its workload's role credentials: the service principal
 * (`ec2.amazonaws.com`, `ecs-tasks.amazonaws.com`, `lambda.amazonaws.com`,
 * `pods.eks.amazonaws.com`) assumes the role, so the role's trust policy must allow that service —
 * through the same evaluator as every other decision — and the session carries the delivery
 * context (`ec2:RoleDelivery`, `ec2:SourceInstanceARN`, `lambda:SourceFunctionArn`, ...) that
 * later requests signed with it are judged by.
 */
import {
  issueTemporaryCredentials,
  type KeyRing,
  type SessionTag,
  type TemporaryCredentials,
} from '../crypto/index.js';
import { AccessDeniedError } from '../control/errors.js';
import type { AuthorizationView } from '../control/authorization-view.js';
import { buildAccessEvent } from '../audit/record.js';
import { deliveryRecord } from '../audit/delivery-record.js';
import type { AccessLogSink } from '../audit/types.js';
import { AwsError, isAwsError } from '../errors.js';
import { createRequestContext, evaluate, type Decision } from '../policy/index.js';

export interface WorkloadIssueRequest {
  accountId: string;
  roleName: string;
  /** The service principal that assumes the role on the workload's behalf. */
  servicePrincipal: string;
  /** `RoleSessionName`: the instance id, task id, function name, pod name. */
  sessionName: string;
  /** 6 hours by default, as EC2 and ECS hand out. */
  durationSeconds?: number;
  /** Condition keys fixed for every request signed with these credentials. */
  deliveryContext?: Record<string, string>;
  /** `aws:SourceArn` for the trust decision (the instance, task or function ARN). */
  sourceArn?: string;
  /** Session tags (EKS Pod Identity adds cluster, namespace, service account, pod tags). */
  tags?: SessionTag[];
}

export interface WorkloadCredentials extends TemporaryCredentials {
  roleArn: string;
  accountId: string;
}

export interface WorkloadIssuerOptions {
  snapshot: AuthorizationView;
  keyRing: () => KeyRing;
  now?: () => number;
  /** Every issuance and refusal becomes one access-log event (one per credential set, not per read). */
  accessLog?: AccessLogSink;
  /** The region events are recorded in (`us-east-1` by default). */
  region?: string;
}

export const DEFAULT_WORKLOAD_SESSION_SECONDS = 6 * 3600;

export class WorkloadIssuer {
  constructor(private readonly options: WorkloadIssuerOptions) {}

  /**
   * Assume the workload's role as its service and issue credentials; `AccessDenied` when the role
   * does not exist or its trust policy does not allow the service.
   *
   * @example
   * await issuer.issue({ accountId, roleName: 'web', servicePrincipal: 'ec2.amazonaws.com', sessionName: instanceId });
   */
  async issue(request: WorkloadIssueRequest): Promise<WorkloadCredentials> {
    const log = this.options.accessLog;
    if (log === undefined) return this.assume(request);
    const decisions: { action: string; resource: string; decision: Decision }[] = [];
    const eventTime = new Date((this.options.now ?? Date.now)());
    const record = (
      issued: WorkloadCredentials | undefined,
      error: { code: string; message: string } | undefined,
    ): Promise<boolean> =>
      log.commit(
        buildAccessEvent(
          deliveryRecord({
            servicePrincipal: request.servicePrincipal,
            accountId: request.accountId,
            roleName: request.roleName,
            ...(issued === undefined ? {} : { roleArn: issued.roleArn }),
            sessionName: request.sessionName,
            durationSeconds: request.durationSeconds ?? DEFAULT_WORKLOAD_SESSION_SECONDS,
            ...(request.sourceArn === undefined ? {} : { sourceArn: request.sourceArn }),
            ...(request.tags === undefined ? {} : { tags: request.tags }),
            region: this.options.region ?? 'us-east-1',
            eventTime,
            decisions,
            ...(issued === undefined ? {} : { issued }),
            ...(error === undefined ? {} : { error }),
          }),
        ),
      );
    let issued: WorkloadCredentials;
    try {
      issued = await this.assume(request, decisions);
    } catch (error) {
      await record(
        undefined,
        isAwsError(error)
          ? { code: error.code, message: error.message }
          : { code: 'InternalFailure', message: 'The credentials could not be issued.' },
      );
      throw error;
    }
    // A log that cannot take the event refuses the delivery rather than hand out credentials nobody recorded.
    if (!(await record(issued, undefined))) {
      throw new AwsError('ServiceUnavailable', 'The access log cannot take the event; retry the request.', {
        status: 503,
      });
    }
    return issued;
  }

  private async assume(
    request: WorkloadIssueRequest,
    decisions?: { action: string; resource: string; decision: Decision }[],
  ): Promise<WorkloadCredentials> {
    const found = await this.options.snapshot.role(request.accountId, request.roleName);
    const roleArnGuess = `arn:aws:iam::${request.accountId}:role/${request.roleName}`;
    const denied = (): AccessDeniedError =>
      new AccessDeniedError(
        `${request.servicePrincipal} is not authorized to perform: sts:AssumeRole on resource: ${found?.role.arn ?? roleArnGuess}`,
      );
    if (found === undefined) throw denied();
    const context = createRequestContext({
      'aws:PrincipalServiceName': request.servicePrincipal,
      'aws:PrincipalIsAWSService': 'true',
      'aws:SourceAccount': request.accountId,
      ...(request.sourceArn === undefined ? {} : { 'aws:SourceArn': request.sourceArn }),
      ...Object.fromEntries((request.tags ?? []).map((t) => [`aws:RequestTag/${t.key}`, t.value])),
      ...(request.tags?.length ? { 'aws:TagKeys': request.tags.map((t) => t.key) } : {}),
    });
    const principal = { type: 'Service' as const, service: request.servicePrincipal };
    const actions = request.tags?.length ? ['sts:AssumeRole', 'sts:TagSession'] : ['sts:AssumeRole'];
    for (const action of actions) {
      const decision = evaluate(
        { principal, action, resource: found.role.arn, resourceAccount: request.accountId, context },
        { resource: found.trust },
      );
      decisions?.push({ action, resource: found.role.arn, decision });
      if (decision.decision !== 'Allow') throw denied();
    }
    const nowMs = (this.options.now ?? Date.now)();
    const issuedAt = Math.floor(nowMs / 1000);
    const credentials = issueTemporaryCredentials(
      {
        accountId: request.accountId,
        roleArn: found.role.arn,
        roleId: found.role.roleId,
        roleName: found.role.roleName,
        roleSessionName: request.sessionName,
        issuedAt,
        expiresAt: issuedAt + (request.durationSeconds ?? DEFAULT_WORKLOAD_SESSION_SECONDS),
        sourcePrincipalArn: request.servicePrincipal,
        ...(request.tags?.length ? { tags: request.tags } : {}),
        ...(request.deliveryContext === undefined ? {} : { deliveryContext: request.deliveryContext }),
      },
      this.options.keyRing(),
      new Date(nowMs),
    );
    return { ...credentials, roleArn: found.role.arn, accountId: request.accountId };
  }
}
