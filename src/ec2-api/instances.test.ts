import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticate } from '../control/authenticate.js';
import { PolicyCache } from '../control/policy-cache.js';
import { createIdentitySigner } from '../delivery/imds/identity.js';
import { createImdsService, type ImdsService } from '../delivery/imds/service.js';
import {
  ACCOUNT,
  createTestPlane,
  credentialsOf,
  xmlValue,
  type Credentials,
  type TestPlane,
} from '../server/test-support/plane.js';
import { createEc2Handler, IDENTITY_CERTIFICATE_PATH, type Ec2Handler } from './dispatch.js';
import { EC2_NAMESPACE } from './xml.js';

let plane: TestPlane;
let ec2: Ec2Handler;

async function call(
  credentials: Credentials,
  params: Record<string, string>,
): Promise<{ status: number; text: string }> {
  const body = new URLSearchParams({ Version: '2016-11-15', ...params }).toString();
  const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'ec2', sha256: Sha256 });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 7300,
      path: '/',
      headers: { host: '127.0.0.1:7300', 'content-type': 'application/x-www-form-urlencoded' },
      body,
    },
    { signingDate: new Date(plane.clock.now) },
  );
  const headers = signed.headers as Record<string, string>;
  const request = {
    method: 'POST',
    url: '/',
    rawHeaders: Object.entries(headers).flat(),
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: Buffer.from(body),
    remoteAddress: '127.0.0.1',
    requestId: randomUUID(),
    receivedAt: plane.clock.now,
  };
  const options = {
    snapshot: plane.snapshot,
    policies: new PolicyCache(),
    keyRing: plane.keyRing,
    partition: 'aws',
    now: () => plane.clock.now,
  };
  const response = await ec2(request, 'ec2', (services) => authenticate(request, options, services))!;
  return { status: response.status, text: String(response.body) };
}

const errorCode = (text: string): string | undefined =>
  /<Response><Errors><Error><Code>([^<]+)<\/Code>/.exec(text)?.[1];

beforeAll(async () => {
  plane = await createTestPlane();
  ec2 = createEc2Handler({
    store: plane.store,
    keyRing: plane.keyRing,
    partition: 'aws',
    identityCertificatePem: 'PEM',
  });
  await plane.store.createRole(ACCOUNT, {
    roleName: 'web',
    assumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
      ],
    }),
  });
  await plane.store.createInstanceProfile(ACCOUNT, { instanceProfileName: 'web-profile' });
  await plane.store.addRoleToInstanceProfile(ACCOUNT, 'web-profile', 'web');
  await plane.store.createInstanceProfile(ACCOUNT, { instanceProfileName: 'empty-profile' });
});

afterAll(() => plane.close());

async function run(more: Record<string, string> = {}): Promise<string> {
  const res = await call(plane.admin, {
    Action: 'RunInstances',
    ImageId: 'ami-0abcdef1234567890',
    InstanceType: 't3.micro',
    MinCount: '1',
    MaxCount: '1',
    'IamInstanceProfile.Name': 'web-profile',
    ...more,
  });
  expect(res.status).toBe(200);
  return xmlValue(res.text, 'instanceId')!;
}

