/**
 * The route `credplane invoke` and `credplane run <function>` call on a running credplane: the
 * function's configuration and its execution-role credentials (assumed as `lambda.amazonaws.com`,
 * session name = function name, `lambda:SourceFunctionArn` sealed into the session). `invoke` is
 * authorized as `lambda:InvokeFunction` on the function; `function-environment`, which answers the
 * credentials themselves, also as `iam:PassRole` of the execution role to `lambda.amazonaws.com`
 * (see `admin-api.ts`). Credentials are held per function in a
 * `RefreshingSource`, so invocations share them while they are fresh, as execution environments do.
 */
import { AwsError, ValidationError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import { stringField, type AdminRoute } from '../../admin-api/server.js';
import { lifetimeOptions, RefreshingSource, type CredentialLifetime } from '../refreshing-source.js';
import type { WorkloadCredentials, WorkloadIssuer } from '../workload-issuer.js';
import { containerCredentialsDocument, type ContainerCredentialsDocument } from '../container/protocol.js';
import type { FunctionHost, HostedInvokeResult } from './function-host.js';
import { findFunction, LAMBDA_SERVICE, type FunctionConfiguration } from './functions.js';

export interface FunctionEnvironmentAnswer {
  configuration: FunctionConfiguration;
  credentials: ContainerCredentialsDocument;
}

export interface FunctionRoutesDeps {
  store: Store;
  issuer: WorkloadIssuer;
  partition: string;
  region: string;
  /** Runs `invoke` in execution environments kept warm by the server. */
  host: FunctionHost;
  now?: () => number;
  /** Execution-role credentials' lifetime and refresh point (6 h and 30 min by default). */
  lifetime?: CredentialLifetime;
}

/** What `/credplane/lambda/invoke` answers (Lambda's `Invoke`: payload, function error, log tail). */
export type InvokeAnswer = Omit<HostedInvokeResult, 'end'>;

/** The event to invoke with: a JSON text of at most 6 MB (Lambda's synchronous limit). */
function eventOf(value: unknown): string {
  if (value === undefined) return '{}';
  if (typeof value !== 'string' || value.length > 6 * 1024 * 1024) {
    throw new ValidationError('payload must be a JSON text of at most 6 MB');
  }
  try {
    JSON.parse(value);
  } catch {
    throw new AwsError('InvalidRequestContentException', 'Could not parse request body into json', {
      status: 400,
    });
  }
  return value;
}

/** The role the function's credentials are issued for (the one `sourceFor` assumes). */
function executionRoleArn(partition: string, accountId: string, fn: FunctionConfiguration): string {
  return `arn:${partition}:iam::${accountId}:role/${fn.roleName}`;
}

/**
 * @example
 * createAdminApi(deps, functionRoutes({ store, issuer, partition: 'aws', region: 'us-east-1' }));
 */
export function functionRoutes(deps: FunctionRoutesDeps): AdminRoute[] {
  const sources = new Map<string, RefreshingSource<WorkloadCredentials>>();
  const sourceFor = (fn: FunctionConfiguration, accountId: string): RefreshingSource<WorkloadCredentials> => {
    const key = `${accountId}\0${fn.functionName}\0${fn.roleName}`;
    let source = sources.get(key);
    if (source === undefined) {
      const { durationSeconds, refreshBeforeSeconds } = lifetimeOptions(deps.lifetime);
      source = new RefreshingSource({
        issue: () =>
          deps.issuer.issue({
            accountId,
            roleName: fn.roleName,
            servicePrincipal: LAMBDA_SERVICE,
            sessionName: fn.functionName,
            sourceArn: fn.functionArn,
            deliveryContext: { 'lambda:SourceFunctionArn': fn.functionArn },
            ...(durationSeconds === undefined ? {} : { durationSeconds }),
          }),
        ...(deps.now === undefined ? {} : { now: deps.now }),
        ...(refreshBeforeSeconds === undefined ? {} : { refreshBeforeSeconds }),
      });
      sources.set(key, source);
    }
    return source;
  };
  const resolve = async (accountId: string, reference: string): Promise<FunctionConfiguration> =>
    findFunction(deps.store, { accountId, region: deps.region, partition: deps.partition }, reference);
  return [
    {
      method: 'POST',
      path: '/credplane/lambda/invoke',
      service: 'lambda',
      handle: async ({ auth, body, authorize }): Promise<InvokeAnswer> => {
        const accountId = auth.caller.accountId;
        const fn = await resolve(accountId, stringField(body, 'function'));
        authorize('lambda:InvokeFunction', fn.functionArn);
        const event = eventOf(body.payload);
        const source = sourceFor(fn, accountId);
        const result = await deps.host.invoke(
          fn,
          async () => {
            const c = await source.get();
            return {
              AccessKeyId: c.accessKeyId,
              SecretAccessKey: c.secretAccessKey,
              Token: c.sessionToken,
              expiration: c.expiration,
            };
          },
          event,
        );
        const { end: _end, ...answer } = result;
        return answer;
      },
    },
    {
      method: 'POST',
      path: '/credplane/lambda/function-environment',
      service: 'lambda',
      handle: async ({ auth, body, authorize }): Promise<FunctionEnvironmentAnswer> => {
        const accountId = auth.caller.accountId;
        const fn = await findFunction(
          deps.store,
          { accountId, region: deps.region, partition: deps.partition },
          stringField(body, 'function'),
        );
        authorize('lambda:InvokeFunction', fn.functionArn);
        // The answer is the execution role's credentials: on AWS only code the function runs gets
        // them, and running code of one's choosing as the role takes passing it to Lambda.
        authorize('iam:PassRole', executionRoleArn(deps.partition, accountId, fn), {
          'iam:PassedToService': LAMBDA_SERVICE,
        });
        const credentials = await sourceFor(fn, accountId).get();
        return { configuration: fn, credentials: containerCredentialsDocument(credentials) };
      },
    },
  ];
}
