import { beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNT, call, callError, fakeContext, members, type FakeContext } from './test-support/context.js';

let ctx: FakeContext;
beforeEach(async () => {
  ctx = await fakeContext();
});

const URL_ = 'https://oidc.example.com/cluster/abc';
const ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.example.com/cluster/abc`;
const THUMB = '9e99a48a9960b14926bb7f3b02e22da2b0ab7280';

describe('OIDC providers', () => {
  it('creates, gets, lists, updates client ids and thumbprints, deletes', async () => {
    const created = await call(ctx, 'CreateOpenIDConnectProvider', {
      Url: URL_,
      'ClientIDList.member.1': 'sts.amazonaws.com',
      'ThumbprintList.member.1': THUMB,
      'Tags.member.1.Key': 'cluster',
      'Tags.member.1.Value': 'abc',
    });
    expect(created.OpenIDConnectProviderArn).toBe(ARN);
    expect(members(created.Tags)).toEqual([{ Key: 'cluster', Value: 'abc' }]);
    expect(ctx.calls.map((c) => [c.action, c.resource])).toEqual([
      ['iam:CreateOpenIDConnectProvider', ARN],
      ['iam:TagOpenIDConnectProvider', ARN],
    ]);

    const got = await call(ctx, 'GetOpenIDConnectProvider', { OpenIDConnectProviderArn: ARN });
    expect(got.Url).toBe('oidc.example.com/cluster/abc');
    expect(members(got.ClientIDList)).toEqual(['sts.amazonaws.com']);
    expect(members(got.ThumbprintList)).toEqual([THUMB]);
    expect(got.CreateDate).toMatch(/Z$/);

    const listed = await call(ctx, 'ListOpenIDConnectProviders');
    expect(members(listed.OpenIDConnectProviderList)).toEqual([{ Arn: ARN }]);
    expect(ctx.calls.at(-1)).toMatchObject({ resource: `arn:aws:iam::${ACCOUNT}:oidc-provider/` });

    await call(ctx, 'AddClientIDToOpenIDConnectProvider', { OpenIDConnectProviderArn: ARN, ClientID: 'app' });
    await call(ctx, 'AddClientIDToOpenIDConnectProvider', { OpenIDConnectProviderArn: ARN, ClientID: 'app' });
    await call(ctx, 'RemoveClientIDFromOpenIDConnectProvider', {
      OpenIDConnectProviderArn: ARN,
      ClientID: 'sts.amazonaws.com',
    });
    await call(ctx, 'RemoveClientIDFromOpenIDConnectProvider', {
      OpenIDConnectProviderArn: ARN,
      ClientID: 'never-there',
    });
    const other = 'a'.repeat(40);
    await call(ctx, 'UpdateOpenIDConnectProviderThumbprint', {
      OpenIDConnectProviderArn: ARN,
      'ThumbprintList.member.1': other,
    });
    const updated = await ctx.store.getOidcProvider(ARN);
    expect([updated.clientIds, updated.thumbprints]).toEqual([['app'], [other]]);

    await call(ctx, 'DeleteOpenIDConnectProvider', { OpenIDConnectProviderArn: ARN });
    const gone = await callError(ctx, 'GetOpenIDConnectProvider', { OpenIDConnectProviderArn: ARN });
    expect([gone.code, gone.status]).toEqual(['NoSuchEntity', 404]);
  });

  it('rejects duplicates, bad URLs, bad thumbprints and too many of them', async () => {
    await call(ctx, 'CreateOpenIDConnectProvider', {
      Url: URL_,
      'ClientIDList.member.1': 'sts.amazonaws.com',
    });
    const dup = await callError(ctx, 'CreateOpenIDConnectProvider', { Url: `${URL_}/` });
    expect([dup.code, dup.message]).toEqual([
      'EntityAlreadyExists',
      `Provider with url ${URL_} already exists.`,
    ]);
    expect(
      (await callError(ctx, 'CreateOpenIDConnectProvider', { Url: 'http://insecure.example.com' })).code,
    ).toBe('InvalidInput');
    expect(
      (await callError(ctx, 'CreateOpenIDConnectProvider', { Url: 'https://x.example.com/?q=1' })).code,
    ).toBe('InvalidInput');
    const short = await callError(ctx, 'CreateOpenIDConnectProvider', {
      Url: 'https://y.example.com',
      'ThumbprintList.member.1': 'abc',
    });
    expect(short.message).toBe(
      "1 validation error detected: Value 'abc' at 'thumbprintList.1.member' failed to satisfy constraint: Member must have length greater than or equal to 40",
    );
    const six: Record<string, string> = { Url: 'https://z.example.com' };
    for (let i = 1; i <= 6; i++) six[`ThumbprintList.member.${i}`] = String(i).repeat(40);
    const limit = await callError(ctx, 'CreateOpenIDConnectProvider', six);
    expect([limit.code, limit.message]).toEqual([
      'LimitExceeded',
      'Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: 5',
    ]);
    expect(
      (
        await callError(ctx, 'GetOpenIDConnectProvider', {
          OpenIDConnectProviderArn: `arn:aws:iam::${ACCOUNT}:role/x`,
        })
      ).code,
    ).toBe('InvalidInput');
    const foreign = await callError(ctx, 'GetOpenIDConnectProvider', {
      OpenIDConnectProviderArn: 'arn:aws:iam::444455556666:oidc-provider/oidc.example.com/cluster/abc',
    });
    expect(foreign.code).toBe('NoSuchEntity');
  });

  it('changes nothing when denied', async () => {
    await call(ctx, 'CreateOpenIDConnectProvider', { Url: URL_ });
    ctx.deny = () => true;
    expect(
      (
        await callError(ctx, 'AddClientIDToOpenIDConnectProvider', {
          OpenIDConnectProviderArn: ARN,
          ClientID: 'x',
        })
      ).code,
    ).toBe('AccessDenied');
    expect(
      (await callError(ctx, 'DeleteOpenIDConnectProvider', { OpenIDConnectProviderArn: ARN })).code,
    ).toBe('AccessDenied');
    expect((await ctx.store.getOidcProvider(ARN)).clientIds).toEqual([]);
  });
});
