/**
 * The console under `/credplane/console/` on the control plane's port (docs/console.md): the
 * login-token URL, the JSON API (`contract.ts`) and the built front-end. Every API request but
 * `api/login` needs a session; every POST but `api/login` needs the session's CSRF token; every
 * state-changing request from another origin is refused; every endpoint is authorized as the AWS
 * calls it stands for, for the session's principal, by the API's own engine.
 *
 * Nothing here logs a token, a session id, a cookie or a secret: errors are logged by code only.
 */
import type http from 'node:http';
import type { Logger } from 'pino';
import { AwsError } from '../errors.js';
import type { ApiRequest, ApiResponse } from '../http/types.js';
import type { Store } from '../store/store.js';
import { allows, changePolicyChecks, labChecks, type Arns } from './authorization.js';
import { CONSOLE_API_PREFIX, CONSOLE_PREFIX, type LoginRequest, type SessionInfo } from './contract.js';
import { checkCsrfToken, checkOrigin } from './csrf.js';
import { checkHost } from './host-check.js';
import { LoginTokens } from './login-token.js';
import { consolePrincipal, resolveCaller, signIn, type PrincipalOptions } from './principal.js';
import {
  ConsoleApiError,
  errorResponse,
  json,
  noContent,
  notAuthenticated,
  notFound,
  SECURITY_HEADERS,
} from './respond.js';
import {
  clearedCookie,
  sessionCookie,
  sessionIdOf,
  Sessions,
  type ConsoleSession,
  type SessionCredential,
} from './session.js';
import { serveStatic } from './static.js';
import type { ApiContext } from './api/context.js';
import { eventDetail, eventPredicate, listEvents } from './api/events.js';
import { addEscalations } from './api/escalation.js';
import { accessGraph, type AddEscalations } from './api/graph.js';
import { LabRunner, type RunSsrfLab } from './api/lab.js';
import { applyLeastPrivilege, leastPrivilegeView, rollbackLeastPrivilege } from './api/least-privilege.js';
import { overview } from './api/overview.js';
import { PostureCache } from './api/posture-cache.js';
import { rolePage } from './api/role.js';
import { EventStreams } from './api/stream.js';
import { lookupEventsCheck, requireAll } from './authorization.js';

export interface ConsoleOptions extends PrincipalOptions {
  store: Store;
  accountId: string;
  partition: string;
  region: string;
  now: () => number;
  /** The admin user the login token signs in as (`server/admin.ts`). */
  adminUserName: string;
  logger?: Logger;
  /** The built front-end; `dist/console-ui/` by default. */
  uiRoot?: string;
  runSsrfLab?: RunSsrfLab;
  /** The escalation analysis's part of the access graph; `analyzer/escalation` by default. */
  addEscalations?: AddEscalations;
  maxStreams?: number;
  /** Event streams one principal may hold at once (4 by default). */
  maxStreamsPerPrincipal?: number;
  streamPollMs?: number;
  /** Host names besides IP literals and `localhost` the console answers to (host-check.ts). */
  allowedHosts?: readonly string[];
}

export interface ConsoleService {
  /** Every console request except the event stream. */
  handle(request: ApiRequest): Promise<ApiResponse>;
  /** Takes the event stream's requests before their body is read (they stay open); false for the rest. */
  take(req: http.IncomingMessage, res: http.ServerResponse): boolean;
  /** A new one-time login token for the URL `credplane up` prints. */
  issueLoginToken(): string;
  /** Ends every event stream (before the server closes, which waits for open connections). */
  close(): void;
}

const STREAM_PATH = `${CONSOLE_API_PREFIX}events/stream`;
const LOGIN_PATH = `${CONSOLE_PREFIX}login`;
/** The largest JSON body the API reads. */
const MAX_JSON = 64 * 1024;

function redirect(location: string, headers: Record<string, string> = {}): ApiResponse {
  return { status: 303, headers: { ...SECURITY_HEADERS, 'cache-control': 'no-store', location, ...headers } };
}

function jsonBody(request: ApiRequest): unknown {
  if (request.body.length === 0) return {};
  if (request.body.length > MAX_JSON)
    throw new ConsoleApiError('ValidationError', 'The request body is too large.');
  try {
    return JSON.parse(request.body.toString('utf8')) as unknown;
  } catch {
    throw new ConsoleApiError('ValidationError', 'The request body is not JSON.');
  }
}

