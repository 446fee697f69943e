/**
 * The fleet's nodes as the server sees them: `add` makes a one-time, expiring join token;
 * `enroll` trades the token (once) and a certificate request for a node certificate; `renew`
 * gives an enrolled node a fresh certificate for a fresh key; `identify` turns a verified TLS
 * client certificate into a node name, but only while the store still records both the node and
 * that certificate, so `remove` revokes at once, on every replica, whatever the CA signed.
 */
import { AwsError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import type { IssuedCertificate, NodeCa } from './ca.js';
import { formatJoinToken, joinTokenHash, newJoinToken, NODE_NAME, parseJoinToken } from './join-token.js';

/** A day: agents renew at half-life, so a node that cannot reach the plane for 12 h still can. */
export const DEFAULT_NODE_CERTIFICATE_SECONDS = 24 * 3600;
export const DEFAULT_JOIN_TOKEN_SECONDS = 3600;

export class JoinRefusedError extends AwsError {
  constructor() {
    // One message for unknown, used, expired and malformed tokens: a caller learns nothing more.
    super('AccessDenied', 'The join token is not valid (unknown, already used or expired).', { status: 403 });
  }
}

export interface NodeRegistryOptions {
  store: Store;
  ca: NodeCa;
  now?: () => number;
  certificateSeconds?: number;
}

export class NodeRegistry {
  private readonly now: () => number;
  constructor(private readonly options: NodeRegistryOptions) {
    this.now = options.now ?? Date.now;
  }

  get caPem(): string {
    return this.options.ca.certificatePem;
  }

  /**
   * Record a node and return its join token (shown once; the store keeps its hash).
   *
   * @example
   * const token = await registry.add('web-1', 3600); // 'cpj1.web-1.<secret>.<ca-pin>'
   */
  async add(name: string, ttlSeconds = DEFAULT_JOIN_TOKEN_SECONDS): Promise<string> {
    if (!NODE_NAME.test(name)) {
      throw new AwsError('ValidationError', 'A node name is 1-63 lowercase letters, digits and hyphens.');
    }
    const token = newJoinToken(name, this.options.ca.pin);
    await this.options.store.createNode({
      name,
      joinTokenHash: joinTokenHash(token.secret),
      joinTokenExpiresAt: new Date(this.now() + ttlSeconds * 1000),
    });
    return formatJoinToken(token);
  }

  async enroll(tokenText: string, csrPem: string): Promise<IssuedCertificate & { nodeName: string }> {
    const token = parseJoinToken(tokenText);
    if (token === undefined) throw new JoinRefusedError();
    // The store matches the hash of a 256-bit secret: a timing difference in that comparison says
    // nothing an attacker can use to build a matching secret.
    const used = await this.options.store.useJoinToken(
      token.nodeName,
      joinTokenHash(token.secret),
      new Date(this.now()),
    );
    if (!used) throw new JoinRefusedError();
    return { ...(await this.issue(token.nodeName, csrPem)), nodeName: token.nodeName };
  }

  /** A new certificate for an enrolled node (called over its current, verified certificate). */
  renew(nodeName: string, csrPem: string): Promise<IssuedCertificate> {
    return this.issue(nodeName, csrPem);
  }

  /**
   * The node a verified client certificate belongs to, if the store still honours it.
   *
   * @example
   * const node = await registry.identify(socket.getPeerCertificate()); // 'web-1' or undefined
   */
  async identify(peer: {
    serialNumber?: string;
    subject?: { CN?: string | string[] };
    valid_to?: string;
  }): Promise<string | undefined> {
    const serial = peer.serialNumber?.toLowerCase().replace(/^0+/, '');
    const cn = peer.subject?.CN;
    if (serial === undefined || serial === '' || typeof cn !== 'string') return undefined;
    const record = await this.options.store.findNodeCertificate(serial.padStart(32, '0'));
    if (record === undefined || record.nodeName !== cn) return undefined;
    if (record.notAfter.getTime() <= this.now()) return undefined;
    return record.nodeName;
  }

  remove(name: string): Promise<void> {
    return this.options.store.deleteNode(name);
  }

  private async issue(nodeName: string, csrPem: string): Promise<IssuedCertificate> {
    let issued: IssuedCertificate;
    try {
      issued = await this.options.ca.issueNodeCertificate(
        csrPem,
        nodeName,
        this.options.certificateSeconds ?? DEFAULT_NODE_CERTIFICATE_SECONDS,
        this.now(),
      );
    } catch {
      throw new AwsError(
        'ValidationError',
        'The certificate request is not a valid ECDSA P-256 request signed by its key.',
      );
    }
    await this.options.store.addNodeCertificate({
      serial: issued.serial,
      nodeName,
      issuedAt: issued.notBefore,
      notAfter: issued.notAfter,
    });
    return issued;
  }
}
