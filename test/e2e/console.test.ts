/**
 * The console in a real browser (Debian's Chromium, headless, driven by playwright-core) against a
 * real `credplane up` of the demo stack plus a too-broad `worker` role, with `moto_server` behind
 * the gateway. The flow of issue 17: open the login URL from the banner, find a workload in the
 * overview, open its role and see a finding in place, apply the generated least-privilege policy
 * and roll it back, watch a denied gateway call appear live in Activity and expand it, follow an
 * escalation path of the access graph (ops may put a policy on worker) to the role page, run the SSRF lab. Hostile values (a role description,
 * an S3 key holding `<img src=x onerror=…>`) must stay text everywhere: no dialog fires, no element
 * is injected, nothing breaks the CSP. Screenshots of each screen go to test-results/console/.
 */
import { GetRolePolicyCommand, IAMClient, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blur, injected, openBrowser, screenshot, type Browser } from '../console-ui/browser.js';
import { ACCOUNT, ADMIN, startCredplane, startMoto, tempDir, type Credplane, type Moto } from './support.js';

process.env.AWS_EC2_METADATA_DISABLED = 'true';
const isolation = tempDir('console-sdk-env');
fs.writeFileSync(path.join(isolation, 'none'), '');
process.env.AWS_CONFIG_FILE = path.join(isolation, 'none');
process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(isolation, 'none');

const HOSTILE = `<img src=x onerror="alert('xss')">`;
const HOSTILE_KEY = `secret/${HOSTILE}`;

/** The worker: a Lambda function whose role grants far more than it uses, with a redundant action. */
const EXTRA = `
  WorkerRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: worker
      Description: ${JSON.stringify(HOSTILE)}
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: { Service: lambda.amazonaws.com, AWS: 'arn:aws:iam::${ACCOUNT}:root' }
            Action: sts:AssumeRole
      Policies:
        - PolicyName: broad
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Sid: Everything
                Effect: Allow
                Action: ['s3:*', 's3:GetObject', 'dynamodb:*']
                Resource: '*'
              - Sid: DenySecrets
                Effect: Deny
                Action: 's3:GetObject'
                Resource: 'arn:aws:s3:::orders/secret/*'
              - Sid: HostileCondition
                Effect: Deny
                Action: 's3:DeleteObject'
                Resource: '*'
                Condition:
                  StringEquals:
                    aws:PrincipalTag/team: ${JSON.stringify(HOSTILE)}
  OpsRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: ops
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: { AWS: 'arn:aws:iam::${ACCOUNT}:root' }
            Action: sts:AssumeRole
      Policies:
        - PolicyName: edit-worker
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Action: iam:PutRolePolicy
                Resource: 'arn:aws:iam::${ACCOUNT}:role/worker'
  WorkerFunction:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: worker-fn
      Role: !GetAtt WorkerRole.Arn
      Runtime: nodejs20.x
      Handler: index.handler
      Code:
        ZipFile: 'exports.handler = async () => ({})'
`;

let dir: string;
let moto: Moto | undefined;
let plane: Credplane | undefined;
let browser: Browser | undefined;
let loginUrl: string;

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

