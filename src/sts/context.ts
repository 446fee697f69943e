import type { KeyRing } from '../crypto/index.js';
import type { AuthenticatedCaller } from '../control/authenticate.js';
import type { AuthorizationView } from '../control/authorization-view.js';
import type { MfaCodeOutcome } from '../control/mfa-code.js';
import type { PolicyCache } from '../control/policy-cache.js';

/** What an STS operation gets: the verified caller and the read model. */
export interface StsContext {
  auth: AuthenticatedCaller;
  snapshot: AuthorizationView;
  policies: PolicyCache;
  keyRing: () => KeyRing;
  partition: string;
  requestId: string;
  now: () => Date;
  /** Checks (and consumes) a virtual MFA code of a user's device (`control/mfa-code.ts`). */
  verifyMfaCode?: (input: {
    accountId: string;
    userName: string;
    serialNumber: string;
    code: string;
  }) => Promise<MfaCodeOutcome>;
}

export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';
