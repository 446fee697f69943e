/**
 * Where the master key comes from. The crypto library takes the key as 32 bytes and does no I/O;
 * this module is the I/O edge:
 *
 * 1. `CREDPLANE_MASTER_KEY`, when set: base64 (standard or URL-safe) or hex of exactly 32 bytes,
 *    e.g. the output of `openssl rand -base64 32` or `openssl rand -hex 32`;
 * 2. otherwise `<dataDir>/master.key`, created on first start with mode 0600. A key file that
 *    group or others may read or write is refused, as ssh refuses such private keys.
 *
 * Errors name the variable or the file and what is wrong with it, never the key.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AwsError } from '../errors.js';

export const MASTER_KEY_ENV = 'CREDPLANE_MASTER_KEY';
export const MASTER_KEY_FILE = 'master.key';
const KEY_BYTES = 32;

/** A misconfigured master key: the server cannot start until the operator fixes it. */
export class MasterKeyError extends AwsError {
  constructor(message: string) {
    super('InternalFailure', message, { status: 500 });
  }
}

export interface LoadMasterKeyOptions {
  /** The data directory that holds (or will hold) `master.key`. */
  dataDir: string;
  /** The environment to read `CREDPLANE_MASTER_KEY` from; `process.env` by default. */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface LoadedMasterKey {
  key: Buffer;
  /** Where it came from, for the startup log line (which must not print the key). */
  source: 'env' | 'file' | 'created';
  /** The key file, when the key came from or went to one. */
  file?: string;
}

/**
 * The master key from the environment, or from (a newly created) `<dataDir>/master.key`.
 *
 * @example
 * const { key, source } = loadMasterKey({ dataDir: config.dataDir });
 * const ring = importKeyRing(await store.loadKeyRing(), key);
 */
export function loadMasterKey(options: LoadMasterKeyOptions): LoadedMasterKey {
  const env = options.env ?? process.env;
  const fromEnv = env[MASTER_KEY_ENV];
  if (fromEnv !== undefined) {
    const key = parseMasterKey(fromEnv);
    if (key === undefined) {
      throw new MasterKeyError(
        `${MASTER_KEY_ENV} must be the base64 or hex encoding of exactly ${KEY_BYTES} bytes ` +
          `(e.g. the output of "openssl rand -base64 32"); the value given is not`,
      );
    }
    return { key, source: 'env' };
  }
  const file = path.join(options.dataDir, MASTER_KEY_FILE);
  const existing = readKeyFile(file);
  if (existing !== undefined) return { key: existing, source: 'file', file };
  const created = createKeyFile(file);
  // Another process may have won the race to create it; then its key is the key.
  return created === undefined
    ? { key: mustRead(file), source: 'file', file }
    : { key: created, source: 'created', file };
}

/**
 * 32 bytes from their hex (64 digits) or base64 (44 characters with `=`, or 43 without; standard
 * or URL-safe alphabet) spelling, surrounding whitespace ignored; `undefined` for anything else.
 *
 * @example
 * parseMasterKey('0f'.repeat(32))?.length; // 32
 */
export function parseMasterKey(text: string): Buffer | undefined {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) return undefined;
  const standard = value.replace(/-/g, '+').replace(/_/g, '/').replace(/=?$/, '=');
  const bytes = Buffer.from(standard, 'base64');
  // Non-zero trailing bits would make two spellings of one key; accept the canonical one only.
  return bytes.length === KEY_BYTES && bytes.toString('base64') === standard ? bytes : undefined;
}

function readKeyFile(file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    if (errorCode(error) === 'ELOOP')
      throw new MasterKeyError(`${file} is a symbolic link; refusing to use it`);
    throw new MasterKeyError(`Cannot open the master key file ${file} (${errorCode(error) ?? 'error'})`);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new MasterKeyError(`${file} is not a regular file`);
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new MasterKeyError(
        `The master key file ${file} is accessible by group or others (mode ${mode}); ` +
          `run "chmod 600 ${file}" or set ${MASTER_KEY_ENV}`,
      );
    }
    if (stat.size > 1024) throw new MasterKeyError(`The master key file ${file} is too large to be a key`);
    const content = fs.readFileSync(fd);
    const key = content.length === KEY_BYTES ? content : parseMasterKey(content.toString('latin1'));
    if (key === undefined) {
      throw new MasterKeyError(
        `The master key file ${file} must hold ${KEY_BYTES} bytes, raw or as base64 or hex text`,
      );
    }
    return key;
  } finally {
    fs.closeSync(fd);
  }
}

function mustRead(file: string): Buffer {
  const key = readKeyFile(file);
  if (key === undefined) throw new MasterKeyError(`The master key file ${file} vanished while starting`);
  return key;
}

/**
 * Writes a fresh key to a private temporary file (`wx`, 0600) and links it into place, so the key
 * file appears complete or not at all, and never replaces one that exists. `undefined` when
 * another process created the file first.
 */
function createKeyFile(file: string): Buffer | undefined {
  const dir = path.dirname(file);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new MasterKeyError(`Cannot create the data directory ${dir} (${errorCode(error) ?? 'error'})`);
  }
  const key = randomBytes(KEY_BYTES);
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fd = fs.openSync(temporary, 'wx', 0o600);
    try {
      fs.fchmodSync(fd, 0o600); // the umask may only have narrowed it; make it exact
      fs.writeFileSync(fd, `${key.toString('base64')}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    try {
      fs.linkSync(temporary, file);
    } catch (error) {
      if (errorCode(error) === 'EEXIST') return undefined;
      // Some filesystems have no hard links; `wx` on the final name still never overwrites.
      if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(errorCode(error) ?? '')) throw error;
      return writeExclusively(file, key);
    }
    return key;
  } catch (error) {
    if (error instanceof MasterKeyError) throw error;
    throw new MasterKeyError(`Cannot create the master key file ${file} (${errorCode(error) ?? 'error'})`);
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}

function writeExclusively(file: string, key: Buffer): Buffer | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o600);
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return undefined;
    throw error;
  }
  try {
    fs.fchmodSync(fd, 0o600);
    fs.writeFileSync(fd, `${key.toString('base64')}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return key;
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}