async function assumeWorker(): Promise<Credentials> {
  const sts = new STSClient({
    endpoint: plane!.url,
    region: 'us-east-1',
    credentials: ADMIN,
    maxAttempts: 1,
  });
  const out = await sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/worker`, RoleSessionName: 'job' }),
  );
  return {
    accessKeyId: out.Credentials!.AccessKeyId!,
    secretAccessKey: out.Credentials!.SecretAccessKey!,
    sessionToken: out.Credentials!.SessionToken!,
  };
}

const s3As = (credentials: Credentials): S3Client =>
  new S3Client({
    endpoint: plane!.url,
    region: 'us-east-1',
    credentials,
    forcePathStyle: true,
    maxAttempts: 1,
  });

const iam = (): IAMClient =>
  new IAMClient({ endpoint: plane!.url, region: 'us-east-1', credentials: ADMIN, maxAttempts: 1 });

beforeAll(async () => {
  dir = tempDir('console');
  moto = await startMoto(dir);
  const direct = new S3Client({
    endpoint: moto.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    forcePathStyle: true,
  });
  await direct.send(new CreateBucketCommand({ Bucket: 'orders' }));
  await direct.send(new PutObjectCommand({ Bucket: 'orders', Key: 'in/1.json', Body: '{}' }));
  const demo = fs.readFileSync(path.resolve('examples', 'demo-stack.yaml'), 'utf8');
  const template = path.join(dir, 'stack.yaml');
  fs.writeFileSync(template, demo.replace(/^Resources:\n/m, `Resources:\n${EXTRA}\n`));
  plane = await startCredplane({ args: ['--template', template, '--backend', `*=${moto.url}`] });
  const url = /console: (http:\/\/127\.0\.0\.1:\d+\/\S+)/.exec(plane.banner)?.[1];
  if (url === undefined) throw new Error(`no console URL in the banner:\n${plane.banner}`);
  loginUrl = url;
  // The worker's job, so that the access log has something to generate a policy from.
  const worker = s3As(await assumeWorker());
  await worker.send(new GetObjectCommand({ Bucket: 'orders', Key: 'in/1.json' }));
  browser = await openBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await plane?.stop();
  await moto?.stop();
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(isolation, { recursive: true, force: true });
});

/** Nothing hostile ran or was injected, and the page had no error (CSP violations included). */
async function clean(allowed: RegExp[] = []): Promise<void> {
  expect(browser!.dialogs).toEqual([]);
  expect(await injected(browser!.page)).toEqual([]);
  expect(browser!.errors.filter((e) => !allowed.some((re) => re.test(e)))).toEqual([]);
  browser!.errors.length = 0;
}

describe('the console against credplane up', () => {
  it('shows the sign-in form without a session, then signs in with the banner’s one-time URL', async () => {
    const { page } = browser!;
    const origin = new URL(loginUrl).origin;
    await page.goto(`${origin}/credplane/console/`);
    await page.getByLabel('Access key ID').waitFor();
    await screenshot(page, 'login');
    await clean([/^HTTP 401 \/credplane\/console\/api\/session$/]);

    await page.goto(loginUrl);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    // The token is gone from the address bar, and spent: a second use opens no session.
    expect(page.url()).toBe(`${origin}/credplane/console/`);
    const again = await fetch(loginUrl, { redirect: 'manual' });
    expect(again.headers.get('set-cookie')).toBeNull();
  });

  it('finds the worker in the overview and opens its role with the finding in place', async () => {
    const { page } = browser!;
    const row = page.locator('[data-channel="function"] tr.workload', { hasText: 'worker-fn' });
    await row.waitFor();
    await page.locator('.chart canvas').first().waitFor();
    await screenshot(page, 'overview');
    await row.getByRole('link', { name: 'worker' }).click();
    await page.locator('.role-name', { hasText: 'worker' }).waitFor();
    expect(page.url()).toContain('#/roles/worker');
    // The hostile description and policy value are shown as text.
    await page.locator('dd', { hasText: HOSTILE }).waitFor();
    expect(await page.locator('[data-policy="broad"]').textContent()).toContain(JSON.stringify(HOSTILE));
    // The validator's finding about the redundant action, at its line of the inline policy.
    const marked = page.locator('[data-policy="broad"] .line.marked');
    await marked.first().waitFor();
    expect(await marked.first().textContent()).toContain('REDUNDANT_ACTION');
    expect(await page.locator('ul.findings').first().textContent()).toContain('REDUNDANT_ACTION');
    await screenshot(page, 'role');
    await clean();
  });

  it('applies the generated least-privilege policy, then rolls it back', async () => {
    const { page } = browser!;
    await page.getByRole('link', { name: 'Least privilege' }).click();
    await page.locator('div.removed').waitFor();
    expect(await page.locator('div.removed').textContent()).toContain('dynamodb:');
    await screenshot(page, 'least-privilege');
    await page.getByRole('button', { name: 'Apply generated policy' }).click();
    await page.getByRole('button', { name: 'Confirm apply' }).click();
    await page.getByRole('status').waitFor();
    const afterApply = await iam().send(new ListRolePoliciesCommand({ RoleName: 'worker' }));
    expect(afterApply.PolicyNames).not.toContain('broad');

    await page.getByRole('button', { name: 'Roll back' }).first().click();
    await expect
      .poll(async () => (await iam().send(new ListRolePoliciesCommand({ RoleName: 'worker' }))).PolicyNames)
      .toContain('broad');
    const broad = await iam().send(new GetRolePolicyCommand({ RoleName: 'worker', PolicyName: 'broad' }));
    expect(decodeURIComponent(broad.PolicyDocument!)).toContain('DenySecrets');
    await clean();
  });

  it('shows a denied gateway call live in Activity and expands its explanation', async () => {
    const { page } = browser!;
    await blur(page);
    await page.keyboard.press('g');
    await page.keyboard.press('a');
    await page.getByRole('heading', { name: 'Activity' }).waitFor();
    await page.locator('.live-live').waitFor();
    const worker = s3As(await assumeWorker());
    await expect(
      worker.send(new GetObjectCommand({ Bucket: 'orders', Key: HOSTILE_KEY })),
    ).rejects.toMatchObject({
      name: 'AccessDenied',
    });
    const row = page.locator('tr.event.deny', { hasText: 'GetObject' }).first();
    await row.waitFor();
    await row.getByRole('button').click();
    const explanation = page.locator('.explanation');
    await explanation.waitFor();
    await expect.poll(() => explanation.textContent()).toContain('DenySecrets');
    await screenshot(page, 'activity');
    // Filtered by the server: only denials are left.
    expect(await page.locator('tr.event.allow').count()).toBeGreaterThan(0);
    await page.getByLabel('Decision').selectOption('deny');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.locator('tr.event.allow').count()).toBe(0);
    expect(await page.locator('tr.event.deny').count()).toBeGreaterThan(0);
    await clean();
  });

  it('draws the access graph, lists the escalation path and follows it to the role page', async () => {
    const { page } = browser!;
    await page.getByRole('link', { name: 'Access graph' }).click();
    await page.locator('.graph canvas').first().waitFor();
    // ops may put an inline policy on worker: an escalation edge, decided by the engine.
    const escalation = page.locator('tr.edge.escalation[data-kind="put-role-policy"]', { hasText: 'ops' });
    await escalation.first().waitFor();
    expect(await escalation.first().textContent()).toContain('iam:PutRolePolicy');
    await page.waitForTimeout(500);
    await screenshot(page, 'graph');
    await escalation.first().getByRole('link', { name: 'worker', exact: true }).click();
    await page.locator('.role-name', { hasText: 'worker' }).waitFor();
    expect(page.url()).toContain('#/roles/worker');
    await clean();
  });

  it('runs the SSRF lab and shows what the attacker got per scenario', async () => {
    const { page } = browser!;
    await blur(page);
    await page.keyboard.press('g');
    await page.keyboard.press('l');
    await page.getByRole('button', { name: 'Run the lab' }).click();
    await page.locator('table.lab tbody tr').first().waitFor({ timeout: 60_000 });
    expect(await page.locator('table.lab tbody tr').count()).toBeGreaterThan(1);
    await screenshot(page, 'lab');
    await clean();
  }, 90_000);
});
