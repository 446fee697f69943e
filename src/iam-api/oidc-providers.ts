/**
 * OIDC identity providers: CreateOpenIDConnectProvider, GetOpenIDConnectProvider,
 * ListOpenIDConnectProviders, DeleteOpenIDConnectProvider, UpdateOpenIDConnectProviderThumbprint,
 * AddClientIDToOpenIDConnectProvider, RemoveClientIDFromOpenIDConnectProvider.
 *
 * Quotas are IAM's: 100 client ids and 5 thumbprints per provider, 100 providers per account.
 * Adding a client id that is there, or removing one that is not, succeeds (IAM documents both
 * as idempotent).
 */
import type { OperationContext } from '../control/operation.js';
import { oidcProviderArn } from '../iam/arn.js';
import { InvalidInputError, LimitExceededError } from '../iam/errors.js';
import type { IamOperation } from './operation.js';
import { IamParams, TEXT_RULES, checkText } from './params.js';
import { listResource, oidcProviderArnOf, requestTagContext } from './resources.js';
import { isoDate, tagsXml } from './serialize.js';

export const OIDC_QUOTAS = { clientIds: 100, thumbprints: 5, providersPerAccount: 100 } as const;

/** `https://host[:port][/path]`, without query or fragment, as IAM accepts issuer URLs. */
function checkIssuerUrl(url: string): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  const ok =
    parsed !== undefined &&
    /^https:\/\//i.test(url) &&
    parsed.hostname !== '' &&
    parsed.search === '' &&
    parsed.hash === '' &&
    parsed.username === '' &&
    parsed.password === '';
  if (!ok) throw new InvalidInputError(`Invalid URL: ${url.slice(0, 255)}. The URL must begin with https://`);
}

function checkThumbprints(thumbprints: readonly string[]): void {
  if (thumbprints.length > OIDC_QUOTAS.thumbprints) {
    throw new LimitExceededError(
      `Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: ${OIDC_QUOTAS.thumbprints}`,
    );
  }
  for (const t of thumbprints) {
    if (!/^[0-9A-Fa-f]{40}$/.test(t))
      throw new InvalidInputError(`Thumbprint ${t} is not a valid hex string.`);
  }
}

function checkClientIdCount(count: number): void {
  if (count > OIDC_QUOTAS.clientIds) {
    throw new LimitExceededError(
      `Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: ${OIDC_QUOTAS.clientIds}`,
    );
  }
}

const unique = (values: readonly string[]) => [...new Set(values)];

const clientIdRule = (value: unknown, field: string) => checkText(value, field, TEXT_RULES.clientId);
const thumbprintRule = (value: unknown, field: string) => checkText(value, field, TEXT_RULES.thumbprint);

const createOpenIDConnectProvider: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const url = input.text('Url', 'url', TEXT_RULES.url);
  const clientIds = input.list('ClientIDList', 'clientIDList', clientIdRule);
  const thumbprints = input.list('ThumbprintList', 'thumbprintList', thumbprintRule);
  const tags = input.tags('Tags', false);
  input.done();
  checkIssuerUrl(url);
  const arn = oidcProviderArn({ partition: ctx.partition, accountId: ctx.accountId, url });
  const tagContext = requestTagContext(tags);
  ctx.authorize('iam:CreateOpenIDConnectProvider', arn, tagContext);
  if (tags.length > 0) ctx.authorize('iam:TagOpenIDConnectProvider', arn, tagContext);
  checkClientIdCount(unique(clientIds).length);
  checkThumbprints(unique(thumbprints));
  if ((await ctx.store.listOidcProviders(ctx.accountId)).length >= OIDC_QUOTAS.providersPerAccount) {
    throw new LimitExceededError(
      `Cannot exceed quota for OpenIdConnectProvidersPerAccount: ${OIDC_QUOTAS.providersPerAccount}`,
    );
  }
  const provider = await ctx.store.createOidcProvider(ctx.accountId, {
    url,
    clientIds: unique(clientIds),
    thumbprints: unique(thumbprints),
    tags,
  });
  return {
    OpenIDConnectProviderArn: provider.arn,
    Tags: provider.tags.length === 0 ? undefined : tagsXml(provider.tags),
  };
};

