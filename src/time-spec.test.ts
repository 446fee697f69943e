import { describe, expect, it } from 'vitest';
import { describeDuration, parseDuration, parseTimeSpec } from './time-spec.js';

const NOW = new Date('2026-11-29T10:00:00Z');

describe('time specs', () => {
  it('reads durations in s, m, h, d and w', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('2H')).toBe(7_200_000);
    expect(parseDuration('90d')).toBe(90 * 86_400_000);
    expect(parseDuration(' 1w ')).toBe(604_800_000);
  });

  it.each(['', '0d', '15', 'm', '1y', '-1d', '1.5h', '2 h'])('refuses the duration %j', (text) => {
    expect(() => parseDuration(text)).toThrow(expect.objectContaining({ code: 'ValidationError' }));
  });

  it('reads a point in time as a duration back from now or an ISO date or time', () => {
    expect(parseTimeSpec('15m', NOW).toISOString()).toBe('2026-11-29T09:45:00.000Z');
    expect(parseTimeSpec('2026-11-01', NOW).toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(parseTimeSpec('2026-11-01T08:30:00+02:00', NOW).toISOString()).toBe('2026-11-01T06:30:00.000Z');
  });

  it.each(['yesterday', 'March', '7', '2026-13-45'])('refuses the time %j', (text) => {
    expect(() => parseTimeSpec(text, NOW)).toThrow(expect.objectContaining({ code: 'ValidationError' }));
  });

  it('says durations the way people do', () => {
    expect(describeDuration(90 * 86_400_000)).toBe('90 days');
    expect(describeDuration(60_000)).toBe('1 minute');
    expect(describeDuration(1500)).toBe('1500 ms');
  });
});
