/**
 * The hop limit on a TCP socket from Node.js, which has no API for it: a tiny N-API addon that calls
 * `setsockopt`/`getsockopt` with `IP_TTL` (IPv4) and `IPV6_UNICAST_HOPS` (IPv6), compiled on demand
 * with the system C compiler against Node's own headers and kept beside the data it serves.
 *
 * The metadata service uses it to send token responses with IP TTL = the instance's
 * `HttpPutResponseHopLimit` (Amazon EC2 User Guide, Instance metadata options: "the number of
 * network hops that the PUT response is allowed to make"). Optional: without a compiler or headers
 * the caller is told why and serves without it.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import path from 'node:path';
import type { SetSocketTtl } from './server.js';

const SOURCE = `#include <node_api.h>
#include <netinet/in.h>
#include <sys/socket.h>
/* setTtl(fd, ttl, v6): 0, or -1 when the kernel refused. An IPv6 socket also carries IPv4-mapped
   connections, whose packets take IP_TTL, so both are set there. */
static napi_value SetTtl(napi_env env, napi_callback_info info) {
  size_t argc = 3; napi_value argv[3]; int32_t fd = -1, ttl = 64; bool v6 = false; napi_value result;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3) { napi_create_int32(env, -1, &result); return result; }
  napi_get_value_int32(env, argv[0], &fd);
  napi_get_value_int32(env, argv[1], &ttl);
  napi_get_value_bool(env, argv[2], &v6);
  int rc = 0;
  if (v6) {
    rc = setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof ttl);
    (void)setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
  } else {
    rc = setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
  }
  napi_create_int32(env, rc, &result);
  return result;
}
/* getTtl(fd, v6): the socket's current unicast TTL / hop limit, or -1. */
static napi_value GetTtl(napi_env env, napi_callback_info info) {
  size_t argc = 2; napi_value argv[2]; int32_t fd = -1; bool v6 = false; napi_value result;
  int value = -1; socklen_t len = sizeof value;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) { napi_create_int32(env, -1, &result); return result; }
  napi_get_value_int32(env, argv[0], &fd);
  napi_get_value_bool(env, argv[1], &v6);
  int rc = v6 ? getsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &value, &len)
              : getsockopt(fd, IPPROTO_IP, IP_TTL, &value, &len);
  napi_create_int32(env, rc == 0 ? value : -1, &result);
  return result;
}
NAPI_MODULE_INIT() {
  napi_value set, get;
  napi_create_function(env, "setTtl", NAPI_AUTO_LENGTH, SetTtl, NULL, &set);
  napi_set_named_property(env, exports, "setTtl", set);
  napi_create_function(env, "getTtl", NAPI_AUTO_LENGTH, GetTtl, NULL, &get);
  napi_set_named_property(env, exports, "getTtl", get);
  return exports;
}
`;

/** Reads and sets a connected socket's hop limit. */
export interface SocketTtl {
  /** Set the IP TTL (IPv6: unicast hop limit) of the packets the socket sends from now on. */
  set: SetSocketTtl;
  /** The socket's current value, or `undefined` when it has no descriptor or the kernel refused. */
  get(socket: Socket): number | undefined;
}

/** Node's headers: beside the binary's prefix, or the distribution's package. */
function nodeIncludeDir(): string | undefined {
  const candidates = [
    path.join(path.dirname(path.dirname(process.execPath)), 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'node_api.h')));
}

/** The addon's file name: one per source, Node ABI and architecture, so an upgrade rebuilds it. */
function addonName(): string {
  const key = createHash('sha256')
    .update(`${SOURCE}\0${process.versions.modules}\0${process.arch}\0${process.platform}`)
    .digest('hex')
    .slice(0, 16);
  return `socket-ttl-${key}.node`;
}

/**
 * Compile the addon into `dir` (kept there: a second call reuses it); its path, or why it could
 * not be built.
 *
 * @example
 * const built = buildSocketTtlAddon(tmp); if ('path' in built) loadSocketTtl(built.path);
 */
export function buildSocketTtlAddon(dir: string): { path: string } | { reason: string } {
  if (process.platform !== 'linux' && process.platform !== 'darwin')
    return { reason: `setting IP_TTL needs Linux or macOS (this is ${process.platform})` };
  const output = path.join(dir, addonName());
  if (fs.existsSync(output)) return { path: output };
  const include = nodeIncludeDir();
  if (include === undefined)
    return { reason: "Node.js headers (node_api.h) not found, so the IP_TTL helper can't be built" };
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stem = path.join(dir, `.socket-ttl-${randomBytes(6).toString('hex')}`);
  const source = `${stem}.c`;
  const partial = `${stem}.node`;
  fs.writeFileSync(source, SOURCE, { mode: 0o600 });
  const flags = process.platform === 'darwin' ? ['-bundle', '-undefined', 'dynamic_lookup'] : ['-shared'];
  try {
    execFileSync('cc', [...flags, '-fPIC', '-O2', `-I${include}`, '-o', partial, source], {
      stdio: 'pipe',
      timeout: 60_000,
    });
    // Built under a private name, then renamed: a concurrent start never loads a half-written file.
    fs.renameSync(partial, output);
  } catch (error) {
    fs.rmSync(partial, { force: true });
    return {
      reason: `could not compile the IP_TTL helper with cc: ${(error as Error).message.split('\n')[0]}`,
    };
  } finally {
    fs.rmSync(source, { force: true });
  }
  return { path: output };
}

function descriptor(socket: Socket): number | undefined {
  // Node keeps the descriptor on its internal handle; no public API exposes it.
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/** An IPv6 socket (dual-stack listeners give IPv4 clients one too, with a `::ffff:` address). */
function isIpv6(socket: Socket): boolean {
  return socket.localAddress?.includes(':') === true;
}

/**
 * The helper over a built addon.
 *
 * @example
 * const ttl = loadSocketTtl(built.path); ttl.set(socket, 2); ttl.get(socket); // 2
 */
export function loadSocketTtl(addonPath: string): SocketTtl {
  const addon = createRequire(import.meta.url)(addonPath) as {
    setTtl(fd: number, ttl: number, v6: boolean): number;
    getTtl(fd: number, v6: boolean): number;
  };
  return {
    set: (socket, ttl) => {
      const fd = descriptor(socket);
      if (fd !== undefined) addon.setTtl(fd, ttl, isIpv6(socket));
    },
    get: (socket) => {
      const fd = descriptor(socket);
      if (fd === undefined) return undefined;
      const value = addon.getTtl(fd, isIpv6(socket));
      return value < 0 ? undefined : value;
    },
  };
}

/**
 * Build (once) and load the helper kept in `dir`, or say why there is none.
 *
 * @example
 * const ttl = socketTtlHelper(path.join(dataDir, 'imds'));
 * if ('reason' in ttl) logger.warn(ttl.reason); else createImdsService({ ..., setSocketTtl: ttl.set });
 */
export function socketTtlHelper(dir: string): SocketTtl | { reason: string } {
  const built = buildSocketTtlAddon(dir);
  if ('reason' in built) return built;
  try {
    return loadSocketTtl(built.path);
  } catch (error) {
    return { reason: `could not load the IP_TTL helper: ${(error as Error).message.split('\n')[0]}` };
  }
}