describe('EC2 Query API', () => {
  it('RunInstances creates an instance workload with its profile, options and tags', async () => {
    const res = await call(plane.admin, {
      Action: 'RunInstances',
      ImageId: 'ami-0abcdef1234567890',
      MinCount: '1',
      MaxCount: '2',
      'IamInstanceProfile.Name': 'web-profile',
      'MetadataOptions.HttpTokens': 'required',
      'MetadataOptions.HttpPutResponseHopLimit': '2',
      'TagSpecification.1.ResourceType': 'instance',
      'TagSpecification.1.Tag.1.Key': 'Name',
      'TagSpecification.1.Tag.1.Value': 'api',
      UserData: Buffer.from('hello').toString('base64'),
    });
    expect(res.status).toBe(200);
    expect(res.text).toContain(`<RunInstancesResponse xmlns="${EC2_NAMESPACE}"><requestId>`);
    const ids = [...res.text.matchAll(/<instanceId>(i-[0-9a-f]{17})<\/instanceId>/g)].map((m) => m[1]!);
    expect(ids).toHaveLength(2);
    const w = await plane.store.getWorkload(ACCOUNT, 'ec2-instance', ids[0]!);
    expect(w.roleName).toBe('web');
    expect(w.settings).toMatchObject({
      instanceId: ids[0],
      instanceProfileName: 'web-profile',
      metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 2, httpEndpoint: 'enabled' },
      userData: Buffer.from('hello').toString('base64'),
      tags: [{ key: 'Name', value: 'api' }],
    });
  });

  it('DescribeInstances lists and filters; unknown ids are InvalidInstanceID.NotFound in EC2 error shape', async () => {
    const id = await run();
    const one = await call(plane.admin, { Action: 'DescribeInstances', 'InstanceId.1': id });
    expect(one.text).toContain(`<instanceId>${id}</instanceId>`);
    expect(one.text).toContain(
      '<iamInstanceProfile><arn>arn:aws:iam::123456789012:instance-profile/web-profile</arn>',
    );
    expect(one.text).toContain('<httpTokens>optional</httpTokens>');
    const filtered = await call(plane.admin, {
      Action: 'DescribeInstances',
      'Filter.1.Name': 'tag:Name',
      'Filter.1.Value.1': 'api',
    });
    expect(filtered.text).not.toContain(id);
    expect(filtered.text.match(/<instancesSet>/g)).toHaveLength(2);
    const missing = await call(plane.admin, {
      Action: 'DescribeInstances',
      'InstanceId.1': 'i-0123456789abcdef0',
    });
    expect(missing.status).toBe(400);
    expect(missing.text).toMatch(
      /^<\?xml[^>]*>\n<Response><Errors><Error><Code>InvalidInstanceID\.NotFound<\/Code><Message>The instance ID &apos;i-0123456789abcdef0&apos; does not exist<\/Message><\/Error><\/Errors><RequestID>[-0-9a-f]+<\/RequestID><\/Response>$/,
    );
    const malformed = await call(plane.admin, { Action: 'DescribeInstances', 'InstanceId.1': 'web' });
    expect(errorCode(malformed.text)).toBe('InvalidInstanceID.Malformed');
  });

  it('DescribeInstances refuses MaxResults outside 5-1000 and pages within it', async () => {
    for (let i = 0; i < 6; i++) await run();
    for (const max of ['4', '0', '1001', '-5', '99999999999999999999', 'ten']) {
      const bad = await call(plane.admin, { Action: 'DescribeInstances', MaxResults: max });
      expect([bad.status, errorCode(bad.text)], max).toEqual([400, 'InvalidParameterValue']);
      expect(bad.text).toContain('Parameter must be between 5 and 1000.');
    }
    const withIds = await call(plane.admin, {
      Action: 'DescribeInstances',
      MaxResults: '5',
      'InstanceId.1': await run(),
    });
    expect([withIds.status, errorCode(withIds.text)]).toEqual([400, 'InvalidParameterCombination']);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const res = await call(plane.admin, {
        Action: 'DescribeInstances',
        MaxResults: '5',
        ...(token === undefined ? {} : { NextToken: token }),
      });
      expect(res.status).toBe(200);
      const ids = [...res.text.matchAll(/<instanceId>([^<]+)<\/instanceId>/g)].map((m) => m[1]!);
      expect(ids.length).toBeLessThanOrEqual(5);
      seen.push(...ids);
      token = xmlValue(res.text, 'nextToken');
    } while (token !== undefined);
    const all = await call(plane.admin, { Action: 'DescribeInstances' });
    expect(seen).toEqual([...all.text.matchAll(/<instanceId>([^<]+)<\/instanceId>/g)].map((m) => m[1]));
    expect(seen.length).toBeGreaterThan(5);
  });

  it('ModifyInstanceMetadataOptions changes only what is given and validates values', async () => {
    const id = await run({ 'MetadataOptions.HttpPutResponseHopLimit': '3' });
    const res = await call(plane.admin, {
      Action: 'ModifyInstanceMetadataOptions',
      InstanceId: id,
      HttpTokens: 'required',
    });
    expect(res.status).toBe(200);
    expect(res.text).toContain(
      '<instanceMetadataOptions><state>pending</state><httpTokens>required</httpTokens><httpPutResponseHopLimit>3</httpPutResponseHopLimit>',
    );
    const w = await plane.store.getWorkload(ACCOUNT, 'ec2-instance', id);
    expect(w.settings.metadataOptions).toMatchObject({ httpTokens: 'required', httpPutResponseHopLimit: 3 });
    for (const [name, value] of [
      ['HttpTokens', 'sometimes'],
      ['HttpEndpoint', 'on'],
      ['HttpPutResponseHopLimit', '65'],
      ['HttpPutResponseHopLimit', '0'],
    ] as const) {
      const bad = await call(plane.admin, {
        Action: 'ModifyInstanceMetadataOptions',
        InstanceId: id,
        [name]: value,
      });
      expect([bad.status, errorCode(bad.text)]).toEqual([400, 'InvalidParameterValue']);
    }
  });

  it('TerminateInstances removes the instance', async () => {
    const id = await run();
    const res = await call(plane.admin, { Action: 'TerminateInstances', 'InstanceId.1': id });
    expect(res.text).toContain('<currentState><code>32</code><name>shutting-down</name></currentState>');
    expect(await plane.store.listWorkloads(ACCOUNT, { kind: 'ec2-instance' })).not.toContainEqual(
      expect.objectContaining({ name: id }),
    );
    const again = await call(plane.admin, { Action: 'TerminateInstances', 'InstanceId.1': id });
    expect(errorCode(again.text)).toBe('InvalidInstanceID.NotFound');
  });

  it('Associate/ReplaceIamInstanceProfile move the instance to another profile', async () => {
    await plane.store.createRole(ACCOUNT, {
      roleName: 'other',
      assumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    });
    await plane.store.createInstanceProfile(ACCOUNT, { instanceProfileName: 'other-profile' });
    await plane.store.addRoleToInstanceProfile(ACCOUNT, 'other-profile', 'other');
    const id = await run();
    // One association per instance: a second Associate is refused and changes nothing.
    const second = await call(plane.admin, {
      Action: 'AssociateIamInstanceProfile',
      InstanceId: id,
      'IamInstanceProfile.Name': 'other-profile',
    });
    expect([second.status, errorCode(second.text)]).toEqual([400, 'IncorrectState']);
    expect(second.text).toContain(`<Message>There is an existing association for instance ${id}</Message>`);
    expect((await plane.store.getWorkload(ACCOUNT, 'ec2-instance', id)).roleName).toBe('web');
    const existing = await call(plane.admin, {
      Action: 'DescribeIamInstanceProfileAssociations',
      'Filter.1.Name': 'instance-id',
      'Filter.1.Value.1': id,
    });
    const gone = await call(plane.admin, {
      Action: 'DisassociateIamInstanceProfile',
      AssociationId: xmlValue(existing.text, 'associationId')!,
    });
    expect(gone.status).toBe(200);
    const assoc = await call(plane.admin, {
      Action: 'AssociateIamInstanceProfile',
      InstanceId: id,
      'IamInstanceProfile.Name': 'other-profile',
    });
    expect(assoc.status).toBe(200);
    expect(xmlValue(assoc.text, 'state')).toBe('associating');
    expect((await plane.store.getWorkload(ACCOUNT, 'ec2-instance', id)).roleName).toBe('other');
    const replace = await call(plane.admin, {
      Action: 'ReplaceIamInstanceProfileAssociation',
      AssociationId: xmlValue(assoc.text, 'associationId')!,
      'IamInstanceProfile.Name': 'web-profile',
    });
    expect(replace.status).toBe(200);
    expect((await plane.store.getWorkload(ACCOUNT, 'ec2-instance', id)).roleName).toBe('web');
  });

  it('rejects bad input with EC2 error codes', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ Action: 'RunInstances', MinCount: '1', MaxCount: '1' }, 'MissingParameter'],
      [
        {
          Action: 'RunInstances',
          ImageId: 'ami-1',
          MinCount: '1',
          MaxCount: '1',
          'IamInstanceProfile.Name': 'nope',
        },
        'InvalidParameterValue',
      ],
      [
        {
          Action: 'RunInstances',
          ImageId: 'ami-1',
          MinCount: '1',
          MaxCount: '1',
          'IamInstanceProfile.Name': 'empty-profile',
        },
        'InvalidParameterValue',
      ],
      [
        {
          Action: 'RunInstances',
          ImageId: 'ami-1',
          MinCount: '2',
          MaxCount: '1',
          'IamInstanceProfile.Name': 'web-profile',
        },
        'InvalidParameterValue',
      ],
      [{ Action: 'RunInstances', ImageId: 'ami-1', MinCount: 'x', MaxCount: '1' }, 'InvalidParameterValue'],
      [{ Action: 'RebootInstances' }, 'InvalidAction'],
      [{ Action: 'ModifyInstanceMetadataOptions' }, 'MissingParameter'],
    ];
    for (const [params, code] of cases) {
      const res = await call(plane.admin, params);
      expect([res.status, errorCode(res.text)], JSON.stringify(params)).toEqual([400, code]);
    }
  });

  it('authorizes with the policy engine: UnauthorizedOperation (403) without ec2 permissions', async () => {
    const assumed = await plane.call('sts', plane.admin, {
      Action: 'AssumeRole',
      Version: '2011-06-15',
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/web`,
      RoleSessionName: 'no-ec2',
    });
    const creds = credentialsOf(assumed.text);
    const res = await call(creds, { Action: 'DescribeInstances' });
    expect(res.status).toBe(403);
    expect(errorCode(res.text)).toBe('UnauthorizedOperation');
    expect(res.text).toContain('ec2:DescribeInstances');
  });

  it('publishes the identity certificate and ignores requests that are not EC2', async () => {
    const base = {
      rawHeaders: [],
      headers: {},
      body: Buffer.alloc(0),
      remoteAddress: '127.0.0.1',
      requestId: 'r',
      receivedAt: 0,
    };
    const cert = await ec2({ ...base, method: 'GET', url: IDENTITY_CERTIFICATE_PATH }, undefined, () =>
      Promise.reject(new Error('unused')),
    );
    expect(cert?.body).toBe('PEM');
    expect(
      ec2({ ...base, method: 'POST', url: '/' }, 'sts', () => Promise.reject(new Error('unused'))),
    ).toBeUndefined();
  });
});

describe('DisassociateIamInstanceProfile', () => {
  let imds: ImdsService;

  beforeAll(async () => {
    imds = createImdsService({
      store: plane.store,
      snapshot: plane.snapshot,
      keyRing: plane.keyRing,
      accountId: ACCOUNT,
      region: 'us-east-1',
      partition: 'aws',
      identity: createIdentitySigner(),
      now: () => plane.clock.now,
      portBase: 32000 + Math.floor(Math.random() * 2000),
      portSpan: 500,
      pollMs: 0,
    });
    await imds.start();
  });

  afterAll(() => imds.stop());

  /** An instance launched with web-profile, and its association id as a CLI user finds it. */
  async function associated(): Promise<{ id: string; associationId: string }> {
    const id = await run();
    const described = await call(plane.admin, {
      Action: 'DescribeIamInstanceProfileAssociations',
      'Filter.1.Name': 'instance-id',
      'Filter.1.Value.1': id,
    });
    expect(described.status).toBe(200);
    await imds.reconcile();
    return { id, associationId: xmlValue(described.text, 'associationId')! };
  }

  const metadata = (id: string, path: string): Promise<Response> =>
    fetch(`${imds.find(id)!.url}latest/meta-data/${path}`);

  it('takes the profile off the instance and its metadata iam/ tree disappears at once', async () => {
    const { id, associationId } = await associated();
    expect(await (await metadata(id, 'iam/security-credentials/')).text()).toBe('web');
    expect(await (await metadata(id, '')).text()).toMatch(/^iam\/$/m);
    const before = (await (await metadata(id, 'iam/security-credentials/web')).json()) as Record<
      string,
      string
    >;
    expect(before.Code).toBe('Success');

    const res = await call(plane.admin, {
      Action: 'DisassociateIamInstanceProfile',
      AssociationId: associationId,
    });
    expect(res.status).toBe(200);
    expect(res.text).toContain(
      `<DisassociateIamInstanceProfileResponse xmlns="${EC2_NAMESPACE}"><requestId>`,
    );
    expect(res.text).toContain(
      `<iamInstanceProfileAssociation><associationId>${associationId}</associationId><instanceId>${id}</instanceId>` +
        `<iamInstanceProfile><arn>arn:aws:iam::${ACCOUNT}:instance-profile/web-profile</arn>`,
    );
    expect(xmlValue(res.text, 'state')).toBe('disassociating');
    const w = await plane.store.getWorkload(ACCOUNT, 'ec2-instance', id);
    expect(w.settings.instanceProfileName).toBeUndefined();
    const described = await call(plane.admin, { Action: 'DescribeInstances', 'InstanceId.1': id });
    expect(described.text).not.toContain('<iamInstanceProfile>');

    await imds.reconcile();
    expect(imds.find(id)!.roleName).toBeUndefined();
    expect(await (await metadata(id, '')).text()).not.toMatch(/^iam\/$/m);
    for (const path of ['iam/', 'iam/info', 'iam/security-credentials/', 'iam/security-credentials/web']) {
      expect((await metadata(id, path)).status, path).toBe(404);
    }
    expect((await metadata(id, 'instance-id')).status).toBe(200);
  });

  it('RunInstances without an instance profile: no role, no iam/ tree, options pending then applied', async () => {
    const res = await call(plane.admin, {
      Action: 'RunInstances',
      ImageId: 'ami-0abcdef1234567890',
      MinCount: '1',
      MaxCount: '1',
      'MetadataOptions.HttpTokens': 'required',
    });
    expect(res.status).toBe(200);
    const id = xmlValue(res.text, 'instanceId')!;
    expect(res.text).not.toContain('<iamInstanceProfile>');
    expect(res.text).toContain('<metadataOptions><state>pending</state><httpTokens>required</httpTokens>');
    const w = await plane.store.getWorkload(ACCOUNT, 'ec2-instance', id);
    expect([w.roleName, w.roleArn, w.settings.instanceProfileName]).toEqual(['', undefined, undefined]);
    const described = await call(plane.admin, { Action: 'DescribeInstances', 'InstanceId.1': id });
    expect(described.text).toContain('<metadataOptions><state>applied</state>');
    expect(described.text).not.toContain('<iamInstanceProfile>');

    await imds.reconcile();
    expect(imds.find(id)!.roleName).toBeUndefined();
    const token = await (
      await fetch(`${imds.find(id)!.url}latest/api/token`, {
        method: 'PUT',
        headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' },
      })
    ).text();
    const get = (path: string): Promise<Response> =>
      fetch(`${imds.find(id)!.url}latest/meta-data/${path}`, {
        headers: { 'x-aws-ec2-metadata-token': token },
      });
    expect(await (await get('')).text()).not.toMatch(/^iam\/$/m);
    for (const path of ['iam/', 'iam/info', 'iam/security-credentials/', 'iam/security-credentials/web']) {
      expect((await get(path)).status, path).toBe(404);
    }
    expect(await (await get('instance-id')).text()).toBe(id);

    // A profile associated later brings the role and the iam/ tree.
    const associated = await call(plane.admin, {
      Action: 'AssociateIamInstanceProfile',
      InstanceId: id,
      'IamInstanceProfile.Name': 'web-profile',
    });
    expect(associated.status).toBe(200);
    await imds.reconcile();
    expect(await (await get('iam/security-credentials/')).text()).toBe('web');
  });

  it('refuses an association that no longer exists, or none at all', async () => {
    const { associationId } = await associated();
    const first = await call(plane.admin, {
      Action: 'DisassociateIamInstanceProfile',
      AssociationId: associationId,
    });
    expect(first.status).toBe(200);
    const again = await call(plane.admin, {
      Action: 'DisassociateIamInstanceProfile',
      AssociationId: associationId,
    });
    expect([again.status, errorCode(again.text)]).toEqual([400, 'InvalidParameterValue']);
    expect(again.text).toContain(`An association with ID ${associationId} does not exist.`);
    const replace = await call(plane.admin, {
      Action: 'ReplaceIamInstanceProfileAssociation',
      AssociationId: associationId,
      'IamInstanceProfile.Name': 'web-profile',
    });
    expect(errorCode(replace.text)).toBe('InvalidParameterValue');
    const missing = await call(plane.admin, { Action: 'DisassociateIamInstanceProfile' });
    expect([missing.status, errorCode(missing.text)]).toEqual([400, 'MissingParameter']);
  });

  it('needs ec2:DisassociateIamInstanceProfile on the instance', async () => {
    const { id, associationId } = await associated();
    const assumed = await plane.call('sts', plane.admin, {
      Action: 'AssumeRole',
      Version: '2011-06-15',
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/web`,
      RoleSessionName: 'no-ec2',
    });
    const res = await call(credentialsOf(assumed.text), {
      Action: 'DisassociateIamInstanceProfile',
      AssociationId: associationId,
    });
    expect([res.status, errorCode(res.text)]).toEqual([403, 'UnauthorizedOperation']);
    expect(res.text).toContain('ec2:DisassociateIamInstanceProfile');
    expect(res.text).toContain(`instance/${id}`);
    const w = await plane.store.getWorkload(ACCOUNT, 'ec2-instance', id);
    expect(w.settings.instanceProfileName).toBe('web-profile');
  });
});

