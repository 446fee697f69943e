/**
 * The gateway's settings: where each service's backend is, which credentials and region the
 * gateway re-signs with, and whether a service (or one operation) is enforced or only audited.
 *
 * Two sources, merged with the CLI winning: the template's `Metadata.Credplane.Gateway` and the
 * `credplane up` flags `--backend service=url` and `--gateway-mode service[:Operation]=mode`.
 * The key `*` stands for every service (one moto_server or LocalStack serves them all).
 */
import { ValidationError } from '../errors.js';
import type { EnforcementMode } from './types.js';

/** Credentials the gateway signs forwarded requests with (the backend's, never the caller's). */
export interface BackendCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface BackendSettings {
  /** `http://127.0.0.1:5000`: scheme, host and port; no path. */
  url: string;
  /** The region to sign for; the region the client signed for when absent. */
  region?: string;
  /** `test`/`test` (what moto and LocalStack accept) when absent. */
  credentials?: BackendCredentials;
}

export interface GatewaySettings {
  /** By IAM service prefix (`s3`, `dynamodb`, ...) or `*`. */
  backends: Record<string, BackendSettings>;
  /** By `service`, `service:Operation` or `*`; `enforce` when nothing matches. */
  modes: Record<string, EnforcementMode>;
  /** Milliseconds to wait for a backend to accept a connection (default 5 s). */
  connectTimeoutMs?: number;
  /**
   * Milliseconds a backend may stay silent (no response headers, or no data mid-body) before
   * the gateway gives up (default 60 s: SQS long polls last up to 20 s).
   */
  idleTimeoutMs?: number;
  /** Largest body the gateway buffers to map or verify a request (default 16 MiB). */
  maxBodyBytes?: number;
  /**
   * Bytes all requests together may hold buffered at once (default 256 MiB); past it new requests
   * with bodies to buffer are refused with 503 rather than growing memory without bound.
   */
  maxBufferedBytes?: number;
}

/** Used when a backend names no credentials: what moto_server and LocalStack accept. */
export const DEFAULT_BACKEND_CREDENTIALS: BackendCredentials = {
  accessKeyId: 'test',
  secretAccessKey: 'test',
};
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
export const DEFAULT_GATEWAY_MAX_BODY = 16 * 1024 * 1024;
export const DEFAULT_GATEWAY_MAX_BUFFERED = 256 * 1024 * 1024;

export function emptyGatewaySettings(): GatewaySettings {
  return { backends: {}, modes: {} };
}

/** The backend serving `service`: its own entry, else `*`. */
export function backendFor(settings: GatewaySettings, service: string): BackendSettings | undefined {
  return settings.backends[service] ?? settings.backends['*'];
}

/** The mode for one operation: `service:Operation`, else `service`, else `*`, else `enforce`. */
export function modeFor(settings: GatewaySettings, service: string, operation?: string): EnforcementMode {
  const modes = settings.modes;
  return (
    (operation === undefined ? undefined : modes[`${service}:${operation}`]) ??
    modes[service] ??
    modes['*'] ??
    'enforce'
  );
}

const SERVICE_KEY = /^(\*|[a-z0-9-]+)$/;
const MODE_KEY = /^(\*|[a-z0-9-]+(:[A-Za-z0-9]+)?)$/;

/**
 * A backend URL, credentials allowed as user info (`http://AKID:SECRET@127.0.0.1:9000`, for MinIO).
 *
 * @example
 * parseBackendUrl('http://127.0.0.1:5000', '--backend s3'); // { url: 'http://127.0.0.1:5000' }
 */
export function parseBackendUrl(text: string, where: string): BackendSettings {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ValidationError(`${where}: '${text}' is not a URL (expected http://host:port)`);
  }
  if (url.protocol !== 'http:') {
    throw new ValidationError(`${where}: only http:// backends are supported (got ${url.protocol})`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw new ValidationError(
      `${where}: a backend URL has no path or query (got ${url.origin}${url.pathname})`,
    );
  }
  const settings: BackendSettings = { url: url.origin };
  if (url.username !== '') {
    settings.credentials = {
      accessKeyId: decodeURIComponent(url.username),
      secretAccessKey: decodeURIComponent(url.password),
    };
  }
  return settings;
}

function parseMode(value: string, where: string): EnforcementMode {
  if (value === 'enforce' || value === 'audit') return value;
  throw new ValidationError(`${where}: mode must be 'enforce' or 'audit', got '${value}'`);
}

function splitPair(pair: string, flag: string): [string, string] {
  const eq = pair.indexOf('=');
  if (eq <= 0) throw new ValidationError(`${flag} must be key=value, got '${pair}'`);
  return [pair.slice(0, eq), pair.slice(eq + 1)];
}

