/**
 * What a node may have: the EC2 instances placed on it (`settings.node`), their metadata, and their
 * role credentials, issued by the same `WorkloadIssuer` as every other channel (one access-log
 * event per credential set). A request for an instance that is not placed on the asking node is
 * refused and that refusal is an access-log event too, naming the node.
 *
 * Placement comes from a `PlacementIndex` (rebuilt only when the store generation moves, so a
 * request costs no listing of the account's workloads), and a node's sync answer, identity
 * computed once per generation and node, each identity document signed once while it is unchanged.
 */
import { buildAccessEvent } from '../../audit/record.js';
import { deliveryRecord } from '../../audit/delivery-record.js';
import type { AccessLogSink } from '../../audit/types.js';
import { AccessDeniedError } from '../../control/errors.js';
import type { AuthorizationView } from '../../control/authorization-view.js';
import type { KeyRing } from '../../crypto/index.js';
import type { Store } from '../../store/store.js';
import { metadataOptionsOf } from '../../workloads/index.js';
import type { IdentitySigner } from '../imds/identity.js';
import {
  EC2_SERVICE_PRINCIPAL,
  instanceDescription,
  instanceIssueRequest,
  instanceRoleName,
  type InstanceScope,
} from '../imds/instance-facts.js';
import { identityDocument, type RoleDelivery } from '../imds/tree.js';
import { DEFAULT_WORKLOAD_SESSION_SECONDS, WorkloadIssuer } from '../workload-issuer.js';
import { PlacementIndex, type PlacedInstance } from './placement-index.js';

/** One instance as the agent gets it: enough to build the same metadata tree `credplane up` serves. */
export interface NodeInstance {
  name: string;
  instanceId: string;
  options: {
    httpTokens: 'optional' | 'required';
    httpEndpoint: 'enabled' | 'disabled';
    httpPutResponseHopLimit: number;
  };
  /** `HttpProtocolIpv6`: the agent serves `[fd00:ec2::254]` only while it is enabled. */
  httpProtocolIpv6?: 'enabled' | 'disabled';
  roleName?: string;
  description: Omit<ReturnType<typeof instanceDescription>, 'launchTime' | 'userData'> & {
    launchTime: string;
    userData?: string;
  };
  identity: { document: string; signature: string; pkcs7: string };
}

export type NodeCredentials =
  | {
      code: 'Success';
      accessKeyId: string;
      secretAccessKey: string;
      sessionToken: string;
      expiration: string;
      issuedAt: string;
      accountId: string;
      roleArn: string;
    }
  | { code: 'AssumeRoleUnauthorizedAccess'; roleName: string };

interface Signatures {
  signature: string;
  pkcs7: string;
}

export interface NodeWorkloadsOptions extends InstanceScope {
  store: Store;
  snapshot: AuthorizationView;
  keyRing: () => KeyRing;
  identity: IdentitySigner;
  accessLog?: AccessLogSink;
  now?: () => number;
  credentialSeconds?: number;
  /** Shared with other readers of the same store and account; one of its own when absent. */
  placement?: PlacementIndex;
}

export class NodeWorkloads {
  private readonly issuer: WorkloadIssuer;
  private readonly now: () => number;
  private readonly placement: PlacementIndex;
  /**
   * Identity signatures by document, for the documents of the newest generation synced and of the
   * one before it: a write that leaves an instance's document as it was (most writes: a role's
   * policy, another node's placement) re-signs nothing, and a document no longer asked for is
   * dropped at the next generation.
   */
  private signatures = {
    generation: -1,
    current: new Map<string, Signatures>(),
    previous: new Map<string, Signatures>(),
  };

  constructor(private readonly options: NodeWorkloadsOptions) {
    this.now = options.now ?? Date.now;
    this.placement =
      options.placement ?? new PlacementIndex({ store: options.store, accountId: options.accountId });
    this.issuer = new WorkloadIssuer({
      snapshot: options.snapshot,
      keyRing: options.keyRing,
      now: this.now,
      region: options.region,
      ...(options.accessLog === undefined ? {} : { accessLog: options.accessLog }),
    });
  }

  /**
   * The instances placed on `node`. The answer is the same until the store generation moves, so
   * it is built once per node and generation, and each identity document is signed once for as
   * long as it stays the same (RSA PKCS#1 v1.5 is deterministic; the PKCS#7's signing time is then
   * the time of the first sync that needed that document).
   */
  async instances(node: string): Promise<NodeInstance[]> {
    const placement = await this.placement.current();
    return placement.memoise(`instances\u0000${node}`, () =>
      placement.onNode(node).map((p) => this.nodeInstance(p, placement.generation)),
    );
  }

