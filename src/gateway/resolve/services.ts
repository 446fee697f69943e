/**
 * Per service: how the resolver asks the backend what a name means, which error answers a name
 * that does not exist, and which forwarded operations change the answers (and so clear the cache).
 *
 * - KMS: an alias (name or ARN) -> the key id, by `DescribeKey` on the alias (KMS resolves it).
 * - Secrets Manager: a `SecretId` (name, partial or full ARN) -> the secret's name with its
 *   six-character suffix, by `DescribeSecret`.
 * - DynamoDB: a `TableName` -> the key schema of the table and its secondary indexes, by
 *   `DescribeTable`.
 */
import { AwsError } from '../../errors.js';
import { aliasNotFound } from '../mapping/kms.js';
import { secretNotFound } from '../mapping/secretsmanager.js';
import type { ResourceReferences, TableKeySchemas } from '../types.js';

export type ReferenceKind = keyof ResourceReferences;

export interface NameLookup<V> {
  kind: ReferenceKind;
  signingName: string;
  target: string;
  jsonVersion: '1.0' | '1.1';
  input(name: string): Record<string, unknown>;
  /** The answer in a successful Describe* document; `undefined` when it does not say. */
  read(body: Record<string, unknown>): V | undefined;
  /** The backend error types that mean "no such resource". */
  notFoundTypes: ReadonlySet<string>;
  /** The service's own answer to the caller for a name that does not exist. */
  notFound(name: string): AwsError;
}

export interface ServiceResolution {
  /** Forwarded operations after which earlier answers may be wrong. */
  mutating: ReadonlySet<string>;
  lookups: Partial<Record<ReferenceKind, NameLookup<unknown>>>;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

const KEY_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;

const kmsAliases: NameLookup<string> = {
  kind: 'kmsAliases',
  signingName: 'kms',
  target: 'TrentService.DescribeKey',
  jsonVersion: '1.1',
  input: (name) => ({ KeyId: name }),
  read: (body) => {
    const keyId = record(body.KeyMetadata)?.KeyId;
    return typeof keyId === 'string' && KEY_ID.test(keyId) ? keyId : undefined;
  },
  notFoundTypes: new Set(['NotFoundException']),
  notFound: (name) => aliasNotFound(name),
};

const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}-[A-Za-z0-9]{6}$/;

const secrets: NameLookup<string> = {
  kind: 'secrets',
  signingName: 'secretsmanager',
  target: 'secretsmanager.DescribeSecret',
  jsonVersion: '1.1',
  input: (name) => ({ SecretId: name }),
  read: (body) => {
    const arn = body.ARN;
    if (typeof arn !== 'string') return undefined;
    const at = arn.indexOf(':secret:');
    const fullName = at < 0 ? '' : arn.slice(at + ':secret:'.length);
    return SECRET_NAME.test(fullName) ? fullName : undefined;
  },
  notFoundTypes: new Set(['ResourceNotFoundException']),
  notFound: () => secretNotFound(),
};

function keySchema(value: unknown): { partitionKey: string; sortKey?: string } | undefined {
  if (!Array.isArray(value)) return undefined;
  let partitionKey: string | undefined;
  let sortKey: string | undefined;
  for (const element of value) {
    const entry = record(element);
    const name = entry?.AttributeName;
    if (typeof name !== 'string') return undefined;
    if (entry?.KeyType === 'HASH') partitionKey = name;
    else if (entry?.KeyType === 'RANGE') sortKey = name;
  }
  if (partitionKey === undefined) return undefined;
  return sortKey === undefined ? { partitionKey } : { partitionKey, sortKey };
}

const tables: NameLookup<TableKeySchemas> = {
  kind: 'tables',
  signingName: 'dynamodb',
  target: 'DynamoDB_20120810.DescribeTable',
  jsonVersion: '1.0',
  input: (name) => ({ TableName: name }),
  read: (body) => {
    const table = record(body.Table);
    const schema = keySchema(table?.KeySchema);
    if (table === undefined || schema === undefined) return undefined;
    const indexes: TableKeySchemas['indexes'] = {};
    for (const member of ['GlobalSecondaryIndexes', 'LocalSecondaryIndexes']) {
      const list = table[member];
      for (const element of Array.isArray(list) ? list : []) {
        const index = record(element);
        const indexSchema = keySchema(index?.KeySchema);
        if (typeof index?.IndexName === 'string' && indexSchema !== undefined) {
          indexes[index.IndexName] = indexSchema;
        }
      }
    }
    return { ...schema, indexes };
  },
  notFoundTypes: new Set(['ResourceNotFoundException']),
  notFound: () => new AwsError('ResourceNotFoundException', 'Requested resource not found', { status: 400 }),
};

/** By IAM service prefix. */
export const SERVICE_RESOLUTIONS: Readonly<Record<string, ServiceResolution>> = {
  kms: {
    mutating: new Set(['CreateAlias', 'UpdateAlias', 'DeleteAlias', 'ScheduleKeyDeletion']),
    lookups: { kmsAliases: kmsAliases as NameLookup<unknown> },
  },
  secretsmanager: {
    mutating: new Set(['CreateSecret', 'DeleteSecret', 'RestoreSecret']),
    lookups: { secrets: secrets as NameLookup<unknown> },
  },
  dynamodb: {
    mutating: new Set(['CreateTable', 'DeleteTable', 'UpdateTable']),
    lookups: { tables: tables as NameLookup<unknown> },
  },
};
