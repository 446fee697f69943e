/**
 * What every stage of the gateway's pipeline shares: the dependencies it was built with, and the
 * state built once per gateway (the backend agent, the re-signer, the buffering budget). Stages are
 * plain functions over this context, so a request costs no more than the closure it replaced.
 */
import type http from 'node:http';
import type { Logger } from 'pino';
import type { AccessLogSink, AccessRecordInput } from '../../audit/types.js';
import { UnauthenticatedBudget } from '../../audit/unauthenticated.js';
import type { AuthenticatorOptions } from '../../control/authenticate.js';
import type { KeyRing } from '../../crypto/index.js';
import type { AwsError } from '../../errors.js';
import type { ApiResponse, RequestMeta } from '../../http/types.js';
import type { Decision } from '../../policy/index.js';
import type { AccessEventInput } from '../../store/store.js';
import { DEFAULT_GATEWAY_MAX_BODY, DEFAULT_GATEWAY_MAX_BUFFERED, type GatewaySettings } from '../config.js';
import { createResourceResolver, type ResourceResolver } from '../resolve/resolver.js';
import { createBackendAgent } from '../forward.js';
import { createResigner, type Resigner } from '../resign.js';
import type { ServiceMapper } from '../types.js';

export interface GatewayDeps {
  settings: GatewaySettings;
  /** The mapper for a SigV4 signing name (`mapping/index.ts`). */
  mapperFor: (signingName: string) => ServiceMapper | undefined;
  authenticator: AuthenticatorOptions;
  /** Seals the encoded authorization message of denials. */
  keyRing: () => KeyRing;
  partition: string;
  /** The account events belong to when no caller is known (the signature did not verify). */
  accountId: string;
  /** `audit/record.ts`'s `buildAccessEvent`. */
  record: (input: AccessRecordInput) => AccessEventInput;
  sink: AccessLogSink;
  /** How many events requests whose signature did not verify may add to the log. */
  unauthenticatedBudget?: UnauthenticatedBudget;
  logger?: Logger;
  now?: () => number;
  /** Resolves aliases, secret names and key schemas before mapping (`resolve/resolver.ts`). */
  resolver?: ResourceResolver;
}

export interface Gateway {
  /** Whether a mapper serves requests signed for `signingName` (the route table asks, `composition/routes.ts`). */
  serves(signingName: string): boolean;
  /**
   * Takes over a request the route table gave the gateway, before its body is read (the gateway
   * streams bodies to its backends) and answers it.
   */
  take(req: http.IncomingMessage, res: http.ServerResponse, meta: RequestMeta, signingName: string): void;
  close(): void;
}

export interface GatewayContext {
  readonly deps: GatewayDeps;
  readonly settings: GatewaySettings;
  readonly agent: http.Agent;
  readonly resigner: Resigner;
  readonly maxBody: number;
  readonly maxBuffered: number;
  /** Bytes reserved by requests whose bodies are being (or have been) buffered and not yet answered. */
  buffered: number;
  readonly now: () => number;
  readonly resolver: ResourceResolver;
  readonly unauthenticated: UnauthenticatedBudget;
}

/** A request's decision, as the access log records it and the client is answered. */
export interface Outcome {
  decision: 'allow' | 'deny' | 'audit-deny';
  decisions: { action: string; resource: string; decision: Decision }[];
  error?: AwsError;
  /** The denial's message without the encoded part, for the log. */
  errorMessage?: string;
}

/** Answers a request with a response the gateway built itself (never once the backend's is on its way). */
export type Fail = (error: AwsError) => void;

export function createContext(deps: GatewayDeps): GatewayContext {
  const settings = deps.settings;
  return {
    deps,
    settings,
    agent: createBackendAgent(),
    resigner: createResigner(),
    maxBody: settings.maxBodyBytes ?? DEFAULT_GATEWAY_MAX_BODY,
    maxBuffered: settings.maxBufferedBytes ?? DEFAULT_GATEWAY_MAX_BUFFERED,
    buffered: 0,
    now: deps.now ?? Date.now,
    resolver: deps.resolver ?? createResourceResolver({ settings }),
    unauthenticated: deps.unauthenticatedBudget ?? new UnauthenticatedBudget(),
  };
}

export function respond(res: http.ServerResponse, response: ApiResponse): void {
  if (res.headersSent || res.destroyed) return;
  const body = response.body ?? '';
  res.writeHead(response.status, { ...response.headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
