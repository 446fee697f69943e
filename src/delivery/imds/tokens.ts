/**
 * IMDSv2 session tokens (`PUT /latest/api/token`; Amazon EC2 User Guide, How Instance Metadata Service
 * Version 2 works).
 *
 * A token is `v1.<expiry-ms>.<nonce>.<mac>` where the MAC is HMAC-SHA256 over the instance id, the
 * instance's launch generation, the expiry and the nonce, under a key that lives only in this
 * process. So tokens are unforgeable, bound to their instance (another instance's endpoint, or the
 * same id relaunched, rejects them), expire on their own, and do not survive a restart of the
 * metadata service — the same lifetime a real token has across a stop/start of its instance.
 * Nothing is stored per token: any number of concurrent tokens may exist, as on EC2.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** TTL bounds AWS documents for `X-aws-ec2-metadata-token-ttl-seconds`. */
export const MIN_TOKEN_TTL_SECONDS = 1;
export const MAX_TOKEN_TTL_SECONDS = 21600;

export interface TokenBinding {
  instanceId: string;
  /** Changes when the instance is relaunched under the same id, so its old tokens die with it. */
  generation: string;
}

/**
 * The TTL header's value as an integer in 1..21600, or `undefined` when it is missing, not a plain
 * decimal integer, or out of range (all of which IMDS answers with 400).
 *
 * @example
 * parseTokenTtl('21600'); // 21600
 * parseTokenTtl('0'); // undefined
 */
export function parseTokenTtl(header: string | string[] | undefined): number | undefined {
  if (typeof header !== 'string' || !/^\d{1,6}$/.test(header)) return undefined;
  const ttl = Number(header);
  return ttl >= MIN_TOKEN_TTL_SECONDS && ttl <= MAX_TOKEN_TTL_SECONDS ? ttl : undefined;
}

export class ImdsTokens {
  private readonly key: Buffer;

  /** `key` is for tests; by default 32 fresh random bytes. */
  constructor(key: Buffer = randomBytes(32)) {
    this.key = key;
  }

  /**
   * A new token for `binding` that expires `ttlSeconds` from `nowMs`.
   *
   * @example
   * const token = tokens.issue({ instanceId, generation }, 21600, Date.now());
   */
  issue(binding: TokenBinding, ttlSeconds: number, nowMs: number): string {
    const expiry = String(nowMs + ttlSeconds * 1000);
    const nonce = randomBytes(12).toString('base64url');
    return `v1.${expiry}.${nonce}.${this.mac(binding, expiry, nonce)}`;
  }

  /** True when `token` was issued for `binding` by this service and has not expired at `nowMs`. */
  verify(token: string, binding: TokenBinding, nowMs: number): boolean {
    if (token.length > 128) return false;
    const parts = token.split('.');
    if (parts.length !== 4 || parts[0] !== 'v1') return false;
    const [, expiry = '', nonce = '', mac = ''] = parts;
    if (!/^\d{1,16}$/.test(expiry) || nowMs >= Number(expiry)) return false;
    const expected = Buffer.from(this.mac(binding, expiry, nonce));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private mac(binding: TokenBinding, expiry: string, nonce: string): string {
    return createHmac('sha256', this.key)
      .update(`${binding.instanceId}\u0000${binding.generation}\u0000${expiry}\u0000${nonce}`)
      .digest('base64url');
  }
}
