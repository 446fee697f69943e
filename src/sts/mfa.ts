/**
 * `SerialNumber` and `TokenCode` of GetSessionToken and AssumeRole: the code of a virtual MFA
 * device enabled for the calling IAM user. Failures are AccessDenied with STS's messages (below):
 * one for a serial number that is not the caller's device, one for a code not accepted, so a
 * caller learns nothing about other users' devices. A valid code is consumed
 * (`control/mfa-code.ts`).
 */
import { AccessDeniedError } from '../control/errors.js';
import type { QueryParams } from '../protocol/query.js';
import { ValidationError } from '../errors.js';
import type { StsContext } from './context.js';

/** botocore `serialNumberType` and `tokenCodeType`. */
const SERIAL_NUMBER = /^[\w+=/:,.@-]{9,256}$/;
const TOKEN_CODE = /^\d{6}$/;

/**
 * STS's words for a code that is not accepted (wrong, expired, already used) for a device of the
 * caller: "MultiFactorAuthentication failed with invalid MFA one time pass code." (as the AWS CLI
 * and SDKs report it for GetSessionToken and AssumeRole alike).
 */
export const INVALID_CODE_MESSAGE = 'MultiFactorAuthentication failed with invalid MFA one time pass code.';
/**
 * STS's words when the serial number is not that of an MFA device of the caller (a user's ARN
 * instead of the device's, another user's device, none at all), two spaces after the first
 * sentence as STS sends it.
 */
export const UNKNOWN_DEVICE_MESSAGE =
  'MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.';
/** STS's words for `SerialNumber` without `TokenCode` or the reverse. */
export const MISSING_PARAMETER_MESSAGE =
  'MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.';

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
    throw new AccessDeniedError(MISSING_PARAMETER_MESSAGE);
  }
  return { serialNumber, tokenCode };
}

/**
 * Verifies the code for the calling user; resolves the epoch second of the authentication, or
 * throws AccessDenied with STS's message: `UNKNOWN_DEVICE_MESSAGE` when the serial number is not
 * a device enabled for the caller (callers that are not IAM users, role sessions, have none),
 * `INVALID_CODE_MESSAGE` when the code is not accepted. The first tells a caller only whether a
 * serial number is one of their own devices, which `ListMFADevices` tells them too; nothing about
 * other users' devices, since any device not theirs is answered alike.
 */
export async function verifyMfa(
  ctx: StsContext,
  mfa: { serialNumber: string; tokenCode: string },
): Promise<number> {
  const { caller } = ctx.auth;
  const verify = ctx.verifyMfaCode;
  const userName =
    caller.kind === 'User' || caller.session?.sessionType === 'user' ? caller.userName : undefined;
  const outcome =
    verify === undefined || userName === undefined
      ? 'not-users-device'
      : await verify({
          accountId: caller.accountId,
          userName,
          serialNumber: mfa.serialNumber,
          code: mfa.tokenCode,
        });
  if (outcome === 'not-users-device') throw new AccessDeniedError(UNKNOWN_DEVICE_MESSAGE);
  if (outcome !== 'accepted') throw new AccessDeniedError(INVALID_CODE_MESSAGE);
  return Math.floor(ctx.now().getTime() / 1000);
}
