/**
 * SigV4 verification throughput against the machine's own limit: a warm verification needs one
 * HMAC-SHA256 (the signature; the signing key is cached) plus SHA-256s, so its ceiling is the raw
 * HMAC rate. Target: warm ≥ 40% of (raw HMAC rate / HMACs per warm verification).
 *
 * Usage: `npm run bench -- sigv4`
 */
import crypto from 'node:crypto';
import {
  SigningKeyCache,
  verifyRequest,
  type SignedRequest,
  type VerifyOptions,
} from '../src/sigv4/index.js';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../src/sigv4/test-support/smithy.js';
import { signRequest } from '../src/sigv4/sign.js';
import { smithySign } from '../src/sigv4/test-support/smithy.js';
import type { BenchRow, BenchSuite } from './types.js';

const AKID = 'ASIABENCHEXAMPLE0001';
const SECRET = 'YmVuY2gtc2VjcmV0LWJlbmNoLXNlY3JldC1iZW5jaA';
const TOKEN = 'IQoJb3JpZ2luX2VjEBenchToken//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+example/token==';
const AT = new Date(Date.UTC(2024, 5, 15, 12, 0, 0));
/** HMAC-SHA256 computations in one warm verification: the signature only. */
const HMACS_PER_WARM_VERIFY = 1;

interface Measured {
  opsPerSec: number;
  p50Us: number;
  p99Us: number;
}

/** Runs `fn` for about `ms` milliseconds after a warm-up; per-call latencies give the percentiles. */
function measure(fn: () => void, ms = 1500): Measured {
  for (let i = 0; i < 2000; i++) fn();
  const samples: number[] = [];
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    const t0 = process.hrtime.bigint();
    fn();
    now = process.hrtime.bigint();
    samples.push(Number(now - t0));
  }
  const total = Number(now - start) / 1e9;
  samples.sort((a, b) => a - b);
  const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor(samples.length * p))]! / 1000;
  return { opsPerSec: samples.length / total, p50Us: pct(0.5), p99Us: pct(0.99) };
}

/** `measure` for an async `fn` (awaited one call at a time). */
async function measureAsync(fn: () => Promise<unknown>, ms = 1500): Promise<Measured> {
  for (let i = 0; i < 2000; i++) await fn();
  const samples: number[] = [];
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    const t0 = process.hrtime.bigint();
    await fn();
    now = process.hrtime.bigint();
    samples.push(Number(now - t0));
  }
  const total = Number(now - start) / 1e9;
  samples.sort((a, b) => a - b);
  const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor(samples.length * p))]! / 1000;
  return { opsPerSec: samples.length / total, p50Us: pct(0.5), p99Us: pct(0.99) };
}

/**
 * The gateway's re-signing of a forwarded request (a DynamoDB GetItem as the JS SDK sends it, 9
 * headers): credplane's signer against `@smithy/signature-v4` as the gateway used it (one signer
 * per backend credentials, node:crypto hashes). Both produce the same headers (`sign.test.ts`).
 */
async function resignRows(): Promise<BenchRow[]> {
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  const headers: Record<string, string> = {
    host: '127.0.0.1:5000',
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-target': 'DynamoDB_20120810.GetItem',
    'x-amz-content-sha256': crypto.createHash('sha256').update('{"TableName":"bench"}').digest('hex'),
    'content-length': '21',
    'user-agent': 'aws-sdk-js/3.700.0 ua/2.1 os/linux#6.1 lang/js md/nodejs#20.20.2 api/dynamodb#3.700.0',
    'amz-sdk-invocation-id': 'b1b7f3a6-3f3c-4d4e-9a53-1f0f6a0c2c11',
    'amz-sdk-request': 'attempt=1; max=3',
    accept: '*/*',
  };
  const smithy = new SignatureV4({
    credentials,
    region: 'us-east-1',
    service: 'dynamodb',
    sha256: NodeSha256,
    uriEscapePath: true,
    applyChecksum: false,
  });
  const theirs = await measureAsync(() =>
    smithy.sign(
      { method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 5000, path: '/', query: {}, headers },
      { signingRegion: 'us-east-1', signingService: 'dynamodb' },
    ),
  );
  const ours = measure(() => {
    signRequest(
      { method: 'POST', path: '/', query: [], headers },
      { credentials, region: 'us-east-1', service: 'dynamodb', uriEscapePath: true },
    );
  });
  return [
    {
      suite: 'sigv4',
      case: 're-sign (gateway): @smithy/signature-v4',
      ...theirs,
      note: 'DynamoDB GetItem, 9 headers',
    },
    {
      suite: 'sigv4',
      case: "re-sign (gateway): credplane's signer",
      ...ours,
      note: `${(ours.opsPerSec / theirs.opsPerSec).toFixed(1)}x @smithy/signature-v4 (same signatures)`,
    },
  ];
}

