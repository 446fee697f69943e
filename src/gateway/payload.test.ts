import { createHash } from 'node:crypto';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { ContentSha256MismatchError, DigestGuard } from './payload.js';

const hex = (text: string): string => createHash('sha256').update(text).digest('hex');

async function run(chunks: string[], expected: string): Promise<{ out: string; error?: unknown }> {
  let out = '';
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      out += chunk.toString();
      cb();
    },
  });
  try {
    await pipeline(Readable.from(chunks.map((c) => Buffer.from(c))), new DigestGuard(expected), sink);
    return { out };
  } catch (error) {
    return { out, error };
  }
}

describe('DigestGuard', () => {
  it('passes a body whose digest matches, unchanged', async () => {
    expect(await run(['ab', 'cd', 'ef'], hex('abcdef'))).toEqual({ out: 'abcdef' });
    expect(await run([], hex(''))).toEqual({ out: '' });
  });

  it('fails a mismatching body with its last chunk never written', async () => {
    const result = await run(['ab', 'cd', 'ef'], hex('abcdeX'));
    expect(result.error).toBeInstanceOf(ContentSha256MismatchError);
    expect(result.out).toBe('abcd');
  });

  it('holds the only chunk of a one-chunk body', async () => {
    const through = new PassThrough();
    const guard = new DigestGuard(hex('other'));
    const seen: Buffer[] = [];
    guard.on('data', (c: Buffer) => seen.push(c));
    const done = pipeline(through, guard).catch((e: unknown) => e);
    through.end('whole');
    expect(await done).toBeInstanceOf(ContentSha256MismatchError);
    expect(seen).toEqual([]);
  });
});
