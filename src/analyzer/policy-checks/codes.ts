/**
 * Every code the policy checks report, with its usual severity, its one-line title and what
 * triggers it. The table in docs/analyzer.md, SARIF `rules[]` and the findings' `title` all come from here, so
 * a code means one thing everywhere. Codes are IAM Access Analyzer's where it has one; the
 * others are credplane's own and say so in docs/analyzer.md.
 */
import type { Severity } from '../findings.js';

export interface PolicyCheckCode {
  severity: Severity;
  title: string;
  /** What triggers it, one sentence. */
  description: string;
  /** True for the codes IAM Access Analyzer's ValidatePolicy also uses. */
  accessAnalyzer: boolean;
  /** `grammar`: from `policy/validate.ts`; otherwise the module that reports it. */
  family:
    | 'template'
    | 'grammar'
    | 'actions'
    | 'condition-keys'
    | 'resources'
    | 'sensitive-actions'
    | 'broad-access'
    | 'redundancy'
    | 'trust';
}

type Entry = [code: string, severity: Severity, title: string, description: string, aa: boolean];

const GRAMMAR: Entry[] = [
  ['JSON_SYNTAX_ERROR', 'ERROR', 'JSON syntax error', 'The document is not valid JSON.', true],
  ['DUPLICATE_KEY', 'ERROR', 'Duplicate key', 'A key appears twice in one JSON object.', false],
  ['DOCUMENT_TOO_LARGE', 'ERROR', 'Document too large', 'The text is longer than the reader accepts.', false],
  ['NESTING_TOO_DEEP', 'ERROR', 'Nesting too deep', 'The JSON nests deeper than the reader accepts.', false],
  [
    'INVALID_POLICY_ELEMENT',
    'ERROR',
    'Invalid policy element',
    'An element that is not part of the policy grammar.',
    true,
  ],
  ['DATA_TYPE_MISMATCH', 'ERROR', 'Data type mismatch', 'An element has the wrong JSON type.', true],
  ['INVALID_VERSION', 'ERROR', 'Invalid version', 'Version is neither 2012-10-17 nor 2008-10-17.', true],
  [
    'MISSING_VERSION',
    'WARNING',
    'Missing version',
    'No Version element: policy variables are read as literal text.',
    true,
  ],
  ['MISSING_STATEMENT', 'ERROR', 'Missing statement', 'No Statement element.', true],
  ['EMPTY_STATEMENT', 'ERROR', 'Empty statement', 'Statement is an empty list.', false],
  ['MISSING_EFFECT', 'ERROR', 'Missing effect', 'A statement without Effect.', true],
  ['INVALID_EFFECT', 'ERROR', 'Invalid effect', 'Effect is not Allow or Deny (case-sensitive).', true],
  ['MISSING_ACTION', 'ERROR', 'Missing action', 'A statement without Action or NotAction.', true],
  [
    'MISSING_RESOURCE',
    'ERROR',
    'Missing resource',
    'A statement without Resource or NotResource (not in trust policies).',
    true,
  ],
  [
    'MISSING_PRINCIPAL',
    'ERROR',
    'Missing principal',
    'A trust or resource policy statement without Principal.',
    true,
  ],
  [
    'UNSUPPORTED_ELEMENT_COMBINATION',
    'ERROR',
    'Unsupported element combination',
    'Action and NotAction, Resource and NotResource, or Principal and NotPrincipal in one statement.',
    true,
  ],
  [
    'UNSUPPORTED_PRINCIPAL',
    'ERROR',
    'Unsupported principal',
    'Principal in an identity policy, boundary or SCP.',
    true,
  ],
  [
    'ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE',
    'ERROR',
    'Role trust policy syntax error resource',
    'Resource or NotResource in a role trust policy.',
    true,
  ],
  [
    'ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL',
    'ERROR',
    'Role trust policy syntax error NotPrincipal',
    'NotPrincipal in a role trust policy.',
    true,
  ],
  [
    'ALLOW_WITH_NOT_PRINCIPAL',
    'SECURITY_WARNING',
    'Allow with NotPrincipal',
    'Allow with NotPrincipal grants everyone but the listed principals.',
    true,
  ],
  [
    'UNKNOWN_PRINCIPAL_TYPE',
    'ERROR',
    'Invalid principal key',
    'A principal type other than AWS, Service, Federated, CanonicalUser.',
    false,
  ],
  [
    'INVALID_PRINCIPAL',
    'ERROR',
    'Invalid principal format',
    'A principal value that is not a valid identifier.',
    false,
  ],
  [
    'UNSUPPORTED_WILDCARD_IN_PRINCIPAL',
    'ERROR',
    'Unsupported wildcard in principal',
    'A partial wildcard in a principal value.',
    true,
  ],
  ['EMPTY_OBJECT_PRINCIPAL', 'SUGGESTION', 'Empty object principal', 'Principal is an empty object.', true],
  [
    'EMPTY_ARRAY_PRINCIPAL',
    'SUGGESTION',
    'Empty array principal',
    'A principal type with an empty list.',
    true,
  ],
  [
    'INVALID_SID',
    'ERROR',
    'Unsupported Sid',
    'A Sid with characters other than A-Z, a-z, 0-9 in an identity policy.',
    false,
  ],
  ['UNIQUE_SIDS_REQUIRED', 'ERROR', 'Unique Sids required', 'Two statements with the same Sid.', true],
  ['EMPTY_SID_VALUE', 'SUGGESTION', 'Empty Sid value', 'Sid is an empty string.', true],
  ['ID_NOT_SUPPORTED', 'WARNING', 'Id not supported', 'Id in an identity-type policy.', false],
  [
    'INVALID_ACTION',
    'ERROR',
    'Invalid action',
    'An action that is malformed or that the action catalogue does not know (a pattern that matches no action).',
    true,
  ],
  [
    'WILDCARD_IN_SERVICE_NAME',
    'SUGGESTION',
    'Wildcard in service name',
    'A wildcard in the service prefix of an action.',
    true,
  ],
  ['EMPTY_ARRAY_ACTION', 'SUGGESTION', 'Empty array action', 'Action or NotAction is an empty list.', true],
  [
    'EMPTY_ARRAY_RESOURCE',
    'SUGGESTION',
    'Empty array resource',
    'Resource or NotResource is an empty list.',
    true,
  ],
  [
    'MISSING_ARN_FIELD',
    'ERROR',
    'Missing ARN field',
    'A resource that is neither "*" nor a six-part ARN.',
    true,
  ],
  [
    'INVALID_ARN_PREFIX',
    'ERROR',
    'Invalid ARN prefix',
    'A resource ARN that does not begin with arn:.',
    true,
  ],
  [
    'INVALID_ARN_SERVICE',
    'ERROR',
    'Invalid ARN service',
    'An empty or wildcard service in a resource ARN.',
    false,
  ],
  ['INVALID_ARN_REGION', 'ERROR', 'Invalid ARN Region', 'A malformed Region in a resource ARN.', true],
  [
    'INVALID_ARN_ACCOUNT',
    'ERROR',
    'Invalid ARN account',
    'An account that is not 12 digits, empty or a wildcard.',
    true,
  ],
  [
    'INVALID_ARN_RESOURCE',
    'ERROR',
    'Invalid ARN resource',
    'An empty resource part, or an ARN that matches no resource type of its service in the catalogue.',
    true,
  ],
  [
    'INVALID_CONDITION_OPERATOR',
    'ERROR',
    'Invalid condition operator',
    'A condition operator that does not exist, or a set operator other than ForAllValues/ForAnyValue.',
    true,
  ],
  [
    'NULL_WITH_IF_EXISTS',
    'ERROR',
    'Null with if exists',
    'The Null operator with the IfExists suffix.',
    true,
  ],
  [
    'DUPLICATE_KEYS_WITH_DIFFERENT_CASE',
    'ERROR',
    'Duplicate keys with different case',
    'One condition key twice under one operator, in different case.',
    true,
  ],
  [
    'EMPTY_OBJECT_CONDITION',
    'SUGGESTION',
    'Empty object condition',
    'An empty Condition block or operator.',
    true,
  ],
  [
    'EMPTY_ARRAY_CONDITION',
    'SUGGESTION',
    'Empty array condition',
    'A condition key with an empty value list.',
    true,
  ],
  [
    'VARIABLE_UNSUPPORTED_IN_VERSION',
    'ERROR',
    'Variable unsupported in version',
    'A policy variable without Version 2012-10-17.',
    true,
  ],
  ['EMPTY_VARIABLE', 'ERROR', 'Empty variable', 'An empty ${} policy variable.', true],
  [
    'MISSING_BRACE_IN_VARIABLE',
    'ERROR',
    'Missing brace in variable',
    'A policy variable without its closing brace.',
    true,
  ],
  [
    'MISSING_QUOTE_IN_VARIABLE',
    'ERROR',
    'Missing quote in variable',
    'A variable default not in single quotes.',
    true,
  ],
  [
    'POLICY_SIZE_EXCEEDS_QUOTA',
    'ERROR',
    'Policy size exceeds quota',
    'More characters (whitespace not counted) than the policy type allows.',
    false,
  ],
  [
    'SCP_ALLOW_WITH_CONDITION',
    'WARNING',
    'SCP allow with condition',
    'Condition on an Allow statement of an SCP.',
    false,
  ],
  [
    'SCP_ALLOW_WITH_NOT_ACTION',
    'WARNING',
    'SCP allow with NotAction',
    'NotAction on an Allow statement of an SCP.',
    false,
  ],
  ['SCP_NOT_RESOURCE', 'WARNING', 'SCP NotResource', 'NotResource in an SCP.', false],
];

