import { MAX_SESSION_TOKEN_LENGTH, type TemporaryCredentials } from '../crypto/index.js';
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

/**
 * The members every `AssumeRole*` result shares: `Credentials`, `AssumedRoleUser` and, when session
 * policies or tags were passed, `PackedPolicySize` (percent of the token's size limit).
 */
export function assumedRoleXml(
  credentials: TemporaryCredentials,
  session: { partition: string; accountId: string; roleId: string; roleName: string; sessionName: string },
  packed: boolean,
): XmlNode {
  return {
    Credentials: credentialsXml(credentials),
    AssumedRoleUser: {
      AssumedRoleId: `${session.roleId}:${session.sessionName}`,
      Arn: `arn:${session.partition}:sts::${session.accountId}:assumed-role/${session.roleName}/${session.sessionName}`,
    },
    PackedPolicySize: packed
      ? Math.max(1, Math.ceil((100 * credentials.sessionToken.length) / MAX_SESSION_TOKEN_LENGTH))
      : undefined,
  };
}
