/**
 * An OIDC issuer behind a private CA (a self-hosted GitLab, Vault or Kubernetes API server): HTTPS
 * on 127.0.0.1 with a certificate chain (leaf + intermediate) whose root Node does not trust. As
 * IAM documents (UpdateOpenIDConnectProviderThumbprint; "Obtain the thumbprint for an OpenID
 * Connect identity provider"), the provider's thumbprint list is used only when the certificate is
 * not signed by a trusted CA, and the thumbprint is the SHA-1 of the top certificate of the chain
 * the server presents. The JS SDK's web identity provider (`fromTokenFile`, the file
 * `AWS_WEB_IDENTITY_TOKEN_FILE` names) exchanges a token of that issuer through the control plane
 * over HTTP, without `NODE_EXTRA_CA_CERTS`.
 */
import { fromTokenFile } from '@aws-sdk/credential-provider-web-identity';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type RunningServer } from '../http/server.js';
import { ACCOUNT, createTestPlane, xmlValue, type TestPlane } from '../server/test-support/plane.js';
import { createHttpJwksResolver } from './jwks-resolver.js';
import { storeProviderLookup } from './provider-lookup.js';
import { createPrivatePki, type PrivatePki } from './test-support/private-ca.js';
import { createWebIdentityVerifier } from './verify-web-identity-token.js';

