/**
 * Condition values against their operator, and operators against their key's type, as IAM Access
 * Analyzer's ValidatePolicy checks them (IAM User Guide, "IAM policy validation check reference"):
 *
 * - `WILDCARD_WITHOUT_LIKE_OPERATOR`: `*` or `?` in a `StringEquals`-family value is compared
 *   literally; the author most likely meant `StringLike`.
 * - `TYPE_MISMATCH_BOOLEAN`, `TYPE_MISMATCH_NUMBER`, `TYPE_MISMATCH_DATE`,
 *   `TYPE_MISMATCH_IP_RANGE`: a value the operator cannot read never matches.
 * - `TYPE_MISMATCH`: the operator's type is not the key's (`StringEquals` on
 *   `aws:MultiFactorAuthPresent`, a Boolean key).
 *
 * Values holding a policy variable (`${aws:username}`) or a template value credplane cannot know
 * are not judged: their text is not what is compared.
 */
import { loadService } from '../../catalog/iam-actions.js';
import type { ConditionEntry, ConditionOperatorName, Located } from '../../policy/ast.js';
import type { CheckContext } from './context.js';
import { globalKeyType, serviceKey } from './condition-keys.js';
import { isUnresolved, shown } from './patterns.js';

type OperatorType = 'String' | 'Numeric' | 'Date' | 'Bool' | 'Binary' | 'IpAddress' | 'Arn' | 'Null';

function operatorType(base: ConditionOperatorName): OperatorType {
  if (base.startsWith('String')) return 'String';
  if (base.startsWith('Numeric')) return 'Numeric';
  if (base.startsWith('Date')) return 'Date';
  if (base === 'Bool') return 'Bool';
  if (base === 'BinaryEquals') return 'Binary';
  if (base === 'IpAddress' || base === 'NotIpAddress') return 'IpAddress';
  if (base.startsWith('Arn')) return 'Arn';
  return 'Null';
}

/** The operator types a key's catalogue type accepts (ARN keys take string operators too). */
const ACCEPTED: Record<string, readonly OperatorType[]> = {
  String: ['String'],
  ARN: ['Arn', 'String'],
  Arn: ['Arn', 'String'],
  Bool: ['Bool'],
  Boolean: ['Bool'],
  Date: ['Date'],
  Numeric: ['Numeric'],
  Long: ['Numeric'],
  Integer: ['Numeric'],
  IPAddress: ['IpAddress'],
  IpAddress: ['IpAddress'],
  Binary: ['Binary'],
};

/** "Use this key with date condition operators or numeric condition operators" (IAM User Guide, aws:EpochTime). */
const EPOCH_TIME: readonly OperatorType[] = ['Date', 'Numeric'];

const STRING_EQUALITY: ReadonlySet<ConditionOperatorName> = new Set([
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
]);

const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}(\/(3[0-2]|[12]?\d))?$/;
const IPV6_CIDR = /^[0-9a-f:]*:[0-9a-f:.]*(\/(12[0-8]|1[01]\d|[1-9]?\d))?$/i;
/** ISO 8601 dates and date-times as IAM reads them, or epoch seconds. */
const DATE = /^(\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?)?|\d+)$/;

function validIp(value: string): boolean {
  if (IPV4_CIDR.test(value)) return true;
  return IPV6_CIDR.test(value) && value.split('::').length <= 2;
}

function judgeable(value: Located<string>): boolean {
  return !isUnresolved(value.value) && !value.value.includes('${');
}

/**
 * @example
 * await checkConditionValues(ctx); // {"StringEquals": {"aws:PrincipalTag/team": "web-*"}} -> WILDCARD_WITHOUT_LIKE_OPERATOR
 */
export async function checkConditionValues(ctx: CheckContext): Promise<void> {
  for (const statement of ctx.document.statements) {
    for (const condition of statement.conditions) {
      checkValues(ctx, condition);
      await checkOperatorType(ctx, condition);
    }
  }
}

function checkValues(ctx: CheckContext, condition: ConditionEntry): void {
  const operator = condition.operator.text;
  const base = condition.operator.base;
  for (const value of condition.values) {
    if (!judgeable(value)) continue;
    const v = value.value;
    if (STRING_EQUALITY.has(base) && /[*?]/.test(v)) {
      ctx.report(
        'WILDCARD_WITHOUT_LIKE_OPERATOR',
        `Your condition value "${shown(v)}" includes a * or ? character. If you meant to use a wildcard (*, ?), update the condition operator ${operator} to include Like.`,
        value.loc,
        { details: { operator, value: v } },
      );
    } else if (base === 'Bool' && !/^(true|false)$/i.test(v)) {
      ctx.report(
        'TYPE_MISMATCH_BOOLEAN',
        `Add a valid Boolean value (true or false) for the condition operator ${operator}; "${shown(v)}" is not one.`,
        value.loc,
        { details: { operator, value: v } },
      );
    } else if (base.startsWith('Numeric') && (v.trim() === '' || !Number.isFinite(Number(v)))) {
      ctx.report(
        'TYPE_MISMATCH_NUMBER',
        `Add a valid numeric value for the condition operator ${operator}; "${shown(v)}" is not one.`,
        value.loc,
        { details: { operator, value: v } },
      );
    } else if (
      base.startsWith('Date') &&
      (!DATE.test(v) || (v.includes('-') && Number.isNaN(Date.parse(v))))
    ) {
      ctx.report(
        'TYPE_MISMATCH_DATE',
        `The date condition operator ${operator} is used with an invalid value "${shown(v)}". Specify a valid date using YYYY-MM-DD or other ISO 8601 date/time format.`,
        value.loc,
        { details: { operator, value: v } },
      );
    } else if ((base === 'IpAddress' || base === 'NotIpAddress') && !validIp(v)) {
      ctx.report(
        'TYPE_MISMATCH_IP_RANGE',
        `The condition operator ${operator} is used with an invalid IP range value "${shown(v)}". Specify the IP range in standard CIDR format.`,
        value.loc,
        { details: { operator, value: v } },
      );
    }
  }
}

/** The catalogue's type of a key, global or of its service; undefined when unknown. */
async function keyType(key: string): Promise<string | undefined> {
  const colon = key.indexOf(':');
  if (colon <= 0) return undefined;
  const prefix = key.slice(0, colon).toLowerCase();
  if (prefix === 'aws') return globalKeyType(key);
  if (/[./]/.test(prefix)) return undefined;
  const service = await loadService(prefix);
  return service === undefined ? undefined : serviceKey(service, key)?.type;
}

async function checkOperatorType(ctx: CheckContext, condition: ConditionEntry): Promise<void> {
  const key = condition.key.value;
  const op = operatorType(condition.operator.base);
  if (op === 'Null' || isUnresolved(key)) return;
  const type = await keyType(key);
  if (type === undefined) return;
  const scalar = type.replace(/^ArrayOf/, '');
  const accepted = key.toLowerCase() === 'aws:epochtime' ? EPOCH_TIME : ACCEPTED[scalar];
  if (accepted === undefined || accepted.includes(op)) return;
  const allowed = accepted[0]!;
  ctx.report(
    'TYPE_MISMATCH',
    `Use the operator type ${allowed} instead of operator ${condition.operator.text} for the condition key ${shown(key)}.`,
    condition.operatorLoc,
    { details: { key, operator: condition.operator.text, keyType: type } },
  );
}
