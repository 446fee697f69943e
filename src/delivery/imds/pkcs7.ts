/**
 * The identity document's PKCS#7 signatures (`dynamic/instance-identity/pkcs7` and `/rsa2048`):
 * a PKCS#7 (RFC 2315) / CMS SignedData that carries the document itself, signed with RSA and
 * SHA-256 over the usual signed attributes (content type, signing time, message digest), without
 * certificates, as EC2's are: the verifier brings the published certificate
 * (`openssl smime -verify -inform PEM -certfile <cert> -noverify`).
 *
 * EC2 serves it as the base64 body of a PEM block without the armour lines: 64-character lines,
 * no newline after the last one.
 */
import { createHash, sign, type KeyObject } from 'node:crypto';
import { children, context, NULL, oid, readElement, seq, setOf, tlv, utcTime } from './der.js';

const DATA = '1.2.840.113549.1.7.1';
const SIGNED_DATA = '1.2.840.113549.1.7.2';
const SHA256 = '2.16.840.1.101.3.4.2.1';
const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const CONTENT_TYPE = '1.2.840.113549.1.9.3';
const MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
const SIGNING_TIME = '1.2.840.113549.1.9.5';

const integer = (n: number): Buffer => tlv(0x02, Buffer.from([n]));
const algorithm = (id: string): Buffer => seq(oid(id), NULL());
const attribute = (type: string, value: Buffer): Buffer => seq(oid(type), setOf(value));

/** `IssuerAndSerialNumber` of a DER certificate: its TBS issuer Name and serial INTEGER as encoded. */
function issuerAndSerial(certificateDer: Buffer): Buffer {
  const certificate = readElement(certificateDer, 0);
  const tbs = children(certificate.content)[0];
  if (tbs === undefined) throw new Error('certificate without TBSCertificate');
  const fields = children(tbs.content);
  // TBSCertificate: [0] version (optional), serialNumber, signature, issuer, ...
  const start = fields[0]?.tag === 0xa0 ? 1 : 0;
  const serial = fields[start];
  const issuer = fields[start + 2];
  if (serial?.tag !== 0x02 || issuer?.tag !== 0x30) throw new Error('certificate: unexpected TBS layout');
  return seq(issuer.raw, serial.raw);
}

/** The DER of a PEM certificate. */
export function certificateDer(pem: string): Buffer {
  const body = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem)?.[1];
  if (body === undefined) throw new Error('no PEM certificate');
  return Buffer.from(body.replace(/\s+/g, ''), 'base64');
}

export interface Pkcs7Signer {
  /** RSA private key matching `certificateDer`. */
  key: KeyObject;
  certificateDer: Buffer;
}

/**
 * A DER PKCS#7 SignedData over `content`, with the content inside.
 *
 * @example
 * const der = signedData(Buffer.from(document), { key, certificateDer }, new Date());
 */
export function signedData(content: Buffer, signer: Pkcs7Signer, signingTime: Date): Buffer {
  const attributes = [
    attribute(CONTENT_TYPE, oid(DATA)),
    attribute(SIGNING_TIME, utcTime(signingTime)),
    attribute(MESSAGE_DIGEST, tlv(0x04, createHash('sha256').update(content).digest())),
  ];
  // The signature covers the attributes encoded as a SET OF; they travel as [0] IMPLICIT.
  const signedAttributes = setOf(...attributes);
  const signature = sign('sha256', signedAttributes, signer.key);
  const signerInfo = seq(
    integer(1),
    issuerAndSerial(signer.certificateDer),
    algorithm(SHA256),
    Buffer.concat([Buffer.from([0xa0]), signedAttributes.subarray(1)]),
    algorithm(RSA_ENCRYPTION),
    tlv(0x04, signature),
  );
  const body = seq(
    integer(1),
    setOf(algorithm(SHA256)),
    seq(oid(DATA), context(0, tlv(0x04, content))),
    setOf(signerInfo),
  );
  return seq(oid(SIGNED_DATA), context(0, body));
}

/**
 * The body EC2 serves: base64 in 64-character lines, no armour, no final newline.
 *
 * @example
 * pkcs7Body(signedData(doc, signer, new Date())); // 'MIAGCSqGSIb3DQEHAqCAMIACAQExDzAN...\n...'
 */
export function pkcs7Body(der: Buffer): string {
  return (der.toString('base64').match(/.{1,64}/g) ?? []).join('\n');
}
