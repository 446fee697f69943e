/**
 * The IAM documents IMDS serves (Amazon EC2 User Guide, Instance metadata categories:
 * `iam/info`, `iam/security-credentials/<role>`, `identity-credentials/ec2/info`), formatted the way the SDKs
 * parse them: `Code: Success` (Go), `Expiration` as `YYYY-MM-DDTHH:MM:SSZ` (botocore), every value a
 * string (JS).
 */
import { isoSeconds } from '../../sts/credentials-xml.js';
import type { WorkloadCredentials } from '../workload-issuer.js';

/**
 * `iam/security-credentials/<role>`; `extended` adds `AccountId` (`security-credentials-extended`).
 *
 * @example
 * credentialDocument(creds, issuedAt, false); // '{\n  "Code" : "Success",\n  ...'
 */
export function credentialDocument(
  credentials: WorkloadCredentials,
  issuedAt: Date,
  extended: boolean,
): string {
  const fields: [string, string][] = [
    ['Code', 'Success'],
    ['LastUpdated', isoSeconds(issuedAt)],
    ['Type', 'AWS-HMAC'],
    ['AccessKeyId', credentials.accessKeyId],
    ['SecretAccessKey', credentials.secretAccessKey],
    ['Token', credentials.sessionToken],
    ['Expiration', isoSeconds(credentials.expiration)],
  ];
  if (extended) fields.push(['AccountId', credentials.accountId]);
  return `{\n${fields.map(([k, v]) => `  ${JSON.stringify(k)} : ${JSON.stringify(v)}`).join(',\n')}\n}`;
}

/** What EC2 serves, with HTTP 200, when the role's trust policy does not let EC2 assume it. */
export function unauthorizedDocument(roleName: string, now: Date): string {
  return (
    `{\n  "Code" : "AssumeRoleUnauthorizedAccess",\n` +
    `  "Message" : ${JSON.stringify(`EC2 cannot assume the role ${roleName}.`)},\n` +
    `  "LastUpdated" : "${isoSeconds(now)}"\n}`
  );
}

/** `iam/info`. */
export function iamInfoDocument(profile: { arn: string; id: string }, now: Date): string {
  return (
    `{\n  "Code" : "Success",\n  "LastUpdated" : "${isoSeconds(now)}",\n` +
    `  "InstanceProfileArn" : ${JSON.stringify(profile.arn)},\n` +
    `  "InstanceProfileId" : ${JSON.stringify(profile.id)}\n}`
  );
}