const CATALOGUE: [PolicyCheckCode['family'], Entry][] = [
  [
    'template',
    [
      'TEMPLATE_SYNTAX_ERROR',
      'ERROR',
      'Template syntax error',
      'A template that is not valid YAML or JSON (its policies cannot be checked).',
      false,
    ],
  ],
  [
    'template',
    [
      'UNRESOLVED_POLICY_ELEMENT',
      'WARNING',
      'Policy not checked',
      'A template policy whose element is computed by an intrinsic function (`Effect: !Ref X`) in a way that leaves no checkable document.',
      false,
    ],
  ],
  [
    'actions',
    [
      'INVALID_SERVICE_IN_ACTION',
      'ERROR',
      'Invalid service in action',
      'An action whose service prefix the action catalogue does not know.',
      true,
    ],
  ],
  [
    'condition-keys',
    [
      'INVALID_CONDITION_KEY_FORMAT',
      'ERROR',
      'Invalid condition key format',
      'A condition key without a service:key prefix.',
      true,
    ],
  ],
  [
    'condition-keys',
    [
      'INVALID_GLOBAL_CONDITION_KEY',
      'ERROR',
      'Invalid global condition key',
      'An aws: condition key that is not a global condition key.',
      true,
    ],
  ],
  [
    'condition-keys',
    [
      'INVALID_SERVICE',
      'ERROR',
      'Invalid service',
      'A condition key whose service prefix the catalogue does not know.',
      true,
    ],
  ],
  [
    'condition-keys',
    [
      'INVALID_SERVICE_CONDITION_KEY',
      'ERROR',
      'Invalid service condition key',
      'A condition key its service does not define (templated keys such as s3:ExistingObjectTag/<key> match their template).',
      true,
    ],
  ],
  [
    'condition-keys',
    [
      'FORALLVALUES_WITH_SINGLE_VALUED_KEY',
      'SECURITY_WARNING',
      'ForAllValues with single valued key',
      'ForAllValues: on a key the catalogue types as single-valued: the condition also holds when the key is absent.',
      true,
    ],
  ],
  [
    'condition-keys',
    [
      'MISSING_QUALIFIER',
      'ERROR',
      'Missing qualifier',
      'A key the catalogue types as multivalued (ArrayOf...) without ForAllValues: or ForAnyValue:.',
      true,
    ],
  ],
  [
    'resources',
    [
      'RESOURCE_TYPE_MISMATCH',
      'WARNING',
      'Action cannot match the resources',
      "An action (or every action of a pattern) whose resource types match none of the statement's Resource ARNs: the statement does not apply to it. SECURITY_WARNING in a Deny.",
      false,
    ],
  ],
  [
    'resources',
    [
      'UNMATCHED_RESOURCE',
      'WARNING',
      'Resource matches no action',
      'A Resource ARN that no action of the statement can apply to, while other resources match. SECURITY_WARNING in a Deny.',
      false,
    ],
  ],
  [
    'resources',
    [
      'WILDCARD_ONLY_ACTION_WITH_RESOURCE',
      'WARNING',
      'Wildcard-only action with a specific resource',
      'An action that only supports Resource "*" in a statement without "*". SECURITY_WARNING in a Deny.',
      false,
    ],
  ],
  [
    'sensitive-actions',
    [
      'PASS_ROLE_WITH_STAR_IN_RESOURCE',
      'SECURITY_WARNING',
      'Pass role with star in resource',
      'Allow iam:PassRole on "*" (or every role) without an iam:PassedToService condition.',
      true,
    ],
  ],
  [
    'sensitive-actions',
    [
      'PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE',
      'SECURITY_WARNING',
      'Pass role with star in action and resource',
      'An action wildcard that includes iam:PassRole, on "*".',
      true,
    ],
  ],
  [
    'sensitive-actions',
    [
      'PASS_ROLE_WITH_NOT_RESOURCE',
      'SECURITY_WARNING',
      'Pass role with NotResource',
      'Allow iam:PassRole with NotResource.',
      true,
    ],
  ],
  [
    'sensitive-actions',
    [
      'PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE',
      'SECURITY_WARNING',
      'Pass role with star in action and NotResource',
      'An action wildcard that includes iam:PassRole, with NotResource.',
      true,
    ],
  ],
  [
    'sensitive-actions',
    [
      'PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION',
      'SECURITY_WARNING',
      'Pass role with star in resource and NotAction',
      'NotAction that does not exclude iam:PassRole, on "*".',
      true,
    ],
  ],
  [
    'sensitive-actions',
    [
      'PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE',
      'SECURITY_WARNING',
      'Pass role with NotAction and NotResource',
      'NotAction that does not exclude iam:PassRole, with NotResource.',
      true,
    ],
  ],
  [
    'sensitive-actions',
    [
      'CREATE_SLR_WITH_STAR_IN_RESOURCE',
      'WARNING',
      'Create SLR with star in resource',
      'Allow iam:CreateServiceLinkedRole on "*".',
      true,
    ],
  ],
  [
    'sensitive-actions',
    [
      'CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE',
      'WARNING',
      'Create SLR with star in action and resource',
      'An action wildcard that includes iam:CreateServiceLinkedRole, on "*".',
      true,
    ],
  ],
  [
    'sensitive-actions',
    [
      'CREATE_SLR_WITH_NOT_RESOURCE',
      'WARNING',
      'Create SLR with NotResource',
      'Allow iam:CreateServiceLinkedRole with NotResource.',
      true,
    ],
  ],
  [
    'sensitive-actions',
    [
      'CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE',
      'WARNING',
      'Create SLR with star in action and NotResource',
      'An action wildcard that includes iam:CreateServiceLinkedRole, with NotResource.',
      true,
    ],
  ],
  [
    'sensitive-actions',
    [
      'CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION',
      'WARNING',
      'Create SLR with star in resource and NotAction',
      'NotAction that does not exclude iam:CreateServiceLinkedRole, on "*".',
      true,
    ],
  ],
  [
    'sensitive-actions',
    [
      'CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE',
      'WARNING',
      'Create SLR with NotAction and NotResource',
      'NotAction that does not exclude iam:CreateServiceLinkedRole, with NotResource.',
      true,
    ],
  ],
  [
    'broad-access',
    [
      'ALLOW_ALL_ACTIONS_ON_ALL_RESOURCES',
      'SECURITY_WARNING',
      'Allow * on *',
      'An Allow statement with Action "*" and Resource "*": full administrator access.',
      false,
    ],
  ],
  [
    'broad-access',
    [
      'ALLOW_WITH_NOT_ACTION',
      'SECURITY_WARNING',
      'Allow with NotAction',
      'Allow with NotAction grants every action but the listed ones, including actions AWS adds later.',
      false,
    ],
  ],
  [
    'broad-access',
    [
      'ALLOW_WITH_NOT_RESOURCE',
      'SECURITY_WARNING',
      'Allow with NotResource',
      'Allow with NotResource grants every resource but the listed ones.',
      false,
    ],
  ],
  [
    'broad-access',
    [
      'OUTDATED_VERSION',
      'WARNING',
      'Outdated version',
      'Version 2008-10-17: policy variables are read as literal text.',
      false,
    ],
  ],
  [
    'redundancy',
    [
      'REDUNDANT_ACTION',
      'SUGGESTION',
      'Redundant action',
      'An action entry whose actions the other entries of the same statement already cover.',
      true,
    ],
  ],
  [
    'redundancy',
    [
      'REDUNDANT_RESOURCE',
      'SUGGESTION',
      'Redundant resource',
      'A resource ARN another ARN of the same statement already covers.',
      true,
    ],
  ],
  [
    'redundancy',
    [
      'REDUNDANT_STATEMENT',
      'SUGGESTION',
      'Redundant statement',
      'A statement another statement with the same effect already covers (actions, resources, principals, conditions).',
      true,
    ],
  ],
  [
    'trust',
    [
      'ALLOW_ANY_PRINCIPAL_WITHOUT_CONDITION',
      'SECURITY_WARNING',
      'Any principal without a condition',
      'A trust or resource policy that allows Principal "*" with no Condition.',
      false,
    ],
  ],
  [
    'trust',
    [
      'WEB_IDENTITY_MISSING_SUB_CONDITION',
      'SECURITY_WARNING',
      'Web identity without a sub condition',
      'A trust policy that lets a web identity (OIDC) in without a condition on <provider>:sub: any identity of the issuer may assume the role.',
      false,
    ],
  ],
  [
    'trust',
    [
      'WEB_IDENTITY_MISSING_AUD_CONDITION',
      'WARNING',
      'Web identity without an aud condition',
      'A trust policy that lets a web identity in without a condition on <provider>:aud.',
      false,
    ],
  ],
  [
    'condition-keys',
    [
      'WILDCARD_WITHOUT_LIKE_OPERATOR',
      'WARNING',
      'Wildcard without like operator',
      'A * or ? in a StringEquals-family condition value, which compares it literally.',
      true,
    ],
  ],
  [
    'condition-keys',
    ['TYPE_MISMATCH', 'WARNING', 'Type mismatch', 'A condition operator of another type than its key.', true],
  ],
  [
    'condition-keys',
    [
      'TYPE_MISMATCH_BOOLEAN',
      'WARNING',
      'Type mismatch Boolean',
      'A Bool value other than true or false.',
      true,
    ],
  ],
  [
    'condition-keys',
    [
      'TYPE_MISMATCH_NUMBER',
      'WARNING',
      'Type mismatch number',
      'A Numeric operator value that is not a number.',
      true,
    ],
  ],
  [
    'condition-keys',
    [
      'TYPE_MISMATCH_DATE',
      'WARNING',
      'Type mismatch date',
      'A Date operator value that is neither an ISO 8601 date nor epoch seconds.',
      true,
    ],
  ],
  [
    'condition-keys',
    [
      'TYPE_MISMATCH_IP_RANGE',
      'WARNING',
      'Type mismatch IP range',
      'An IpAddress or NotIpAddress value that is not an IP address or CIDR range.',
      true,
    ],
  ],
  [
    'condition-keys',
    [
      'UNSUPPORTED_ACTION_FOR_CONDITION_KEY',
      'ERROR',
      'Unsupported action for condition key',
      'A service condition key on an action that does not support it (the condition is not evaluated for it).',
      true,
    ],
  ],
  [
    'resources',
    [
      'ARN_REGION_NOT_ALLOWED',
      'ERROR',
      'ARN Region not allowed',
      'A Region in the ARN of a service whose resources have none (IAM, S3).',
      true,
    ],
  ],
  [
    'resources',
    [
      'ARN_ACCOUNT_NOT_ALLOWED',
      'ERROR',
      'ARN account not allowed',
      'An account in the ARN of a service whose resources have none (S3 buckets and objects).',
      true,
    ],
  ],
  [
    'trust',
    [
      'MISMATCHED_ACTION_FOR_PRINCIPAL',
      'ERROR',
      'Mismatched action for principal',
      'A trust statement pairing an OIDC or SAML provider with an action it cannot call (sts:AssumeRole), or an IAM principal with AssumeRoleWithWebIdentity/SAML.',
      true,
    ],
  ],
];

function toCode(family: PolicyCheckCode['family'], entry: Entry): [string, PolicyCheckCode] {
  const [code, severity, title, description, accessAnalyzer] = entry;
  return [code, { severity, title, description, accessAnalyzer, family }];
}

/** Every policy-check code, grammar first, in the order docs/analyzer.md lists them. */
export const POLICY_CHECK_CODES: ReadonlyMap<string, PolicyCheckCode> = new Map([
  ...GRAMMAR.map((e) => toCode('grammar', e)),
  ...CATALOGUE.map(([family, e]) => toCode(family, e)),
]);

/**
 * The title of a code; a code the table does not list (a new grammar code) gets its name in words.
 *
 * @example
 * titleFor('REDUNDANT_ACTION'); // 'Redundant action'
 */
export function titleFor(code: string): string {
  const known = POLICY_CHECK_CODES.get(code);
  if (known !== undefined) return known.title;
  const words = code.toLowerCase().replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}
