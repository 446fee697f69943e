/**
 * The EC2 Query API on the control-plane port: requests the client signed for `ec2`, verified and authorized
 * like every other API (ARCHITECTURE.md, Decisions: one request context), answered in EC2's own XML shapes.
 * Also publishes the certificate that verifies instance identity document signatures.
 */
import type { AuthenticatedCaller } from '../control/authenticate.js';
import { authorize } from '../control/authorize.js';
import type { KeyRing } from '../crypto/index.js';
import { isAwsError } from '../errors.js';
import { parseQuery, type QueryParams } from '../protocol/query.js';
import type { ApiRequest } from '../http/types.js';
import type { Store } from '../store/store.js';
import { InvalidAction } from './errors.js';
import { INSTANCE_OPERATIONS, type Ec2Operation } from './instances.js';
import { METADATA_DEFAULTS_OPERATIONS } from './metadata-defaults.js';
import { ec2Error, ec2Result, type Ec2Response } from './xml.js';

/**
 * Where the identity-document certificate is published on the control-plane port: a public, unsigned
 * GET, so outside `/credplane/`, whose signed admin routes are composed in front of this handler.
 */
export const IDENTITY_CERTIFICATE_PATH = '/ec2/instance-identity/certificate.pem';

export interface Ec2ApiOptions {
  store: Store;
  keyRing: () => KeyRing;
  partition: string;
  /** PEM certificate of the key that signs identity documents. */
  identityCertificatePem?: string;
}

const OPERATIONS: Readonly<Record<string, Ec2Operation>> = {
  ...INSTANCE_OPERATIONS,
  ...METADATA_DEFAULTS_OPERATIONS,
};

/** The `Action`s this API serves. */
export const EC2_ACTIONS: ReadonlySet<string> = new Set(Object.keys(OPERATIONS));

/** Verifies the request's signature for `services` and resolves the caller. */
export type Authenticate = (services: readonly string[]) => Promise<AuthenticatedCaller>;

/** `undefined` for requests that are not EC2's; otherwise the response. */
export type Ec2Handler = (
  request: ApiRequest,
  service: string | undefined,
  authenticate: Authenticate,
) => Promise<Ec2Response> | undefined;

function readParams(request: ApiRequest): QueryParams {
  const q = request.url.indexOf('?');
  if (request.method === 'POST') return parseQuery(request.body.toString('utf8'));
  return parseQuery(q === -1 ? '' : request.url.slice(q + 1));
}

/**
 * @example
 * const ec2 = createEc2Handler({ store, keyRing, partition: 'aws' });
 * const response = ec2(request, claimedScope(authorization, request.url)?.service, (s) => authenticate(request, options, s));
 */
export function createEc2Handler(options: Ec2ApiOptions): Ec2Handler {
  return (request, service, authenticateFor) => {
    if (
      request.method === 'GET' &&
      request.url === IDENTITY_CERTIFICATE_PATH &&
      options.identityCertificatePem
    ) {
      return Promise.resolve({
        status: 200,
        headers: { 'content-type': 'application/x-pem-file' },
        body: options.identityCertificatePem,
        outcome: {},
      });
    }
    if (service !== 'ec2') return undefined;
    return (async () => {
      try {
        const params = readParams(request);
        const action = params.action ?? '';
        const operation = Object.hasOwn(OPERATIONS, action) ? OPERATIONS[action] : undefined;
        const auth = await authenticateFor(['ec2']);
        if (operation === undefined) throw new InvalidAction(action);
        const ring = options.keyRing();
        const result = await operation(
          {
            store: options.store,
            accountId: auth.caller.accountId,
            partition: options.partition,
            region: auth.region,
            requestId: request.requestId,
            authorize: (ec2Action, resource) => {
              authorize(auth, { action: ec2Action, resource }, ring);
            },
          },
          params,
        );
        return ec2Result(action, result, request.requestId);
      } catch (error) {
        if (!isAwsError(error)) throw error;
        return ec2Error(error, request.requestId);
      }
    })();
  };
}
