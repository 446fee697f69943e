/**
 * The IAM API on a loopback server for tests with real clients (`@aws-sdk/client-iam`, the `aws`
 * CLI): the production handler over a fake context, a client pointed at it, and an environment for
 * the CLI that reads no `~/.aws` and never reaches instance metadata.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IAMClient } from '@aws-sdk/client-iam';
import { isAwsError } from '../../errors.js';
import { listen, type RunningServer } from '../../http/server.js';
import { parseQuery } from '../../protocol/query.js';
import { queryError } from '../../protocol/xml.js';
import { handleIamAction } from '../dispatch.js';
import { IAM_NAMESPACE } from '../serialize.js';
import { fakeContext, type FakeContext } from './context.js';

export interface IamSdkServer {
  server: RunningServer;
  ctx: FakeContext;
  client: IAMClient;
  /** The environment for `aws` CLI child processes. */
  cliEnv: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/**
 * @example
 * const h = await startIamSdkServer('credplane-iam-sdk-');
 * await h.client.send(new GetRoleCommand({ RoleName: 'web' }));
 * await h.close();
 */
export async function startIamSdkServer(prefix: string): Promise<IamSdkServer> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, 'config'), '');
  writeFileSync(join(dir, 'credentials'), '');
  // The in-process SDK must not read the developer's ~/.aws or reach instance metadata either.
  process.env.AWS_CONFIG_FILE = join(dir, 'config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  const ctx = await fakeContext();
  const server = await listen(
    {
      handler: async (request) => {
        const c = { ...ctx, requestId: request.requestId };
        try {
          return await handleIamAction(c, parseQuery(request.body.toString('utf8')));
        } catch (error) {
          if (isAwsError(error)) return queryError(error, IAM_NAMESPACE, request.requestId);
          throw error;
        }
      },
    },
    0,
  );
  const client = new IAMClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  const cliEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'x',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(dir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_MAX_ATTEMPTS: '1',
  };
  return {
    server,
    ctx,
    client,
    cliEnv,
    async close() {
      client.destroy();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
