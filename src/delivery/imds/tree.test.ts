import { describe, expect, it } from 'vitest';
import { identityDocument, instanceTree, lookup, type InstanceDescription } from './tree.js';

const description: InstanceDescription = {
  instanceId: 'i-0123456789abcdef0',
  accountId: '123456789012',
  region: 'us-east-1',
  availabilityZone: 'us-east-1a',
  imageId: 'ami-0abcdef1234567890',
  instanceType: 't3.micro',
  privateIp: '10.0.0.12',
  launchTime: new Date('2026-01-02T03:04:05.678Z'),
  instanceProfile: {
    arn: 'arn:aws:iam::123456789012:instance-profile/web',
    id: 'AIPAEXAMPLE',
    roleName: 'web-role',
  },
  userData: Buffer.from('#!/bin/sh\necho hi\n'),
};

const tree = instanceTree(description, {
  credentials: async (delivery, extended) => `creds ${delivery} ${extended}`,
  iamInfo: () => '{"Code":"Success"}',
  identityDocument: identityDocument(description),
  identitySignature: 'c2ln',
});

describe('metadata tree', () => {
  it('lists directories one entry a line, sub-directories with /, no trailing newline', () => {
    expect(lookup(tree, '/')).toEqual({ kind: 'listing', body: 'latest/' });
    expect(lookup(tree, '/latest/')).toEqual({ kind: 'listing', body: 'dynamic/\nmeta-data/\nuser-data' });
    const meta = lookup(tree, '/latest/meta-data/');
    expect(meta.kind === 'listing' && meta.body.split('\n')).toEqual([
      'ami-id',
      'ami-launch-index',
      'hostname',
      'iam/',
      'instance-id',
      'instance-type',
      'local-hostname',
      'local-ipv4',
      'placement/',
    ]);
    expect(lookup(tree, '/latest/meta-data/iam/')).toEqual({
      kind: 'listing',
      body: 'info\nsecurity-credentials/\nsecurity-credentials-extended/',
    });
  });

  it('lists exactly the role name for the role list, with or without the trailing slash', () => {
    expect(lookup(tree, '/latest/meta-data/iam/security-credentials/')).toEqual({
      kind: 'listing',
      body: 'web-role',
    });
    expect(lookup(tree, '/latest/meta-data/iam/security-credentials')).toEqual({
      kind: 'listing',
      body: 'web-role',
    });
    expect(lookup(tree, '/latest/meta-data/iam/security-credentials-extended/')).toEqual({
      kind: 'listing',
      body: 'web-role',
    });
  });

  it('serves leaves, and 404s everything unknown', async () => {
    expect(lookup(tree, '/latest/meta-data/instance-id')).toEqual({
      kind: 'leaf',
      value: 'i-0123456789abcdef0',
    });
    expect(lookup(tree, '/latest/meta-data/placement/availability-zone')).toEqual({
      kind: 'leaf',
      value: 'us-east-1a',
    });
    expect(lookup(tree, '/latest/meta-data/placement/region')).toEqual({ kind: 'leaf', value: 'us-east-1' });
    const creds = lookup(tree, '/latest/meta-data/iam/security-credentials/web-role');
    expect(creds.kind).toBe('leaf');
    if (creds.kind === 'leaf' && typeof creds.value === 'function')
      expect(await creds.value('2.0')).toBe('creds 2.0 false');
    const user = lookup(tree, '/latest/user-data');
    expect(user.kind === 'leaf' && String(user.value)).toBe('#!/bin/sh\necho hi\n');
    for (const path of [
      '/latest/meta-data/nope',
      '/latest/meta-data/iam/security-credentials/other-role',
      '/latest/meta-data/instance-id/deeper',
      '/latest/meta-data/__proto__',
      '/latest/meta-data/constructor',
      '/2021-01-01/meta-data/',
    ]) {
      expect(lookup(tree, path)).toEqual({ kind: 'missing' });
    }
  });

  it('has no iam/ without a profile and no user-data without user data', () => {
    const bare = instanceTree(
      { ...description, instanceProfile: undefined, userData: undefined } as unknown as InstanceDescription,
      { credentials: async () => '', iamInfo: () => '', identityDocument: '{}', identitySignature: '' },
    );
    expect(lookup(bare, '/latest/meta-data/iam/')).toEqual({ kind: 'missing' });
    expect(lookup(bare, '/latest/user-data')).toEqual({ kind: 'missing' });
  });

  it('writes the identity document with region and a Z pendingTime', () => {
    const doc = JSON.parse(identityDocument(description)) as Record<string, unknown>;
    expect(doc).toMatchObject({
      accountId: '123456789012',
      region: 'us-east-1',
      instanceId: 'i-0123456789abcdef0',
      pendingTime: '2026-01-02T03:04:05Z',
      version: '2017-09-30',
      kernelId: null,
    });
  });
});
