import { describe, expect, it } from 'vitest';
import { policiesText, removedActions, unifiedDiff } from './diff.js';

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n', 'x', 'y')).toBe('');
  });

  it('shows a change with its context, as diff -u does', () => {
    const before = ['1', '2', '3', '4', '5', '6', '7', '8', '9'].join('\n') + '\n';
    const after = ['1', '2', '3', '4', 'five', '6', '7', '8', '9'].join('\n') + '\n';
    expect(unifiedDiff(before, after, 'current', 'generated')).toBe(
      [
        '--- current',
        '+++ generated',
        '@@ -2,7 +2,7 @@',
        ' 2',
        ' 3',
        ' 4',
        '-5',
        '+five',
        ' 6',
        ' 7',
        ' 8',
        '',
      ].join('\n'),
    );
  });

  it('splits distant changes into hunks and joins close ones', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `l${i}`);
    const changed = [...lines];
    changed[2] = 'X';
    changed[25] = 'Y';
    const diff = unifiedDiff(lines.join('\n'), changed.join('\n'), 'a', 'b');
    expect(diff.match(/^@@/gm)).toHaveLength(2);
    expect(diff).toContain('@@ -1,6 +1,6 @@');
    expect(diff).toContain('@@ -23,7 +23,7 @@');
    changed[25] = 'l25';
    changed[7] = 'Z';
    expect(unifiedDiff(lines.join('\n'), changed.join('\n'), 'a', 'b').match(/^@@/gm)).toHaveLength(1);
  });

  it('handles one side empty', () => {
    expect(unifiedDiff('', 'a\nb\n', 'x', 'y')).toBe('--- x\n+++ y\n@@ -0,0 +1,2 @@\n+a\n+b\n');
    expect(unifiedDiff('a\n', '', 'x', 'y')).toBe('--- x\n+++ y\n@@ -1 +0,0 @@\n-a\n');
  });
});

describe('policiesText', () => {
  it('pretty-prints documents under a header and names AWS managed policies only', () => {
    const text = policiesText([
      { source: 'inline', name: 'app', document: '{"Version":"2012-10-17","Statement":[]}' },
      {
        source: 'managed',
        name: 'ReadOnlyAccess',
        arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
        document: '{}',
      },
    ]);
    expect(text).toBe(
      '// inline policy app\n{\n  "Version": "2012-10-17",\n  "Statement": []\n}\n' +
        '// managed policy arn:aws:iam::aws:policy/ReadOnlyAccess (AWS managed: not shown)\n',
    );
  });
});

describe('removedActions', () => {
  const doc = (statement: object): string =>
    JSON.stringify({ Version: '2012-10-17', Statement: [statement] });

  it('expands wildcards and subtracts what is kept, per service', async () => {
    const removed = await removedActions(
      [
        {
          source: 'inline',
          name: 'a',
          document: doc({ Effect: 'Allow', Action: 's3:GetObject*', Resource: '*' }),
        },
        {
          source: 'inline',
          name: 'b',
          document: doc({ Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: '*' }),
        },
        { source: 'inline', name: 'c', document: doc({ Effect: 'Deny', Action: 'kms:*', Resource: '*' }) },
      ],
      ['s3:GetObject'],
    );
    expect(removed.services.map((s) => s.service)).toEqual(['s3', 'sqs']);
    const s3 = removed.services[0]!;
    expect(s3.kept).toBe(1);
    expect(s3.removed).toContain('s3:GetObjectAcl');
    expect(s3.removed).not.toContain('s3:GetObject');
    expect(removed.services[1]).toEqual({
      service: 'sqs',
      granted: 1,
      kept: 0,
      removed: ['sqs:SendMessage'],
    });
    expect(removed.removedCount).toBe(removed.grantedCount - 1);
  });

  it('counts a NotAction Allow as everything else', async () => {
    const removed = await removedActions(
      [
        {
          source: 'inline',
          name: 'a',
          document: doc({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }),
        },
      ],
      [],
    );
    const services = removed.services.map((s) => s.service);
    expect(services).toContain('s3');
    expect(services).not.toContain('iam');
  });
});
