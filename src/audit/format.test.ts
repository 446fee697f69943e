import { describe, expect, it } from 'vitest';
import type { AccessEvent } from '../store/store.js';
import { cloudTrailDocument, jsonLine, parseTimeSpec, tableHeader, tableRow } from './format.js';

const NOW = new Date('2026-11-29T10:00:00Z');

const denied: AccessEvent = {
  eventId: 'e1',
  eventTime: new Date('2026-11-29T09:59:58.123Z'),
  accountId: '111122223333',
  roleName: 'deployer',
  channel: 'iam',
  eventSource: 'iam.amazonaws.com',
  eventName: 'CreateRole',
  decision: 'deny',
  errorCode: 'AccessDenied',
  record: {
    eventVersion: '1.09',
    credplane: { checks: [{ action: 'iam:CreateRole', resource: 'arn:aws:iam::111122223333:role/x' }] },
  },
};

const delivery: AccessEvent = {
  eventId: 'e2',
  eventTime: new Date('2026-11-29T09:59:59Z'),
  accountId: '111122223333',
  channel: 'imds',
  eventSource: 'sts.amazonaws.com',
  eventName: 'AssumeRole',
  decision: 'allow',
  record: {
    userIdentity: { type: 'AWSService', invokedBy: 'ec2.amazonaws.com' },
    resources: [{ ARN: 'arn:aws:iam::111122223333:role/web' }],
  },
};

describe('parseTimeSpec', () => {
  it.each([
    ['30s', '2026-11-29T09:59:30.000Z'],
    ['15m', '2026-11-29T09:45:00.000Z'],
    ['2h', '2026-11-29T08:00:00.000Z'],
    ['7d', '2026-11-22T10:00:00.000Z'],
    ['1w', '2026-11-22T10:00:00.000Z'],
    ['2026-11-01', '2026-11-01T00:00:00.000Z'],
    ['2026-11-01T08:30:00Z', '2026-11-01T08:30:00.000Z'],
    ['2026-11-01T08:30:00+02:00', '2026-11-01T06:30:00.000Z'],
  ])('%s', (spec, iso) => {
    expect(parseTimeSpec(spec, NOW).toISOString()).toBe(iso);
  });

  it.each(['', '15', 'm15', '2 h', 'yesterday', '2026-13-45', '1y'])('rejects %j', (spec) => {
    expect(() => parseTimeSpec(spec, NOW)).toThrow(expect.objectContaining({ code: 'ValidationError' }));
  });
});

describe('table', () => {
  it('shows time, role, event, decision, error and resource in fixed columns', () => {
    const header = tableHeader();
    const row = tableRow(denied);
    expect(header.indexOf('ROLE')).toBe(22);
    expect(header.indexOf('RESOURCE')).toBe(row.indexOf('arn:aws:iam::111122223333:role/x'));
    expect(row).toMatch(
      /^2026-11-29T09:59:58Z\s+deployer\s+iam:CreateRole\s+deny\s+AccessDenied\s+arn:aws:iam::111122223333:role\/x$/,
    );
    expect(tableRow(delivery)).toMatch(
      /^2026-11-29T09:59:59Z\s+ec2\.amazonaws\.com\s+sts:AssumeRole\s+allow\s+arn:aws:iam::111122223333:role\/web$/,
    );
  });

  it('cuts long cells to their column', () => {
    const row = tableRow({ ...denied, roleName: 'r'.repeat(60) });
    expect(row.slice(22, 46)).toBe(`${'r'.repeat(22)}… `);
  });
});

describe('json and cloudtrail', () => {
  it('prints the records, one per line or as a CloudTrail file', () => {
    expect(JSON.parse(jsonLine(denied))).toEqual(denied.record);
    expect(JSON.parse(cloudTrailDocument([denied, delivery]))).toEqual({
      Records: [denied.record, delivery.record],
    });
    expect(cloudTrailDocument([])).toBe('{"Records":[]}');
  });
});