describe('DescribeIamInstanceProfileAssociations', () => {
  it('lists each instance association with the profile, filtered by instance-id, state and id', async () => {
    const a = await run();
    const b = await run();
    const res = await call(plane.admin, {
      Action: 'DescribeIamInstanceProfileAssociations',
      'Filter.1.Name': 'instance-id',
      'Filter.1.Value.1': a,
      'Filter.1.Value.2': b,
      'Filter.2.Name': 'state',
      'Filter.2.Value.1': 'associated',
    });
    expect(res.status).toBe(200);
    expect(res.text).toContain(
      `<DescribeIamInstanceProfileAssociationsResponse xmlns="${EC2_NAMESPACE}"><requestId>`,
    );
    const items = [...res.text.matchAll(/<item>(.*?)<\/item>/g)].map((m) => m[1]!);
    expect(items).toHaveLength(2);
    items.sort((x, y) => (x.includes(a) ? -1 : y.includes(a) ? 1 : 0));
    expect(items[0]).toMatch(
      new RegExp(
        `^<associationId>iip-assoc-[0-9a-f]{17}</associationId><instanceId>${a}</instanceId>` +
          `<iamInstanceProfile><arn>arn:aws:iam::${ACCOUNT}:instance-profile/web-profile</arn><id>AIPA[A-Z0-9]+</id></iamInstanceProfile>` +
          `<state>associated</state><timestamp>\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z</timestamp>$`,
      ),
    );
    const byId = await call(plane.admin, {
      Action: 'DescribeIamInstanceProfileAssociations',
      'AssociationId.1': xmlValue(items[1]!, 'associationId')!,
    });
    expect(byId.text.match(/<item>/g)).toHaveLength(1);
    expect(xmlValue(byId.text, 'instanceId')).toBe(b);
    const disassociating = await call(plane.admin, {
      Action: 'DescribeIamInstanceProfileAssociations',
      'Filter.1.Name': 'state',
      'Filter.1.Value.1': 'disassociating',
    });
    expect(disassociating.text).toContain(
      '<iamInstanceProfileAssociationSet></iamInstanceProfileAssociationSet>',
    );
  });

  it('pages with MaxResults and NextToken, and rejects unknown ids and filters', async () => {
    for (let i = 0; i < 6; i++) await run();
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const res = await call(plane.admin, {
        Action: 'DescribeIamInstanceProfileAssociations',
        MaxResults: '5',
        ...(token === undefined ? {} : { NextToken: token }),
      });
      const ids = [...res.text.matchAll(/<associationId>([^<]+)<\/associationId>/g)].map((m) => m[1]!);
      expect(ids.length).toBeLessThanOrEqual(5);
      seen.push(...ids);
      token = xmlValue(res.text, 'nextToken');
    } while (token !== undefined);
    const all = await call(plane.admin, { Action: 'DescribeIamInstanceProfileAssociations' });
    expect(seen).toEqual([...all.text.matchAll(/<associationId>([^<]+)<\/associationId>/g)].map((m) => m[1]));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(7);
    for (const params of [
      { 'AssociationId.1': 'iip-assoc-00000000000000000' },
      { 'Filter.1.Name': 'instance-type', 'Filter.1.Value.1': 't3.micro' },
      { MaxResults: '4' },
    ] as Record<string, string>[]) {
      const bad = await call(plane.admin, { Action: 'DescribeIamInstanceProfileAssociations', ...params });
      expect([bad.status, errorCode(bad.text)], JSON.stringify(params)).toEqual([
        400,
        'InvalidParameterValue',
      ]);
    }
  });
});

