/**
 * A streamed body's integrity check: hashes the bytes as they pass and holds the latest chunk
 * back until the end, so that when the SHA-256 the client signed (`x-amz-content-sha256`) does not
 * match, the stream fails with the last bytes never sent: the backend sees a truncated request
 * (fewer bytes than its `content-length`, or no closing chunk) and never acts on it.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { constantTimeEqual } from '../crypto/constant-time.js';
import { AwsError } from '../errors.js';

/** S3's error for a body that does not match the hash the client signed. */
export class ContentSha256MismatchError extends AwsError {
  constructor() {
    super(
      'XAmzContentSHA256Mismatch',
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
      {
        status: 400,
      },
    );
  }
}

/**
 * @example
 * await pipeline(req, new DigestGuard(req.headers['x-amz-content-sha256']), upstream);
 */
export class DigestGuard extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private held: Buffer | undefined;

  constructor(private readonly expectedHex: string) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    if (this.held !== undefined) this.push(this.held);
    this.held = chunk;
    callback();
  }

  override _flush(callback: TransformCallback): void {
    const actual = this.hash.digest('hex');
    if (!constantTimeEqual(actual, this.expectedHex)) {
      this.held = undefined;
      callback(new ContentSha256MismatchError());
      return;
    }
    if (this.held !== undefined) this.push(this.held);
    this.held = undefined;
    callback();
  }
}

/** Lower-case hex SHA-256, as `x-amz-content-sha256` carries it. */
export function isSha256Hex(value: string): boolean {
  return /^[0-9a-f]{64}$/.test(value);
}
