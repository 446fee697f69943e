/**
 * What a node may have: the EC2 instances placed on it (`settings.node`), their metadata, and their
 * role credentials, issued by the same `WorkloadIssuer` as every other channel (one access-log
 * event per credential set). A request for an instance that is not placed on the asking node is
 * refused and that refusal is an access-log event too, naming the node.
 */
import { buildAccessEvent } from '../../audit/record.js';
import { deliveryRecord } from '../../audit/delivery-record.js';
import type { AccessLogSink } from '../../audit/types.js';
import { AccessDeniedError } from '../../control/errors.js';
import type { AuthorizationView } from '../../control/authorization-view.js';
import type { KeyRing } from '../../crypto/index.js';
import type { InstanceProfile } from '../../iam/types.js';
import type { Store } from '../../store/store.js';
import { instanceIdOf, metadataOptionsOf, type InstanceWorkload } from '../../workloads/index.js';
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

export interface NodeWorkloadsOptions extends InstanceScope {
  store: Store;
  snapshot: AuthorizationView;
  keyRing: () => KeyRing;
  identity: IdentitySigner;
  accessLog?: AccessLogSink;
  now?: () => number;
  credentialSeconds?: number;
}

export class NodeWorkloads {
  private readonly issuer: WorkloadIssuer;
  private readonly now: () => number;

  constructor(private readonly options: NodeWorkloadsOptions) {
    this.now = options.now ?? Date.now;
    this.issuer = new WorkloadIssuer({
      snapshot: options.snapshot,
      keyRing: options.keyRing,
      now: this.now,
      region: options.region,
      ...(options.accessLog === undefined ? {} : { accessLog: options.accessLog }),
    });
  }

  /** The instances placed on `node`. */
  async instances(node: string): Promise<NodeInstance[]> {
    const out: NodeInstance[] = [];
    for (const w of await this.placed(node)) {
      const instanceId = instanceIdOf(w);
      const profile = await this.profile(w);
      const { userData, ...d } = instanceDescription(instanceId, w, profile, this.options);
      const document = identityDocument({ ...d, ...(userData === undefined ? {} : { userData }) });
      const m = metadataOptionsOf(w.settings);
      const roleName = instanceRoleName(profile);
      out.push({
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
        identity: {
          document,
          signature: this.options.identity.sign(document),
          pkcs7: this.options.identity.pkcs7(document),
        },
      });
    }
    return out;
  }

  /**
   * The instance's role credentials for `node`, which must be where the instance is placed;
   * `AccessDenied` (logged) otherwise.
   */
  async credentials(node: string, instanceId: string, delivery: RoleDelivery): Promise<NodeCredentials> {
    const all = await this.options.store.listWorkloads(this.options.accountId, { kind: 'ec2-instance' });
    const w = all.find((x) => instanceIdOf(x) === instanceId);
    const profile = w === undefined ? undefined : await this.profile(w);
    const roleName = instanceRoleName(profile);
    if (w === undefined || w.settings.node !== node || roleName === undefined) {
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

  /** The ids of the instances placed on `node` (cheap: no documents signed). */
  async placedInstanceIds(node: string): Promise<string[]> {
    return (await this.placed(node)).map((w) => instanceIdOf(w));
  }

  private async placed(node: string): Promise<InstanceWorkload[]> {
    const all = await this.options.store.listWorkloads(this.options.accountId, { kind: 'ec2-instance' });
    return all.filter((w) => w.settings.node === node);
  }

  private async profile(w: InstanceWorkload): Promise<InstanceProfile | undefined> {
    const name = w.settings.instanceProfileName;
    if (name === undefined) return undefined;
    try {
      return await this.options.store.getInstanceProfile(this.options.accountId, name);
    } catch {
      return undefined;
    }
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
