/**
 * Pure arithmetic of the agents benchmark (`fleet-agents.ts`): a process's CPU from its
 * `/proc/<pid>/stat` line, the refresh rate the agent's schedule asks of the server, and the
 * figures of a measured window.
 */

/** The lifetime of an instance credential set that the repo issues by default (6 h). */
export const REAL_CREDENTIAL_SECONDS = 6 * 3600;

/**
 * User + system CPU seconds from the text of `/proc/<pid>/stat` (proc(5): `utime` and `stime` are
 * fields 14 and 15, in clock ticks). The command name (field 2) is in parentheses and may itself
 * hold spaces and parentheses, so the fields are counted from the last `)`.
 *
 * @example
 * procCpuSeconds('42 (node) S 1 ... 250 50 ...', 100); // 3
 */
export function procCpuSeconds(stat: string, ticksPerSecond: number): number {
  const end = stat.lastIndexOf(')');
  if (end < 0) throw new Error('not a /proc/<pid>/stat line');
  // After ")": field 3 (state) is index 0, so field n is index n - 3.
  const fields = stat
    .slice(end + 1)
    .trim()
    .split(/\s+/);
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('no utime/stime in the stat line');
  return (utime + stime) / ticksPerSecond;
}

/**
 * How often a credential set is fetched for one workload under the agent's schedule
 * (`CredentialCache`: again once half of the remaining life has passed, at least 1 s apart): a
 * fresh set has its full lifetime left, so every `lifetime / 2` seconds.
 */
export function refreshPeriodSeconds(lifetimeSeconds: number): number {
  return Math.max(1, lifetimeSeconds / 2);
}

/** Refreshes per second that `workloads` workloads ask of the server. */
export function demandedRefreshRate(workloads: number, lifetimeSeconds: number): number {
  return workloads / refreshPeriodSeconds(lifetimeSeconds);
}

/** A measured window of the load: counters at its start and end. */
export interface WindowSample {
  seconds: number;
  /** Credential requests answered (200) in the window. */
  refreshes: number;
  failures: number;
  /** Server process CPU seconds used in the window. */
  serverCpuSeconds: number;
  /** TCP bytes the server received and sent in the window (TLS records included). */
  bytesIn: number;
  bytesOut: number;
  /** New TCP connections the server accepted in the window. */
  connections: number;
}

export interface WindowFigures {
  refreshesPerSecond: number;
  failuresPerSecond: number;
  bytesInPerSecond: number;
  bytesOutPerSecond: number;
  /** Wire bytes (both directions) per refresh. */
  bytesPerRefresh: number;
  /** Server CPU per answered refresh, milliseconds. */
  serverCpuMsPerRefresh: number;
  /** Server CPU as a share of one core over the window (1 = one core busy). */
  serverCores: number;
  /** Server CPU per agent, milliseconds per second of wall time. */
  serverCpuMsPerAgentPerSecond: number;
  connectionsPerRefresh: number;
}

export function windowFigures(w: WindowSample, agents: number): WindowFigures {
  const per = (n: number, d: number): number => (d > 0 ? n / d : NaN);
  return {
    refreshesPerSecond: per(w.refreshes, w.seconds),
    failuresPerSecond: per(w.failures, w.seconds),
    bytesInPerSecond: per(w.bytesIn, w.seconds),
    bytesOutPerSecond: per(w.bytesOut, w.seconds),
    bytesPerRefresh: per(w.bytesIn + w.bytesOut, w.refreshes),
    serverCpuMsPerRefresh: per(w.serverCpuSeconds * 1000, w.refreshes),
    serverCores: per(w.serverCpuSeconds, w.seconds),
    serverCpuMsPerAgentPerSecond: per(w.serverCpuSeconds * 1000, w.seconds * agents),
    connectionsPerRefresh: per(w.connections, w.refreshes),
  };
}

/**
 * The server's share of one core for `workloads` at the repo's real lifetime, from the measured
 * CPU per refresh: the compressed run's cost per refresh times the real schedule's rate.
 */
export function coresAtRealLifetime(cpuMsPerRefresh: number, workloads: number): number {
  return (demandedRefreshRate(workloads, REAL_CREDENTIAL_SECONDS) * cpuMsPerRefresh) / 1000;
}
