/**
 * The metadata tree as real clients read it: curl (the version list, HEAD), botocore's own IMDS
 * fetchers (region and role credentials, with and without an instance profile), a cloud-init-like
 * crawl of a pinned version (the newest of cloud-init's, then the identity document), and the JS
 * SDK's default credential chain. Every client is pointed at the instance's loopback endpoint and
 * at the test's own empty AWS config files.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, createTestPlane, xmlValue, type TestPlane } from '../../server/test-support/plane.js';
import { createIdentitySigner } from './identity.js';
import { createImdsService, type ImdsService } from './service.js';
import { METADATA_VERSIONS } from './tree.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-imds-clients-'));
const emptyConfig = path.join(tmp, 'aws-config');
fs.writeFileSync(emptyConfig, '');

let plane: TestPlane;
let imds: ImdsService;
/** One instance with web-profile and HttpTokens=required, one without a profile (optional). */
const ids = { withRole: '', bare: '' };

const urlOf = (id: string): string => imds.find(id)!.url;

function run(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        cwd: root,
        timeout: 30_000,
        env: {
          PATH: process.env.PATH,
          HOME: tmp,
          AWS_CONFIG_FILE: emptyConfig,
          AWS_SHARED_CREDENTIALS_FILE: emptyConfig,
          ...env,
        },
      },
      (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr }),
    );
  });
}

async function launch(params: Record<string, string>): Promise<string> {
  const res = await plane.call('ec2', plane.admin, {
    Version: '2016-11-15',
    Action: 'RunInstances',
    ImageId: 'ami-0123456789abcdef0',
    MinCount: '1',
    MaxCount: '1',
    ...params,
  });
  expect(res.status).toBe(200);
  return xmlValue(res.text, 'instanceId')!;
}

beforeAll(async () => {
  plane = await createTestPlane();
  await plane.store.createRole(ACCOUNT, {
    roleName: 'web',
    assumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    }),
  });
  await plane.store.createInstanceProfile(ACCOUNT, { instanceProfileName: 'web-profile' });
  await plane.store.addRoleToInstanceProfile(ACCOUNT, 'web-profile', 'web');
  imds = createImdsService({
    store: plane.store,
    snapshot: plane.snapshot,
    keyRing: plane.keyRing,
    accountId: ACCOUNT,
    region: 'us-east-1',
    partition: 'aws',
    identity: createIdentitySigner(),
    now: () => plane.clock.now,
    portBase: 36000 + Math.floor(Math.random() * 2000),
    portSpan: 500,
    pollMs: 0,
  });
  await imds.start();
  ids.withRole = await launch({
    'IamInstanceProfile.Name': 'web-profile',
    'MetadataOptions.HttpTokens': 'required',
  });
  ids.bare = await launch({});
  await imds.reconcile();
});

