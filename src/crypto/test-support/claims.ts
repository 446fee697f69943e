/** Claim sets shared by the crypto tests and the benchmark. */
import type { SessionClaims, SessionTag } from '../session-claims.js';

export const T0 = new Date('2026-03-01T12:00:00Z');
export const T0_SECONDS = Math.floor(T0.getTime() / 1000);

/** What the IMDS agent mints for an EC2 instance: the everyday case. */
export function typicalClaims(issuedAt = T0_SECONDS, lifetimeSeconds = 21_600): SessionClaims {
  return {
    accountId: '123456789012',
    roleArn: 'arn:aws:iam::123456789012:role/service/web-frontend',
    roleId: 'AROAQ3EXAMPLE7Z9K2LMN',
    roleName: 'web-frontend',
    roleSessionName: 'i-0123456789abcdef0',
    issuedAt,
    expiresAt: issuedAt + lifetimeSeconds,
    sourcePrincipalArn: 'arn:aws:iam::123456789012:root',
    deliveryContext: {
      'ec2:RoleDelivery': '2.0',
      'ec2:SourceInstanceARN': 'arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0',
      'aws:Ec2InstanceSourceVpc': 'vpc-0123456789abcdef0',
      'aws:Ec2InstanceSourcePrivateIPv4': '10.0.1.23',
    },
  };
}

/** A pretty-printed policy of exactly 2,048 characters (STS's limit for the `Policy` parameter). */
export function sessionPolicyOf2048Chars(): string {
  const statements: object[] = [];
  let text = '';
  for (let i = 0; ; i++) {
    statements.push({
      Sid: `S${i}`,
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject'],
      Resource: `arn:aws:s3:::bucket-${i}/*`,
    });
    const next = JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, 2);
    if (next.length > 2048) break;
    text = next;
  }
  return text.padEnd(2048, ' ');
}

export function fiftyTags(): SessionTag[] {
  return Array.from({ length: 50 }, (_, i) => ({
    key: `team-tag-${String(i).padStart(2, '0')}`,
    value: `value-for-tag-number-${i}`,
  }));
}

/** An STS `AssumeRole` session with every optional claim set and sized to the brief's stress case. */
export function largeClaims(issuedAt = T0_SECONDS): SessionClaims {
  const tags = fiftyTags();
  return {
    ...typicalClaims(issuedAt, 3600),
    sessionPolicy: sessionPolicyOf2048Chars(),
    policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
    tags,
    transitiveTagKeys: tags.slice(0, 10).map((tag) => tag.key),
    sourceIdentity: 'alice@example.com',
    roleChained: true,
    sourcePrincipalArn: 'arn:aws:sts::123456789012:assumed-role/ci-runner/build-42',
  };
}
