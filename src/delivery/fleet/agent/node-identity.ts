/**
 * The node's identity on disk (`--state-dir`, 0700): its private key (made here, never sent), its
 * certificate and the plane CA. First start: the CA is fetched and checked against the join
 * token's pin, a key pair is made, and the token and a certificate request are presented once.
 * After that the certificate is renewed, for a fresh key, once half its life has passed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseJoinToken } from '../join-token.js';
import { certificateRequestPem, generateKeyPair, privateKeyPem, x509 } from '../x509.js';
import { AgentClient, fetchPinnedCa, type TlsIdentity } from './client.js';

export interface NodeIdentityState {
  node: string;
  ca: string;
  cert: string;
  key: string;
  notBefore: Date;
  notAfter: Date;
}

function writeSecret(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

function read(stateDir: string): NodeIdentityState | undefined {
  const files = ['node', 'ca.pem', 'cert.pem', 'key.pem'].map((f) => path.join(stateDir, f));
  if (!files.every((f) => fs.existsSync(f))) return undefined;
  const [node, ca, cert, key] = files.map((f) => fs.readFileSync(f, 'utf8')) as [
    string,
    string,
    string,
    string,
  ];
  const parsed = new x509.X509Certificate(cert);
  return { node: node.trim(), ca, cert, key, notBefore: parsed.notBefore, notAfter: parsed.notAfter };
}

function save(stateDir: string, s: NodeIdentityState): void {
  writeSecret(path.join(stateDir, 'key.pem'), s.key);
  writeSecret(path.join(stateDir, 'cert.pem'), s.cert);
  writeSecret(path.join(stateDir, 'ca.pem'), s.ca);
  writeSecret(path.join(stateDir, 'node'), `${s.node}\n`);
}

export class NodeIdentity {
  private state: NodeIdentityState | undefined;
  readonly client: AgentClient;

  constructor(
    private readonly server: string,
    private readonly stateDir: string,
  ) {
    fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    fs.chmodSync(stateDir, 0o700);
    this.state = read(stateDir);
    this.client = new AgentClient(server, () => this.tls());
  }

  get current(): NodeIdentityState | undefined {
    return this.state;
  }

  tls(): TlsIdentity {
    const s = this.state;
    if (s === undefined) throw new Error('the node is not enrolled');
    return { ca: s.ca, cert: s.cert, key: s.key };
  }

  /** Enroll with `joinToken` unless the state directory already holds an identity. */
  async ensure(joinToken: string | undefined): Promise<NodeIdentityState> {
    if (this.state !== undefined) return this.state;
    if (joinToken === undefined) throw new Error(`no node identity in ${this.stateDir}: give --join-token`);
    const token = parseJoinToken(joinToken);
    if (token === undefined) throw new Error('the join token is malformed');
    const ca = await fetchPinnedCa(this.server, token.caPin);
    const keys = await generateKeyPair();
    const enrolling = new AgentClient(this.server, () => ({ ca }));
    const { node, certificate } = await enrolling.enroll(
      joinToken,
      await certificateRequestPem(keys, token.nodeName),
    );
    const parsed = new x509.X509Certificate(certificate);
    this.state = {
      node,
      ca,
      cert: certificate,
      key: await privateKeyPem(keys.privateKey),
      notBefore: parsed.notBefore,
      notAfter: parsed.notAfter,
    };
    save(this.stateDir, this.state);
    return this.state;
  }

  /** When the certificate should be renewed: half its life (epoch ms). */
  renewAt(): number {
    const s = this.state!;
    return s.notBefore.getTime() + (s.notAfter.getTime() - s.notBefore.getTime()) / 2;
  }

  /** A new certificate for a new key, over the current one. */
  async renew(): Promise<void> {
    const s = this.state!;
    const keys = await generateKeyPair();
    const { certificate } = await this.client.renew(await certificateRequestPem(keys, s.node));
    const parsed = new x509.X509Certificate(certificate);
    this.state = {
      ...s,
      cert: certificate,
      key: await privateKeyPem(keys.privateKey),
      notBefore: parsed.notBefore,
      notAfter: parsed.notAfter,
    };
    save(this.stateDir, this.state);
  }
}
