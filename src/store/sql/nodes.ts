/**
 * The fleet's nodes: join tokens (hashed), the certificates issued to each node, and the plane's
 * node CA. No change events: none of this is the IAM model, and every agent request reads its
 * certificate's row afresh, so a removal applies to the next request on every replica.
 */
import { EntityAlreadyExistsError, NoSuchEntityError } from '../../iam/errors.js';
import type { NodeCaRecord, NodeCertificateRecord, NodeRecord } from '../store.js';
import { SqlContext, isUniqueViolation } from './context.js';

const noNode = (name: string) => new NoSuchEntityError(`The node ${name} cannot be found.`);

function nodeFrom(row: {
  name: string;
  created_at: string;
  join_token_hash: string;
  join_token_expires_at: string;
  join_token_used_at: string | null;
}): NodeRecord {
  return {
    name: row.name,
    createDate: new Date(row.created_at),
    joinTokenHash: row.join_token_hash,
    joinTokenExpiresAt: new Date(row.join_token_expires_at),
    ...(row.join_token_used_at === null ? {} : { joinTokenUsedAt: new Date(row.join_token_used_at) }),
  };
}

export class NodesSql extends SqlContext {
  async createNode(input: {
    name: string;
    joinTokenHash: string;
    joinTokenExpiresAt: Date;
  }): Promise<NodeRecord> {
    return this.write(async (db) => {
      const row = {
        name: input.name,
        created_at: this.now(),
        join_token_hash: input.joinTokenHash,
        join_token_expires_at: input.joinTokenExpiresAt.toISOString(),
        join_token_used_at: null,
      };
      try {
        await db.insertInto('nodes').values(row).execute();
      } catch (error) {
        if (isUniqueViolation(error))
          throw new EntityAlreadyExistsError(`Node ${input.name} already exists.`);
        throw error;
      }
      return nodeFrom(row);
    });
  }

  async getNode(name: string): Promise<NodeRecord | undefined> {
    const row = await this.db.selectFrom('nodes').selectAll().where('name', '=', name).executeTakeFirst();
    return row === undefined ? undefined : nodeFrom(row);
  }

  async listNodes(): Promise<NodeRecord[]> {
    const rows = await this.db.selectFrom('nodes').selectAll().orderBy('name').execute();
    return rows.map(nodeFrom);
  }

  async useJoinToken(name: string, joinTokenHash: string, usedAt: Date): Promise<boolean> {
    return this.write(async (db) => {
      // One statement: of two agents racing with the same token, exactly one sees a row updated.
      const result = await db
        .updateTable('nodes')
        .set({ join_token_used_at: usedAt.toISOString() })
        .where('name', '=', name)
        .where('join_token_hash', '=', joinTokenHash)
        .where('join_token_used_at', 'is', null)
        .where('join_token_expires_at', '>', usedAt.toISOString())
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    });
  }

  async deleteNode(name: string): Promise<void> {
    await this.write(async (db) => {
      await db.deleteFrom('node_certificates').where('node_name', '=', name).execute();
      const result = await db.deleteFrom('nodes').where('name', '=', name).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) throw noNode(name);
    });
  }

  async addNodeCertificate(record: NodeCertificateRecord): Promise<void> {
    await this.write(async (db) => {
      const node = await db
        .selectFrom('nodes')
        .select('name')
        .where('name', '=', record.nodeName)
        .executeTakeFirst();
      if (node === undefined) throw noNode(record.nodeName);
      await db
        .insertInto('node_certificates')
        .values({
          serial: record.serial,
          node_name: record.nodeName,
          issued_at: record.issuedAt.toISOString(),
          not_after: record.notAfter.toISOString(),
        })
        .execute();
    });
  }

  async findNodeCertificate(serial: string): Promise<NodeCertificateRecord | undefined> {
    const row = await this.db
      .selectFrom('node_certificates')
      .innerJoin('nodes', 'nodes.name', 'node_certificates.node_name')
      .select(['node_certificates.serial', 'node_certificates.node_name', 'issued_at', 'not_after'])
      .where('node_certificates.serial', '=', serial)
      .executeTakeFirst();
    return row === undefined
      ? undefined
      : {
          serial: row.serial,
          nodeName: row.node_name,
          issuedAt: new Date(row.issued_at),
          notAfter: new Date(row.not_after),
        };
  }

  async getNodeCa(): Promise<NodeCaRecord | undefined> {
    const row = await this.db.selectFrom('node_ca').selectAll().where('id', '=', 1).executeTakeFirst();
    return row === undefined
      ? undefined
      : {
          certificatePem: row.certificate,
          sealedKey: Buffer.from(row.sealed_key, 'base64'),
          createDate: new Date(row.created_at),
        };
  }

  async putNodeCaIfAbsent(record: { certificatePem: string; sealedKey: Uint8Array }): Promise<NodeCaRecord> {
    try {
      await this.write(async (db) => {
        await db
          .insertInto('node_ca')
          .values({
            id: 1,
            certificate: record.certificatePem,
            sealed_key: Buffer.from(record.sealedKey).toString('base64'),
            created_at: this.now(),
          })
          .execute();
      });
    } catch (error) {
      // Another process created it first: theirs is the CA.
      if (!isUniqueViolation(error)) throw error;
    }
    const stored = await this.getNodeCa();
    if (stored === undefined) throw new Error('the node CA row vanished');
    return stored;
  }
}