describe('Modify/GetInstanceMetadataDefaults', () => {
  const defaults = (): Promise<unknown> =>
    plane.store.getAccountSetting(ACCOUNT, 'ec2:instance-metadata-defaults');

  it('stores the account defaults under ec2:instance-metadata-defaults and reports them', async () => {
    const empty = await call(plane.admin, { Action: 'GetInstanceMetadataDefaults' });
    expect(empty.status).toBe(200);
    expect(empty.text).toContain(`<GetInstanceMetadataDefaultsResponse xmlns="${EC2_NAMESPACE}"><requestId>`);
    expect(empty.text).toContain('<accountLevel><managedBy>account</managedBy></accountLevel>');

    const res = await call(plane.admin, {
      Action: 'ModifyInstanceMetadataDefaults',
      HttpTokens: 'required',
      HttpPutResponseHopLimit: '2',
      InstanceMetadataTags: 'enabled',
    });
    expect(res.status).toBe(200);
    expect(res.text).toMatch(
      /<ModifyInstanceMetadataDefaultsResponse xmlns="[^"]+"><requestId>[-0-9a-f]+<\/requestId><return>true<\/return><\/ModifyInstanceMetadataDefaultsResponse>$/,
    );
    expect(await defaults()).toEqual({
      HttpTokens: 'required',
      HttpPutResponseHopLimit: 2,
      InstanceMetadataTags: 'enabled',
    });
    const got = await call(plane.admin, { Action: 'GetInstanceMetadataDefaults' });
    expect(got.text).toContain(
      '<accountLevel><httpTokens>required</httpTokens><httpPutResponseHopLimit>2</httpPutResponseHopLimit>' +
        '<instanceMetadataTags>enabled</instanceMetadataTags><managedBy>account</managedBy></accountLevel>',
    );

    // Only what is given changes; no-preference and -1 remove a default.
    await call(plane.admin, { Action: 'ModifyInstanceMetadataDefaults', HttpEndpoint: 'enabled' });
    expect(await defaults()).toMatchObject({ HttpTokens: 'required', HttpEndpoint: 'enabled' });
    await call(plane.admin, {
      Action: 'ModifyInstanceMetadataDefaults',
      HttpTokens: 'no-preference',
      HttpPutResponseHopLimit: '-1',
      InstanceMetadataTags: 'no-preference',
    });
    expect(await defaults()).toEqual({ HttpEndpoint: 'enabled' });
    await call(plane.admin, { Action: 'ModifyInstanceMetadataDefaults', HttpEndpoint: 'no-preference' });
    expect(await defaults()).toBeUndefined();
  });

  it('RunInstances applies the account defaults per option, below the request’s MetadataOptions', async () => {
    await call(plane.admin, {
      Action: 'ModifyInstanceMetadataDefaults',
      HttpTokens: 'required',
      HttpPutResponseHopLimit: '3',
    });
    try {
      const plain = await run();
      expect(
        (await plane.store.getWorkload(ACCOUNT, 'ec2-instance', plain)).settings.metadataOptions,
      ).toEqual({
        httpTokens: 'required',
        httpPutResponseHopLimit: 3,
        httpEndpoint: 'enabled',
      });
      const described = await call(plane.admin, { Action: 'DescribeInstances', 'InstanceId.1': plain });
      expect(described.text).toContain('<httpTokens>required</httpTokens><httpPutResponseHopLimit>3<');
      const own = await run({ 'MetadataOptions.HttpTokens': 'optional' });
      expect((await plane.store.getWorkload(ACCOUNT, 'ec2-instance', own)).settings.metadataOptions).toEqual({
        httpTokens: 'optional',
        httpPutResponseHopLimit: 3,
        httpEndpoint: 'enabled',
      });
    } finally {
      await plane.store.putAccountSetting(ACCOUNT, 'ec2:instance-metadata-defaults', undefined);
    }
    // Defaults apply at launch only; clearing them leaves running instances alone, as on AWS.
    const after = await run();
    expect(
      (await plane.store.getWorkload(ACCOUNT, 'ec2-instance', after)).settings.metadataOptions,
    ).toMatchObject({
      httpTokens: 'optional',
      httpPutResponseHopLimit: 1,
    });
  });

  it('validates values and refuses HttpTokensEnforced rather than ignoring it', async () => {
    for (const [name, value, code] of [
      ['HttpTokens', 'sometimes', 'InvalidParameterValue'],
      ['HttpEndpoint', 'on', 'InvalidParameterValue'],
      ['InstanceMetadataTags', 'yes', 'InvalidParameterValue'],
      ['HttpPutResponseHopLimit', '0', 'InvalidParameterValue'],
      ['HttpPutResponseHopLimit', '65', 'InvalidParameterValue'],
      ['HttpPutResponseHopLimit', '-2', 'InvalidParameterValue'],
      ['HttpTokensEnforced', 'enabled', 'UnsupportedOperation'],
    ] as const) {
      const bad = await call(plane.admin, { Action: 'ModifyInstanceMetadataDefaults', [name]: value });
      expect([bad.status, errorCode(bad.text)], `${name}=${value}`).toEqual([400, code]);
    }
    expect(await defaults()).toBeUndefined();
  });

  it('DryRun answers DryRunOperation (412) and changes nothing', async () => {
    const res = await call(plane.admin, {
      Action: 'ModifyInstanceMetadataDefaults',
      HttpTokens: 'required',
      DryRun: 'true',
    });
    expect([res.status, errorCode(res.text)]).toEqual([412, 'DryRunOperation']);
    expect(await defaults()).toBeUndefined();
  });

  it('authorizes ec2:ModifyInstanceMetadataDefaults and ec2:GetInstanceMetadataDefaults', async () => {
    const assumed = await plane.call('sts', plane.admin, {
      Action: 'AssumeRole',
      Version: '2011-06-15',
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/web`,
      RoleSessionName: 'no-ec2',
    });
    const creds = credentialsOf(assumed.text);
    for (const action of ['ModifyInstanceMetadataDefaults', 'GetInstanceMetadataDefaults']) {
      const res = await call(creds, { Action: action, HttpTokens: 'required' });
      expect([res.status, errorCode(res.text)]).toEqual([403, 'UnauthorizedOperation']);
      expect(res.text).toContain(`ec2:${action}`);
    }
    const dry = await call(creds, { Action: 'GetInstanceMetadataDefaults', DryRun: 'true' });
    expect(errorCode(dry.text)).toBe('UnauthorizedOperation');
    expect(await defaults()).toBeUndefined();
  });
});