let plane: TestPlane;
let api: RunningServer;
let pki: PrivatePki;
let issuerServer: https.Server;
let expiredServer: https.Server;
let misnamedServer: https.Server;
let signingKey: CryptoKey;
let dir: string;
const ROLE = 'ci-deployer';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/${ROLE}`;
const AUDIENCE = 'sts.amazonaws.com';
/** Issuer path -> the provider's thumbprint list. */
const providers: Record<string, string[]> = {};

function serveIssuer(server: https.Server, jwks: unknown): Promise<number> {
  server.on('request', (req, res) => {
    const port = (server.address() as AddressInfo).port;
    const match = /^\/([a-z-]+)(\/\.well-known\/openid-configuration|\/keys)$/.exec(req.url ?? '');
    if (match === null) {
      res.writeHead(404).end();
      return;
    }
    const issuer = `https://127.0.0.1:${port}/${match[1]}`;
    const body = match[2] === '/keys' ? jwks : { issuer, jwks_uri: `${issuer}/keys` };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-private-ca-'));
  pki = await createPrivatePki();
  const expired = await createPrivatePki({ leafNotAfter: new Date(Date.now() - 60_000) });
  const misnamed = await createPrivatePki({ host: 'idp.internal.test' });
  const pair = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  const jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'ci-1', alg: 'RS256', use: 'sig' }] };
  // The server sends its leaf and the intermediate, not the root, as most servers are configured.
  issuerServer = https.createServer({ key: pki.leafKey, cert: pki.leaf.pem + pki.intermediate.pem });
  expiredServer = https.createServer({
    key: expired.leafKey,
    cert: expired.leaf.pem + expired.intermediate.pem,
  });
  const port = await serveIssuer(issuerServer, jwks);
  const expiredPort = await serveIssuer(expiredServer, jwks);
  misnamedServer = https.createServer({
    key: misnamed.leafKey,
    cert: misnamed.leaf.pem + misnamed.intermediate.pem,
  });
  const misnamedPort = await serveIssuer(misnamedServer, jwks);
  const wrong = 'ab'.repeat(20);
  Object.assign(providers, {
    [`127.0.0.1:${port}/intermediate`]: [wrong, pki.intermediate.sha1.toUpperCase()],
    [`127.0.0.1:${port}/wrong`]: [wrong],
    [`127.0.0.1:${port}/root`]: [pki.root.sha1],
    [`127.0.0.1:${port}/leaf`]: [pki.leaf.sha1],
    [`127.0.0.1:${port}/none`]: [],
    [`127.0.0.1:${expiredPort}/expired`]: [expired.intermediate.sha1],
    [`127.0.0.1:${misnamedPort}/misnamed`]: [misnamed.intermediate.sha1],
  });

  plane = await createTestPlane({
    webIdentity: (token, accountId) => verify(token, accountId),
  });
  const verify = createWebIdentityVerifier({
    findProvider: storeProviderLookup(plane.store, 'aws'),
    resolveJwks: createHttpJwksResolver(),
  });
  const arns: string[] = [];
  for (const [hostPath, thumbprints] of Object.entries(providers)) {
    const provider = await plane.store.createOidcProvider(ACCOUNT, {
      url: `https://${hostPath}`,
      clientIds: [AUDIENCE],
      thumbprints,
    });
    arns.push(provider.arn);
  }
  await plane.store.createRole(ACCOUNT, {
    roleName: ROLE,
    assumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: arns.map((arn) => ({
        Effect: 'Allow',
        Principal: { Federated: arn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${arn.split(':oidc-provider/')[1]}:aud`]: AUDIENCE } },
      })),
    }),
  });
  api = await listen({ handler: plane.handler }, 0);
});

afterAll(async () => {
  await api?.close();
  issuerServer?.close();
  expiredServer?.close();
  misnamedServer?.close();
  await plane?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function tokenFor(hostPath: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ sub: 'project_path:group/app:ref_type:branch:ref:main', aud: AUDIENCE })
    .setProtectedHeader({ alg: 'RS256', kid: 'ci-1' })
    .setIssuer(`https://${hostPath}`)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(signingKey);
  const file = path.join(dir, `${hostPath.replace(/[^a-z0-9]/gi, '_')}.token`);
  fs.writeFileSync(file, token);
  return file;
}

const hostPathOf = (name: string): string => Object.keys(providers).find((k) => k.endsWith(`/${name}`))!;

/** The JS SDK's web identity provider, as the default chain runs it from AWS_WEB_IDENTITY_TOKEN_FILE. */
async function sdkAssume(name: string) {
  const provider = fromTokenFile({
    webIdentityTokenFile: await tokenFor(hostPathOf(name)),
    roleArn: ROLE_ARN,
    roleSessionName: `private-ca-${name}`,
    clientConfig: { endpoint: api.url, region: 'us-east-1', maxAttempts: 1 },
  });
  return provider();
}

async function refusal(name: string): Promise<{ code: string | undefined; message: string | undefined }> {
  const response = await plane.call('sts', undefined, {
    Action: 'AssumeRoleWithWebIdentity',
    Version: '2011-06-15',
    RoleArn: ROLE_ARN,
    RoleSessionName: 'private-ca',
    WebIdentityToken: fs.readFileSync(await tokenFor(hostPathOf(name)), 'utf8'),
  });
  return { code: xmlValue(response.text, 'Code'), message: xmlValue(response.text, 'Message') };
}

describe('an issuer behind a private CA', () => {
  it('federates when the provider lists the thumbprint of the top certificate the server presents (the JS SDK)', async () => {
    // The test CA is trusted nowhere in the process: a plain fetch to the issuer fails.
    await expect(fetch(`https://${hostPathOf('intermediate')}/keys`)).rejects.toThrow();
    const credentials = await sdkAssume('intermediate');
    expect(credentials.accessKeyId).toMatch(/^ASIA/);
    expect(credentials.sessionToken).toBeTruthy();
  });

  it('is refused with a wrong thumbprint: IDPCommunicationError, through the JS SDK too', async () => {
    await expect(sdkAssume('wrong')).rejects.toMatchObject({ name: 'IDPCommunicationErrorException' });
    const { code, message } = await refusal('wrong');
    expect(code).toBe('IDPCommunicationError');
    expect(message).toMatch(/matches none of the OIDC provider's thumbprints/);
  });

  it("is refused with the root's or the leaf's thumbprint: the top of the presented chain is the intermediate", async () => {
    expect((await refusal('root')).code).toBe('IDPCommunicationError');
    expect((await refusal('leaf')).code).toBe('IDPCommunicationError');
  });

  it('is refused when the provider has no thumbprints: an untrusted CA is never trusted by default', async () => {
    const { code, message } = await refusal('none');
    expect(code).toBe('IDPCommunicationError');
    expect(message).toMatch(/not signed by a trusted CA .* has no thumbprints/);
  });

  it('is refused when the leaf has expired, whatever the thumbprint', async () => {
    const { code, message } = await refusal('expired');
    expect(code).toBe('IDPCommunicationError');
    expect(message).toMatch(/CERT_HAS_EXPIRED|validity period/);
  });

  it('is refused when the certificate names another host, whatever the thumbprint', async () => {
    const { code, message } = await refusal('misnamed');
    expect(code).toBe('IDPCommunicationError');
    expect(message).toMatch(/does not name 127\.0\.0\.1/);
  });
});
