import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { emptyState } from './desired.js';
import { planChanges } from './diff.js';
import { formatPlan } from './format.js';
import { ACCOUNT, fakeResolver, load, REGION } from './test-support/load.js';

const text = readFileSync(fileURLToPath(new URL('../../examples/demo-stack.yaml', import.meta.url)), 'utf8');

describe('examples/demo-stack.yaml', () => {
  const state = load(text, { resolver: fakeResolver });

  it('has one role per compute type, each used by its workload', () => {
    const byName = new Map(state.roles.map((r) => [r.roleName, r]));
    expect([...byName.keys()].sort()).toEqual(
      ['demo-orders-task', 'demo-payments-irsa', 'demo-report-fn', 'demo-reports-pod', 'demo-web'].sort(),
    );
    const kinds = state.workloads.map((w) => w.kind).sort();
    expect(kinds).toEqual(['ec2-instance', 'ecs-task-definition', 'eks-pod-identity', 'lambda-function']);
    for (const w of state.workloads) {
      if (w.kind === 'ec2-instance') {
        const profile = state.instanceProfiles.find((p) => p.instanceProfileName === w.instanceProfileName);
        expect(profile?.roles).toEqual(['demo-web']);
        expect(w.metadataOptions.httpTokens).toBe('required');
      } else {
        const arn = w.kind === 'ecs-task-definition' ? w.taskRoleArn : w.roleArn;
        expect(
          state.roles.some((r) => r.arn === arn),
          w.kind,
        ).toBe(true);
      }
    }
  });

  it('trusts the OIDC provider for exactly one service account and audience (IRSA)', () => {
    const irsa = state.roles.find((r) => r.roleName === 'demo-payments-irsa')!;
    const provider = state.oidcProviders[0]!;
    expect(provider.url).toBe('127.0.0.1:7443/clusters/demo');
    expect(irsa.assumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: provider.arn },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              '127.0.0.1:7443/clusters/demo:sub': 'system:serviceaccount:payments:payments-api',
              '127.0.0.1:7443/clusters/demo:aud': 'sts.amazonaws.com',
            },
          },
        },
      ],
    });
    expect(irsa.maxSessionDuration).toBe(7200);
    expect(
      load(text, { parameters: { Env: 'prod' } }).roles.find((r) => r.roleName === 'demo-payments-irsa')
        ?.maxSessionDuration,
    ).toBe(3600);
  });

  it('puts a permissions boundary on workload roles and no wildcard actions in their own policies', () => {
    const boundary = state.managedPolicies[0]!;
    expect(state.roles.filter((r) => r.permissionsBoundary === boundary.arn).length).toBeGreaterThanOrEqual(
      1,
    );
    for (const role of state.roles) {
      expect(role.inlinePolicies.length, role.roleName).toBeGreaterThan(0);
      for (const p of role.inlinePolicies)
        expect(JSON.stringify(p.document)).not.toMatch(/"Action":"\*"|"[a-z0-9]+:\*"/);
    }
  });

  it('outputs the role ARNs and lists the log group as skipped', () => {
    const outputs = Object.fromEntries(state.outputs.map((o) => [o.logicalId, o.value]));
    expect(outputs.WebRoleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/demo-web`);
    expect(outputs.ReportFunctionRoleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/demo-report-fn`);
    expect(outputs.ProdOnlyNote).toBeUndefined();
    expect(state.skipped.map((s) => s.type)).toEqual(['AWS::Logs::LogGroup']);
    const plan = formatPlan(planChanges(state, emptyState('demo', ACCOUNT, REGION)), {
      skipped: state.skipped,
    });
    expect(plan).toContain('+ create role WebRole (arn:aws:iam::111122223333:role/demo-web)');
    expect(plan).toContain('Plan: 12 to create, 0 to update, 0 to delete, 0 unchanged, 1 skipped.');
  });
});

describe('testdata/lambda-local-code.json (JSON long forms, local code path)', () => {
  const json = readFileSync(
    fileURLToPath(new URL('./testdata/lambda-local-code.json', import.meta.url)),
    'utf8',
  );

  it('loads into the same records a YAML template would give', () => {
    const state = load(json, { stackName: 'svc' });
    const fn = state.workloads[0];
    expect(fn).toMatchObject({
      kind: 'lambda-function',
      name: 'svc-hello-dev',
      code: { path: './functions/hello' },
      timeout: 10,
    });
    expect(state.roles[0]?.maxSessionDuration).toBe(7200);
    expect(state.outputs[0]?.value).toBe(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:svc-hello-dev`);
  });

  it('points JSON errors at line and column too', () => {
    const broken = json.replace('"Timeout": "10"', '"Timeout": "ten"');
    const lines = broken.split('\n');
    const line = lines.findIndex((l) => l.includes('"Timeout"')) + 1;
    const column = (lines[line - 1] ?? '').indexOf('"ten"') + 1;
    expect(() => load(broken)).toThrow(
      `Resources.Hello.Properties.Timeout (line ${line}, column ${column}): must be an integer`,
    );
  });
});
