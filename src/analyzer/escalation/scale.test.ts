/**
 * An account of 1,000 roles (499 run by workloads) with a few escalation routes planted at known
 * places: exactly those are found, and the analysis finishes within the test's time limit (it
 * probes only what can be an edge).
 */
import { describe, expect, it } from 'vitest';
import {
  allow,
  analysisData,
  arnOf,
  deny,
  doc,
  trustAws,
  type RoleSpec,
} from '../test-support/escalation-fixtures.js';
import { buildAccessGraph } from './graph.js';

function account(): RoleSpec[] {
  const roles: RoleSpec[] = [
    { name: 'r0', trust: trustAws('arn:aws:iam::123456789012:root'), inline: { all: doc(allow('*')) } },
  ];
  for (let i = 1; i < 1000; i++) {
    const own = [
      allow(['s3:GetObject', 's3:PutObject'], `arn:aws:s3:::bucket-${i}/*`),
      allow('dynamodb:Query', `arn:aws:dynamodb:us-east-1:123456789012:table/t${i}`),
    ];
    const planted =
      i % 100 === 2
        ? [allow('sts:AssumeRole', arnOf('r0'))]
        : i % 100 === 4 || i % 100 === 11
          ? [allow('iam:PutRolePolicy', arnOf(`r${i}`))]
          : i % 100 === 6
            ? [allow('iam:PassRole', arnOf(`r${i + 1}`)), allow('ec2:RunInstances')]
            : i % 100 === 8
              ? [allow('iam:AttachRolePolicy', arnOf(`r${i + 1}`))]
              : i % 100 === 10
                ? [allow('sts:AssumeRole'), deny('sts:AssumeRole', arnOf('r0'))]
                : [];
    roles.push({
      name: `r${i}`,
      instances: i % 2 === 0 ? [`i-${i}`] : [],
      inline: { p: doc(...own, ...planted) },
    });
  }
  return roles;
}

describe('the access graph of 1,000 roles', () => {
  it('finds exactly the planted paths', () => {
    const graph = buildAccessGraph(analysisData(...account()));
    const found = graph.escalations
      .map((f) => `${f.subject.name} ${f.severity} ${String(f.details?.reason)}`)
      .sort();
    const expected: string[] = [];
    for (let h = 0; h < 1000; h += 100) {
      expected.push(
        `r${h + 2} ERROR administrator`,
        `r${h + 4} ERROR self-grant`,
        `r${h + 11} ERROR self-grant`,
      );
      expected.push(`r${h + 8} SECURITY_WARNING iam-write`);
    }
    expect(found).toEqual(expected.sort());
    // The pass-role routes to ordinary roles are edges, not findings (r0, the administrator, may
    // pass every role that trusts EC2, itself excepted).
    const passRole = graph.edges.filter((e) => e.kind === 'pass-role');
    expect(passRole.filter((e) => e.source !== arnOf('r0'))).toHaveLength(10);
    expect(passRole.filter((e) => e.source === arnOf('r0'))).toHaveLength(999);
    expect(graph.nodes.filter((n) => n.kind === 'workload')).toHaveLength(499);
  });
});
