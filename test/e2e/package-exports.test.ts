/**
 * The libraries are usable as `credplane/policy`, `credplane/sigv4` and `credplane/crypto` from the
 * built package (subpath exports), by a plain Node.js ESM program.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function node(script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      { cwd: root },
      (error, stdout, stderr) => (error ? reject(new Error(stderr)) : resolve(stdout.trim())),
    );
  });
}

describe('package subpath exports', () => {
  it('credplane/policy parses, compiles and evaluates', async () => {
    const out = await node(`
      import { parsePolicy, compilePolicy, evaluate, createRequestContext } from 'credplane/policy';
      const p = compilePolicy(parsePolicy('{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}}'), { id: 'p', kind: 'identity' });
      const d = evaluate({ principal: { type: 'User', arn: 'arn:aws:iam::111122223333:user/a', account: '111122223333' },
        action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context: createRequestContext({}) }, { identity: [p] });
      console.log(d.decision);`);
    expect(out).toBe('Allow');
  });

  it('credplane/sigv4 and credplane/crypto load', async () => {
    const out = await node(`
      import { verifyRequest } from 'credplane/sigv4';
      import { createKeyRing, issueTemporaryCredentials } from 'credplane/crypto';
      console.log(typeof verifyRequest, typeof createKeyRing, typeof issueTemporaryCredentials);`);
    expect(out).toBe('function function function');
  });
});
