/**
 * A trust policy save racing the deletion of the principal it names, on SQLite and PostgreSQL,
 * through the production IAM handler: `CreateRole`/`UpdateAssumeRolePolicy` naming a user (or role)
 * by ARN, at the same time as `DeleteUser` (or `DeleteRole`) of that principal. Whatever the
 * interleaving, IAM's rule must hold (IAM User Guide, "IAM identifiers" → "Unique identifiers"):
 * either the save fails ("Invalid principal in policy") or the stored policy names the principal's
 * unique id, never its ARN, which a new principal of the same name would otherwise inherit.
 *
 * The existence check used to run before the writing transaction, so a delete could commit in
 * between, and its rebinding of trust policies missed the one not yet written.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsError } from '../errors.js';
import { openStore } from '../store/open.js';
import { openPostgresStore } from '../store/postgres.js';
import type { Store } from '../store/store.js';
import { handleIamAction } from './dispatch.js';
import { ACCOUNT, TRUST_EC2, fakeContext, queryOf, type FakeContext } from './test-support/context.js';

const BASE_URL = process.env.CREDPLANE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = `credplane_test_race_${process.pid}_${randomBytes(4).toString('hex')}`;
const ROUNDS = 60;
/** A bound on each race's wall time, so a slow machine runs fewer rounds rather than timing out. */
const BUDGET_MS = 20_000;

const trustNaming = (arn: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: arn }, Action: 'sts:AssumeRole' }],
  });

/** A handler call's outcome: the AWS error code, or `ok`. */
async function outcome(ctx: FakeContext, action: string, params: Record<string, string>): Promise<string> {
  try {
    const response = await handleIamAction(ctx, queryOf(action, params));
    return response.status === 200 ? 'ok' : `status ${response.status}`;
  } catch (error) {
    if (error instanceof AwsError) return error.code;
    throw error;
  }
}

/** Lets the other side of the race run first by `ticks` turns of the event loop. */
async function after<T>(ticks: number, run: () => Promise<T>): Promise<T> {
  for (let i = 0; i < ticks; i++) await new Promise((resolve) => setImmediate(resolve));
  return run();
}

interface Tally {
  rounds: number;
  saved: number;
  refused: number;
}

/**
 * Races `save` (which writes role `roleOf(i)`'s trust policy naming `principalArn(i)`) against
 * `remove` (which deletes that principal), ROUNDS times with varying head starts, and checks
 * the rule after each.
 */
async function race(
  ctx: FakeContext,
  roleOf: (i: number) => string,
  setup: (i: number) => Promise<{ principalArn: string; uniqueId: string }>,
  save: (i: number, trust: string) => Promise<string>,
  remove: (i: number) => Promise<string>,
): Promise<Tally> {
  const tally: Tally = { rounds: 0, saved: 0, refused: 0 };
  const started = Date.now();
  for (let i = 0; i < ROUNDS && Date.now() - started < BUDGET_MS; i++) {
    const { principalArn, uniqueId } = await setup(i);
    const [saved, removed] = await Promise.all([
      after(i % 3, () => save(i, trustNaming(principalArn))),
      after(Math.floor(i / 3) % 4, () => remove(i)),
    ]);
    expect(removed).toBe('ok');
    expect(['ok', 'MalformedPolicyDocument']).toContain(saved);
    const role = await ctx.store.findRole(ACCOUNT, roleOf(i));
    if (saved === 'ok') {
      tally.saved++;
      const trust = role?.assumeRolePolicyDocument ?? '';
      expect(trust, `round ${i}: the saved trust policy still names ${principalArn}`).not.toContain(
        principalArn,
      );
      expect(trust).toContain(uniqueId);
    } else {
      tally.refused++;
    }
    tally.rounds++;
  }
  return tally;
}

