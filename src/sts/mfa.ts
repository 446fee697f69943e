/**
 * `SerialNumber` and `TokenCode` of GetSessionToken and AssumeRole: the code of a virtual MFA
 * device enabled for the calling IAM user. Every failure (no such device, another user's device,
 * a wrong, expired or already used code) is STS's one AccessDenied, so a caller cannot probe
 * devices or codes. A valid code is consumed (`control/mfa-code.ts`).
 */
import { AccessDeniedError } from '../control/errors.js';
import type { QueryParams } from '../protocol/query.js';
import { ValidationError } from '../errors.js';
import type { StsContext } from './context.js';

/** botocore `serialNumberType` and `tokenCodeType`. */
const SERIAL_NUMBER = /^[\w+=/:,.@-]{9,256}$/;
const TOKEN_CODE = /^\d{6}$/;

export const INVALID_CODE_MESSAGE = 'MultiFactorAuthentication failed with invalid MFA one time pass code.';

function invalid(member: string, value: string, rule: string): ValidationError {
  return new ValidationError(
    `1 validation error detected: Value '${member === 'tokenCode' ? '******' : value.slice(0, 64)}' at '${member}' failed to satisfy constraint: ${rule}`,
  );
}

/**
 * The MFA parameters of the request, or `undefined` when neither is sent. One without the other
 * is refused as STS refuses it.
 */
export function mfaParameters(params: QueryParams): { serialNumber: string; tokenCode: string } | undefined {
  const serialNumber = params.get('SerialNumber');
  const tokenCode = params.get('TokenCode');
  if (serialNumber === undefined && tokenCode === undefined) return undefined;
  if (serialNumber !== undefined && !SERIAL_NUMBER.test(serialNumber)) {
    throw invalid(
      'serialNumber',
      serialNumber,
      'Member must satisfy regular expression pattern: [\\w+=/:,.@-]*',
    );
  }
  if (tokenCode !== undefined && !TOKEN_CODE.test(tokenCode)) {
    throw invalid('tokenCode', tokenCode, 'Member must satisfy regular expression pattern: [\\d]*');
  }
  if (serialNumber === undefined || tokenCode === undefined) {
    throw new AccessDeniedError(
      'MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.',
    );
  }
  return { serialNumber, tokenCode };
}

/**
 * Verifies the code for the calling user; resolves the epoch second of the authentication, or
 * throws AccessDenied. Callers that are not IAM users (role sessions) have no device to use.
 */
export async function verifyMfa(
  ctx: StsContext,
  mfa: { serialNumber: string; tokenCode: string },
): Promise<number> {
  const { caller } = ctx.auth;
  const check = ctx.checkMfaCode;
  const userName =
    caller.kind === 'User' || caller.session?.sessionType === 'user' ? caller.userName : undefined;
  const ok =
    check !== undefined &&
    userName !== undefined &&
    (await check({
      accountId: caller.accountId,
      userName,
      serialNumber: mfa.serialNumber,
      code: mfa.tokenCode,
    }));
  if (!ok) throw new AccessDeniedError(INVALID_CODE_MESSAGE);
  return Math.floor(ctx.now().getTime() / 1000);
}
