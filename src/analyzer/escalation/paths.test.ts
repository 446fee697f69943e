/**
 * Escalation paths from a workload's role: to an administrator (ERROR), to a principal it can act
 * as and also rewrite (ERROR), to a principal it can only rewrite (SECURITY_WARNING); cycles,
 * the depth bound, and administrators decided by the engine rather than by policy names.
 */
import { describe, expect, it } from 'vitest';
import {
  allow,
  analysisData,
  arnOf,
  deny,
  doc,
  trustAws,
  trustServices,
  type RoleSpec,
} from '../test-support/escalation-fixtures.js';
import { analyzeEscalation } from './graph.js';
import { ESCALATION_CODE } from './paths.js';

const ADMIN_DOC = doc(allow('*', '*'));
const ADMIN_ARN = 'arn:aws:iam::aws:policy/AdministratorAccess';

function findings(...roles: RoleSpec[]) {
  return analyzeEscalation(analysisData(...roles)).findings;
}

describe('escalation paths', () => {
  it('finds a workload role that can assume an administrator role (ERROR, path with actions)', () => {
    const [f, ...rest] = findings(
      { name: 'web', instances: ['i-web'], inline: { hop: doc(allow('sts:AssumeRole', arnOf('admin'))) } },
      {
        name: 'admin',
        trust: trustAws('arn:aws:iam::123456789012:root'),
        awsManaged: { [ADMIN_ARN]: ADMIN_DOC },
      },
    );
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      code: ESCALATION_CODE,
      severity: 'ERROR',
      category: 'escalation',
      subject: { kind: 'role', name: 'web', arn: arnOf('web') },
      details: {
        reason: 'administrator',
        target: arnOf('admin'),
        path: [{ from: arnOf('web'), to: arnOf('admin'), kind: 'assume', actions: ['sts:AssumeRole'] }],
      },
    });
    expect(f!.message).toBe(
      'Role web (used by ec2-instance i-web) can become admin, which may do everything: web -[assume: sts:AssumeRole]-> admin.',
    );
  });

  it('follows several hops (assume, then pass-role) to the administrator', () => {
    const [f] = findings(
      { name: 'web', instances: ['i-web'], inline: { hop: doc(allow('sts:AssumeRole', arnOf('deployer'))) } },
      {
        name: 'deployer',
        trust: trustAws(arnOf('web')),
        inline: {
          deploy: doc(
            allow('iam:PassRole', arnOf('admin')),
            allow(['lambda:CreateFunction', 'lambda:InvokeFunction']),
          ),
        },
      },
      { name: 'admin', trust: trustServices('lambda.amazonaws.com'), inline: { all: ADMIN_DOC } },
    );
    expect(f?.severity).toBe('ERROR');
    expect((f?.details?.path as { kind: string }[]).map((h) => h.kind)).toEqual(['assume', 'pass-role']);
    expect(f?.message).toContain(
      'web -[assume: sts:AssumeRole]-> deployer -[pass-role: iam:PassRole, lambda:CreateFunction, lambda:InvokeFunction]-> admin',
    );
  });

  it('reports a role that can rewrite its own policies (self-edge) as an ERROR', () => {
    const [f] = findings({
      name: 'web',
      instances: ['i-web'],
      inline: { self: doc(allow('iam:PutRolePolicy', arnOf('web'))) },
    });
    expect(f).toMatchObject({ severity: 'ERROR', details: { reason: 'self-grant', target: arnOf('web') } });
  });

  it('reports a role that can rewrite a role it can also assume as an ERROR', () => {
    const [f] = findings(
      {
        name: 'web',
        instances: ['i-web'],
        inline: {
          p: doc(allow('sts:AssumeRole', arnOf('other')), allow('iam:AttachRolePolicy', arnOf('other'))),
        },
      },
      { name: 'other', trust: trustAws('arn:aws:iam::123456789012:root') },
    );
    expect(f).toMatchObject({ severity: 'ERROR', details: { reason: 'self-grant', target: arnOf('other') } });
  });

  it('reports IAM write on another role it cannot act as as a SECURITY_WARNING', () => {
    const [f] = findings(
      { name: 'web', instances: ['i-web'], inline: { p: doc(allow('iam:PutRolePolicy', arnOf('other'))) } },
      { name: 'other' },
    );
    expect(f).toMatchObject({
      severity: 'SECURITY_WARNING',
      details: { reason: 'iam-write', target: arnOf('other') },
    });
  });

  it('finds nothing when the only route is denied or the target is no administrator', () => {
    expect(
      findings(
        {
          name: 'web',
          instances: ['i-web'],
          inline: { p: doc(allow('sts:AssumeRole'), deny('sts:AssumeRole', arnOf('admin'))) },
        },
        { name: 'admin', trust: trustAws('arn:aws:iam::123456789012:root'), inline: { all: ADMIN_DOC } },
      ),
    ).toEqual([]);
    // A customer managed policy *named* AdministratorAccess that grants only S3 is no administrator.
    expect(
      findings(
        { name: 'web', instances: ['i-web'], inline: { p: doc(allow('sts:AssumeRole')) } },
        {
          name: 'AdministratorRole',
          trust: trustAws('arn:aws:iam::123456789012:root'),
          managed: { AdministratorAccess: doc(allow('s3:*')) },
        },
      ),
    ).toEqual([]);
  });

  it('ends on cycles and respects the depth bound', () => {
    const chain: RoleSpec[] = [
      { name: 'r0', instances: ['i-0'], inline: { p: doc(allow('sts:AssumeRole')) } },
      { name: 'r1', trust: trustAws(arnOf('r0'), arnOf('r2')), inline: { p: doc(allow('sts:AssumeRole')) } },
      { name: 'r2', trust: trustAws(arnOf('r1')), inline: { p: doc(allow('sts:AssumeRole')) } },
    ];
    // r0 → r1 ⇄ r2: no administrator, so nothing, and the search ends.
    expect(findings(...chain)).toEqual([]);
    const withAdmin = [...chain, { name: 'admin', trust: trustAws(arnOf('r2')), inline: { all: ADMIN_DOC } }];
    const [f] = findings(...withAdmin);
    expect((f?.details?.path as unknown[]).length).toBe(3);
    const bounded = analyzeEscalation(analysisData(...withAdmin), { maxDepth: 2 }).findings;
    expect(bounded).toEqual([]);
  });

  it('does not report administrators themselves, nor roles without workloads unless they can widen themselves', () => {
    expect(
      findings(
        { name: 'admin', instances: ['i-admin'], inline: { all: ADMIN_DOC } },
        { name: 'idle', inline: { p: doc(allow('sts:AssumeRole')) } },
      ),
    ).toEqual([]);
    const [f] = findings({ name: 'ci', inline: { p: doc(allow('iam:PutRolePolicy', arnOf('ci'))) } });
    expect(f?.subject.name).toBe('ci');
  });
});
