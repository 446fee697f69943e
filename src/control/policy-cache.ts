/**
 * Compiles policy documents once and keeps the result (ARCHITECTURE.md, Decisions: compiled policies): the
 * request path never parses JSON. Entries are keyed by what identifies a version of a document — a managed
 * policy's ARN and version id, a role's inline policy text — so a change produces a new key, and a bounded
 * LRU drops what is no longer used.
 */
import { createHash } from 'node:crypto';
import { compilePolicy, parsePolicy, type CompiledPolicy, type PolicyType } from '../policy/index.js';

export class PolicyCache {
  private readonly entries = new Map<string, CompiledPolicy>();

  constructor(private readonly capacity = 10_000) {}

  /**
   * The compiled form of `text`. `id` names the policy in explanations; the cache key includes a
   * digest of the text, so two versions of one policy never share an entry.
   *
   * @example
   * cache.compile(doc, { id: 'arn:aws:iam::111122223333:policy/ops', kind: 'identity' });
   */
  compile(text: string, options: { id: string; name?: string; kind: PolicyType }): CompiledPolicy {
    const key = `${options.kind}\u0000${options.id}\u0000${digest(text)}`;
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const compiled = compilePolicy(parsePolicy(text), options);
    this.entries.set(key, compiled);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return compiled;
  }

  get size(): number {
    return this.entries.size;
  }
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}
