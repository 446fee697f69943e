/**
 * An in-process control plane over an in-memory store, and a SigV4 client for it, for tests that
 * exercise the real route table and handlers (verification, authorization, STS/IAM/EC2) without
 * opening a port: built by the composition root `credplane up` uses (`composition/plane.ts`).
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { randomUUID } from 'node:crypto';
import type { AccessLogSink } from '../../audit/types.js';
import { generateMasterKey, type KeyRing } from '../../crypto/index.js';
import type { AuthorizationView } from '../../control/authorization-view.js';
import type { WebIdentityVerifier } from '../../oidc/verify-web-identity-token.js';
import { openStore } from '../../store/open.js';
import type { Store } from '../../store/store.js';
import { ensureAdminKey, type AdminKey } from '../admin.js';
import { buildPlane } from '../../composition/plane.js';
import { createRouter } from '../../composition/routes.js';
import type { Gateway } from '../../gateway/server.js';
import type { HttpServerOptions } from '../../http/server.js';
import type { ConsoleService } from '../../console/server.js';
import type { PlaneConfig } from '../../composition/plane.js';
import type { ApiHandler, ApiResponse } from '../../http/types.js';

export const ACCOUNT = '123456789012';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface TestPlane {
  store: Store;
  snapshot: AuthorizationView;
  keyRing: () => KeyRing;
  /** The control plane's port through the route table, without a gateway. */
  handler: ApiHandler;
  /** `listen` options for the port through the route table, with `gateway` in it. */
  withGateway(gateway: Gateway): HttpServerOptions;
  admin: AdminKey;
  /** The web console (`console/server.ts`), for its login token. */
  console: ConsoleService;
  clock: { now: number };
  call(
    service: 'sts' | 'iam' | 'ec2',
    credentials: Credentials | undefined,
    params: Record<string, string>,
    /** When the caller signs (epoch ms); the plane's clock by default. */
    signedAt?: number,
  ): Promise<ApiResponse & { text: string }>;
  close(): Promise<void>;
}

/**
 * `accessLog`: the sink the handler offers STS/IAM events to (none by default). `webIdentity`:
 * the web identity token verifier (the control plane's default by default). `store`: an open,
 * empty store the plane takes over (a fresh in-memory one by default).
 */
export async function createTestPlane(
  options: {
    accessLog?: AccessLogSink;
    webIdentity?: WebIdentityVerifier;
    store?: Store;
    console?: PlaneConfig['console'];
  } = {},
): Promise<TestPlane> {
  const masterKey = generateMasterKey();
  const store = options.store ?? (await openStore(':memory:'));
  await store.createAccount({ accountId: ACCOUNT });
  const admin = await ensureAdminKey(store, ACCOUNT, masterKey, {});
  const clock = { now: Date.now() };
  // The composition root `credplane up` builds, without the parts that open ports or files.
  const plane = await buildPlane({
    store,
    masterKey,
    accountId: ACCOUNT,
    region: 'us-east-1',
    partition: 'aws',
    now: () => clock.now,
    ...(options.accessLog === undefined ? {} : { accessLog: options.accessLog }),
    ...(options.webIdentity === undefined ? {} : { webIdentity: options.webIdentity }),
    ...(options.console === undefined ? {} : { console: options.console }),
  });
  const { snapshot, keyRing } = plane;
  const { handler } = plane.router;

  async function call(
    service: 'sts' | 'iam' | 'ec2',
    credentials: Credentials | undefined,
    params: Record<string, string>,
    signedAt: number = clock.now,
  ): Promise<ApiResponse & { text: string }> {
    const body = new URLSearchParams(params).toString();
    let headers: Record<string, string> = {
      host: '127.0.0.1:7300',
      'content-type': 'application/x-www-form-urlencoded',
    };
    if (credentials !== undefined) {
      const signer = new SignatureV4({ credentials, region: 'us-east-1', service, sha256: Sha256 });
      const signed = await signer.sign(
        { method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 7300, path: '/', headers, body },
        { signingDate: new Date(signedAt) },
      );
      headers = signed.headers as Record<string, string>;
    }
    const rawHeaders = Object.entries(headers).flat();
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    const response = await handler({
      method: 'POST',
      url: '/',
      rawHeaders,
      headers: lower,
      body: Buffer.from(body),
      remoteAddress: '127.0.0.1',
      requestId: randomUUID(),
      receivedAt: clock.now,
    });
    return { ...response, text: String(response.body ?? '') };
  }

  return {
    store,
    snapshot,
    keyRing: keyRing.current,
    handler,
    withGateway: (gateway) => createRouter({ ...plane.handlers, gateway }),
    admin,
    console: plane.console,
    clock,
    call,
    close: async () => {
      await plane.close();
      await store.close();
    },
  };
}

/** The text of the first `<name>` element. */
export function xmlValue(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  return match?.[1]
    ?.replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

export function credentialsOf(xml: string): Credentials {
  return {
    accessKeyId: xmlValue(xml, 'AccessKeyId')!,
    secretAccessKey: xmlValue(xml, 'SecretAccessKey')!,
    sessionToken: xmlValue(xml, 'SessionToken')!,
  };
}
