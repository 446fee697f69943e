/**
 * KMS (JSON 1.1, `X-Amz-Target: TrentService.<Operation>`) -> IAM checks.
 *
 * The key a request uses is named by `KeyId`: a key id, a key ARN, an alias name (`alias/x`) or an
 * alias ARN. AWS resolves an alias to its key and authorizes on the key's ARN, with
 * `kms:RequestAlias` set to the alias ("Using aliases to control access to KMS keys", AWS KMS
 * Developer Guide). Resolving is I/O: `references` lists the aliases a request names, the gateway's
 * resolver (`gateway/resolve/kms.ts`) asks the backend, and `map` reads the key ids from
 * `request.resolved` — an alias missing there is `NotFoundException`, never checked on the alias
 * ARN (which would let a Deny on the key be dodged, and an Allow on the alias grant the key). Alias
 * operations (CreateAlias/UpdateAlias/DeleteAlias) are checked on the alias ARN and on its key(s),
 * as AWS documents. Without `request.resolved` (the mapper used alone) the optional `resolveAlias`
 * (alias ARN -> key ARN) is asked, else the alias ARN is the resource.
 *
 * A symmetric `Decrypt` (and `ReEncrypt`'s source) may omit the key: KMS reads it from the
 * ciphertext. The mapper asks `ciphertextKeyId` for it; the default reads the key id that moto and
 * LocalStack write in clear at the head of their ciphertexts (a real AWS ciphertext does not
 * reveal its key). When no key can be read the check is on `*`, so that only policies allowing
 * every key allow it — but a Deny naming one key ARN cannot match it either: configure
 * `ciphertextKeyId` for a backend whose format differs.
 *
 * Request condition keys: `kms:CallerAccount`, `kms:EncryptionContext:<key>`,
 * `kms:EncryptionContextKeys` (absent without an encryption context, as on AWS),
 * `kms:EncryptionAlgorithm` (the request's, else KMS's default `SYMMETRIC_DEFAULT`),
 * `kms:RequestAlias`, `kms:SigningAlgorithm`, `kms:MessageType`, `kms:MacAlgorithm`,
 * `kms:DataKeyPairSpec`, CreateKey's `kms:KeySpec`/`KeyUsage`/`KeyOrigin`/`MultiRegion`/
 * `BypassPolicyLockoutSafetyCheck` and `kms:ScheduleKeyDeletionPendingWindowInDays`.
 * `kms:ViaService` is never set: requests through the gateway come from the caller itself.
 * Plaintext, ciphertext, messages and signatures are never logged.
 */
import { AwsError } from '../../errors.js';
import type { ContextInput } from '../../policy/index.js';
import type {
  AuthorizationCheck,
  GatewayRequest,
  MappedRequest,
  ResourceReferences,
  ServiceMapper,
  UnmappedRequest,
} from '../types.js';
import { foreignAccount, resourceArn, splitArn } from './support/arn.js';
import { requestTagContext, tagKeysContext } from './support/conditions.js';
import {
  optionalBoolean,
  optionalNumber,
  optionalString,
  parseJsonBody,
  requiredString,
  stringList,
  stringMap,
  tagList,
} from './support/json-body.js';
import type { JsonObject } from './support/json-body.js';
import { coverageOf, operationEntry, runOperation } from './support/operations.js';
import type { MappedParts, OperationTable } from './support/operations.js';
import { pickParameters } from './support/parameters.js';
import { requireOperationFromTarget } from './support/target.js';

export interface KmsMapperOptions {
  /** The key ARN an alias ARN points to, when known; synchronous and free of I/O. */
  resolveAlias?: (aliasArn: string) => string | undefined;
  /** The key id or ARN a ciphertext blob was made with, when its format reveals it. */
  ciphertextKeyId?: (ciphertext: Buffer) => string | undefined;
}

const SERVICE = { service: 'kms', eventSource: 'kms.amazonaws.com' } as const;

