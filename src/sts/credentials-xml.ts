import type { TemporaryCredentials } from '../crypto/index.js';
import type { XmlNode } from '../protocol/xml.js';

/** `YYYY-MM-DDTHH:MM:SSZ`: the SDKs' parsers (and botocore's expiry logic) want no milliseconds. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function credentialsXml(credentials: TemporaryCredentials): XmlNode {
  return {
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    SessionToken: credentials.sessionToken,
    Expiration: isoSeconds(credentials.expiration),
  };
}
