import { describe, expect, it } from 'vitest';
import {
  coresAtRealLifetime,
  demandedRefreshRate,
  procCpuSeconds,
  refreshPeriodSeconds,
  windowFigures,
} from './fleet-agents-stats.js';

// proc(5): pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime ...
const stat = (comm: string, utime: number, stime: number): string =>
  `4242 (${comm}) S 1 4242 4242 0 -1 4194560 1000 0 0 0 ${utime} ${stime} 0 0 20 0 11 0 1234 5678 90`;

describe('procCpuSeconds', () => {
  it('adds utime and stime and converts clock ticks', () => {
    expect(procCpuSeconds(stat('node', 250, 50), 100)).toBe(3);
  });

  it('counts fields after the last parenthesis, whatever the command name holds', () => {
    expect(procCpuSeconds(stat('we (ird) 1 2 3', 7, 3), 100)).toBe(0.1);
  });

  it('refuses text that is not a stat line', () => {
    expect(() => procCpuSeconds('garbage', 100)).toThrow();
    expect(() => procCpuSeconds('1 (x) S 1', 100)).toThrow();
  });
});

describe('the refresh schedule', () => {
  it('refreshes at half the lifetime, never more often than every second', () => {
    expect(refreshPeriodSeconds(60)).toBe(30);
    expect(refreshPeriodSeconds(1)).toBe(1);
  });

  it('asks workloads / (lifetime / 2) refreshes per second', () => {
    expect(demandedRefreshRate(10_000, 60)).toBeCloseTo(333.33, 2);
    // The real 6 h lifetime: 10,000 workloads need one refresh every 1.08 s.
    expect(demandedRefreshRate(10_000, 6 * 3600)).toBeCloseTo(0.9259, 4);
  });

  it('scales the measured cost per refresh to the real schedule', () => {
    expect(coresAtRealLifetime(10, 10_000)).toBeCloseTo(0.009259, 6);
  });
});

describe('windowFigures', () => {
  it('turns a window of counters into rates and costs', () => {
    const f = windowFigures(
      {
        seconds: 10,
        refreshes: 500,
        failures: 20,
        serverCpuSeconds: 5,
        bytesIn: 1_000_000,
        bytesOut: 2_000_000,
        connections: 500,
      },
      100,
    );
    expect(f.refreshesPerSecond).toBe(50);
    expect(f.failuresPerSecond).toBe(2);
    expect(f.bytesInPerSecond).toBe(100_000);
    expect(f.bytesOutPerSecond).toBe(200_000);
    expect(f.bytesPerRefresh).toBe(6000);
    expect(f.serverCpuMsPerRefresh).toBe(10);
    expect(f.serverCores).toBe(0.5);
    expect(f.serverCpuMsPerAgentPerSecond).toBe(5);
    expect(f.connectionsPerRefresh).toBe(1);
  });

  it('gives NaN, not Infinity, for a window with no refreshes', () => {
    const f = windowFigures(
      { seconds: 1, refreshes: 0, failures: 0, serverCpuSeconds: 1, bytesIn: 0, bytesOut: 0, connections: 0 },
      1,
    );
    expect(f.serverCpuMsPerRefresh).toBeNaN();
    expect(f.bytesPerRefresh).toBeNaN();
  });
});
