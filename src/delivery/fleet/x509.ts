/**
 * X.509 with `@peculiar/x509` over Node's WebCrypto: ECDSA P-256 keys, PEM in and out, and the
 * certificate facts the fleet reads (serial, validity, subject name, SHA-256 pin).
 */
import { createHash, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };

export const EC_KEY: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
export const SIGNING: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };

/** A fresh extractable ECDSA P-256 key pair. */
export async function generateKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

/** PKCS#8 PEM of a private key (what node:tls takes as `key`). */
export async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key as webcrypto.CryptoKey));
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

export async function importPrivateKey(pkcs8: Uint8Array): Promise<webcrypto.CryptoKey> {
  return (await webcrypto.subtle.importKey('pkcs8', pkcs8, EC_KEY, false, ['sign'])) as webcrypto.CryptoKey;
}

/** PKCS#8 DER of a private key PEM. */
export function pemToDer(pem: string): Buffer {
  return Buffer.from(x509.PemConverter.decodeFirst(pem));
}

/** base64url SHA-256 of a certificate's DER: what a join token pins the CA with. */
export function certificatePin(pem: string): string {
  return createHash('sha256')
    .update(new Uint8Array(new x509.X509Certificate(pem).rawData))
    .digest('base64url');
}

/** A random positive 128-bit serial number, hex (RFC 5280, 4.1.2.2: at most 20 octets, positive). */
export function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return Buffer.from(bytes).toString('hex');
}

/** The common name of a certificate's subject, if it has exactly one. */
export function commonName(certificate: x509.X509Certificate): string | undefined {
  const names = certificate.subjectName.getField('CN');
  return names.length === 1 ? names[0] : undefined;
}

/** A CSR for `key`, signed by it (proof that its holder has the private key). */
export async function certificateRequestPem(keys: webcrypto.CryptoKeyPair, name: string): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${name}`,
    keys,
    signingAlgorithm: SIGNING,
  });
  return csr.toString('pem');
}
