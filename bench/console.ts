/**
 * The console's first screen on a large stack (issue: "first screen under 1 s on a stack of 1,000
 * roles"): 1,000 roles, each with a trust policy and an inline policy, and 1,000 workloads, in a
 * SQLite store; the console's JSON answers timed in process through the plane's route table (the
 * browser's own work — parsing ~100 kB of JSON and rendering the table — is not in these figures).
 *
 * - `overview, cold`: the first `api/overview` after a store write, which rebuilds the posture
 *   findings (every role's policies read and analysed);
 * - `overview, warm`: the next ones, at the same store generation;
 * - `graph, cold` / `graph, warm`: `api/graph` (the access graph with its escalation analysis).
 *
 * Bounded: 5 cold and 20 warm requests per endpoint.
 */
import {
  ACCOUNT,
  createConsolePlane,
  loginWithToken,
  send,
} from '../src/console/test-support/console-plane.js';
import { quantile } from './stats.js';
import type { BenchRow, BenchSuite } from './types.js';

const ROLES = 1000;
const COLD = 5;
const WARM = 20;
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

function policy(i: number): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: `arn:aws:s3:::team-${i}/*` },
      {
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/t-${i}`,
      },
    ],
  });
}

function row(name: string, micros: number[], note: string): BenchRow {
  const mean = micros.reduce((a, b) => a + b, 0) / micros.length;
  return {
    suite: 'console',
    case: name,
    opsPerSec: 1e6 / mean,
    p50Us: quantile(micros, 0.5),
    p99Us: quantile(micros, 0.99),
    note,
  };
}

export const run: BenchSuite = async () => {
  const plane = await createConsolePlane();
  try {
    await plane.store.transaction(async (tx) => {
      for (let i = 0; i < ROLES; i++) {
        const roleName = `role-${String(i).padStart(4, '0')}`;
        await tx.createRole(ACCOUNT, { roleName, assumeRolePolicyDocument: TRUST });
        await tx.putRolePolicy(ACCOUNT, roleName, 'access', policy(i));
        await tx.putWorkload(ACCOUNT, { kind: 'lambda-function', name: `fn-${i}`, roleName });
      }
    });
    const admin = await loginWithToken(plane);
    const time = async (path: string): Promise<number> => {
      const began = process.hrtime.bigint();
      const reply = await send(plane, 'GET', `/credplane/console/api/${path}`, { browser: admin });
      if (reply.status !== 200) throw new Error(`${path}: ${reply.status} ${reply.text.slice(0, 200)}`);
      return Number(process.hrtime.bigint() - began) / 1000;
    };
    const write = (n: number): Promise<void> =>
      plane.store.tagRole(ACCOUNT, 'role-0000', [{ key: 'bench', value: String(n) }]);
    const rows: BenchRow[] = [];
    for (const path of ['overview', 'graph']) {
      const cold: number[] = [];
      const warm: number[] = [];
      for (let i = 0; i < COLD; i++) {
        await write(i);
        cold.push(await time(path));
      }
      for (let i = 0; i < WARM; i++) warm.push(await time(path));
      rows.push(
        row(
          `${path}, cold, ${ROLES} roles`,
          cold,
          'first after a store write; target < 1 s for the first screen',
        ),
      );
      rows.push(row(`${path}, warm, ${ROLES} roles`, warm, 'same store generation'));
    }
    return rows;
  } finally {
    await plane.close();
  }
};