  private signed(document: string, generation: number): Signatures {
    const cache = this.signatures;
    if (generation > cache.generation) {
      this.signatures = { generation, current: new Map(), previous: cache.current };
    }
    const { current, previous } = this.signatures;
    let found = current.get(document) ?? previous.get(document);
    if (found === undefined) {
      found = {
        signature: this.options.identity.sign(document),
        pkcs7: this.options.identity.pkcs7(document),
      };
    }
    current.set(document, found);
    return found;
  }

  private nodeInstance(
    { instanceId, workload: w, profile }: PlacedInstance,
    generation: number,
  ): NodeInstance {
    const { userData, ...d } = instanceDescription(instanceId, w, profile, this.options);
    const document = identityDocument({ ...d, ...(userData === undefined ? {} : { userData }) });
    const m = metadataOptionsOf(w.settings);
    const roleName = instanceRoleName(profile);
    return {
      name: w.name,
      instanceId,
      options: {
        httpTokens: m.httpTokens,
        httpEndpoint: m.httpEndpoint,
        httpPutResponseHopLimit: m.httpPutResponseHopLimit,
      },
      httpProtocolIpv6: m.httpProtocolIpv6,
      ...(roleName === undefined ? {} : { roleName }),
      description: {
        ...d,
        launchTime: d.launchTime.toISOString(),
        ...(userData === undefined ? {} : { userData: userData.toString('base64') }),
      },
      identity: { document, ...this.signed(document, generation) },
    };
  }

  /**
   * The instance's role credentials for `node`, which must be where the instance is placed;
   * `AccessDenied` (logged) otherwise.
   */
  async credentials(node: string, instanceId: string, delivery: RoleDelivery): Promise<NodeCredentials> {
    const placed = (await this.placement.current()).instance(instanceId);
    const roleName = instanceRoleName(placed?.profile);
    if (placed === undefined || placed.workload.settings.node !== node || roleName === undefined) {
      await this.refuse(node, instanceId, roleName);
      throw new AccessDeniedError(`Node ${node} is not allowed the credentials of instance ${instanceId}.`);
    }
    try {
      const issued = await this.issuer.issue(
        instanceIssueRequest(instanceId, roleName, delivery, {
          ...this.options,
          ...(this.options.credentialSeconds === undefined
            ? {}
            : { credentialSeconds: this.options.credentialSeconds }),
        }),
      );
      const lifetime = (this.options.credentialSeconds ?? DEFAULT_WORKLOAD_SESSION_SECONDS) * 1000;
      return {
        code: 'Success',
        accessKeyId: issued.accessKeyId,
        secretAccessKey: issued.secretAccessKey,
        sessionToken: issued.sessionToken,
        expiration: issued.expiration.toISOString(),
        issuedAt: new Date(issued.expiration.getTime() - lifetime).toISOString(),
        accountId: issued.accountId,
        roleArn: issued.roleArn,
      };
    } catch (error) {
      // EC2 answers a trust failure with a document (Amazon EC2 User Guide, Instance metadata
      // categories: `iam/info`); the agent serves it as `credplane up` does.
      if (error instanceof AccessDeniedError) return { code: 'AssumeRoleUnauthorizedAccess', roleName };
      throw error;
    }
  }

  /** The ids of the instances placed on `node` (cheap: from the placement index, nothing signed). */
  async placedInstanceIds(node: string): Promise<string[]> {
    return (await this.placement.current()).onNode(node).map((p) => p.instanceId);
  }

  private async refuse(node: string, instanceId: string, roleName: string | undefined): Promise<void> {
    const o = this.options;
    const instanceArn = `arn:${o.partition}:ec2:${o.region}:${o.accountId}:instance/${instanceId}`;
    await o.accessLog?.commit(
      buildAccessEvent(
        deliveryRecord({
          servicePrincipal: EC2_SERVICE_PRINCIPAL,
          accountId: o.accountId,
          roleName: roleName ?? '',
          sessionName: instanceId,
          durationSeconds: o.credentialSeconds ?? DEFAULT_WORKLOAD_SESSION_SECONDS,
          sourceArn: instanceArn,
          region: o.region,
          eventTime: new Date(this.now()),
          decisions: [],
          error: {
            code: 'AccessDenied',
            message: `Node ${node} is not allowed the credentials of instance ${instanceId}.`,
          },
        }),
      ),
    );
  }
}
