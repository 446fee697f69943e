/**
 * Syntax checks for the ARNs and principal identifiers written in policies. These find what is
 * wrong with the text alone; whether the resource or principal exists is not a grammar question.
 */

export interface SyntaxProblem {
  code: string;
  message: string;
}

const ACCOUNT_PATTERN = /^(?:[0-9]{12}|aws|[0-9*?]*[*?][0-9*?]*)?$/;
const SEGMENT_PATTERN = /^[A-Za-z0-9*?-]*$/;
const SERVICE_PATTERN = /^[A-Za-z0-9-]+$/;

/**
 * Checks a `Resource`/`NotResource` value: `*` or
 * `arn:partition:service:region:account:resource` (six colon-separated parts, the resource part
 * may hold more colons). Wildcards are allowed in every segment but the service; the account is
 * 12 digits, empty, `aws` (AWS managed policies) or a wildcard pattern. Policy variables belong
 * in the resource part only.
 *
 * @example
 * checkResourceArn('arn:aws:s3:::bucket/*'); // undefined (fine)
 * checkResourceArn('arn:aws:s3*:::bucket');  // { code: 'INVALID_ARN_SERVICE', ... }
 */
export function checkResourceArn(value: string): SyntaxProblem | undefined {
  if (value === '*') return undefined;
  const parts = splitArn(value);
  if (parts === undefined) {
    return {
      code: 'INVALID_ARN',
      message: `Resource "${short(value)}" must be "*" or an ARN of the form arn:partition:service:region:account:resource.`,
    };
  }
  const [prefix, partition, service, region, account, resource] = parts;
  if (prefix !== 'arn') {
    return { code: 'INVALID_ARN_PREFIX', message: `ARN "${short(value)}" must begin with "arn:".` };
  }
  if ([partition, service, region, account].some((s) => s.includes('${'))) {
    return {
      code: 'INVALID_ARN',
      message: `ARN "${short(value)}" uses a policy variable outside its resource part (after the fifth colon), where variables are not supported.`,
    };
  }
  if (partition === '' || !SEGMENT_PATTERN.test(partition)) {
    return {
      code: 'INVALID_ARN',
      message: `ARN "${short(value)}" has an invalid partition "${short(partition)}".`,
    };
  }
  if (!SERVICE_PATTERN.test(service)) {
    return {
      code: 'INVALID_ARN_SERVICE',
      message: `ARN "${short(value)}" has an invalid service "${short(service)}"; the service may not be empty or contain wildcards.`,
    };
  }
  if (!SEGMENT_PATTERN.test(region)) {
    return {
      code: 'INVALID_ARN_REGION',
      message: `ARN "${short(value)}" has an invalid region "${short(region)}".`,
    };
  }
  if (!ACCOUNT_PATTERN.test(account)) {
    return {
      code: 'INVALID_ARN_ACCOUNT',
      message: `ARN "${short(value)}" has an invalid account "${short(account)}"; use 12 digits, nothing, or a wildcard pattern.`,
    };
  }
  if (resource === '') {
    return { code: 'INVALID_ARN_RESOURCE', message: `ARN "${short(value)}" has an empty resource part.` };
  }
  return undefined;
}

/** Splits on the first five colons; `undefined` when there are fewer. */
export function splitArn(value: string): [string, string, string, string, string, string] | undefined {
  const parts: string[] = [];
  let from = 0;
  for (let i = 0; i < 5; i++) {
    const colon = value.indexOf(':', from);
    if (colon < 0) return undefined;
    parts.push(value.slice(from, colon));
    from = colon + 1;
  }
  parts.push(value.slice(from));
  return parts as [string, string, string, string, string, string];
}

const UNIQUE_ID = /^(?:AIDA|AROA|AGPA|AIPA|ANPA|ANVA|ASIA|AKIA)[A-Z0-9]{12,124}$/;
const IAM_PRINCIPAL_RESOURCE =
  /^(?:root|user\/.+|role\/.+|federated-user\/.+|oidc-provider\/.+|saml-provider\/.+)$/;

/**
 * Checks one principal value of the given type. No partial wildcards anywhere (`"*"` alone is the
 * only wildcard); `AWS` values are an account id, an IAM/STS principal ARN or a unique id (which
 * AWS writes back after resolving an ARN); assumed-role ARNs must name one specific session.
 */
export function checkPrincipalValue(
  type: 'AWS' | 'Service' | 'Federated' | 'CanonicalUser',
  value: string,
): SyntaxProblem | undefined {
  if (value === '*') return undefined;
  if (value.includes('*') || value.includes('?')) {
    return {
      code: 'UNSUPPORTED_WILDCARD_IN_PRINCIPAL',
      message: `Principal "${short(value)}" contains a wildcard; wildcards are only allowed as the whole value "*". Match patterns with a condition on aws:PrincipalArn instead.`,
    };
  }
  switch (type) {
    case 'AWS':
      if (/^[0-9]{12}$/.test(value) || UNIQUE_ID.test(value)) return undefined;
      return checkPrincipalArn(value);
    case 'Federated':
      if (value.startsWith('arn:')) return checkPrincipalArn(value);
      return /^[A-Za-z0-9.-]+(?:\/[^\s]*)?$/.test(value) ? undefined : invalidPrincipal(value);
    case 'Service':
      return /^[A-Za-z0-9.-]+$/.test(value) ? undefined : invalidPrincipal(value);
    case 'CanonicalUser':
      return /^[0-9a-f]{64}$/.test(value) ? undefined : invalidPrincipal(value);
  }
}

function checkPrincipalArn(value: string): SyntaxProblem | undefined {
  const parts = splitArn(value);
  if (parts === undefined || parts[0] !== 'arn') return invalidPrincipal(value);
  const [, partition, service, region, account, resource] = parts;
  if (partition === '' || region !== '' || !/^[0-9]{12}$/.test(account)) return invalidPrincipal(value);
  if (service === 'iam' && IAM_PRINCIPAL_RESOURCE.test(resource)) return undefined;
  if (service === 'sts') {
    if (/^assumed-role\/[^/]+\/[^/]+$/.test(resource) || /^federated-user\/.+$/.test(resource))
      return undefined;
    if (resource.startsWith('assumed-role/')) {
      return {
        code: 'INVALID_PRINCIPAL',
        message: `Assumed-role principal "${short(value)}" must name one specific session: arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION.`,
      };
    }
  }
  return invalidPrincipal(value);
}

function invalidPrincipal(value: string): SyntaxProblem {
  return {
    code: 'INVALID_PRINCIPAL',
    message: `Principal "${short(value)}" is not a valid principal identifier.`,
  };
}

function short(text: string): string {
  return text.length <= 80 ? text : `${text.slice(0, 80)}...`;
}
