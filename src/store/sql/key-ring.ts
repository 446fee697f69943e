/**
 * The sealed key ring, one versioned row.
 */
import { ConcurrentModificationError } from '../../iam/errors.js';
import type { KeyRingRecord } from '../../iam/types.js';
import { bytesFrom, bytesToText } from '../rows.js';
import { SqlContext, isUniqueViolation } from './context.js';

export class KeyRingSql extends SqlContext {
  async getKeyRing(): Promise<KeyRingRecord | undefined> {
    const row = await this.db.selectFrom('key_ring').selectAll().where('id', '=', 1).executeTakeFirst();
    if (row === undefined) return undefined;
    return {
      version: Number(row.version),
      sealed: bytesFrom(row.sealed),
      updateDate: new Date(row.updated_at),
    };
  }

  async putKeyRing(sealed: Uint8Array, expectedVersion: number): Promise<KeyRingRecord> {
    const conflict = () =>
      new ConcurrentModificationError('The key ring was changed by another writer; read it again and retry.');
    return this.write(async (db, emit) => {
      const now = this.now();
      const version = expectedVersion + 1;
      const text = bytesToText(sealed);
      if (expectedVersion === 0) {
        const existing = await db.selectFrom('key_ring').select('id').where('id', '=', 1).executeTakeFirst();
        if (existing !== undefined) throw conflict();
        try {
          await db.insertInto('key_ring').values({ id: 1, version, sealed: text, updated_at: now }).execute();
        } catch (error) {
          if (isUniqueViolation(error)) throw conflict();
          throw error;
        }
      } else {
        const result = await db
          .updateTable('key_ring')
          .set({ version, sealed: text, updated_at: now })
          .where('id', '=', 1)
          .where('version', '=', expectedVersion)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) throw conflict();
      }
      emit({ entity: 'key-ring', op: expectedVersion === 0 ? 'create' : 'update', key: 'key-ring' });
      return { version, sealed: new Uint8Array(sealed), updateDate: new Date(now) };
    });
  }
}
