/** What every part of the store's behavioural suite shares: the store under test, fresh accounts, fixtures. */
import { expect } from 'vitest';
import { AwsError } from '../../../errors.js';
import type { Store } from '../../store.js';

/** The store under test (opened before the parts run) and the helpers every part uses. */
export interface StoreSuite {
  readonly store: Store;
  /** Creates an account no other test uses. */
  newAccount(): Promise<string>;
  role(acct: string, roleName: string, extra?: Record<string, unknown>): ReturnType<Store['createRole']>;
}

export const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
export const DOC = (n: number) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: `s3:Get${n}`, Resource: '*' }],
  });

export async function expectAwsError(
  promise: Promise<unknown>,
  code: string,
  status: number,
): Promise<AwsError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${code}`).toBeInstanceOf(AwsError);
  const error = caught as AwsError;
  expect({ code: error.code, status: error.status }).toEqual({ code, status });
  return error;
}
