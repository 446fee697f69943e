/**
 * Every EC2 instance's metadata endpoint, kept in step with the Store: one endpoint per
 * `ec2-instance` workload on a stable loopback port, created, updated and closed as workloads,
 * instance profiles and roles change (in this process at once through the Store's change events,
 * from other processes within `pollMs`).
 *
 * Each instance holds two `RefreshingSource`s, one per delivery version, so IMDSv1 and IMDSv2
 * requests get different credential sets whose sessions carry `ec2:RoleDelivery` 1.0 or 2.0 (Amazon
 * EC2 User Guide, Transition to using Instance Metadata Service Version 2: `ec2:RoleDelivery`).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { KeyRing } from '../../crypto/index.js';
import { AccessDeniedError } from '../../control/errors.js';
import type { AuthorizationView } from '../../control/authorization-view.js';
import type { InstanceProfile } from '../../iam/types.js';
import type { Store, StoreChange } from '../../store/store.js';
import { RefreshingSource } from '../refreshing-source.js';
import type { AccessLogSink } from '../../audit/types.js';
import { createRefusalLog } from '../../audit/refusal-log.js';
import { UnauthenticatedBudget } from '../../audit/unauthenticated.js';
import { WorkloadIssuer, type WorkloadCredentials } from '../workload-issuer.js';
import { credentialDocument, iamInfoDocument, unauthorizedDocument } from './documents.js';
import type { IdentitySigner } from './identity.js';
import {
  createImdsServer,
  type ImdsEndpoint,
  type ImdsState,
  type MetadataOptions,
  type SetSocketTtl,
} from './server.js';
import { ImdsTokens } from './tokens.js';
import { identityDocument, instanceTree, type RoleDelivery } from './tree.js';
import { instanceDescription, instanceIssueRequest } from './instance-facts.js';
import { instanceIdOf, metadataOptionsOf, type InstanceWorkload } from '../../workloads/index.js';

export { EC2_SERVICE_PRINCIPAL } from './instance-facts.js';
/** Where an instance's endpoint port is kept in its workload settings. */
export const PORT_SETTING = 'imdsPort' satisfies keyof InstanceWorkload['settings'];

export interface ImdsServiceOptions {
  store: Store;
  snapshot: AuthorizationView;
  keyRing: () => KeyRing;
  accountId: string;
  region: string;
  partition: string;
  identity: IdentitySigner;
  now?: () => number;
  /** Lifetime of issued credentials; 6 hours by default. */
  credentialSeconds?: number;
  /** Replace credentials once fewer than this many seconds remain; 30 minutes by default. */
  refreshBeforeSeconds?: number;
  /** Ports are derived from instance ids within `[portBase, portBase + portSpan)`. */
  portBase?: number;
  portSpan?: number;
  /** How often to re-read the Store for changes made by other processes; 5000 ms. 0 = never. */
  pollMs?: number;
  /** Sets the IP TTL of token responses to the instance's hop limit (`socket-ttl.ts`); none = not enforced. */
  setSocketTtl?: SetSocketTtl;
  /** The address every endpoint listens on; `127.0.0.1` by default. */
  host?: string;
  onError?: (error: unknown) => void;
  /**
   * Each credential set issued or refreshed (not each metadata read) is an access-log event, and
   * so is each refusal an attacker causes (no token when required, `X-Forwarded-For`, a bad token;
   * `audit/refusal-record.ts`), under the unauthenticated budget.
   */
  accessLog?: AccessLogSink;
  unauthenticatedBudget?: UnauthenticatedBudget;
}

export interface InstanceEndpointInfo {
  name: string;
  instanceId: string;
  port: number;
  url: string;
  roleName?: string;
  options: MetadataOptions;
}

export interface ImdsService {
  /** Start every instance's endpoint and follow the Store. */
  start(): Promise<void>;
  /** Bring the endpoints in line with the Store now. */
  reconcile(): Promise<void>;
  /** The endpoint of an instance, by instance id or workload name. */
  find(instanceIdOrName: string): InstanceEndpointInfo | undefined;
  list(): InstanceEndpointInfo[];
  /** Call `listener` after every pass that brought the endpoints in line with the Store. */
  onReconciled(listener: (instances: InstanceEndpointInfo[]) => void): void;
  stop(): Promise<void>;
}

