/**
 * The key that signs instance identity documents, and its self-signed certificate (Amazon EC2 User Guide,
 * Instance identity documents). EC2 signs with AWS's regional keys; credplane cannot, so it signs with its
 * own RSA-2048 key and publishes the certificate, which clients pin instead of AWS's.
 *
 * The certificate is built here (a few DER structures) because Node can parse certificates but not
 * create them.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import { oid, positiveInteger, seq, tlv, utcTime } from './der.js';
import { certificateDer, pkcs7Body, signedData } from './pkcs7.js';

export interface IdentitySigner {
  /** base64 RSA-SHA256 signature of `document`, as `/dynamic/instance-identity/signature`. */
  sign(document: string): string;
  /**
   * PKCS#7 SignedData over `document` (which it carries), as `/dynamic/instance-identity/pkcs7`
   * and `/rsa2048`: base64 in 64-character lines.
   */
  pkcs7(document: string): string;
  /** The PEM certificate that verifies those signatures. */
  readonly certificatePem: string;
  /** The PEM private key, for persisting (never logged). */
  readonly privateKeyPem: string;
}

const name = (commonName: string): Buffer =>
  seq(tlv(0x31, seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(commonName, 'utf8')))));

const SHA256_WITH_RSA = (): Buffer => seq(oid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00]));

/**
 * A self-signed X.509 v3 certificate for `key`, valid from `notBefore` for `days`.
 *
 * @example
 * const pem = selfSignedCertificate(privateKey, 'credplane instance identity', new Date(), 3650);
 */
export function selfSignedCertificate(
  key: KeyObject,
  commonName: string,
  notBefore: Date,
  days: number,
): string {
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const tbs = seq(
    tlv(0xa0, positiveInteger(Buffer.from([2]))),
    positiveInteger(serial),
    SHA256_WITH_RSA(),
    name(commonName),
    seq(utcTime(notBefore), utcTime(new Date(notBefore.getTime() + days * 86_400_000))),
    name(commonName),
    spki,
  );
  const signature = sign('sha256', tbs, key);
  const der = seq(tbs, SHA256_WITH_RSA(), tlv(0x03, Buffer.from([0]), signature));
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/**
 * A signer over `privateKeyPem` (a new RSA-2048 key when absent) and `certificatePem` (made when
 * absent). Persisting both is the caller's business.
 *
 * @example
 * const signer = createIdentitySigner();
 * signer.sign(document); // base64
 */
export function createIdentitySigner(
  existing: { privateKeyPem?: string; certificatePem?: string } = {},
  now: Date = new Date(),
): IdentitySigner {
  const key =
    existing.privateKeyPem === undefined
      ? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
      : createPrivateKey(existing.privateKeyPem);
  const privateKeyPem = key.export({ type: 'pkcs8', format: 'pem' }).toString();
  const certificatePem =
    existing.certificatePem ?? selfSignedCertificate(key, 'credplane instance identity', now, 3650);
  const signer = { key, certificateDer: certificateDer(certificatePem) };
  return {
    certificatePem,
    privateKeyPem,
    sign: (document) => sign('sha256', Buffer.from(document), key).toString('base64'),
    pkcs7: (document) => pkcs7Body(signedData(Buffer.from(document), signer, new Date())),
  };
}
