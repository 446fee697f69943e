/**
 * What the metadata service keeps on disk in the data directory: the identity-document signing key
 * and certificate (so signatures verify across restarts), and `endpoints.json`, which tells
 * `credplane env` and `credplane run` where the running server's endpoints are.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createIdentitySigner, type IdentitySigner } from './identity.js';
import type { InstanceEndpointInfo } from './service.js';

/**
 * The signer under `<dataDir>/imds/`, created on first use.
 *
 * @example
 * const identity = loadIdentitySigner('/var/lib/credplane');
 */
export function loadIdentitySigner(dataDir: string): IdentitySigner {
  const dir = path.join(dataDir, 'imds');
  const keyFile = path.join(dir, 'identity-key.pem');
  const certFile = path.join(dir, 'identity-certificate.pem');
  if (fs.existsSync(keyFile) && fs.existsSync(certFile)) {
    return createIdentitySigner({
      privateKeyPem: fs.readFileSync(keyFile, 'utf8'),
      certificatePem: fs.readFileSync(certFile, 'utf8'),
    });
  }
  const signer = createIdentitySigner();
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(keyFile, signer.privateKeyPem, { mode: 0o600 });
  fs.writeFileSync(certFile, signer.certificatePem, { mode: 0o644 });
  return signer;
}

export interface EndpointsFile {
  /** The control plane (STS, IAM, EC2) URL. */
  url: string;
  accountId: string;
  region: string;
  pid: number;
  instances: { name: string; instanceId: string; url: string; roleName?: string }[];
}

export const ENDPOINTS_FILE = 'endpoints.json';

/** Write atomically (rename), so a reader never sees half a file. */
export function writeEndpointsFile(
  dataDir: string,
  base: Omit<EndpointsFile, 'instances'>,
  instances: readonly InstanceEndpointInfo[],
): void {
  const data: EndpointsFile = {
    ...base,
    instances: instances.map((i) => ({
      name: i.name,
      instanceId: i.instanceId,
      url: i.url,
      ...(i.roleName === undefined ? {} : { roleName: i.roleName }),
    })),
  };
  const file = path.join(dataDir, ENDPOINTS_FILE);
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(temp, file);
}

/** The running server's endpoints, or `undefined` when no server has written them. */
export function readEndpointsFile(dataDir: string): EndpointsFile | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dataDir, ENDPOINTS_FILE), 'utf8')) as EndpointsFile;
  } catch {
    return undefined;
  }
}

export function removeEndpointsFile(dataDir: string): void {
  fs.rmSync(path.join(dataDir, ENDPOINTS_FILE), { force: true });
}
