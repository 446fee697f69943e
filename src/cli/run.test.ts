import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTargetCommand, targetOf } from './run.js';

describe('runTargetCommand', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-run-'));
  fs.writeFileSync(
    path.join(dir, 'endpoints.json'),
    JSON.stringify({
      url: 'http://127.0.0.1:7300',
      accountId: '123456789012',
      region: 'us-east-1',
      pid: 1,
      instances: [{ name: 'web', instanceId: 'i-0123456789abcdef0', url: 'http://127.0.0.1:20000/' }],
    }),
  );

  it('sends cluster/namespace/serviceaccount targets to the pod channel', () => {
    expect(runTargetCommand('demo/payments/api', dir)).toBe('run-pod');
  });

  it('sends known instances (by id or name) to the metadata service channel', () => {
    expect(runTargetCommand('i-0123456789abcdef0', dir)).toBe('run-instance');
    expect(runTargetCommand('web', dir)).toBe('run-instance');
  });

  it('sends everything else, including function ARNs, to the Lambda channel', () => {
    expect(runTargetCommand('report', dir)).toBe('run-function');
    expect(runTargetCommand('arn:aws:lambda:us-east-1:123456789012:function:report', dir)).toBe(
      'run-function',
    );
    expect(runTargetCommand('web', path.join(dir, 'no-server-here'))).toBe('run-function');
  });
});

describe('targetOf', () => {
  it('skips option values and stops at --', () => {
    expect(targetOf(['--data-dir', '/d', 'web', '--', 'aws', 'sts'])).toBe('web');
    expect(targetOf(['--data-dir=/d', 'demo/ns/sa', '--', 'x'])).toBe('demo/ns/sa');
    expect(targetOf(['--', 'aws'])).toBe('');
  });
});
