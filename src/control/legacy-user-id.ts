/**
 * The `AIDA…` id earlier versions derived for the admin from (account, name), before users were
 * stored: the admin user of such a data directory is created with it, so its `UserId` (in
 * `GetCallerIdentity`, trust policies' `aws:userid`, the access log) does not change.
 */
import { createHash } from 'node:crypto';

/** @example legacyUserId('123456789012', 'credplane-admin') // 'AIDA' + 17 of [A-Z2-7] */
export function legacyUserId(accountId: string, userName: string): string {
  const digest = createHash('sha256').update(`${accountId}/${userName}`).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let id = 'AIDA';
  for (let i = 0; i < 17; i++) id += alphabet[digest[i]! % 32];
  return id;
}
