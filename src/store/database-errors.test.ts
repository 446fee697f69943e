import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { AwsError } from '../errors.js';
import { NoSuchEntityError } from '../iam/errors.js';
import { mapDatabaseError, withDatabaseErrors } from './database-errors.js';
import type { Store } from './store.js';

describe('mapDatabaseError', () => {
  it('turns SQLite failures into ServiceFailure without their text', () => {
    const mapped = mapDatabaseError(
      new BetterSqlite3.SqliteError('disk I/O error in table roles', 'SQLITE_IOERR'),
    );
    expect(mapped).toBeInstanceOf(AwsError);
    expect(mapped).toMatchObject({ code: 'ServiceFailure', status: 500, type: 'Receiver' });
    expect((mapped as Error).message).not.toContain('roles');
  });

  it('turns PostgreSQL data exceptions into InvalidInput, a database out of reach into ServiceUnavailable, other errors into ServiceFailure', () => {
    const nul = Object.assign(
      new pg.DatabaseError('invalid byte sequence for encoding "UTF8": 0x00', 1, 'error'),
      {
        code: '22021',
      },
    );
    expect(mapDatabaseError(nul)).toMatchObject({ code: 'InvalidInput', status: 400 });
    const down = Object.assign(new pg.DatabaseError('terminating connection', 1, 'error'), { code: '57P01' });
    expect(mapDatabaseError(down)).toMatchObject({ code: 'ServiceUnavailable', status: 503 });
    for (const code of ['40P01', '40001']) {
      const victim = Object.assign(new pg.DatabaseError('deadlock detected', 1, 'error'), { code });
      expect(mapDatabaseError(victim)).toMatchObject({ code: 'ServiceUnavailable', status: 503 });
    }
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { syscall: 'connect' });
    expect(mapDatabaseError(refused)).toMatchObject({ code: 'ServiceUnavailable', status: 503 });
    expect(mapDatabaseError(new Error('Connection terminated unexpectedly'))).toMatchObject({
      code: 'ServiceUnavailable',
    });
    const missing = Object.assign(new pg.DatabaseError('relation "roles" does not exist', 1, 'error'), {
      code: '42P01',
    });
    expect(mapDatabaseError(missing)).toMatchObject({ code: 'ServiceFailure', status: 500 });
    expect((mapDatabaseError(missing) as Error).message).not.toContain('roles');
  });

  it('leaves AwsErrors and foreign errors alone', () => {
    const aws = new NoSuchEntityError('x');
    const mine = new Error('template step failed');
    expect(mapDatabaseError(aws)).toBe(aws);
    expect(mapDatabaseError(mine)).toBe(mine);
  });
});

describe('withDatabaseErrors', () => {
  it('maps rejections and synchronous throws of every method', async () => {
    const fake = {
      partition: 'aws',
      getRole: () => Promise.reject(new BetterSqlite3.SqliteError('locked', 'SQLITE_BUSY')),
      listAccounts: () => {
        throw new BetterSqlite3.SqliteError('locked', 'SQLITE_BUSY');
      },
    } as unknown as Store;
    const store = withDatabaseErrors(fake);
    expect(store.partition).toBe('aws');
    await expect(store.getRole('111122223333', 'r')).rejects.toMatchObject({ code: 'ServiceFailure' });
    expect(() => store.listAccounts()).toThrow(AwsError);
  });
});
