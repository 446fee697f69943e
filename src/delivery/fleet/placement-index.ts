/**
 * Where the account's EC2 instances are placed, read from the store once per store generation:
 * instance id -> its workload and instance profile, node -> the instances placed on it. The agent
 * port asks it on every credential fetch and every agent sync, which used to list every
 * `ec2-instance` workload of the account each time (O(workloads in the store) per request;
 * docs/benchmarks.md, "Fleet: agents on the agent port").
 *
 * Current, never stale: every request reads the store generation (`Store.generation`: advanced in
 * the transaction of every write that fires change events, whichever process makes it; on SQLite a
 * prepared statement on the local file) and is answered from an index built from reads made after
 * that generation was observed, so a write committed before the request began (a re-placed
 * instance, a deleted workload, a profile given another role) is in its answer. A node's removal is
 * not the index's business: `NodeRegistry.identify` checks the node's certificate in the store on
 * each request before any of this.
 *
 * Store away: the generation read fails, and so does the request (the store's retryable 503,
 * `store/database-errors.ts`), as it did when each request listed the workloads; the last index is
 * not served, since nothing then says it is still true. A build that fails is not kept.
 *
 * Concurrent requests share one build (single flight) when it started from a generation at least
 * as new as the one they read; a newer generation starts a newer build.
 */
import { isAwsError } from '../../errors.js';
import type { InstanceProfile } from '../../iam/types.js';
import type { Store } from '../../store/store.js';
import { instanceIdOf, type InstanceWorkload } from '../../workloads/index.js';

/** One instance as placed: its workload and its instance profile (undefined: none, or gone). */
export interface PlacedInstance {
  instanceId: string;
  workload: InstanceWorkload;
  profile: InstanceProfile | undefined;
}

/** The placement at one store generation, with answers memoised for as long as it is current. */
export class Placement {
  private readonly memo = new Map<string, unknown>();

  constructor(
    /** The generation observed before the reads this placement was built from. */
    readonly generation: number,
    private readonly byInstance: ReadonlyMap<string, PlacedInstance>,
    private readonly byNode: ReadonlyMap<string, readonly PlacedInstance[]>,
  ) {}

  instance(instanceId: string): PlacedInstance | undefined {
    return this.byInstance.get(instanceId);
  }

  /** The instances placed on `node`, in the store's listing order. */
  onNode(node: string): readonly PlacedInstance[] {
    return this.byNode.get(node) ?? [];
  }

  /**
   * `make()`'s value for `key`, computed once for this placement (a node's sync answer: its
   * identity documents signed once per generation, not once per sync). `make` must depend only on
   * this placement and on what does not change while the process runs.
   */
  memoise<T>(key: string, make: () => T): T {
    if (this.memo.has(key)) return this.memo.get(key) as T;
    const value = make();
    this.memo.set(key, value);
    return value;
  }
}

export interface PlacementIndexOptions {
  store: Store;
  accountId: string;
}

/** Instance profiles per page when the index is built (IAM's maximum). */
const PROFILE_PAGE = 1000;

export class PlacementIndex {
  private latest: Placement | undefined;
  private building: { generation: number; placement: Promise<Placement> } | undefined;

  constructor(private readonly options: PlacementIndexOptions) {}

  /**
   * The placement as of now (see the module comment); rejects when the store cannot be read.
   *
   * @example
   * const placed = (await index.current()).instance('i-0123456789abcdef0');
   */
  async current(): Promise<Placement> {
    const generation = await this.options.store.generation();
    if (this.latest !== undefined && this.latest.generation >= generation) return this.latest;
    if (this.building !== undefined && this.building.generation >= generation) return this.building.placement;
    const placement = this.build(generation);
    const entry = { generation, placement };
    this.building = entry;
    placement.then(
      (built) => {
        if (this.latest === undefined || built.generation > this.latest.generation) this.latest = built;
      },
      () => undefined,
    );
    void placement
      .finally(() => {
        if (this.building === entry) this.building = undefined;
      })
      .catch(() => undefined);
    return placement;
  }

  private async build(generation: number): Promise<Placement> {
    const { store, accountId } = this.options;
    const workloads = await store.listWorkloads(accountId, { kind: 'ec2-instance' });
    const profiles = await this.profiles(workloads);
    const byInstance = new Map<string, PlacedInstance>();
    const byNode = new Map<string, PlacedInstance[]>();
    for (const workload of workloads) {
      const instanceId = instanceIdOf(workload);
      const name = workload.settings.instanceProfileName;
      const placed: PlacedInstance = {
        instanceId,
        workload,
        profile: name === undefined ? undefined : profiles.get(name.toLowerCase()),
      };
      // The first of two workloads claiming one id wins, as the listing's `find` did.
      if (!byInstance.has(instanceId)) byInstance.set(instanceId, placed);
      const node = workload.settings.node;
      if (node === undefined) continue;
      const list = byNode.get(node);
      if (list === undefined) byNode.set(node, [placed]);
      else list.push(placed);
    }
    return new Placement(generation, byInstance, byNode);
  }

  /**
   * The instance profiles the workloads name, by lowercased name (IAM compares profile names
   * without case). A handful of names are looked up one by one; more, by listing the account's
   * profiles a page at a time. A missing profile is absent; any other failure fails the build.
   */
  private async profiles(workloads: InstanceWorkload[]): Promise<Map<string, InstanceProfile>> {
    const { store, accountId } = this.options;
    const names = new Set<string>();
    for (const w of workloads) {
      const name = w.settings.instanceProfileName;
      if (name !== undefined) names.add(name.toLowerCase());
    }
    const out = new Map<string, InstanceProfile>();
    if (names.size <= 10) {
      for (const name of names) {
        try {
          const profile = await store.getInstanceProfile(accountId, name);
          out.set(name, profile);
        } catch (error) {
          if (isAwsError(error) && error.code === 'NoSuchEntity') continue;
          throw error;
        }
      }
      return out;
    }
    let marker: string | undefined;
    do {
      const page = await store.listInstanceProfiles(accountId, {
        maxItems: PROFILE_PAGE,
        ...(marker === undefined ? {} : { marker }),
      });
      for (const p of page.items) {
        const key = p.instanceProfileName.toLowerCase();
        if (names.has(key)) out.set(key, p);
      }
      marker = page.isTruncated ? page.marker : undefined;
    } while (marker !== undefined);
    return out;
  }
}
