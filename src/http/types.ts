/**
 * The request and response every credplane handler works with: plain data, so an API is testable
 * in process (call the handler) and across processes (through `listen` in `server.ts`).
 */
import type http from 'node:http';

export interface ApiRequest {
  method: string;
  /** Path and query exactly as received (SigV4 canonicalizes from the raw form). */
  url: string;
  /** Header names and values in arrival order, as node's `rawHeaders`. */
  rawHeaders: readonly string[];
  /** Lower-cased header lookup; repeated headers joined with `,` as node does. */
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  remoteAddress: string;
  requestId: string;
  receivedAt: number;
}

export interface ApiResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export type ApiHandler = (request: ApiRequest) => Promise<ApiResponse> | ApiResponse;

/** What the server assigns every request before any handler sees it. */
export interface RequestMeta {
  requestId: string;
  receivedAt: number;
}