const LOGGED = [
  'KeyId',
  'EncryptionContext',
  'EncryptionAlgorithm',
  'KeySpec',
  'NumberOfBytes',
  'KeyPairSpec',
  'SourceKeyId',
  'DestinationKeyId',
  'SourceEncryptionContext',
  'DestinationEncryptionContext',
  'AliasName',
  'TargetKeyId',
  'SigningAlgorithm',
  'MessageType',
  'MacAlgorithm',
  'KeyUsage',
  'Origin',
  'Description',
  'MultiRegion',
  'PendingWindowInDays',
  'TagKeys',
  'Limit',
] as const;

const KEY_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;

/**
 * The key id moto and LocalStack put in clear in the first 36 bytes of a ciphertext blob.
 *
 * @example
 * clearKeyIdPrefix(Buffer.from('1234abcd-12ab-34cd-56ef-1234567890ab...')); // '1234abcd-12ab-34cd-56ef-1234567890ab'
 */
export function clearKeyIdPrefix(ciphertext: Buffer): string | undefined {
  if (ciphertext.length < 36) return undefined;
  const head = ciphertext.subarray(0, 36).toString('latin1');
  return KEY_ID.test(head) ? head : undefined;
}

interface Context {
  request: GatewayRequest;
  resolveAlias: (aliasArn: string) => string | undefined;
  ciphertextKeyId: (ciphertext: Buffer) => string | undefined;
}

interface KeyTarget {
  resource: string;
  /** `alias/<name>` when the request named the key by an alias. */
  alias?: string;
  /** The alias ARN, when the request named one. */
  aliasArn?: string;
}

function notFound(keyId: string): AwsError {
  return new AwsError('NotFoundException', `Invalid keyId ${truncate(keyId)}`, { status: 400 });
}

/** The resource a `KeyId` names (see the module comment for aliases). */
function keyTarget(keyId: string, context: Context): KeyTarget {
  const { request } = context;
  const arn = splitArn(keyId);
  if (arn !== undefined) {
    if (arn.service !== 'kms') throw notFound(keyId);
    if (arn.resource.startsWith('alias/')) {
      const place = { region: arn.region, account: arn.account };
      const resource = aliasKey(keyId, keyId, context, place);
      return { resource, alias: arn.resource, aliasArn: keyId };
    }
    if (!arn.resource.startsWith('key/')) throw notFound(keyId);
    return { resource: keyId };
  }
  if (keyId.startsWith('alias/')) {
    const aliasArn = resourceArn(request, 'kms', keyId);
    return { resource: aliasKey(keyId, aliasArn, context), alias: keyId, aliasArn };
  }
  if (keyId === '' || keyId.includes('/') || keyId.includes(':')) throw notFound(keyId);
  return { resource: resourceArn(request, 'kms', `key/${keyId}`) };
}

/**
 * The key ARN an alias (as the request names it) points to: from `request.resolved` when the
 * gateway resolved the request (in the alias's own account and region), else `resolveAlias`.
 */
function aliasKey(
  given: string,
  aliasArn: string,
  context: Context,
  place: { region?: string; account?: string } = {},
): string {
  const resolved = context.request.resolved;
  if (resolved === undefined) return context.resolveAlias(aliasArn) ?? aliasArn;
  const keyId = resolved.kmsAliases?.get(given);
  if (keyId === undefined) throw aliasNotFound(aliasArn);
  return resourceArn(context.request, 'kms', `key/${keyId}`, place);
}

/** KMS's answer for an alias that does not exist. */
export function aliasNotFound(aliasArn: string): AwsError {
  return new AwsError('NotFoundException', `Alias ${truncate(aliasArn)} is not found.`, { status: 400 });
}

/** The aliases `KeyId`-like members name, for the resolver. */
function aliasesIn(input: JsonObject, members: readonly string[]): string[] {
  const out: string[] = [];
  for (const member of members) {
    const value = input[member];
    if (typeof value !== 'string') continue;
    if (value.startsWith('alias/') || splitArn(value)?.resource.startsWith('alias/') === true)
      out.push(value);
  }
  return out;
}