afterAll(async () => {
  await imds.stop();
  await plane.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('curl', () => {
  it('GET / lists the versions; a pinned version serves the tree; HEAD gives the real length', async () => {
    const url = urlOf(ids.bare);
    const list = await run('curl', ['-s', '-f', url]);
    expect(list.stdout).toBe(METADATA_VERSIONS.join('\n'));
    for (const version of ['1.0', '2007-01-19', '2016-09-02', 'latest']) {
      const id = await run('curl', ['-s', '-f', `${url}${version}/meta-data/instance-id`]);
      expect(id.stdout, version).toBe(ids.bare);
    }
    const head = await run('curl', ['-s', '-I', `${url}latest/meta-data/instance-id`]);
    expect(head.stdout).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head.stdout).toMatch(new RegExp(`\r\ncontent-length: ${ids.bare.length}\r\n`, 'i'));
    const missing = await run('curl', ['-s', '-i', `${url}latest/meta-data/iam/info`]);
    expect(missing.stdout).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
    expect(missing.stdout).toMatch(/\r\ncontent-type: text\/html\r\n/i);
    expect(missing.stdout).toContain('<h1>404 - Not Found</h1>');
  });
});

/** botocore's fetchers against `url`, as the CLI and boto3 use them. */
const BOTOCORE = `
import json, sys
from botocore.utils import InstanceMetadataFetcher, InstanceMetadataRegionFetcher
config = {'ec2_metadata_service_endpoint': sys.argv[1]}
region = InstanceMetadataRegionFetcher(config=config, env={}).retrieve_region()
creds = InstanceMetadataFetcher(config=config, env={}).retrieve_iam_role_credentials()
print(json.dumps({'region': region, 'role': creds.get('role_name'), 'keys': sorted(creds)}))
`;

describe('botocore', () => {
  it('reads the region and the role credentials; an instance without a role yields none', async () => {
    const withRole = await run('python3', ['-c', BOTOCORE, urlOf(ids.withRole)]);
    expect(withRole.code, withRole.stderr).toBe(0);
    expect(JSON.parse(withRole.stdout)).toEqual({
      region: 'us-east-1',
      role: 'web',
      keys: ['access_key', 'expiry_time', 'role_name', 'secret_key', 'token'],
    });
    const bare = await run('python3', ['-c', BOTOCORE, urlOf(ids.bare)]);
    expect(bare.code, bare.stderr).toBe(0);
    expect(JSON.parse(bare.stdout)).toEqual({ region: 'us-east-1', role: null, keys: [] });
  });
});

/**
 * What cloud-init's EC2 datasource does (IMDSv2 token, then a crawl of a pinned version's
 * meta-data: a listing's `name/` entries are directories, the rest leaves), then the identity
 * document, in Python with only the standard library.
 */
const CRAWL = `
import json, sys, urllib.request
base = sys.argv[1]
token = urllib.request.urlopen(urllib.request.Request(base + 'latest/api/token', method='PUT',
    headers={'X-aws-ec2-metadata-token-ttl-seconds': '21600'})).read().decode()
def get(path):
    req = urllib.request.Request(base + path, headers={'X-aws-ec2-metadata-token': token})
    return urllib.request.urlopen(req).read().decode()
def crawl(path):
    out = {}
    for entry in get(path).split('\\n'):
        out[entry.rstrip('/')] = crawl(path + entry) if entry.endswith('/') else get(path + entry)
    return out
def answers(version):
    try:
        get(version + '/meta-data/instance-id')
        return True
    except Exception:
        return False
version = next((v for v in ['2021-03-23', '2018-09-24', '2016-09-02'] if answers(v)), '2009-04-04')
meta = crawl(version + '/meta-data/')
document = json.loads(get('latest/dynamic/instance-identity/document'))
print(json.dumps({'meta': meta, 'document': document}))
`;

describe('a cloud-init-like crawl', () => {
  it('picks the newest version it knows, walks its meta-data/ with a token and reads the identity document', async () => {
    const res = await run('python3', ['-c', CRAWL, urlOf(ids.withRole)]);
    expect(res.code, res.stderr).toBe(0);
    const { meta, document } = JSON.parse(res.stdout) as {
      meta: Record<string, unknown> & { network: { interfaces: { macs: Record<string, unknown> } } };
      document: Record<string, unknown>;
    };
    expect(meta['instance-id']).toBe(ids.withRole);
    expect(meta.placement).toEqual({
      'availability-zone': 'us-east-1a',
      'availability-zone-id': 'use1-az1',
      region: 'us-east-1',
    });
    expect(meta.services).toEqual({ domain: 'amazonaws.com', partition: 'aws' });
    expect(meta.events).toEqual({ maintenance: { history: '[]', scheduled: '[]' } });
    const mac = meta.mac as string;
    expect(Object.keys(meta.network.interfaces.macs)).toEqual([mac]);
    expect(meta.network.interfaces.macs[mac]).toMatchObject({
      'device-number': '0',
      mac,
      'owner-id': ACCOUNT,
      'local-ipv4s': meta['local-ipv4'],
    });
    expect((meta.iam as Record<string, unknown>)['security-credentials']).toHaveProperty('web');
    // DescribeInstances tells the same network.
    const described = await plane.call('ec2', plane.admin, {
      Version: '2016-11-15',
      Action: 'DescribeInstances',
      'InstanceId.1': ids.withRole,
    });
    const nic = meta.network.interfaces.macs[mac] as Record<string, string>;
    expect(xmlValue(described.text, 'subnetId')).toBe(nic['subnet-id']);
    expect(xmlValue(described.text, 'vpcId')).toBe(nic['vpc-id']);
    expect(xmlValue(described.text, 'macAddress')).toBe(mac);
    expect(xmlValue(described.text, 'networkInterfaceId')).toBe(nic['interface-id']);
    expect(xmlValue(described.text, 'groupId')).toBe(nic['security-group-ids']);
    expect(xmlValue(described.text, 'availabilityZone')).toBe(
      (meta.placement as Record<string, string>)['availability-zone'],
    );
    expect(document).toMatchObject({
      accountId: ACCOUNT,
      instanceId: ids.withRole,
      region: 'us-east-1',
      availabilityZone: 'us-east-1a',
      privateIp: meta['local-ipv4'],
    });
  });
});

/** The JS SDK v3's default credential chain, in a process of its own. */
const JS_SDK = `
import { STSClient } from '@aws-sdk/client-sts';
const client = new STSClient({ region: 'us-east-1' });
try {
  const c = await client.config.credentials();
  console.log(JSON.stringify({ ok: true, prefix: c.accessKeyId.slice(0, 4) }));
} catch (error) {
  console.log(JSON.stringify({ ok: false, name: error.name }));
}
`;

describe('the JS SDK v3 default chain', () => {
  it('gets the role from an instance with a profile and nothing from one without', async () => {
    const sdk = (id: string) =>
      run(process.execPath, ['--input-type=module', '-e', JS_SDK], {
        AWS_EC2_METADATA_SERVICE_ENDPOINT: urlOf(id),
      });
    const withRole = await sdk(ids.withRole);
    expect(JSON.parse(withRole.stdout), withRole.stderr).toEqual({ ok: true, prefix: 'ASIA' });
    const bare = await sdk(ids.bare);
    expect(JSON.parse(bare.stdout), bare.stderr).toEqual({ ok: false, name: 'CredentialsProviderError' });
  });
});
