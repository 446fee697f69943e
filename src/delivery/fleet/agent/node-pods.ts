/**
 * EKS Pod Identity on the node (169.254.170.23, `[fd00:ec2::23]`), with the Pod Identity agent's
 * own HTTP side (`podIdentityHandler`): the pod's token is checked for its basic claims here and
 * relayed to the server (EKS Auth's part: signature, association, node scope). What the server
 * answers is kept per token (its SHA-256) in a `CredentialCache` — refreshed ahead of need and
 * served through server outages — until the token itself expires (the kubelet rotates it).
 */
import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import type { ApiHandler } from '../../../http/types.js';
import { EksAuthError, podIdentityHandler } from '../../pod-identity/agent.js';
import type { NodeCredentials } from '../node-workloads.js';
import { AgentRequestError } from './client.js';
import { CredentialCache } from './credential-cache.js';
import { workloadCredentials } from './node-tasks.js';

const MAX_PODS = 2000;

export interface AgentPodsOptions {
  fetch: (token: string) => Promise<NodeCredentials>;
  /**
   * A token refused by the agent's own checks (empty, malformed, expired, not pod-bound): the
   * server never sees it, so the agent logs it. Refusals the server decides are logged there.
   */
  onRefused?: (status: number, sourceIp: string) => void;
  now?: () => number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export class AgentPods {
  private readonly caches = new Map<string, { cache: CredentialCache; tokenExpiresAt: number }>();
  private readonly now: () => number;
  readonly handler: ApiHandler;

  constructor(private readonly options: AgentPodsOptions) {
    this.now = options.now ?? Date.now;
    this.handler = async (request) => {
      let relayed = false;
      const response = await podIdentityHandler({
        now: this.now,
        exchange: (token) => {
          relayed = true;
          return this.exchange(token);
        },
      })(request);
      if (
        !relayed &&
        response.status >= 400 &&
        response.status < 500 &&
        response.status !== 404 &&
        response.status !== 405
      )
        options.onRefused?.(response.status, request.remoteAddress);
      return response;
    };
  }

  private async exchange(token: string): Promise<ReturnType<typeof workloadCredentials>> {
    this.sweep();
    const key = createHash('sha256').update(token).digest('base64url');
    let entry = this.caches.get(key);
    if (entry === undefined) {
      const cache = new CredentialCache({
        fetch: () => this.options.fetch(token),
        now: this.now,
        onError: (error) =>
          this.options.log?.('pod credential fetch failed; serving the cached set', {
            error: (error as Error).message,
          }),
      });
      try {
        // The first answer decides: a refused token is not kept (nor retried in the background).
        await cache.get();
      } catch (error) {
        cache.stop();
        if (error instanceof AgentRequestError && error.status > 0 && error.status < 500)
          throw new EksAuthError(error.code, error.message, { status: error.status });
        throw error;
      }
      if (this.caches.size >= MAX_PODS) this.drop(this.caches.keys().next().value!);
      entry = { cache, tokenExpiresAt: (decodeJwt(token).exp ?? 0) * 1000 };
      this.caches.set(key, entry);
    }
    return workloadCredentials(await entry.cache.get());
  }

  /** Forget the sets of tokens that have expired: their pods have fresh tokens, or are gone. */
  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.caches) if (entry.tokenExpiresAt <= now) this.drop(key);
  }

  private drop(key: string): void {
    this.caches.get(key)?.cache.stop();
    this.caches.delete(key);
  }

  stop(): void {
    for (const key of [...this.caches.keys()]) this.drop(key);
  }
}