/**
 * The CLI flags' settings.
 *
 * @example
 * parseGatewayFlags(['*=http://127.0.0.1:5000'], ['sqs=audit']);
 * // { backends: { '*': { url: 'http://127.0.0.1:5000' } }, modes: { sqs: 'audit' } }
 */
export function parseGatewayFlags(backends: readonly string[], modes: readonly string[]): GatewaySettings {
  const out = emptyGatewaySettings();
  for (const pair of backends) {
    const [service, url] = splitPair(pair, '--backend');
    if (!SERVICE_KEY.test(service))
      throw new ValidationError(`--backend: '${service}' is not a service name`);
    out.backends[service] = parseBackendUrl(url, `--backend ${service}`);
  }
  for (const pair of modes) {
    const [key, mode] = splitPair(pair, '--gateway-mode');
    if (!MODE_KEY.test(key)) {
      throw new ValidationError(`--gateway-mode: '${key}' is not service or service:Operation`);
    }
    out.modes[key] = parseMode(mode, `--gateway-mode ${key}`);
  }
  return out;
}

type Plain = string | number | boolean | null | Plain[] | { [key: string]: Plain };

function isRecord(value: Plain | undefined): value is { [key: string]: Plain } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: Plain | undefined, where: string): string {
  if (typeof value !== 'string' || value === '') throw new ValidationError(`${where} must be a string`);
  return value;
}

/**
 * `Metadata.Credplane.Gateway` as plain data:
 * `{ Backends: { '*': url, s3: { Url, Region, AccessKeyId, SecretAccessKey } }, Modes: { sqs: audit } }`.
 *
 * @example
 * parseGatewayMetadata({ Backends: { '*': 'http://127.0.0.1:5000' } }, 'Metadata.Credplane.Gateway');
 */
export function parseGatewayMetadata(value: Plain, where: string): GatewaySettings {
  if (!isRecord(value)) throw new ValidationError(`${where} must be a map`);
  const out = emptyGatewaySettings();
  for (const key of Object.keys(value)) {
    if (!['Backends', 'Modes', 'ConnectTimeoutMs', 'IdleTimeoutMs'].includes(key)) {
      throw new ValidationError(
        `${where}: unknown key '${key}' (Backends, Modes, ConnectTimeoutMs, IdleTimeoutMs)`,
      );
    }
  }
  const backends = value.Backends;
  if (backends !== undefined) {
    if (!isRecord(backends)) throw new ValidationError(`${where}.Backends must be a map`);
    for (const [service, entry] of Object.entries(backends)) {
      const at = `${where}.Backends.${service}`;
      if (!SERVICE_KEY.test(service)) throw new ValidationError(`${at}: '${service}' is not a service name`);
      if (typeof entry === 'string') {
        out.backends[service] = parseBackendUrl(entry, at);
        continue;
      }
      if (!isRecord(entry)) throw new ValidationError(`${at} must be a URL or a map with Url`);
      const backend = parseBackendUrl(text(entry.Url, `${at}.Url`), at);
      if (entry.Region !== undefined) backend.region = text(entry.Region, `${at}.Region`);
      if (entry.AccessKeyId !== undefined || entry.SecretAccessKey !== undefined) {
        backend.credentials = {
          accessKeyId: text(entry.AccessKeyId, `${at}.AccessKeyId`),
          secretAccessKey: text(entry.SecretAccessKey, `${at}.SecretAccessKey`),
        };
      }
      out.backends[service] = backend;
    }
  }
  const modes = value.Modes;
  if (modes !== undefined) {
    if (!isRecord(modes)) throw new ValidationError(`${where}.Modes must be a map`);
    for (const [key, mode] of Object.entries(modes)) {
      if (!MODE_KEY.test(key))
        throw new ValidationError(`${where}.Modes: '${key}' is not service or service:Operation`);
      out.modes[key] = parseMode(text(mode, `${where}.Modes.${key}`), `${where}.Modes.${key}`);
    }
  }
  for (const key of ['ConnectTimeoutMs', 'IdleTimeoutMs'] as const) {
    const ms = value[key];
    if (ms === undefined) continue;
    if (typeof ms !== 'number' || !(ms > 0))
      throw new ValidationError(`${where}.${key} must be a positive number`);
    out[key === 'ConnectTimeoutMs' ? 'connectTimeoutMs' : 'idleTimeoutMs'] = ms;
  }
  return out;
}

/** `override`'s entries over `base`'s (the CLI over the template). */
export function mergeGatewaySettings(base: GatewaySettings, override: GatewaySettings): GatewaySettings {
  return {
    ...base,
    ...override,
    backends: { ...base.backends, ...override.backends },
    modes: { ...base.modes, ...override.modes },
  };
}
