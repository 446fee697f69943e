/**
 * The admin identity: the IAM user `credplane-admin`, the first user, with `AdministratorAccess`
 * attached, and its long-term access key (`AKIA…`), generated on first start (or taken from
 * `CREDPLANE_ADMIN_ACCESS_KEY_ID`/`CREDPLANE_ADMIN_SECRET_ACCESS_KEY`), stored sealed under the
 * master key, and written into an AWS config/credentials pair so that
 * `aws --profile credplane-admin ...` and the SDKs work with no other setup.
 *
 * Data directories from before users existed hold admin keys whose user has no row: the user is
 * created at start, with the `AIDA…` id those versions derived from its name, so `UserId` stays.
 * An admin created for no key (a fresh directory, or after the operator deleted it) gets a new id.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  generateLongTermAccessKey,
  isLongTermAccessKeyId,
  openSecret,
  sealSecret,
  SECRET_ACCESS_KEY_PATTERN,
} from '../crypto/index.js';
import { ValidationError } from '../errors.js';
import { legacyUserId } from '../control/legacy-user-id.js';
import type { Store } from '../store/store.js';

export const ADMIN_USER = 'credplane-admin';
export const ADMIN_PROFILE = 'credplane-admin';

/**
 * Makes every key holder of the account a stored user (the admin of a data directory from before
 * users existed), and `credplane-admin` one in any case, with `AdministratorAccess` attached when
 * the user is created here. An existing user is left as it is: its policies are the operator's.
 *
 * @example
 * await ensureAdminUser(store, '123456789012');
 */
export async function ensureAdminUser(store: Store, accountId: string): Promise<void> {
  const keyHolders = new Set((await store.listAccessKeys(accountId)).map((k) => k.userName));
  for (const userName of new Set([ADMIN_USER, ...keyHolders])) {
    if ((await store.findUser(accountId, userName)) !== undefined) continue;
    // A key without its user is the admin of a data directory from before users: it keeps the id
    // those versions derived from its name. Otherwise this is a new user (a fresh directory, or an
    // admin the operator deleted): a new id, so that no session of a deleted admin
    // (`GetSessionToken`, whose claims carry the id) comes back with AdministratorAccess.
    const userId = keyHolders.has(userName) ? legacyUserId(accountId, userName) : undefined;
    await store.transaction(async (tx) => {
      await tx.createUser(accountId, { userName, ...(userId === undefined ? {} : { userId }) });
      await tx.attachUserPolicy(
        accountId,
        userName,
        `arn:${store.partition}:iam::aws:policy/AdministratorAccess`,
      );
    });
  }
}

export interface AdminKey {
  accessKeyId: string;
  secretAccessKey: string;
}

export async function ensureAdminKey(
  store: Store,
  accountId: string,
  masterKey: Uint8Array,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<AdminKey> {
  await ensureAdminUser(store, accountId);
  const fromEnvId = env.CREDPLANE_ADMIN_ACCESS_KEY_ID;
  const fromEnvSecret = env.CREDPLANE_ADMIN_SECRET_ACCESS_KEY;
  if ((fromEnvId === undefined) !== (fromEnvSecret === undefined)) {
    throw new ValidationError(
      'Set both CREDPLANE_ADMIN_ACCESS_KEY_ID and CREDPLANE_ADMIN_SECRET_ACCESS_KEY, or neither',
    );
  }
  if (fromEnvId !== undefined && fromEnvSecret !== undefined) {
    if (!isLongTermAccessKeyId(fromEnvId)) {
      throw new ValidationError(
        'CREDPLANE_ADMIN_ACCESS_KEY_ID must be AKIA followed by 16 characters A-Z and 2-7',
      );
    }
    if (!SECRET_ACCESS_KEY_PATTERN.test(fromEnvSecret)) {
      throw new ValidationError(
        'CREDPLANE_ADMIN_SECRET_ACCESS_KEY must be 40 characters of the base64 alphabet',
      );
    }
    const existing = await store.findAccessKey(fromEnvId);
    if (existing === undefined) {
      await store.createAccessKey({
        accessKeyId: fromEnvId,
        accountId,
        userName: ADMIN_USER,
        sealedSecret: sealSecret(fromEnvSecret, fromEnvId, masterKey),
      });
    } else if (openSecret(existing.sealedSecret, fromEnvId, masterKey) !== fromEnvSecret) {
      // The id is known with another secret: take the one the operator gives now.
      await store.deleteAccessKey(fromEnvId);
      await store.createAccessKey({
        accessKeyId: fromEnvId,
        accountId,
        userName: ADMIN_USER,
        sealedSecret: sealSecret(fromEnvSecret, fromEnvId, masterKey),
      });
    }
    return { accessKeyId: fromEnvId, secretAccessKey: fromEnvSecret };
  }
  const keys = (await store.listAccessKeys(accountId, ADMIN_USER)).filter((k) => k.status === 'Active');
  const first = keys[0];
  if (first !== undefined) {
    return {
      accessKeyId: first.accessKeyId,
      secretAccessKey: openSecret(first.sealedSecret, first.accessKeyId, masterKey),
    };
  }
  const generated = generateLongTermAccessKey();
  await store.createAccessKey({
    accessKeyId: generated.accessKeyId,
    accountId,
    userName: ADMIN_USER,
    sealedSecret: sealSecret(generated.secretAccessKey, generated.accessKeyId, masterKey),
  });
  return generated;
}

export interface AwsFiles {
  config: string;
  credentials: string;
}

/**
 * Write `<dir>/aws/config` and `<dir>/aws/credentials` (mode 0600) with the admin profile.
 * `endpoint_url` sends every service the SDK calls to credplane.
 */
export function writeAwsFiles(dataDir: string, key: AdminKey, endpoint: string, region: string): AwsFiles {
  const dir = path.join(dataDir, 'aws');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const config = path.join(dir, 'config');
  const credentials = path.join(dir, 'credentials');
  writePrivate(config, `[profile ${ADMIN_PROFILE}]\nregion = ${region}\nendpoint_url = ${endpoint}\n`);
  writePrivate(
    credentials,
    `[${ADMIN_PROFILE}]\naws_access_key_id = ${key.accessKeyId}\naws_secret_access_key = ${key.secretAccessKey}\n`,
  );
  return { config, credentials };
}

function writePrivate(file: string, text: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, text, { mode: 0o600 });
  fs.renameSync(temp, file);
}