function loginInput(body: unknown): LoginRequest {
  const o = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const { accessKeyId, secretAccessKey, sessionToken } = o;
  if (
    typeof accessKeyId !== 'string' ||
    typeof secretAccessKey !== 'string' ||
    accessKeyId.length > 128 ||
    secretAccessKey.length > 128 ||
    (sessionToken !== undefined && (typeof sessionToken !== 'string' || sessionToken.length > 8192))
  ) {
    throw new ConsoleApiError('ValidationError', 'accessKeyId and secretAccessKey are required strings.');
  }
  return { accessKeyId, secretAccessKey, ...(typeof sessionToken === 'string' ? { sessionToken } : {}) };
}

export function createConsole(options: ConsoleOptions): ConsoleService {
  const { store, now } = options;
  const tokens = new LoginTokens(now);
  const sessions = new Sessions(now);
  const posture = new PostureCache(store, now);
  const lab = new LabRunner(options.runSsrfLab);
  const allowedHosts = new Set((options.allowedHosts ?? []).map((name) => name.toLowerCase()));
  const streams = new EventStreams({
    store,
    now,
    ...(options.maxStreams === undefined ? {} : { maxStreams: options.maxStreams }),
    ...(options.maxStreamsPerPrincipal === undefined
      ? {}
      : { maxStreamsPerPrincipal: options.maxStreamsPerPrincipal }),
    ...(options.streamPollMs === undefined ? {} : { pollMs: options.streamPollMs }),
  });

  async function sessionInfo(session: ConsoleSession, request: ApiRequest): Promise<SessionInfo> {
    const auth = await resolveCaller(session.credential, request, options);
    const arns = arnsOf(auth.caller.accountId);
    return {
      principal: consolePrincipal(auth),
      csrfToken: session.csrfToken,
      can: {
        changeRolePolicies: allows(auth, changePolicyChecks(arns)),
        runLab: allows(auth, labChecks(arns)),
      },
    };
  }

  const arnsOf = (accountId: string): Arns => ({
    partition: options.partition,
    accountId,
    region: options.region,
  });

  async function contextOf(
    session: ConsoleSession,
    request: ApiRequest,
    query: URLSearchParams,
  ): Promise<ApiContext> {
    const auth = await resolveCaller(session.credential, request, options);
    return {
      request,
      query,
      auth,
      store,
      ring: options.keyRing(),
      arns: arnsOf(auth.caller.accountId),
      now,
      posture,
    };
  }

  async function startSession(credential: SessionCredential, request: ApiRequest): Promise<ApiResponse> {
    const { id, session } = sessions.create(credential);
    return json(await sessionInfo(session, request), 200, { 'set-cookie': sessionCookie(id) });
  }

  async function api(request: ApiRequest, path: string, query: URLSearchParams): Promise<ApiResponse> {
    const method = request.method;
    if (method === 'POST') checkOrigin(request);
    if (path === 'login' && method === 'POST') {
      return startSession(await signIn(loginInput(jsonBody(request)), options), request);
    }
    const id = sessionIdOf(cookieOf(request));
    const session = id === undefined ? undefined : sessions.touch(id);
    if (id === undefined || session === undefined) throw notAuthenticated();
    if (method === 'POST') checkCsrfToken(request, session.csrfToken);

    if (path === 'session' && method === 'GET') return json(await sessionInfo(session, request));
    if (path === 'logout' && method === 'POST') {
      sessions.end(id);
      return noContent({ 'set-cookie': clearedCookie() });
    }
    const ctx = await contextOf(session, request, query);
    if (method === 'GET') {
      if (path === 'overview') return json(await overview(ctx));
      if (path === 'graph') return json(await accessGraph(ctx, options.addEscalations ?? addEscalations));
      if (path === 'events') return json(await listEvents(ctx));
      const event = /^events\/([^/]+)$/.exec(path);
      if (event !== null) return json(await eventDetail(ctx, segment(event[1]!)));
      const lp = /^roles\/([^/]+)\/least-privilege$/.exec(path);
      if (lp !== null) return json(await leastPrivilegeView(ctx, segment(lp[1]!)));
      const role = /^roles\/([^/]+)$/.exec(path);
      if (role !== null) return json(await rolePage(ctx, segment(role[1]!)));
    }
    if (method === 'POST') {
      const change = /^roles\/([^/]+)\/least-privilege\/(apply|rollback)$/.exec(path);
      if (change !== null) {
        const roleName = segment(change[1]!);
        return json(
          change[2] === 'apply'
            ? await applyLeastPrivilege(ctx, roleName)
            : await rollbackLeastPrivilege(ctx, roleName, jsonBody(request)),
        );
      }
      if (path === 'lab/ssrf') return json(await lab.run(ctx, jsonBody(request)));
    }
    throw notFound(`No console API ${method} ${path.slice(0, 200)}.`);
  }

  async function loginWithToken(query: URLSearchParams): Promise<ApiResponse> {
    const token = query.get('token');
    if (token === null || token.length > 256 || !tokens.spend(token)) {
      // Back to the sign-in page, without saying why (the token stays out of every log and page).
      return redirect(`${CONSOLE_PREFIX}?login=expired`);
    }
    // The session holds the admin user by its unique id too (`principal.ts` compares it on every
    // request): a user deleted and recreated under the name is not the one signed in.
    await options.snapshot.refresh();
    const admin = await options.snapshot.user(options.accountId, options.adminUserName, { refreshed: true });
    if (admin === undefined) return redirect(`${CONSOLE_PREFIX}?login=expired`);
    const { id } = sessions.create({
      kind: 'admin-user',
      accountId: options.accountId,
      userName: options.adminUserName,
      userId: admin.user.userId,
    });
    return redirect(CONSOLE_PREFIX, { 'set-cookie': sessionCookie(id) });
  }

  async function handle(request: ApiRequest): Promise<ApiResponse> {
    const [rawPath = '', rawQuery = ''] = request.url.split('?', 2);
    const query = new URLSearchParams(rawQuery);
    try {
      checkHost(request, allowedHosts);
      if (rawPath.startsWith(CONSOLE_API_PREFIX)) {
        const path = rawPath.slice(CONSOLE_API_PREFIX.length);
        return await api(request, path, query);
      }
      if (rawPath === LOGIN_PATH && request.method === 'GET') return await loginWithToken(query);
      if (request.method === 'GET' || request.method === 'HEAD') return serveStatic(rawPath, options.uiRoot);
      throw notFound('Not found.');
    } catch (error) {
      if (error instanceof AwsError) return errorResponse(error);
      options.logger?.error({ err: error, requestId: request.requestId }, 'console request failed');
      return errorResponse(
        new ConsoleApiError('InternalFailure', 'The console failed to answer.', { status: 500 }),
      );
    }
  }

  function take(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const path = (req.url ?? '').split('?', 1)[0];
    if (path !== STREAM_PATH || req.method !== 'GET') return false;
    const request: ApiRequest = {
      method: 'GET',
      url: req.url ?? '',
      rawHeaders: req.rawHeaders,
      headers: req.headers,
      body: Buffer.alloc(0),
      remoteAddress: req.socket.remoteAddress ?? '',
      requestId: '',
      receivedAt: now(),
    };
    const fail = (response: ApiResponse): void => {
      if (res.headersSent) return;
      res.writeHead(response.status, response.headers);
      res.end(response.body);
    };
    void (async () => {
      checkHost(request, allowedHosts);
      const id = sessionIdOf(cookieOf(request));
      const session = id === undefined ? undefined : sessions.touch(id);
      if (id === undefined || session === undefined) throw notAuthenticated();
      const ctx = await contextOf(
        session,
        request,
        new URLSearchParams((req.url ?? '').split('?', 2)[1] ?? ''),
      );
      requireAll(ctx.auth, [lookupEventsCheck], ctx.ring);
      const predicate = eventPredicate(ctx.query);
      const owner = ctx.auth.caller.arn;
      if (!streams.canOpen(owner)) {
        throw new ConsoleApiError('ServiceUnavailable', 'Too many event streams are open.', { status: 503 });
      }
      // Each delivery authorized again: the same session, still live, its caller resolved anew.
      const stillAllowed = async (): Promise<boolean> => {
        if (sessions.peek(id) !== session) return false;
        const auth = await resolveCaller(session.credential, request, options);
        return allows(auth, [lookupEventsCheck]);
      };
      await streams.open(res, ctx.arns.accountId, predicate, stillAllowed, owner);
    })().catch((error: unknown) => {
      if (error instanceof AwsError) fail(errorResponse(error));
      else {
        options.logger?.error({ err: error }, 'console event stream failed');
        fail(errorResponse(new ConsoleApiError('InternalFailure', 'The stream failed.', { status: 500 })));
      }
    });
    return true;
  }

  return { handle, take, issueLoginToken: () => tokens.issue(), close: () => streams.closeAll() };
}

/** A path segment decoded; a malformed escape is the caller's error, not the server's. */
function segment(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new ConsoleApiError('ValidationError', 'The path has a malformed percent-escape.');
  }
}

function cookieOf(request: Pick<ApiRequest, 'headers'>): string | undefined {
  const cookie = request.headers.cookie;
  return typeof cookie === 'string' ? cookie : undefined;
}
