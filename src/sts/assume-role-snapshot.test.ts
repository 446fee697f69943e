/**
 * AssumeRole reads the role through the snapshot that `authenticate` made current for the
 * request: one store-generation read per request (not one more for the role), and a trust
 * policy another process changes before the request still applies to it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ACCOUNT, createTestPlane, type TestPlane } from '../server/test-support/plane.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';

const TRUST_ROOT = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
  ],
});
const TRUST_NOBODY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 'sts:AssumeRole' },
  ],
});

let plane: TestPlane | undefined;
let other: Store | undefined;
let dir: string | undefined;

afterEach(async () => {
  await plane?.close();
  await other?.close();
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  plane = other = dir = undefined;
});

function assume(p: TestPlane, roleArn: string): Promise<{ status: number; text: string }> {
  return p.call('sts', p.admin, {
    Action: 'AssumeRole',
    Version: '2011-06-15',
    RoleArn: roleArn,
    RoleSessionName: 'snapshot-test',
  });
}

describe('AssumeRole and the snapshot', () => {
  it('reads the store generation once per request', async () => {
    let reads = 0;
    const store = await openStore(':memory:');
    const counted = new Proxy(store, {
      get(target, property, receiver) {
        if (property === 'generation') {
          return () => {
            reads++;
            return target.generation();
          };
        }
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    plane = await createTestPlane({ store: counted });
    const { arn } = await plane.store.createRole(ACCOUNT, {
      roleName: 'r',
      assumeRolePolicyDocument: TRUST_ROOT,
    });
    const first = await assume(plane, arn);
    expect(first.status, first.text).toBe(200);
    reads = 0;
    const res = await assume(plane, arn);
    expect(res.status).toBe(200);
    expect(reads).toBe(1);
  });

  it('applies a trust policy another process changed before the request', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-assume-snapshot-'));
    const file = path.join(dir, 'store.db');
    plane = await createTestPlane({ store: await openStore(file) });
    other = await openStore(file);
    const { arn } = await plane.store.createRole(ACCOUNT, {
      roleName: 'r',
      assumeRolePolicyDocument: TRUST_ROOT,
    });
    expect((await assume(plane, arn)).status).toBe(200);
    // Another process (its own store handle: no change event reaches this plane) trusts nobody now.
    await other.updateRole(ACCOUNT, 'r', { assumeRolePolicyDocument: TRUST_NOBODY });
    const denied = await assume(plane, arn);
    expect(denied.status).toBe(403);
    expect(denied.text).toContain('<Code>AccessDenied</Code>');
    // And back: trusted again, allowed again.
    await other.updateRole(ACCOUNT, 'r', { assumeRolePolicyDocument: TRUST_ROOT });
    expect((await assume(plane, arn)).status).toBe(200);
  });
});