export const run: BenchSuite = async () => {
  const body =
    'Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fapp&RoleSessionName=bench&Version=2011-06-15';
  // A realistic STS POST as the JS SDK v3 sends it: 6 signed headers with the session token.
  const request: SignedRequest = await smithySign(
    {
      accessKeyId: AKID,
      secretAccessKey: SECRET,
      sessionToken: TOKEN,
      region: 'us-east-1',
      service: 'sts',
      nodeCrypto: true,
    },
    {
      method: 'POST',
      path: '/',
      body,
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        'amz-sdk-invocation-id': 'b1b7f3a6-3f3c-4d4e-9a53-1f0f6a0c2c11',
        'amz-sdk-request': 'attempt=1; max=3',
      },
    },
    AT,
  );
  const credential = { secretAccessKey: SECRET, role: 'app' };
  const lookup = () => credential;
  const warmCache = new SigningKeyCache();
  const options: VerifyOptions = {
    lookup,
    now: () => AT.getTime(),
    region: 'us-east-1',
    service: 'sts',
    signingKeyCache: warmCache,
  };
  const signed = verifyRequest(request, options).signedHeaders;
  if (signed.length !== 6) throw new Error(`expected 6 signed headers, got ${signed.join(';')}`);

  const hmacKey = crypto.randomBytes(32);
  const hmacInput = Buffer.alloc(140, 0x61);
  const raw = measure(() => {
    crypto.createHmac('sha256', hmacKey).update(hmacInput).digest();
  });
  const warm = measure(() => {
    verifyRequest(request, options);
  });
  const coldCache = new SigningKeyCache();
  const cold = measure(() => {
    coldCache.clear();
    verifyRequest(request, { ...options, signingKeyCache: coldCache });
  });

  const ceiling = raw.opsPerSec / HMACS_PER_WARM_VERIFY;
  const share = (warm.opsPerSec / ceiling) * 100;
  return [
    { suite: 'sigv4', case: 'raw HMAC-SHA256 (32 B key, 140 B input)', ...raw, note: 'machine limit' },
    {
      suite: 'sigv4',
      case: 'verify, signing key cached (STS POST, 6 signed headers)',
      ...warm,
      note: `${share.toFixed(0)}% of raw HMAC rate / ${HMACS_PER_WARM_VERIFY} HMAC (target >= 40%)`,
    },
    {
      suite: 'sigv4',
      case: 'verify, cold (derive signing key: +4 HMACs)',
      ...cold,
      note: `warm/cold ${(warm.opsPerSec / cold.opsPerSec).toFixed(1)}x`,
    },
    ...(await resignRows()),
  ] satisfies BenchRow[];
};

/** Ratios `npm run bench` states for this suite, per round (bench/micro.ts). */
export const RATIOS = [
  {
    of: 'verify, signing key cached (STS POST, 6 signed headers)',
    to: 'raw HMAC-SHA256 (32 B key, 140 B input)',
    target: '>= 0.4',
  },
  { of: "re-sign (gateway): credplane's signer", to: 're-sign (gateway): @smithy/signature-v4' },
];