/** The key of a Decrypt or ReEncrypt source: the request's `KeyId`, else the ciphertext's. */
function decryptTarget(input: JsonObject, keyIdMember: string, context: Context): KeyTarget {
  const keyId = optionalString(input, keyIdMember);
  if (keyId !== undefined) return keyTarget(keyId, context);
  const blob = Buffer.from(requiredString(input, 'CiphertextBlob'), 'base64');
  const fromBlob = context.ciphertextKeyId(blob);
  return fromBlob === undefined ? { resource: '*' } : keyTarget(fromBlob, context);
}

function encryptionContextKeys(context: Record<string, string>): Record<string, ContextInput> {
  const keys: Record<string, ContextInput> = {};
  const names = Object.keys(context);
  if (names.length === 0) return keys;
  for (const name of names) keys[`kms:EncryptionContext:${name}`] = context[name] as string;
  keys['kms:EncryptionContextKeys'] = names;
  return keys;
}

function keyCheck(
  action: string,
  target: KeyTarget,
  context: Context,
  extra: Record<string, ContextInput> = {},
): AuthorizationCheck {
  const keys: Record<string, ContextInput> = { 'kms:CallerAccount': context.request.accountId, ...extra };
  if (target.alias !== undefined) keys['kms:RequestAlias'] = target.alias;
  const place = target.resource === '*' ? {} : foreignAccount(context.request, target.resource);
  return { action: `kms:${action}`, resource: target.resource, ...place, context: keys };
}

function optionalContext(
  input: JsonObject,
  member: string,
  key: string,
  fallback?: string,
): Record<string, ContextInput> {
  const value = optionalString(input, member) ?? fallback;
  return value === undefined ? {} : { [key]: value };
}

type Extra = (input: JsonObject) => Record<string, ContextInput>;

const cryptoContext: Extra = (input) => ({
  ...encryptionContextKeys(stringMap(input, 'EncryptionContext')),
  ...optionalContext(input, 'EncryptionAlgorithm', 'kms:EncryptionAlgorithm', 'SYMMETRIC_DEFAULT'),
});

/** Operations on the key `KeyId` names. */
function keyOperation(action: string, extra: Extra = () => ({})) {
  return {
    actions: [`kms:${action}`],
    map: (input: JsonObject, context: Context): MappedParts => ({
      checks: [keyCheck(action, keyTarget(requiredString(input, 'KeyId'), context), context, extra(input))],
      requestParameters: pickParameters(input, LOGGED),
    }),
  };
}

function wildcardOperation(action: string, extra: Extra = () => ({})) {
  return {
    actions: [`kms:${action}`],
    map: (input: JsonObject, context: Context): MappedParts => ({
      checks: [keyCheck(action, { resource: '*' }, context, extra(input))],
      requestParameters: pickParameters(input, LOGGED),
    }),
  };
}

/**
 * Alias operations need the action on the alias and on its key: CreateAlias on the new target,
 * DeleteAlias on the current one, UpdateAlias on both ("Controlling access to aliases", AWS KMS
 * Developer Guide).
 */
function aliasOperation(action: 'CreateAlias' | 'DeleteAlias' | 'UpdateAlias') {
  return {
    actions: [`kms:${action}`],
    map: (input: JsonObject, context: Context): MappedParts => {
      const aliasName = requiredString(input, 'AliasName');
      if (!aliasName.startsWith('alias/')) {
        throw new AwsError('ValidationException', `Alias must start with the prefix "alias/".`, {
          status: 400,
        });
      }
      const aliasArn = resourceArn(context.request, 'kms', aliasName);
      const checks: AuthorizationCheck[] = [keyCheck(action, { resource: aliasArn }, context)];
      const keys: string[] = [];
      if (action !== 'CreateAlias') {
        const current =
          context.request.resolved === undefined
            ? context.resolveAlias(aliasArn)
            : aliasKey(aliasName, aliasArn, context);
        if (current !== undefined) keys.push(current);
      }
      if (action !== 'DeleteAlias') {
        keys.push(keyTarget(requiredString(input, 'TargetKeyId'), context).resource);
      }
      for (const key of new Set(keys)) checks.push(keyCheck(action, { resource: key }, context));
      return { checks, requestParameters: pickParameters(input, LOGGED) };
    },
  };
}

