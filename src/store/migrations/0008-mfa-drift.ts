/**
 * The clock drift `ResyncMFADevice` learns for a virtual MFA device, in 30-second TOTP steps
 * (RFC 6238 section 6: "the validation server can record the detected clock drift for the token
 * in terms of the number of time steps"); 0 until a resync finds another. A column with a
 * constant default, so existing devices need no rewrite on either database.
 */
import type { Kysely, Migration } from 'kysely';

export const mfaDrift: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('mfa_devices')
      .addColumn('drift_steps', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  },
};