function raceSuite(name: string, open: () => Promise<Store>): void {
  describe(`a trust policy save racing the principal's deletion (${name})`, () => {
    let store: Store;
    let ctx: FakeContext;

    beforeAll(async () => {
      store = await open();
      await store.createAccount({ accountId: ACCOUNT });
      ctx = await fakeContext(store);
    });

    afterAll(async () => {
      await store?.close();
    });

    const newUser = async (name: string) => {
      const user = await store.createUser(ACCOUNT, { userName: name });
      return { principalArn: user.arn, uniqueId: user.userId };
    };

    it('CreateRole naming a user vs DeleteUser', async () => {
      const tally = await race(
        ctx,
        (i) => `crrole${i}`,
        (i) => newUser(`cu${i}`),
        (i, trust) => outcome(ctx, 'CreateRole', { RoleName: `crrole${i}`, AssumeRolePolicyDocument: trust }),
        (i) => outcome(ctx, 'DeleteUser', { UserName: `cu${i}` }),
      );
      expect(tally.rounds).toBeGreaterThanOrEqual(10);
    }, 60_000);

    it('UpdateAssumeRolePolicy naming a user vs DeleteUser', async () => {
      const tally = await race(
        ctx,
        (i) => `uurole${i}`,
        async (i) => {
          await store.createRole(ACCOUNT, { roleName: `uurole${i}`, assumeRolePolicyDocument: TRUST_EC2 });
          return newUser(`uu${i}`);
        },
        (i, trust) =>
          outcome(ctx, 'UpdateAssumeRolePolicy', { RoleName: `uurole${i}`, PolicyDocument: trust }),
        (i) => outcome(ctx, 'DeleteUser', { UserName: `uu${i}` }),
      );
      expect(tally.rounds).toBeGreaterThanOrEqual(10);
    }, 60_000);

    it('UpdateAssumeRolePolicy naming a role vs DeleteRole', async () => {
      const tally = await race(
        ctx,
        (i) => `urrole${i}`,
        async (i) => {
          await store.createRole(ACCOUNT, { roleName: `urrole${i}`, assumeRolePolicyDocument: TRUST_EC2 });
          const principal = await store.createRole(ACCOUNT, {
            roleName: `principal${i}`,
            assumeRolePolicyDocument: TRUST_EC2,
          });
          return { principalArn: principal.arn, uniqueId: principal.roleId };
        },
        (i, trust) =>
          outcome(ctx, 'UpdateAssumeRolePolicy', { RoleName: `urrole${i}`, PolicyDocument: trust }),
        (i) => outcome(ctx, 'DeleteRole', { RoleName: `principal${i}` }),
      );
      expect(tally.rounds).toBeGreaterThanOrEqual(10);
    }, 60_000);

    it('two trust saves naming each other end saved, or refused as retryable (never a 500)', async () => {
      const started = Date.now();
      for (let i = 0; i < 8 && Date.now() - started < BUDGET_MS; i++) {
        const a = await store.createRole(ACCOUNT, {
          roleName: `ma${i}`,
          assumeRolePolicyDocument: TRUST_EC2,
        });
        const b = await store.createRole(ACCOUNT, {
          roleName: `mb${i}`,
          assumeRolePolicyDocument: TRUST_EC2,
        });
        const outcomes = await Promise.all([
          after(i % 2, () =>
            outcome(ctx, 'UpdateAssumeRolePolicy', {
              RoleName: `ma${i}`,
              PolicyDocument: trustNaming(b.arn),
            }),
          ),
          outcome(ctx, 'UpdateAssumeRolePolicy', { RoleName: `mb${i}`, PolicyDocument: trustNaming(a.arn) }),
        ]);
        for (const o of outcomes) expect(['ok', 'ServiceUnavailable']).toContain(o);
      }
    }, 60_000);
  });
}

raceSuite('SQLite', () => openStore(':memory:'));

let admin: pg.Client | undefined;
raceSuite('PostgreSQL', async () => {
  admin = new pg.Client({ connectionString: BASE_URL });
  await admin.connect();
  return openPostgresStore({ url: BASE_URL, schema: SCHEMA });
});

afterAll(async () => {
  await admin?.query(`drop schema if exists "${SCHEMA}" cascade`);
  await admin?.end();
});