/** Members that name a key and may name it by an alias. */
const KEY_MEMBERS = ['KeyId', 'SourceKeyId', 'DestinationKeyId', 'TargetKeyId'] as const;

const operations: OperationTable<JsonObject, Context> = {
  Encrypt: keyOperation('Encrypt', cryptoContext),
  Decrypt: {
    actions: ['kms:Decrypt'],
    map: (input, context) => ({
      checks: [keyCheck('Decrypt', decryptTarget(input, 'KeyId', context), context, cryptoContext(input))],
      requestParameters: pickParameters(input, LOGGED),
    }),
  },
  GenerateDataKey: keyOperation('GenerateDataKey', cryptoContext),
  GenerateDataKeyWithoutPlaintext: keyOperation('GenerateDataKeyWithoutPlaintext', cryptoContext),
  GenerateDataKeyPair: keyOperation('GenerateDataKeyPair', (input) => ({
    ...encryptionContextKeys(stringMap(input, 'EncryptionContext')),
    ...optionalContext(input, 'KeyPairSpec', 'kms:DataKeyPairSpec'),
  })),
  GenerateDataKeyPairWithoutPlaintext: keyOperation('GenerateDataKeyPairWithoutPlaintext', (input) => ({
    ...encryptionContextKeys(stringMap(input, 'EncryptionContext')),
    ...optionalContext(input, 'KeyPairSpec', 'kms:DataKeyPairSpec'),
  })),
  ReEncrypt: {
    actions: ['kms:ReEncryptFrom', 'kms:ReEncryptTo'],
    map: (input, context) => {
      const source = decryptTarget(input, 'SourceKeyId', context);
      const destination = keyTarget(requiredString(input, 'DestinationKeyId'), context);
      const sameKey: Record<string, ContextInput> =
        source.resource === '*' ? {} : { 'kms:ReEncryptOnSameKey': source.resource === destination.resource };
      return {
        checks: [
          keyCheck('ReEncryptFrom', source, context, {
            ...encryptionContextKeys(stringMap(input, 'SourceEncryptionContext')),
            ...optionalContext(
              input,
              'SourceEncryptionAlgorithm',
              'kms:EncryptionAlgorithm',
              'SYMMETRIC_DEFAULT',
            ),
            ...sameKey,
          }),
          keyCheck('ReEncryptTo', destination, context, {
            ...encryptionContextKeys(stringMap(input, 'DestinationEncryptionContext')),
            ...optionalContext(
              input,
              'DestinationEncryptionAlgorithm',
              'kms:EncryptionAlgorithm',
              'SYMMETRIC_DEFAULT',
            ),
            ...sameKey,
          }),
        ],
        requestParameters: pickParameters(input, LOGGED),
      };
    },
  },
  Sign: keyOperation('Sign', (input) => ({
    ...optionalContext(input, 'SigningAlgorithm', 'kms:SigningAlgorithm'),
    ...optionalContext(input, 'MessageType', 'kms:MessageType', 'RAW'),
  })),
  Verify: keyOperation('Verify', (input) => ({
    ...optionalContext(input, 'SigningAlgorithm', 'kms:SigningAlgorithm'),
    ...optionalContext(input, 'MessageType', 'kms:MessageType', 'RAW'),
  })),
  GenerateMac: keyOperation('GenerateMac', (input) =>
    optionalContext(input, 'MacAlgorithm', 'kms:MacAlgorithm'),
  ),
  VerifyMac: keyOperation('VerifyMac', (input) => optionalContext(input, 'MacAlgorithm', 'kms:MacAlgorithm')),
  GetPublicKey: keyOperation('GetPublicKey'),
  DescribeKey: keyOperation('DescribeKey'),
  EnableKey: keyOperation('EnableKey'),
  DisableKey: keyOperation('DisableKey'),
  GetKeyPolicy: keyOperation('GetKeyPolicy'),
  GetKeyRotationStatus: keyOperation('GetKeyRotationStatus'),
  ListResourceTags: keyOperation('ListResourceTags'),
  ScheduleKeyDeletion: keyOperation('ScheduleKeyDeletion', (input) => ({
    'kms:ScheduleKeyDeletionPendingWindowInDays': optionalNumber(input, 'PendingWindowInDays') ?? 30,
  })),
  CancelKeyDeletion: keyOperation('CancelKeyDeletion'),
  TagResource: keyOperation('TagResource', (input) =>
    requestTagContext(tagList(input, 'Tags', 'TagKey', 'TagValue')),
  ),
  UntagResource: keyOperation('UntagResource', (input) => tagKeysContext(stringList(input, 'TagKeys'))),
  CreateAlias: aliasOperation('CreateAlias'),
  DeleteAlias: aliasOperation('DeleteAlias'),
  UpdateAlias: aliasOperation('UpdateAlias'),
  CreateKey: wildcardOperation('CreateKey', (input) => ({
    'kms:KeySpec':
      optionalString(input, 'KeySpec') ??
      optionalString(input, 'CustomerMasterKeySpec') ??
      'SYMMETRIC_DEFAULT',
    'kms:KeyUsage': optionalString(input, 'KeyUsage') ?? 'ENCRYPT_DECRYPT',
    'kms:KeyOrigin': optionalString(input, 'Origin') ?? 'AWS_KMS',
    'kms:MultiRegion': optionalBoolean(input, 'MultiRegion') ?? false,
    'kms:BypassPolicyLockoutSafetyCheck': optionalBoolean(input, 'BypassPolicyLockoutSafetyCheck') ?? false,
    ...requestTagContext(tagList(input, 'Tags', 'TagKey', 'TagValue')),
  })),
  ListKeys: wildcardOperation('ListKeys'),
  ListAliases: wildcardOperation('ListAliases'),
  GenerateRandom: wildcardOperation('GenerateRandom'),
};

