/**
 * The plane's own CA for the fleet: it signs each node's certificate (client authentication, the
 * node's name as subject) and the agent port's certificate (server authentication). Its private
 * key is kept in the store sealed under a subkey of the master key (as the key ring and the
 * cluster signing keys are), so every replica on the same store and master key has the same CA.
 */
import { webcrypto } from 'node:crypto';
import { open, seal, subkey } from '../../crypto/aead.js';
import { assertMasterKey, SealedDataError, type MasterKey } from '../../crypto/index.js';
import type { Store } from '../../store/store.js';
import {
  certificatePin,
  EC_KEY,
  generateKeyPair,
  importPrivateKey,
  privateKeyPem,
  randomSerial,
  SIGNING,
  x509,
} from './x509.js';

const LABEL = 'credplane/node-ca/v1';
const AAD = Buffer.from('credplane node CA');
const CA_YEARS = 10;

export interface IssuedCertificate {
  pem: string;
  serial: string;
  notBefore: Date;
  notAfter: Date;
}

export class NodeCa {
  private constructor(
    readonly certificatePem: string,
    private readonly certificate: x509.X509Certificate,
    private readonly key: webcrypto.CryptoKey,
  ) {}

  /** base64url SHA-256 of the CA certificate: join tokens carry it so agents can trust the server. */
  get pin(): string {
    return certificatePin(this.certificatePem);
  }

  /**
   * The store's CA, created (and stored, first writer wins) when there is none.
   *
   * @example
   * const ca = await NodeCa.load(store, masterKey);
   */
  static async load(store: Store, masterKey: MasterKey, now: () => number = Date.now): Promise<NodeCa> {
    assertMasterKey(masterKey);
    let record = await store.getNodeCa();
    if (record === undefined) {
      const keys = await generateKeyPair();
      const notBefore = new Date(now() - 60_000);
      const certificate = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: randomSerial(),
        name: 'CN=credplane node CA',
        notBefore,
        notAfter: new Date(notBefore.getTime() + CA_YEARS * 365 * 86400_000),
        keys,
        signingAlgorithm: SIGNING,
        extensions: [
          new x509.BasicConstraintsExtension(true, 0, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
          await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        ],
      });
      const pkcs8 = Buffer.from(
        await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as webcrypto.CryptoKey),
      );
      record = await store.putNodeCaIfAbsent({
        certificatePem: certificate.toString('pem'),
        sealedKey: seal(subkey(masterKey, LABEL), pkcs8, AAD),
      });
    }
    const pkcs8 = open(subkey(masterKey, LABEL), record.sealedKey, AAD);
    if (pkcs8 === undefined) {
      throw new SealedDataError(
        'The node CA key cannot be opened with this master key (wrong key or damaged row)',
      );
    }
    return new NodeCa(
      record.certificatePem,
      new x509.X509Certificate(record.certificatePem),
      await importPrivateKey(pkcs8),
    );
  }

  /**
   * A node's certificate for the public key of `csrPem`, whose signature proves the node holds the
   * private key; the subject is the node's name whatever the request asked for.
   */
  async issueNodeCertificate(
    csrPem: string,
    nodeName: string,
    lifetimeSeconds: number,
    nowMs: number,
  ): Promise<IssuedCertificate> {
    const csr = new x509.Pkcs10CertificateRequest(csrPem);
    if (!(await csr.verify())) throw new Error('the certificate request is not signed by its key');
    const algorithm = csr.publicKey.algorithm as webcrypto.EcKeyAlgorithm;
    if (algorithm.name !== EC_KEY.name || algorithm.namedCurve !== EC_KEY.namedCurve) {
      throw new Error('the certificate request must carry an ECDSA P-256 key');
    }
    return this.sign({
      name: `CN=${nodeName}`,
      publicKey: csr.publicKey,
      usage: x509.ExtendedKeyUsage.clientAuth,
      lifetimeSeconds,
      nowMs,
      names: [{ type: 'url', value: `urn:credplane:node:${nodeName}` }],
    });
  }

  /** The agent port's certificate and key, for the addresses agents reach it at. */
  async issueServerCertificate(
    hosts: string[],
    lifetimeSeconds: number,
    nowMs: number,
  ): Promise<IssuedCertificate & { keyPem: string }> {
    const keys = await generateKeyPair();
    const issued = await this.sign({
      name: 'CN=credplane agent API',
      publicKey: keys.publicKey,
      usage: x509.ExtendedKeyUsage.serverAuth,
      lifetimeSeconds,
      nowMs,
      names: hosts.map((h) => ({
        type: /^[\d.]+$|:/.test(h) ? ('ip' as const) : ('dns' as const),
        value: h,
      })),
    });
    return { ...issued, keyPem: await privateKeyPem(keys.privateKey) };
  }

  private async sign(p: {
    name: string;
    publicKey: x509.PublicKey | webcrypto.CryptoKey;
    usage: string;
    lifetimeSeconds: number;
    nowMs: number;
    names: x509.JsonGeneralName[];
  }): Promise<IssuedCertificate> {
    const serial = randomSerial();
    // A minute of slack for clocks that run a little behind the plane's.
    const notBefore = new Date(p.nowMs - 60_000);
    const notAfter = new Date(p.nowMs + p.lifetimeSeconds * 1000);
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: serial,
      subject: p.name,
      issuer: this.certificate.subject,
      notBefore,
      notAfter,
      publicKey: p.publicKey,
      signingKey: this.key,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([p.usage]),
        ...(p.names.length === 0 ? [] : [new x509.SubjectAlternativeNameExtension(p.names)]),
        await x509.AuthorityKeyIdentifierExtension.create(this.certificate),
      ],
    });
    return { pem: certificate.toString('pem'), serial, notBefore, notAfter };
  }
}