/** Reads the provider ARN parameter, authorizes `action` on it, and resolves it. */
function providerArnParam(ctx: OperationContext, input: IamParams, action: string): string {
  const arn = input.arn('OpenIDConnectProviderArn', 'openIDConnectProviderArn');
  input.done();
  const own = oidcProviderArnOf(ctx, arn);
  ctx.authorize(action, own);
  return own;
}

const getOpenIDConnectProvider: IamOperation = async (ctx, params) => {
  const arn = providerArnParam(ctx, new IamParams(params), 'iam:GetOpenIDConnectProvider');
  const provider = await ctx.store.getOidcProvider(arn);
  return {
    Url: provider.url,
    ClientIDList: provider.clientIds,
    ThumbprintList: provider.thumbprints,
    CreateDate: isoDate(provider.createDate),
    Tags: provider.tags.length === 0 ? undefined : tagsXml(provider.tags),
  };
};

const listOpenIDConnectProviders: IamOperation = async (ctx) => {
  ctx.authorize('iam:ListOpenIDConnectProviders', listResource(ctx, 'oidc-provider'));
  const providers = await ctx.store.listOidcProviders(ctx.accountId);
  return { OpenIDConnectProviderList: providers.map((p) => ({ Arn: p.arn })) };
};

const deleteOpenIDConnectProvider: IamOperation = async (ctx, params) => {
  const arn = providerArnParam(ctx, new IamParams(params), 'iam:DeleteOpenIDConnectProvider');
  await ctx.store.deleteOidcProvider(arn);
  return undefined;
};

const updateOpenIDConnectProviderThumbprint: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  input.requireSent('ThumbprintList', 'thumbprintList');
  const thumbprints = input.list('ThumbprintList', 'thumbprintList', thumbprintRule);
  const arn = providerArnParam(ctx, input, 'iam:UpdateOpenIDConnectProviderThumbprint');
  checkThumbprints(unique(thumbprints));
  await ctx.store.updateOidcProvider(arn, { thumbprints: unique(thumbprints) });
  return undefined;
};

const addClientIDToOpenIDConnectProvider: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const clientId = input.text('ClientID', 'clientID', TEXT_RULES.clientId);
  const arn = providerArnParam(ctx, input, 'iam:AddClientIDToOpenIDConnectProvider');
  await ctx.store.transaction(async (tx) => {
    const provider = await tx.getOidcProvider(arn);
    if (provider.clientIds.includes(clientId)) return;
    checkClientIdCount(provider.clientIds.length + 1);
    await tx.updateOidcProvider(arn, { clientIds: [...provider.clientIds, clientId] });
  });
  return undefined;
};

const removeClientIDFromOpenIDConnectProvider: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const clientId = input.text('ClientID', 'clientID', TEXT_RULES.clientId);
  const arn = providerArnParam(ctx, input, 'iam:RemoveClientIDFromOpenIDConnectProvider');
  await ctx.store.transaction(async (tx) => {
    const provider = await tx.getOidcProvider(arn);
    if (!provider.clientIds.includes(clientId)) return;
    await tx.updateOidcProvider(arn, { clientIds: provider.clientIds.filter((c) => c !== clientId) });
  });
  return undefined;
};

export const oidcProviderOperations: Record<string, IamOperation> = {
  CreateOpenIDConnectProvider: createOpenIDConnectProvider,
  GetOpenIDConnectProvider: getOpenIDConnectProvider,
  ListOpenIDConnectProviders: listOpenIDConnectProviders,
  DeleteOpenIDConnectProvider: deleteOpenIDConnectProvider,
  UpdateOpenIDConnectProviderThumbprint: updateOpenIDConnectProviderThumbprint,
  AddClientIDToOpenIDConnectProvider: addClientIDToOpenIDConnectProvider,
  RemoveClientIDFromOpenIDConnectProvider: removeClientIDFromOpenIDConnectProvider,
};
