/**
 * Session credentials on the hot paths: minting (every IMDS/ECS/STS refresh) and opening (every
 * SigV4-signed request, before any cache), with a typical IMDS claim set and with the stress case
 * of a 2,048-character session policy and 50 tags.
 */
import { Bench } from 'tinybench';
import { createKeyRing } from '../src/crypto/key-ring.js';
import { findRingKey, idToNumber } from '../src/crypto/key-ring.js';
import { deriveSecretAccessKey } from '../src/crypto/secret-access-key.js';
import { openSessionToken } from '../src/crypto/session-token.js';
import { issueTemporaryCredentials } from '../src/crypto/temporary-credentials.js';
import { largeClaims, typicalClaims } from '../src/crypto/test-support/claims.js';
import type { BenchRow, BenchSuite } from './types.js';

export const run: BenchSuite = async () => {
  const now = new Date();
  const issuedAt = Math.floor(now.getTime() / 1000);
  const ring = createKeyRing(now);
  const key = findRingKey(ring, idToNumber(ring.keys[0]!.id))!;
  const typical = typicalClaims(issuedAt);
  const large = largeClaims(issuedAt);
  const typicalCreds = issueTemporaryCredentials(typical, ring, now);
  const largeCreds = issueTemporaryCredentials(large, ring, now);
  const sizes =
    `token ${typicalCreds.sessionToken.length} chars typical, ` +
    `${largeCreds.sessionToken.length} with 2048-char policy + 50 tags`;

  const bench = new Bench({ name: 'crypto', time: 500 });
  bench
    .add('issue (seal token + derive secret), typical claims', () => {
      issueTemporaryCredentials(typical, ring, now);
    })
    .add('open (verify token + derive secret), typical claims', () => {
      openSessionToken(typicalCreds.sessionToken, typicalCreds.accessKeyId, ring, now);
    })
    .add('derive secret access key only', () => {
      deriveSecretAccessKey(typicalCreds.accessKeyId, key);
    })
    .add('issue, 2048-char policy + 50 tags', () => {
      issueTemporaryCredentials(large, ring, now);
    })
    .add('open, 2048-char policy + 50 tags', () => {
      openSessionToken(largeCreds.sessionToken, largeCreds.accessKeyId, ring, now);
    });
  await bench.run();

  return bench.tasks.map((task): BenchRow => {
    const result = task.result;
    if (result.state !== 'completed') throw new Error(`bench task ${task.name} did not complete`);
    return {
      suite: 'crypto',
      case: task.name,
      opsPerSec: Math.round(result.throughput.mean),
      p50Us: Math.round(result.latency.p50 * 1000 * 10) / 10,
      p99Us: Math.round(result.latency.p99 * 1000 * 10) / 10,
      note: task.name.startsWith('derive') ? 'HMAC-SHA256' : sizes,
    };
  });
};
