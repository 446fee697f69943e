/**
 * A private PKI for tests: a root CA, an intermediate CA it signs, and a server certificate for
 * 127.0.0.1 the intermediate signs (ECDSA P-256, made with @peculiar/x509 over Node's WebCrypto).
 * None of it is trusted by Node's CA store, as an internal CA is not.
 */
import { createHash, createPrivateKey, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type KeyPair = webcrypto.CryptoKeyPair;

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface IssuedCertificate {
  pem: string;
  der: Buffer;
  /** Hex SHA-1 over the DER, as IAM's thumbprints are. */
  sha1: string;
}

export interface PrivatePki {
  root: IssuedCertificate;
  intermediate: IssuedCertificate;
  leaf: IssuedCertificate;
  /** PKCS#8 PEM of the leaf's key. */
  leafKey: string;
}

function issued(cert: x509.X509Certificate): IssuedCertificate {
  const der = Buffer.from(cert.rawData);
  return { pem: `${cert.toString('pem').trim()}\n`, der, sha1: createHash('sha1').update(der).digest('hex') };
}

/**
 * @example
 * const pki = await createPrivatePki({ host: '127.0.0.1' });
 * https.createServer({ key: pki.leafKey, cert: pki.leaf.pem + pki.intermediate.pem }, handler);
 */
export async function createPrivatePki(
  options: { host?: string; leafNotAfter?: Date } = {},
): Promise<PrivatePki> {
  const subtle = webcrypto.subtle;
  const gen = () => subtle.generateKey(ALG, true, ['sign', 'verify']) as Promise<KeyPair>;
  const [rootKeys, interKeys, leafKeys] = await Promise.all([gen(), gen(), gen()]);
  const notBefore = new Date(Date.now() - 3600_000);
  const notAfter = new Date(Date.now() + 86_400_000);
  const caExtensions = async (keys: KeyPair) => [
    new x509.BasicConstraintsExtension(true, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=credplane test root CA',
    notBefore,
    notAfter,
    signingAlgorithm: ALG,
    keys: rootKeys,
    extensions: await caExtensions(rootKeys),
  });
  const intermediate = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: 'CN=credplane test intermediate CA',
    issuer: root.subject,
    notBefore,
    notAfter,
    signingAlgorithm: ALG,
    publicKey: interKeys.publicKey,
    signingKey: rootKeys.privateKey,
    extensions: await caExtensions(interKeys),
  });
  const host = options.host ?? '127.0.0.1';
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: '03',
    subject: `CN=${host}`,
    issuer: intermediate.subject,
    notBefore,
    notAfter: options.leafNotAfter ?? notAfter,
    signingAlgorithm: ALG,
    publicKey: leafKeys.publicKey,
    signingKey: interKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        /^\d/.test(host) ? { type: 'ip', value: host } : { type: 'dns', value: host },
      ]),
    ],
  });
  const pkcs8 = Buffer.from(await subtle.exportKey('pkcs8', leafKeys.privateKey));
  const leafKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })
    .export({ format: 'pem', type: 'pkcs8' })
    .toString();
  return { root: issued(root), intermediate: issued(intermediate), leaf: issued(leaf), leafKey };
}
