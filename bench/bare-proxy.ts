/**
 * The floor for the gateway benchmark: a bare `node:http` reverse proxy that forwards every
 * request to the backend unchanged (no signature check, mapping, policy, access log or
 * re-signing), over a keep-alive agent, streaming both ways (`bare-proxy-handler.ts`). What
 * credplane's gateway costs beyond this is its own work; what this costs is Node's HTTP and the
 * kernel's TCP.
 *
 * Usage: `tsx bench/bare-proxy.ts http://127.0.0.1:5000` (prints its port on stdout).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { bareProxyHandler } from './bare-proxy-handler.js';

const server = http.createServer(bareProxyHandler(new URL(process.argv[2] ?? 'http://127.0.0.1:5000')));
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
