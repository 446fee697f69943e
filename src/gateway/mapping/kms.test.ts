import {
  CreateAliasCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  KMSClient,
  ListKeysCommand,
  ReEncryptCommand,
  ScheduleKeyDeletionCommand,
  SignCommand,
  TagResourceCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import type { MappedRequest } from '../types.js';
import { clearKeyIdPrefix, createKmsMapper, kmsMapper } from './kms.js';
import { capture, handRequest, offlineClientConfig } from './test-support/capture.js';

const client = new KMSClient(offlineClientConfig);
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY = `arn:aws:kms:us-east-1:111122223333:key/${KEY_ID}`;
const ALIAS = 'arn:aws:kms:us-east-1:111122223333:alias/app';

async function map(command: unknown, mapper = kmsMapper): Promise<MappedRequest> {
  const result = mapper.map(await capture(client, command));
  if ('unmapped' in result) throw new Error(`unmapped ${result.operation}`);
  return result;
}

describe('kms mapper: requests as the JS SDK v3 sends them', () => {
  it('Encrypt by key id: key ARN, encryption context keys, default algorithm; plaintext never logged', async () => {
    const result = await map(
      new EncryptCommand({
        KeyId: KEY_ID,
        Plaintext: Buffer.from('hunter2'),
        EncryptionContext: { app: 'billing', tier: 'prod' },
      }),
    );
    expect(result.checks).toEqual([
      {
        action: 'kms:Encrypt',
        resource: KEY,
        context: {
          'kms:CallerAccount': '111122223333',
          'kms:EncryptionContext:app': 'billing',
          'kms:EncryptionContext:tier': 'prod',
          'kms:EncryptionContextKeys': ['app', 'tier'],
          'kms:EncryptionAlgorithm': 'SYMMETRIC_DEFAULT',
        },
      },
    ]);
    const logged = JSON.stringify(result.requestParameters);
    expect(logged).not.toContain(Buffer.from('hunter2').toString('base64'));
    expect(result.requestParameters).toEqual({
      keyId: KEY_ID,
      encryptionContext: { app: 'billing', tier: 'prod' },
    });
  });

  it('an alias: kms:RequestAlias, the alias ARN without a resolver, the key ARN with one', async () => {
    const command = new GenerateDataKeyCommand({ KeyId: 'alias/app', KeySpec: 'AES_256' });
    const plain = await map(command);
    expect(plain.checks[0]).toMatchObject({ resource: ALIAS, context: { 'kms:RequestAlias': 'alias/app' } });
    expect(plain.checks[0]?.context['kms:EncryptionContextKeys']).toBeUndefined();
    const resolved = await map(
      command,
      createKmsMapper({ resolveAlias: (arn) => (arn === ALIAS ? KEY : undefined) }),
    );
    expect(resolved.checks[0]).toMatchObject({
      action: 'kms:GenerateDataKey',
      resource: KEY,
      context: { 'kms:RequestAlias': 'alias/app' },
    });
  });

  it('Decrypt without KeyId: the key from a moto/LocalStack ciphertext, else *', async () => {
    const motoBlob = Buffer.concat([Buffer.from(KEY_ID, 'latin1'), Buffer.alloc(40, 7)]);
    expect(clearKeyIdPrefix(motoBlob)).toBe(KEY_ID);
    expect((await map(new DecryptCommand({ CiphertextBlob: motoBlob }))).checks[0]?.resource).toBe(KEY);
    const opaque = Buffer.from([1, 2, 2, 0, 120, ...Buffer.alloc(60, 3)]);
    expect(clearKeyIdPrefix(opaque)).toBeUndefined();
    const result = await map(
      new DecryptCommand({ CiphertextBlob: opaque, EncryptionContext: { app: 'billing' } }),
    );
    expect(result.checks[0]).toMatchObject({ action: 'kms:Decrypt', resource: '*' });
    expect(result.resources).toBeUndefined();
    const withKey = await map(new DecryptCommand({ CiphertextBlob: opaque, KeyId: KEY }));
    expect(withKey.checks[0]?.resource).toBe(KEY);
  });

  it('ReEncrypt: ReEncryptFrom on the source key and ReEncryptTo on the destination', async () => {
    const other = 'arn:aws:kms:us-east-1:444455556666:key/0987dcba-09fe-87dc-65ba-ab0987654321';
    const result = await map(
      new ReEncryptCommand({
        CiphertextBlob: Buffer.concat([Buffer.from(KEY_ID), Buffer.alloc(40)]),
        DestinationKeyId: other,
        DestinationEncryptionContext: { to: 'x' },
      }),
    );
    expect(
      result.checks.map((c) => [
        c.action,
        c.resource,
        c.resourceAccount,
        c.context['kms:ReEncryptOnSameKey'],
      ]),
    ).toEqual([
      ['kms:ReEncryptFrom', KEY, undefined, false],
      ['kms:ReEncryptTo', other, '444455556666', false],
    ]);
    expect(result.checks[1]?.context['kms:EncryptionContext:to']).toBe('x');
  });

  it('CreateKey: no resource, key properties with their defaults, request tags', async () => {
    const result = await map(new CreateKeyCommand({ Tags: [{ TagKey: 'team', TagValue: 'pay' }] }));
    expect(result.checks).toEqual([
      {
        action: 'kms:CreateKey',
        resource: '*',
        context: {
          'kms:CallerAccount': '111122223333',
          'kms:KeySpec': 'SYMMETRIC_DEFAULT',
          'kms:KeyUsage': 'ENCRYPT_DECRYPT',
          'kms:KeyOrigin': 'AWS_KMS',
          'kms:MultiRegion': false,
          'kms:BypassPolicyLockoutSafetyCheck': false,
          'aws:RequestTag/team': 'pay',
          'aws:TagKeys': ['team'],
        },
      },
    ]);
  });

  it('CreateAlias needs the action on the alias and on the key', async () => {
    const result = await map(new CreateAliasCommand({ AliasName: 'alias/app', TargetKeyId: KEY_ID }));
    expect(result.checks.map((c) => [c.action, c.resource])).toEqual([
      ['kms:CreateAlias', ALIAS],
      ['kms:CreateAlias', KEY],
    ]);
  });

  it('Sign, ScheduleKeyDeletion, TagResource, DescribeKey, ListKeys', async () => {
    const sign = await map(
      new SignCommand({ KeyId: KEY, Message: Buffer.from('m'), SigningAlgorithm: 'ECDSA_SHA_256' }),
    );
    expect(sign.checks[0]?.context).toMatchObject({
      'kms:SigningAlgorithm': 'ECDSA_SHA_256',
      'kms:MessageType': 'RAW',
    });
    const schedule = await map(new ScheduleKeyDeletionCommand({ KeyId: KEY_ID, PendingWindowInDays: 7 }));
    expect(schedule.checks[0]?.context['kms:ScheduleKeyDeletionPendingWindowInDays']).toBe(7);
    const tag = await map(
      new TagResourceCommand({ KeyId: KEY_ID, Tags: [{ TagKey: 'env', TagValue: 'dev' }] }),
    );
    expect(tag.checks[0]?.context).toMatchObject({ 'aws:RequestTag/env': 'dev', 'aws:TagKeys': ['env'] });
    expect((await map(new DescribeKeyCommand({ KeyId: KEY }))).checks[0]?.resource).toBe(KEY);
    expect((await map(new ListKeysCommand({}))).checks[0]?.resource).toBe('*');
  });
});

describe('kms mapper: what KMS itself refuses', () => {
  const headers = { 'x-amz-target': 'TrentService.Encrypt', 'content-type': 'application/x-amz-json-1.1' };
  it('malformed JSON is SerializationException; a KeyId of another service NotFoundException', () => {
    expect(() => kmsMapper.map(handRequest({ headers, body: 'nope' }))).toThrow(
      expect.objectContaining({ code: 'SerializationException', status: 400 }),
    );
    expect(() =>
      kmsMapper.map(handRequest({ headers, body: '{"KeyId":"arn:aws:s3:::bucket","Plaintext":"AA=="}' })),
    ).toThrow(expect.objectContaining({ code: 'NotFoundException' }));
  });
  it('an unknown operation is unmapped', () => {
    expect(
      kmsMapper.map(
        handRequest({ headers: { 'x-amz-target': 'TrentService.ImportKeyMaterial' }, body: '{}' }),
      ),
    ).toMatchObject({
      unmapped: true,
      operation: 'ImportKeyMaterial',
    });
  });
});

describe('kms mapper: with the resolver answers (request.resolved)', () => {
  const OTHER_KEY_ID = '0987dcba-09ab-87cd-65ef-ba0987654321';
  const resolvedMap = async (command: unknown, aliases: Record<string, string>) => {
    const request = await capture(client, command);
    expect(kmsMapper.references?.(request)).toEqual(
      Object.keys(aliases).length === 0 ? {} : { kmsAliases: Object.keys(aliases) },
    );
    const result = kmsMapper.map({ ...request, resolved: { kmsAliases: new Map(Object.entries(aliases)) } });
    if ('unmapped' in result) throw new Error('unmapped');
    return result;
  };

  it('an alias name or alias ARN is checked on the key it points to (in the alias ARN account)', async () => {
    const byName = await resolvedMap(
      new DecryptCommand({ KeyId: 'alias/app', CiphertextBlob: Buffer.from('c') }),
      {
        'alias/app': KEY_ID,
      },
    );
    expect(byName.checks[0]).toMatchObject({ resource: KEY, context: { 'kms:RequestAlias': 'alias/app' } });
    const foreign = 'arn:aws:kms:us-east-1:444455556666:alias/shared';
    const byArn = await resolvedMap(new EncryptCommand({ KeyId: foreign, Plaintext: Buffer.from('p') }), {
      [foreign]: KEY_ID,
    });
    expect(byArn.checks[0]).toMatchObject({
      resource: `arn:aws:kms:us-east-1:444455556666:key/${KEY_ID}`,
      resourceAccount: '444455556666',
      context: { 'kms:RequestAlias': 'alias/shared' },
    });
  });

  it('an alias the resolver did not answer for is NotFoundException, never the alias ARN', async () => {
    const request = await capture(
      client,
      new EncryptCommand({ KeyId: 'alias/app', Plaintext: Buffer.from('p') }),
    );
    expect(() => kmsMapper.map({ ...request, resolved: {} })).toThrow(
      expect.objectContaining({ code: 'NotFoundException' }),
    );
  });

  it('UpdateAlias: on the alias, its current key and the new key; DeleteAlias: on the alias and its key', async () => {
    const update = await resolvedMap(
      new UpdateAliasCommand({ AliasName: 'alias/app', TargetKeyId: OTHER_KEY_ID }),
      {
        'alias/app': KEY_ID,
      },
    );
    expect(update.checks.map((check) => [check.action, check.resource])).toEqual([
      ['kms:UpdateAlias', ALIAS],
      ['kms:UpdateAlias', KEY],
      ['kms:UpdateAlias', `arn:aws:kms:us-east-1:111122223333:key/${OTHER_KEY_ID}`],
    ]);
    const remove = await resolvedMap(new DeleteAliasCommand({ AliasName: 'alias/app' }), {
      'alias/app': KEY_ID,
    });
    expect(remove.checks.map((check) => check.resource)).toEqual([ALIAS, KEY]);
    const create = await resolvedMap(
      new CreateAliasCommand({ AliasName: 'alias/new', TargetKeyId: KEY_ID }),
      {},
    );
    expect(create.checks.map((check) => check.resource)).toEqual([
      'arn:aws:kms:us-east-1:111122223333:alias/new',
      KEY,
    ]);
  });
});
