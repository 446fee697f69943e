/** Shared test helpers: a suite lookup and the verifier's own canonical request for any request. */
import { SignatureDoesNotMatchError } from '../errors.js';
import { InvalidClientTokenIdError } from '../errors.js';
import type { ResolvedCredential, SignedRequest, VerifyOptions } from '../types.js';
import { verifyRequest } from '../verify.js';
import {
  SUITE_ACCESS_KEY_ID,
  SUITE_REGION,
  SUITE_SECRET,
  SUITE_SERVICE,
  SUITE_TIME_MS,
} from './aws4-testsuite.js';

export const SUITE_TOKEN =
  'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==';

/**
 * A lookup knowing one key. `token` says which session token that key requires: undefined for a
 * long-term key (a token is then rejected), the token for temporary credentials.
 */
export function singleKeyLookup(accessKeyId: string, secretAccessKey: string, token?: string) {
  return (akid: string, sessionToken: string | undefined): ResolvedCredential & { akid: string } => {
    if (akid !== accessKeyId) throw new InvalidClientTokenIdError();
    if (sessionToken !== token) throw new InvalidClientTokenIdError();
    return { secretAccessKey, akid };
  };
}

export function suiteOptions(token?: string): VerifyOptions {
  return {
    lookup: singleKeyLookup(SUITE_ACCESS_KEY_ID, SUITE_SECRET, token),
    now: () => SUITE_TIME_MS,
    region: SUITE_REGION,
    service: SUITE_SERVICE,
  };
}

/**
 * The canonical request and string to sign the verifier computes for `request`, obtained by
 * verifying with a wrong secret: the mismatch error reports both.
 */
export function computedSigning(
  request: SignedRequest,
  options: VerifyOptions,
): { creq: string; sts: string } {
  const wrong: VerifyOptions = {
    ...options,
    lookup: (akid, token) => ({ ...options.lookup(akid, token), secretAccessKey: 'not-the-secret' }),
  };
  try {
    verifyRequest(request, wrong);
  } catch (error) {
    if (error instanceof SignatureDoesNotMatchError && error.canonicalRequest !== undefined) {
      return { creq: error.canonicalRequest, sts: error.stringToSign! };
    }
    throw error;
  }
  throw new Error('verified with a wrong secret');
}
