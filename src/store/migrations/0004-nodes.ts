/**
 * The fleet's nodes (`credplane node add`): each node's one-time join token (its SHA-256 only),
 * the certificates issued to it (a certificate is honoured only while its row and its node's row
 * exist, so `credplane node remove` revokes at once), and the plane's own CA (its private key
 * sealed under the master key), which signs the node certificates and the agent port's
 * certificate.
 */
import type { Kysely, Migration } from 'kysely';

export const nodes: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('node_ca')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('certificate', 'text', (c) => c.notNull())
      .addColumn('sealed_key', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('nodes')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('join_token_hash', 'text', (c) => c.notNull())
      .addColumn('join_token_expires_at', 'text', (c) => c.notNull())
      .addColumn('join_token_used_at', 'text')
      .execute();
    await db.schema
      .createTable('node_certificates')
      .addColumn('serial', 'text', (c) => c.primaryKey())
      .addColumn('node_name', 'text', (c) => c.notNull().references('nodes.name').onDelete('cascade'))
      .addColumn('issued_at', 'text', (c) => c.notNull())
      .addColumn('not_after', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('node_certificates_node')
      .on('node_certificates')
      .column('node_name')
      .execute();
  },
};
