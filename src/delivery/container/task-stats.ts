/**
 * The task metadata `stats` documents (`${ECS_CONTAINER_METADATA_URI_V4}/stats` for the container,
 * `/task/stats` for every container of the task, keyed by Docker id): Docker's ContainerStats
 * shape, which the ECS agent relays (Amazon ECS Developer Guide, Amazon ECS task metadata endpoint
 * version 4; Docker Engine API v1.30, ContainerStats).
 *
 * A credplane task is the process `run-task` starts and its children, found by the metadata URI
 * they carry in their environment, so the numbers are real for them: CPU time from
 * `/proc/<pid>/stat`, memory from `/proc/<pid>/status`, the process count. What has no per-process
 * source on a shared host is approximated: `max_usage` is the sum of each process's peak (an upper
 * bound of the group's peak), `limit` is the host's memory (no limit is enforced), network and
 * block I/O counters are zero. The task's first container is the one that runs; the others are
 * `null`, as ECS answers for a container that is not running.
 */
import os from 'node:os';
import { processCpu, processesWithEnvironment, processMemory, systemCpu } from '../process-stats.js';
import { containerMetadata } from './task-metadata.js';
import type { Task, TaskContainer } from './tasks.js';

/** Docker's zero time, for `preread` before a previous reading exists. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

interface CpuStats {
  cpu_usage: { total_usage: number; usage_in_kernelmode: number; usage_in_usermode: number };
  system_cpu_usage: number;
  online_cpus: number;
  throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
}

export interface ContainerStats {
  read: string;
  preread: string;
  pids_stats: { current: number };
  blkio_stats: Record<string, unknown[]>;
  num_procs: number;
  storage_stats: Record<string, never>;
  cpu_stats: CpuStats;
  precpu_stats: CpuStats;
  memory_stats: { usage: number; max_usage: number; stats: { rss: number }; limit: number };
  name: string;
  id: string;
  networks: Record<string, Record<string, number>>;
  network_rate_stats?: { rx_bytes_per_sec: number; tx_bytes_per_sec: number };
}

interface Reading {
  at: string;
  cpu: CpuStats;
}

const NO_CPU: CpuStats = {
  cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
  system_cpu_usage: 0,
  online_cpus: 0,
  throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
};

const BLKIO_KEYS = [
  'io_service_bytes_recursive',
  'io_serviced_recursive',
  'io_queue_recursive',
  'io_service_time_recursive',
  'io_wait_time_recursive',
  'io_merged_recursive',
  'io_time_recursive',
  'sectors_recursive',
];

const NETWORK_COUNTERS = [
  'rx_bytes',
  'rx_packets',
  'rx_errors',
  'rx_dropped',
  'tx_bytes',
  'tx_packets',
  'tx_errors',
  'tx_dropped',
];

/** The processes of `task`: every process whose metadata URI (v4 or v3) names this task. */
export function taskProcesses(task: Task): number[] {
  const v4 = `/v4/${task.metadataId}`;
  const v3 = `/v3/${task.metadataId}`;
  return processesWithEnvironment(
    (entry) =>
      (entry.startsWith('ECS_CONTAINER_METADATA_URI_V4=') && entry.endsWith(v4)) ||
      (entry.startsWith('ECS_CONTAINER_METADATA_URI=') && entry.endsWith(v3)),
  );
}

/**
 * Keeps each task's previous CPU reading, for `precpu_stats` (Docker's consumers compute CPU
 * percentages from the difference).
 */
export class TaskStats {
  private readonly previous = new WeakMap<Task, Reading>();

  constructor(private readonly now: () => number = Date.now) {}

  /** `/stats` for `container` (the running one when omitted); `null` for a container not running. */
  container(task: Task, container?: TaskContainer, withNetworkRates = true): ContainerStats | null {
    const first = task.definition.containers[0];
    if (container !== undefined && first !== undefined && container !== first) return null;
    if (task.status !== 'RUNNING') return null;
    const pids = taskProcesses(task);
    let rss = 0;
    let peak = 0;
    let user = 0;
    let system = 0;
    for (const pid of pids) {
      const memory = processMemory(pid);
      const cpu = processCpu(pid);
      rss += memory?.rssBytes ?? 0;
      peak += memory?.peakRssBytes ?? 0;
      user += cpu?.userNs ?? 0;
      system += cpu?.systemNs ?? 0;
    }
    const host = systemCpu();
    const cpu: CpuStats = {
      cpu_usage: { total_usage: user + system, usage_in_kernelmode: system, usage_in_usermode: user },
      system_cpu_usage: host?.totalNs ?? 0,
      online_cpus: host?.onlineCpus ?? os.availableParallelism(),
      throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
    };
    const read = new Date(this.now()).toISOString();
    const before = this.previous.get(task);
    this.previous.set(task, { at: read, cpu });
    const meta = containerMetadata(task, container);
    return {
      read,
      preread: before?.at ?? ZERO_TIME,
      pids_stats: { current: pids.length },
      blkio_stats: Object.fromEntries(BLKIO_KEYS.map((k) => [k, []])),
      num_procs: 0,
      storage_stats: {},
      cpu_stats: cpu,
      precpu_stats: before?.cpu ?? NO_CPU,
      memory_stats: { usage: rss, max_usage: Math.max(peak, rss), stats: { rss }, limit: os.totalmem() },
      name: meta.Name,
      id: meta.DockerId,
      networks: { eth1: Object.fromEntries(NETWORK_COUNTERS.map((k) => [k, 0])) },
      ...(withNetworkRates ? { network_rate_stats: { rx_bytes_per_sec: 0, tx_bytes_per_sec: 0 } } : {}),
    };
  }

  /** `/task/stats`: every container's stats by Docker id. */
  task(task: Task, withNetworkRates = true): Record<string, ContainerStats | null> {
    const containers = task.definition.containers.length > 0 ? task.definition.containers : [undefined];
    return Object.fromEntries(
      containers.map((c) => [containerMetadata(task, c).DockerId, this.container(task, c, withNetworkRates)]),
    );
  }
}
