/**
 * The console's `AccessGraph`: workloads use roles, roles are granted actions and resources
 * (bounded, collapsed to services beyond the bound), principal edges carry their actions and
 * deciding statements, ids are unique, and the escalation findings come with it.
 */
import { describe, expect, it } from 'vitest';
import { allow, analysisData, arnOf, deny, doc, trustAws } from '../test-support/escalation-fixtures.js';
import { buildAccessGraph } from './graph.js';

describe('buildAccessGraph', () => {
  const data = analysisData(
    {
      name: 'web',
      instances: ['i-web'],
      inline: {
        app: doc(
          allow(['s3:GetObject', 's3:PutObject'], 'arn:aws:s3:::assets/*'),
          allow('sqs:SendMessage', 'arn:aws:sqs:us-east-1:123456789012:jobs'),
          allow('sts:AssumeRole', arnOf('ops')),
          deny('s3:PutObject'),
        ),
      },
    },
    { name: 'ops', trust: trustAws('arn:aws:iam::123456789012:root'), inline: { all: doc(allow('*')) } },
  );
  const graph = buildAccessGraph(data, { roleHref: (n) => `#/roles/${n}` });
  const node = (id: string) => graph.nodes.find((n) => n.id === id);
  const edge = (kind: string, source: string, target: string) =>
    graph.edges.find((e) => e.kind === kind && e.source === source && e.target === target);

  it('draws workload → role → actions and resources', () => {
    expect(node('workload:ec2-instance:i-web')).toEqual({
      id: 'workload:ec2-instance:i-web',
      kind: 'workload',
      label: 'i-web',
    });
    expect(node(arnOf('web'))).toEqual({ id: arnOf('web'), kind: 'role', label: 'web', href: '#/roles/web' });
    expect(edge('uses', 'workload:ec2-instance:i-web', arnOf('web'))).toBeDefined();
    expect(edge('grants', arnOf('web'), 'action:s3:getobject')?.actions).toEqual(['s3:GetObject']);
    // Denied by the role's own Deny: the engine drops the grant.
    expect(edge('grants', arnOf('web'), 'action:s3:putobject')).toBeUndefined();
    expect(edge('grants', arnOf('web'), 'resource:arn:aws:s3:::assets/*')?.actions).toEqual(['s3:GetObject']);
    expect(node('resource:arn:aws:sqs:us-east-1:123456789012:jobs')?.kind).toBe('resource');
  });

  it('draws principal edges with their actions and deciding statements, and the escalation', () => {
    const assume = edge('assume', arnOf('web'), arnOf('ops'));
    expect(assume?.actions).toEqual(['sts:AssumeRole']);
    expect(assume?.because).toBe('identity policy web/app Statement[2]; trust policy ops/trust Statement[0]');
    expect(graph.escalations.map((f) => `${f.code} ${f.severity} ${f.subject.name}`)).toEqual([
      'PRIVILEGE_ESCALATION_PATH ERROR web',
    ]);
  });

  it('has unique ids and edges between drawn nodes only', () => {
    const ids = graph.nodes.map((n) => n.id);
    expect(new Set(ids).size).toBe(ids.length);
    const edgeIds = graph.edges.map((e) => e.id);
    expect(new Set(edgeIds).size).toBe(edgeIds.length);
    for (const e of graph.edges) {
      expect(ids).toContain(e.source);
      expect(ids).toContain(e.target);
    }
  });

  it('collapses grants to services beyond the bound', () => {
    const many = analysisData({
      name: 'wide',
      inline: {
        p: doc(
          allow(['s3:GetObject', 's3:ListBucket', 'sqs:SendMessage', 'sqs:ReceiveMessage', 'kms:Decrypt']),
        ),
      },
    });
    const g = buildAccessGraph(many, { maxActions: 3 });
    expect(g.nodes.filter((n) => n.kind === 'action')).toEqual([]);
    expect(
      g.nodes
        .filter((n) => n.kind === 'service')
        .map((n) => n.label)
        .sort(),
    ).toEqual(['kms', 's3', 'sqs']);
    expect(g.edges.find((e) => e.target === 'service:sqs')?.actions).toEqual([
      'sqs:SendMessage',
      'sqs:ReceiveMessage',
    ]);
  });

  it('adds users as principals', () => {
    const g = buildAccessGraph(analysisData({ name: 'web' }), {
      users: [
        {
          arn: 'arn:aws:iam::123456789012:user/dev',
          userName: 'dev',
          accountId: '123456789012',
          identityPolicies: [
            { name: 'dev/p', document: doc(allow('iam:PutRolePolicy', arnOf('web'))), source: 'inline' },
          ],
        },
      ],
    });
    expect(g.nodes.find((n) => n.kind === 'user')).toEqual({
      id: 'arn:aws:iam::123456789012:user/dev',
      kind: 'user',
      label: 'dev',
    });
    expect(g.edges.find((e) => e.kind === 'put-role-policy')?.source).toBe(
      'arn:aws:iam::123456789012:user/dev',
    );
  });
});
