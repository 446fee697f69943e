/**
 * Setting a TCP socket's IP TTL from Node.js, which has no API for it (the hop-limit recipe in docs/imds.md,
 * SSRF lab): a tiny N-API addon that calls `setsockopt(fd, IPPROTO_IP, IP_TTL)`, compiled on demand with the
 * system C compiler against Node's own headers. Optional: without a compiler or headers the hop-limit
 * scenario is skipped and says why.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import path from 'node:path';
import type { SetSocketTtl } from '../server.js';

const SOURCE = `#include <node_api.h>
#include <netinet/in.h>
#include <sys/socket.h>
static napi_value SetTtl(napi_env env, napi_callback_info info) {
  size_t argc = 2; napi_value argv[2]; int32_t fd = -1, ttl = 64; napi_value result;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) { napi_create_int32(env, -1, &result); return result; }
  napi_get_value_int32(env, argv[0], &fd);
  napi_get_value_int32(env, argv[1], &ttl);
  napi_create_int32(env, setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl), &result);
  return result;
}
NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "setTtl", NAPI_AUTO_LENGTH, SetTtl, NULL, &fn);
  napi_set_named_property(env, exports, "setTtl", fn);
  return exports;
}
`;

/** Node's headers: beside the binary's prefix, or the distribution's package. */
function nodeIncludeDir(): string | undefined {
  const candidates = [
    path.join(path.dirname(path.dirname(process.execPath)), 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'node_api.h')));
}

/**
 * Compile the addon into `dir`; its path, or why it could not be built.
 *
 * @example
 * const built = buildIpTtlAddon(tmp); if ('path' in built) loadIpTtl(built.path);
 */
export function buildIpTtlAddon(dir: string): { path: string } | { reason: string } {
  const include = nodeIncludeDir();
  if (include === undefined)
    return { reason: "Node.js headers (node_api.h) not found, so the IP_TTL helper can't be built" };
  const source = path.join(dir, 'ip_ttl.c');
  const output = path.join(dir, 'ip_ttl.node');
  fs.writeFileSync(source, SOURCE);
  try {
    execFileSync('cc', ['-shared', '-fPIC', '-O2', `-I${include}`, '-o', output, source], {
      stdio: 'pipe',
      timeout: 60_000,
    });
  } catch (error) {
    return {
      reason: `could not compile the IP_TTL helper with cc: ${(error as Error).message.split('\n')[0]}`,
    };
  }
  return { path: output };
}

/** The `SetSocketTtl` over a built addon. */
export function loadIpTtl(addonPath: string): SetSocketTtl {
  const addon = createRequire(import.meta.url)(addonPath) as { setTtl(fd: number, ttl: number): number };
  return (socket: Socket, ttl: number) => {
    const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
    if (typeof fd === 'number' && fd >= 0) addon.setTtl(fd, ttl);
  };
}
