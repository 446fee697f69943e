import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../store/store.js';
import { analyze } from './analyze.js';
import { ACCT, DAY, allow, memoryStore, policy, role } from './test-support/fixtures.js';

let store: Store;
beforeEach(async () => {
  store = await memoryStore();
  await store.putAccountSetting(ACCT, 'ec2:instance-metadata-defaults', { HttpTokens: 'required' });
  await role(store, 'open', { trust: policy({ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' }) });
  await role(store, 'deploy', { inline: { pass: policy(allow('iam:PassRole')) } });
});
afterEach(() => store.close());

describe('analyze', () => {
  it('runs the selected families over every account', async () => {
    const findings = await analyze(store, { periodMs: 90 * DAY, checks: ['posture'] });
    expect(findings.map((f) => `${f.category} ${f.code} ${f.subject.name}`).sort()).toEqual([
      'posture PASS_ROLE_ON_STAR deploy',
      'posture TRUST_OPEN_TO_ANYONE open',
    ]);
  });

  it('checks every stored policy, naming trust findings by their role', async () => {
    const findings = await analyze(store, { periodMs: 90 * DAY, checks: ['policies'] });
    const open = findings.find((f) => f.location?.policy === 'trust' && f.subject.name === 'open');
    expect(open?.subject).toEqual({ kind: 'role', name: 'open', arn: `arn:aws:iam::${ACCT}:role/open` });
    expect(findings.some((f) => f.location?.policy === 'deploy/pass')).toBe(true);
  });

  it('keeps only one role under roleName', async () => {
    const findings = await analyze(store, { periodMs: 90 * DAY, roleName: 'DEPLOY' });
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings)
      expect(f.subject.name === 'deploy' || f.subject.name.startsWith('deploy/')).toBe(true);
  });
});

describe('analyze with template findings', () => {
  it('puts them first and drops the stored findings they repeat (same logical id, code and path)', async () => {
    await store.tagRole(ACCT, 'deploy', [{ key: 'credplane:logical-id', value: 'DeployRole' }]);
    const stored = await analyze(store, { periodMs: 90 * DAY, checks: ['policies'], roleName: 'deploy' });
    const passRole = stored.find((f) => f.code === 'PASS_ROLE_WITH_STAR_IN_RESOURCE');
    expect(passRole?.location?.policy).toBe('deploy/pass');
    const fromTemplate = {
      ...passRole!,
      subject: { kind: 'role' as const, name: 'DeployRole' },
      location: { ...passRole!.location, policy: 'DeployRole/pass', file: 'stack.yaml', line: 12, column: 9 },
    };
    const merged = await analyze(store, {
      periodMs: 90 * DAY,
      checks: ['policies'],
      roleName: 'deploy',
      templateFindings: [
        fromTemplate,
        {
          ...fromTemplate,
          subject: { kind: 'role', name: 'OtherRole' },
          location: { policy: 'OtherRole/x' },
        },
      ],
    });
    expect(merged[0]).toBe(fromTemplate);
    expect(merged.filter((f) => f.code === 'PASS_ROLE_WITH_STAR_IN_RESOURCE')).toEqual([fromTemplate]);
    expect(merged.length).toBe(stored.length);
  });
});
