/**
 * STS's checks on a web identity token, in STS's order so that each failure earns STS's code:
 * parse (algorithm allow-list, NumericDate claims) → `iss` is exactly `https://` + the URL of a
 * registered IAM OIDC provider of the role's account (or one of credplane's own issuers) → `aud`
 * is one of its client ids → the issuer's keys are obtained (`IDPCommunicationError` if not) → the signature verifies with the key named by `kid`
 * → `exp` has not passed (`ExpiredTokenException`), `nbf`/`iat` are not in the future.
 * Everything fails closed: a claim that cannot be read is a refused token.
 */
import {
  compactVerify,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
} from 'jose';
import { issuerHostPath } from './discovery.js';
import { ExpiredWebIdentityTokenError, InvalidIdentityTokenError } from './errors.js';
import type { JwksResolver } from './jwks-resolver.js';

/** The signature algorithms STS accepts for OIDC tokens. */
export const WEB_IDENTITY_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'] as const;

export interface RegisteredProvider {
  arn: string;
  /** `host/path`, as IAM stores it. */
  url: string;
  clientIds: readonly string[];
  /** SHA-1 thumbprints of the issuer's CA, used when its certificate has no trusted root. */
  thumbprints?: readonly string[];
}

export interface WebIdentityVerifierOptions {
  /** The account's IAM OIDC provider for `host/path`, if registered. */
  findProvider: (accountId: string, hostPath: string) => Promise<RegisteredProvider | undefined>;
  resolveJwks: JwksResolver;
  /**
   * Whether `issuer` (exactly) is one of credplane's own issuers, whose keys are answered in
   * process: only those may be other than `https://` (credplane serves them on its loopback port).
   */
  localIssuer?: (issuer: string) => boolean;
  now?: () => number;
  /** Tolerated clock difference for `nbf` and `iat`; 60 s by default. `exp` gets none. */
  clockSkewSeconds?: number;
}

export interface VerifiedWebIdentity {
  provider: RegisteredProvider;
  issuer: string;
  subject: string;
  /** The token audience that matched one of the provider's client ids. */
  audience: string;
  /** `amr` as the token carries it (Cognito identity pools), for the `:amr` condition key. */
  amr?: string[];
  claims: JWTPayload;
}

export type WebIdentityVerifier = (token: string, accountId: string) => Promise<VerifiedWebIdentity>;

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

function numericDate(claims: JWTPayload, name: 'exp' | 'nbf' | 'iat', required: boolean): number | undefined {
  const value = claims[name];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new InvalidIdentityTokenError(`The ${name} claim of the token must be an integer (NumericDate)`);
  }
  return value;
}

/**
 * @example
 * const verify = createWebIdentityVerifier({ findProvider, resolveJwks });
 * const { subject, provider } = await verify(token, '111122223333');
 */
export function createWebIdentityVerifier(options: WebIdentityVerifierOptions): WebIdentityVerifier {
  const now = options.now ?? Date.now;
  const skew = options.clockSkewSeconds ?? 60;
  const allowed: readonly string[] = WEB_IDENTITY_ALGORITHMS;

  return async (token, accountId) => {
    let header;
    let claims: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      claims = decodeJwt(token);
    } catch {
      throw new InvalidIdentityTokenError('The web identity token is not a well-formed JWT');
    }
    if (typeof header.alg !== 'string' || !allowed.includes(header.alg)) {
      throw new InvalidIdentityTokenError(
        `The token's signature algorithm ${String(header.alg).slice(0, 20)} is not one of ${allowed.join(', ')}`,
      );
    }
    const issuer = claims.iss;
    if (typeof issuer !== 'string' || !/^https?:\/\/[^/]/i.test(issuer)) {
      throw new InvalidIdentityTokenError('The token has no issuer (iss) URL');
    }
    const provider = await options.findProvider(accountId, issuerHostPath(issuer));
    // The issuer must be the provider's URL exactly, scheme included, and IAM registers providers
    // as `https://` (IAM User Guide, "Create an OpenID Connect (OIDC) identity provider in IAM":
    // "The URL must begin with https://" and must match the `iss` claim). Matching on host and
    // path alone would let `http://…` name an https provider and have its keys fetched in the clear.
    const local = options.localIssuer?.(issuer) === true;
    if (provider === undefined || !(local || issuer === `https://${provider.url}`)) {
      throw new InvalidIdentityTokenError(
        `No OpenIDConnect provider found in your account for ${issuer.slice(0, 300)}`,
      );
    }
    const audiences =
      typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
    const audience = audiences.find((a) => typeof a === 'string' && provider.clientIds.includes(a));
    if (audience === undefined) throw new InvalidIdentityTokenError('Incorrect token audience');

    await verifySignature(token, issuer, provider.thumbprints ?? [], options.resolveJwks);

    const nowSeconds = Math.floor(now() / 1000);
    const exp = numericDate(claims, 'exp', true)!;
    const nbf = numericDate(claims, 'nbf', false);
    const iat = numericDate(claims, 'iat', false);
    if (exp <= nowSeconds) {
      throw new ExpiredWebIdentityTokenError(
        `Token expired: current date/time ${iso(nowSeconds)} must be before the expiration date/time ${iso(exp)}`,
      );
    }
    if (nbf !== undefined && nbf > nowSeconds + skew) {
      throw new InvalidIdentityTokenError(
        `Token is not valid before ${iso(nbf)} (current date/time ${iso(nowSeconds)})`,
      );
    }
    if (iat !== undefined && iat > nowSeconds + skew) {
      throw new InvalidIdentityTokenError(
        `Token was issued in the future (${iso(iat)}; current date/time ${iso(nowSeconds)})`,
      );
    }
    const subject = claims.sub;
    if (typeof subject !== 'string' || subject.length === 0) {
      throw new InvalidIdentityTokenError('The token has no subject (sub)');
    }
    const amr =
      typeof claims.amr === 'string'
        ? [claims.amr]
        : Array.isArray(claims.amr)
          ? claims.amr.filter((a): a is string => typeof a === 'string')
          : undefined;
    return { provider, issuer, subject, audience, ...(amr === undefined ? {} : { amr }), claims };
  };
}

async function verifySignature(
  token: string,
  issuer: string,
  thumbprints: readonly string[],
  resolve: JwksResolver,
): Promise<void> {
  const attempt = async (refresh: boolean): Promise<void> => {
    const jwks = await resolve(issuer, { refresh, thumbprints });
    await compactVerify(token, createLocalJWKSet(jwks), { algorithms: [...WEB_IDENTITY_ALGORITHMS] });
  };
  try {
    await attempt(false);
  } catch (error) {
    if (!(error instanceof errors.JWKSNoMatchingKey)) throw signatureError(error);
    // The issuer may have published a new key since the keys were cached: look once more (the
    // resolver bounds how often per issuer).
    try {
      await attempt(true);
    } catch (retry) {
      throw signatureError(retry);
    }
  }
}

function signatureError(error: unknown): unknown {
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new InvalidIdentityTokenError("The token's key id (kid) is not in the issuer's JWKS");
  }
  if (error instanceof errors.JOSEError) {
    return new InvalidIdentityTokenError("The token signature could not be verified with the issuer's keys");
  }
  return error;
}
