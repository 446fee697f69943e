/**
 * What Linux's /proc says about a workload's processes (proc(5)): memory from
 * `/proc/<pid>/status` (`VmRSS`, `VmHWM`), CPU time from `/proc/<pid>/stat` (utime, stime), and
 * which processes carry a given environment entry (`/proc/<pid>/environ`, readable for the
 * server's own user's processes only). Lambda's REPORT line and the ECS task metadata `stats`
 * documents are built from these. Elsewhere than Linux every reader answers `undefined`.
 */
import fs from 'node:fs';

/** `sysconf(_SC_CLK_TCK)`: 100 on every Linux architecture Node.js supports. */
export const CLOCK_TICKS_PER_SECOND = 100;

export interface ProcessMemory {
  /** Resident set size now (`VmRSS`). */
  rssBytes: number;
  /** Peak resident set size since the process started (`VmHWM`). */
  peakRssBytes: number;
}

export interface ProcessCpu {
  /** CPU time in user mode, nanoseconds (`utime`). */
  userNs: number;
  /** CPU time in kernel mode, nanoseconds (`stime`). */
  systemNs: number;
}

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function kib(status: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  return match === null ? undefined : Number(match[1]) * 1024;
}

/** @example processMemory(child.pid)?.peakRssBytes */
export function processMemory(pid: number): ProcessMemory | undefined {
  const status = read(`/proc/${pid}/status`);
  if (status === undefined) return undefined;
  const rssBytes = kib(status, 'VmRSS');
  if (rssBytes === undefined) return undefined;
  return { rssBytes, peakRssBytes: kib(status, 'VmHWM') ?? rssBytes };
}

/** @example processCpu(pid)?.userNs */
export function processCpu(pid: number): ProcessCpu | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // The command name (field 2) is in parentheses and may hold spaces; fields resume after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name: state is field 3, so utime (14) and stime (15) are at offsets 11 and 12.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  const ns = 1e9 / CLOCK_TICKS_PER_SECOND;
  return { userNs: utime * ns, systemNs: stime * ns };
}

/**
 * The processes with an environment entry (`NAME=value`) that `matches`: a task's processes and
 * their children, which inherit it. Processes of other users are unreadable and never match.
 *
 * @example processesWithEnvironment((entry) => entry === `ECS_CONTAINER_METADATA_URI_V4=${uri}`)
 */
export function processesWithEnvironment(matches: (entry: string) => boolean): number[] {
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const environ = read(`/proc/${name}/environ`);
    if (environ !== undefined && environ.split('\0').some(matches)) out.push(Number(name));
  }
  return out;
}

/** Online CPUs as the kernel counts them (`/proc/stat` cpuN lines), at least 1. */
export function systemCpu(): { totalNs: number; onlineCpus: number } | undefined {
  const stat = read('/proc/stat');
  if (stat === undefined) return undefined;
  const lines = stat.split('\n');
  const total = lines[0]?.startsWith('cpu ')
    ? lines[0]
        .split(/\s+/)
        .slice(1)
        .map(Number)
        .filter((n) => Number.isFinite(n))
        .reduce((a, b) => a + b, 0)
    : 0;
  const onlineCpus = Math.max(1, lines.filter((l) => /^cpu\d+ /.test(l)).length);
  return { totalNs: (total * 1e9) / CLOCK_TICKS_PER_SECOND, onlineCpus };
}
