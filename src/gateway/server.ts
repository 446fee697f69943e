/**
 * The enforcing proxy. For every request signed for a service credplane does not serve itself:
 * verify the signature (`control/authenticate`), map the request to IAM checks (the service's
 * mapper), decide each check with the one authorizer (`control/authorize`), record the decision in
 * the access log, then refuse in the service's own error shape or forward to the service's backend,
 * re-signed with the backend's credentials, streaming both ways.
 *
 * Fail closed: an unmapped operation is denied (unless its service or the operation is in audit
 * mode), and a request whose event the access log cannot take is refused, never forwarded unlogged.
 *
 * Bodies: JSON and Query requests (and anything a mapper needs to read) are buffered up to
 * `maxBodyBytes`, hashed once, and verified as signed. S3 requests a mapper does not need to read
 * (object uploads) stream: the signature covers the `x-amz-content-sha256` value; when that is a
 * hex digest, the stream is hashed as it passes and its last chunk held back until the digest
 * matches, so a tampered body never reaches the backend complete.
 */
import { AwsError } from '../errors.js';
import { serviceErrorResponse } from './denial.js';
import { createContext, respond, type Gateway, type GatewayDeps } from './pipeline/context.js';
import { handle } from './pipeline/handle.js';

export type { Gateway, GatewayDeps } from './pipeline/context.js';

/**
 * @example
 * const gateway = createGateway({ settings, mapperFor: mapperForSigningName, authenticator, keyRing, partition: 'aws', accountId, record: buildAccessEvent, sink });
 * const server = await listen(createRouter({ query, gateway }), 0); // composition/routes.ts
 */
export function createGateway(deps: GatewayDeps): Gateway {
  const ctx = createContext(deps);
  return {
    serves: (signingName) => deps.mapperFor(signingName) !== undefined,
    take(req, res, meta, signingName) {
      const mapper = deps.mapperFor(signingName);
      if (mapper === undefined) throw new Error(`no gateway mapper for '${signingName}'`);
      handle(ctx, req, res, meta, mapper).then(
        () => {
          // The object is built only when someone reads it (at `--log-level warn` nobody does).
          if (deps.logger?.isLevelEnabled('info') !== true) return;
          deps.logger.info(
            {
              requestId: meta.requestId,
              service: mapper.service,
              status: res.statusCode,
              ms: Date.now() - meta.receivedAt,
            },
            'gateway',
          );
        },
        (error: unknown) => {
          // Expected failures are answered in the service's shape above; this is a bug.
          deps.logger?.error({ err: error, requestId: meta.requestId }, 'unhandled error in the gateway');
          if (!res.headersSent) {
            respond(
              res,
              serviceErrorResponse(
                {
                  service: mapper.service,
                  protocol: mapper.protocol,
                  ...(mapper.errorNamespace ? { errorNamespace: mapper.errorNamespace } : {}),
                },
                new AwsError(
                  'InternalFailure',
                  'The request processing has failed because of an unknown error.',
                  { status: 500 },
                ),
                meta.requestId,
              ),
            );
          } else res.destroy();
        },
      );
    },
    close() {
      ctx.agent.destroy();
      ctx.resolver.close();
    },
  };
}