/** Every mapped operation with the actions it can need. */
export const kmsCoverage = coverageOf(operations);

/**
 * A KMS mapper; see the module comment for `resolveAlias` and `ciphertextKeyId`.
 *
 * @example
 * const mapper = createKmsMapper({ resolveAlias: (arn) => aliases.get(arn) });
 */
export function createKmsMapper(options: KmsMapperOptions = {}): ServiceMapper {
  const resolveAlias = options.resolveAlias ?? (() => undefined);
  const ciphertextKeyId = options.ciphertextKeyId ?? clearKeyIdPrefix;
  return {
    service: 'kms',
    signingName: 'kms',
    protocol: 'json',
    needsBody: () => true,
    map(request: GatewayRequest): MappedRequest | UnmappedRequest {
      const operation = requireOperationFromTarget(request, 'TrentService');
      return runOperation(SERVICE, operations, operation, () => parseJsonBody(request.body), {
        request,
        resolveAlias,
        ciphertextKeyId,
      });
    },
    references(request: GatewayRequest): ResourceReferences {
      const operation = requireOperationFromTarget(request, 'TrentService');
      if (operationEntry(operations, operation) === undefined) return {};
      const input = parseJsonBody(request.body);
      const members: string[] = [...KEY_MEMBERS];
      // DeleteAlias and UpdateAlias are also checked on the key the alias points to now.
      if (operation === 'DeleteAlias' || operation === 'UpdateAlias') members.push('AliasName');
      const kmsAliases = aliasesIn(input, members);
      return kmsAliases.length === 0 ? {} : { kmsAliases };
    },
  };
}

/** The KMS mapper without alias resolution, reading key ids from moto/LocalStack ciphertexts. */
export const kmsMapper: ServiceMapper = createKmsMapper();

function truncate(text: string): string {
  return text.length > 128 ? `${text.slice(0, 128)}...` : text;
}