/** The options the endpoint enforces, from the instance's settings with EC2's defaults. */
function endpointOptions(w: InstanceWorkload): MetadataOptions {
  const m = metadataOptionsOf(w.settings);
  return {
    httpTokens: m.httpTokens,
    httpEndpoint: m.httpEndpoint,
    httpPutResponseHopLimit: m.httpPutResponseHopLimit,
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** A port derived from the instance id, so it stays the same across restarts even unrecorded. */
export function derivedPort(instanceId: string, base: number, span: number): number {
  return base + (digest(instanceId).readUInt32BE(0) % span);
}

class Instance {
  readonly generation = randomBytes(8).toString('hex');
  state!: ImdsState;
  info!: InstanceEndpointInfo;
  endpoint: ImdsEndpoint | undefined;
  private roleName: string | undefined;
  private sources: Record<RoleDelivery, RefreshingSource<WorkloadCredentials>> | undefined;
  private readonly rendered = new WeakMap<WorkloadCredentials, [string, string]>();
  /** Signatures of the current identity document, made on first read (RSA signing costs ~1 ms each). */
  private signed: { document: string; signature?: string; pkcs7?: string } | undefined;

  constructor(
    readonly instanceId: string,
    private readonly service: ServiceContext,
  ) {}

  update(w: InstanceWorkload, profile: InstanceProfile | undefined): void {
    const o = this.service.options;
    const roleName = profile === undefined ? undefined : profile.roles[0]?.roleName;
    if (roleName !== this.roleName) {
      this.roleName = roleName;
      this.sources =
        roleName === undefined
          ? undefined
          : { '1.0': this.source(roleName, '1.0'), '2.0': this.source(roleName, '2.0') };
    }
    const description = instanceDescription(this.instanceId, w, profile, o);
    const document = identityDocument(description);
    const now = (): Date => new Date(this.service.now());
    this.state = {
      binding: { instanceId: this.instanceId, generation: this.generation },
      options: endpointOptions(w),
      tree: instanceTree(description, {
        credentials: (delivery, extended) => this.credentials(delivery, extended),
        iamInfo: () =>
          profile === undefined
            ? ''
            : iamInfoDocument({ arn: profile.arn, id: profile.instanceProfileId }, now()),
        identityDocument: document,
        identitySignature: () => this.signature(document, 'signature'),
        identityPkcs7: () => this.signature(document, 'pkcs7'),
      }),
    };
    this.info = {
      name: w.name,
      instanceId: this.instanceId,
      port: this.endpoint?.port ?? 0,
      url: this.endpoint?.url ?? '',
      ...(roleName === undefined ? {} : { roleName }),
      options: this.state.options,
    };
  }

  private signature(document: string, kind: 'signature' | 'pkcs7'): string {
    if (this.signed?.document !== document) this.signed = { document };
    const identity = this.service.options.identity;
    return (this.signed[kind] ??= kind === 'signature' ? identity.sign(document) : identity.pkcs7(document));
  }

  /** The role's trust or existence changed: issue afresh on the next request. */
  invalidate(roleName: string): void {
    if (this.roleName?.toLowerCase() !== roleName.toLowerCase()) return;
    this.sources?.['1.0'].invalidate();
    this.sources?.['2.0'].invalidate();
  }

  private source(roleName: string, delivery: RoleDelivery): RefreshingSource<WorkloadCredentials> {
    const o = this.service.options;
    return new RefreshingSource({
      now: this.service.now,
      ...(o.refreshBeforeSeconds === undefined ? {} : { refreshBeforeSeconds: o.refreshBeforeSeconds }),
      issue: () => this.service.issuer.issue(instanceIssueRequest(this.instanceId, roleName, delivery, o)),
    });
  }

  private async credentials(delivery: RoleDelivery, extended: boolean): Promise<string> {
    const sources = this.sources;
    const roleName = this.roleName;
    if (sources === undefined || roleName === undefined) return '';
    let credentials: WorkloadCredentials;
    try {
      credentials = await sources[delivery].get();
    } catch (error) {
      // EC2 answers a trust failure with a document, not an HTTP error (Amazon EC2 User Guide,
      // Instance metadata categories: `iam/info`).
      if (error instanceof AccessDeniedError)
        return unauthorizedDocument(roleName, new Date(this.service.now()));
      throw error;
    }
    let docs = this.rendered.get(credentials);
    if (docs === undefined) {
      const lifetime = (this.service.options.credentialSeconds ?? 6 * 3600) * 1000;
      const issuedAt = new Date(credentials.expiration.getTime() - lifetime);
      docs = [
        credentialDocument(credentials, issuedAt, false),
        credentialDocument(credentials, issuedAt, true),
      ];
      this.rendered.set(credentials, docs);
    }
    return extended ? docs[1] : docs[0];
  }
}

interface ServiceContext {
  options: ImdsServiceOptions;
  issuer: WorkloadIssuer;
  now: () => number;
}

const RELEVANT = new Set<StoreChange['entity']>(['workload', 'instance-profile', 'role']);

/**
 * @example
 * const imds = createImdsService({ store, snapshot, keyRing, accountId, region, partition, identity });
 * await imds.start();
 * imds.find('i-0123456789abcdef0')?.url; // 'http://127.0.0.1:2xxxx/'
 */
export function createImdsService(options: ImdsServiceOptions): ImdsService {
  const now = options.now ?? Date.now;
  const context: ServiceContext = {
    options,
    now,
    issuer: new WorkloadIssuer({
      snapshot: options.snapshot,
      keyRing: options.keyRing,
      now,
      region: options.region,
      ...(options.accessLog === undefined ? {} : { accessLog: options.accessLog }),
    }),
  };
  const tokens = new ImdsTokens();
  const budget = options.unauthenticatedBudget ?? new UnauthenticatedBudget();
  /** Refusals into the log, without holding up the answer (as the gateway's unauthenticated events). */
  const logRefusal =
    options.accessLog === undefined
      ? undefined
      : createRefusalLog({
          accessLog: options.accessLog,
          budget,
          accountId: options.accountId,
          region: options.region,
          partition: options.partition,
          now,
          ...(options.onError === undefined ? {} : { onError: options.onError }),
        });
  const base = options.portBase ?? 20000;
  const span = options.portSpan ?? 10000;
  const instances = new Map<string, Instance>();
  const listeners: ((instances: InstanceEndpointInfo[]) => void)[] = [];
  let running: Promise<void> = Promise.resolve();
  let queued = false;
  let stopped = false;
  let unsubscribe: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;

  async function bind(instance: Instance, preferred: number | undefined): Promise<ImdsEndpoint> {
    const candidates = [
      ...(preferred === undefined ? [] : [preferred]),
      ...Array.from(
        { length: 64 },
        (_, i) => base + ((derivedPort(instance.instanceId, base, span) - base + i) % span),
      ),
    ];
    let last: unknown;
    for (const port of candidates) {
      try {
        return await createImdsServer(
          {
            state: () => instance.state,
            tokens,
            now,
            ...(options.setSocketTtl === undefined ? {} : { setSocketTtl: options.setSocketTtl }),
            ...(options.onError === undefined ? {} : { onError: options.onError }),
            onRefused: (reason, status, sourceIp) =>
              logRefusal?.({ channel: 'imds', reason, status, sourceIp, instanceId: instance.instanceId }),
          },
          port,
          options.host,
        );
      } catch (error) {
        last = error;
      }
    }
    throw last;
  }

  async function reconcileOnce(): Promise<void> {
    const workloads = await options.store.listWorkloads(options.accountId, { kind: 'ec2-instance' });
    const profiles = new Map<string, InstanceProfile>();
    let marker: string | undefined;
    do {
      const page = await options.store.listInstanceProfiles(options.accountId, {
        maxItems: 1000,
        ...(marker === undefined ? {} : { marker }),
      });
      for (const p of page.items) profiles.set(p.instanceProfileName.toLowerCase(), p);
      marker = page.isTruncated ? page.marker : undefined;
    } while (marker !== undefined);

    const seen = new Set<string>();
    for (const w of workloads) {
      if (stopped) return;
      const id = instanceIdOf(w);
      seen.add(id);
      const profileName = w.settings.instanceProfileName;
      const profile = profileName === undefined ? undefined : profiles.get(profileName.toLowerCase());
      let instance = instances.get(id);
      if (instance === undefined) {
        instance = new Instance(id, context);
        instance.update(w, profile);
        instance.endpoint = await bind(instance, w.settings.imdsPort);
        instances.set(id, instance);
      }
      instance.update(w, profile);
      if (w.settings.imdsPort !== instance.endpoint!.port) {
        // Record the port so it survives restarts and template re-applies that rewrite settings.
        await options.store.putWorkload(options.accountId, {
          kind: w.kind,
          name: w.name,
          roleName: w.roleName,
          settings: { ...w.settings, imdsPort: instance.endpoint!.port },
        });
      }
    }
    for (const [id, instance] of instances) {
      if (seen.has(id)) continue;
      instances.delete(id);
      await instance.endpoint?.close();
    }
    const infos = [...instances.values()].map((i) => i.info);
    for (const listener of listeners) listener(infos);
  }

  function reconcile(): Promise<void> {
    // Coalesce bursts of changes into one pass after the one running now.
    if (queued) return running;
    queued = true;
    running = running
      .catch(() => undefined)
      .then(() => {
        queued = false;
        return stopped ? undefined : reconcileOnce();
      });
    return running;
  }

  return {
    async start() {
      unsubscribe = options.store.onChange((change) => {
        if (change.accountId !== options.accountId) return;
        // A role's trust policy decides whether EC2 may deliver it at all: re-check at once.
        if (change.entity === 'role') for (const i of instances.values()) i.invalidate(change.key);
        if (RELEVANT.has(change.entity)) {
          reconcile().catch((error: unknown) => options.onError?.(error));
        }
      });
      await reconcile();
      const pollMs = options.pollMs ?? 5000;
      if (pollMs > 0) {
        timer = setInterval(() => {
          reconcile().catch((error: unknown) => options.onError?.(error));
        }, pollMs);
        timer.unref();
      }
    },
    reconcile,
    find(key) {
      const byId = instances.get(key);
      if (byId !== undefined) return byId.info;
      for (const instance of instances.values()) if (instance.info.name === key) return instance.info;
      return undefined;
    },
    list: () => [...instances.values()].map((i) => i.info),
    onReconciled: (listener) => void listeners.push(listener),
    async stop() {
      stopped = true;
      unsubscribe?.();
      if (timer !== undefined) clearInterval(timer);
      await running.catch(() => undefined);
      await Promise.all([...instances.values()].map((i) => i.endpoint?.close()));
      instances.clear();
    },
  };
}
