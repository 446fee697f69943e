import { describe, expect, it } from 'vitest';
import {
  identityDocument,
  instanceTree,
  lookup,
  METADATA_VERSIONS,
  type InstanceDescription,
} from './tree.js';

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
    expect(lookup(tree, '/latest/')).toEqual({ kind: 'listing', body: 'dynamic/\nmeta-data/\nuser-data' });
    const meta = lookup(tree, '/latest/meta-data/');
    expect(meta.kind === 'listing' && meta.body.split('\n')).toEqual([
      'ami-id',
      'ami-launch-index',
      'ami-manifest-path',
      'block-device-mapping/',
      'events/',
      'hostname',
      'iam/',
      'instance-action',
      'instance-id',
      'instance-life-cycle',
      'instance-type',
      'local-hostname',
      'local-ipv4',
      'mac',
      'network/',
      'placement/',
      'reservation-id',
      'security-groups',
      'services/',
    ]);
    expect(lookup(tree, '/latest/meta-data/iam/')).toEqual({
      kind: 'listing',
      body: 'info\nsecurity-credentials/\nsecurity-credentials-extended/',
    });
  });

  it('the root lists EC2’s versions (no `/`), each serving the same tree', () => {
    const root = lookup(tree, '/');
    expect(root.kind === 'listing' && root.body.split('\n')).toEqual([...METADATA_VERSIONS]);
    expect(METADATA_VERSIONS.slice(0, 3)).toEqual(['1.0', '2007-01-19', '2007-03-01']);
    expect(METADATA_VERSIONS).toContain('2009-04-04');
    expect(METADATA_VERSIONS.at(-1)).toBe('latest');
    for (const version of METADATA_VERSIONS) {
      expect(lookup(tree, `/${version}/meta-data/instance-id`)).toEqual({
        kind: 'leaf',
        value: 'i-0123456789abcdef0',
      });
    }
    expect(lookup(tree, '/2006-01-01/meta-data/instance-id')).toEqual({ kind: 'missing' });
  });

  it('a pinned version serves only the categories released by then (EC2 User Guide’s release column)', () => {
    const entries = (path: string): string[] => {
      const found = lookup(tree, path);
      return found.kind === 'listing' ? found.body.split('\n') : [];
    };
    expect(entries('/1.0/')).toEqual(entries('/latest/').filter((e) => e !== 'dynamic/'));
    expect(entries('/1.0/meta-data/')).not.toContain('instance-type');
    expect(entries('/2009-04-04/')).toContain('dynamic/');
    expect(entries('/2009-04-04/meta-data/')).not.toContain('iam/');
    expect(entries('/2009-04-04/meta-data/')).not.toContain('network/');
    expect(entries('/2009-04-04/meta-data/placement/')).toEqual(['availability-zone']);
    expect(entries('/2012-01-12/meta-data/')).toContain('iam/');
    expect(entries('/2014-02-25/meta-data/services/')).toEqual(['domain']);
    expect(entries('/2016-09-02/meta-data/')).not.toContain('events/');
    expect(entries('/2018-09-24/meta-data/')).toContain('events/');
    expect(entries('/2021-03-23/meta-data/placement/')).toEqual(entries('/latest/meta-data/placement/'));
    const mac = lookup(tree, '/latest/meta-data/mac');
    const macPath = mac.kind === 'leaf' ? `meta-data/network/interfaces/macs/${String(mac.value)}/` : '';
    expect(entries(`/2016-04-19/${macPath}`)).not.toContain('vpc-ipv4-cidr-blocks');
    expect(entries(`/2016-06-30/${macPath}`)).toContain('vpc-ipv4-cidr-blocks');
    expect(lookup(tree, '/2009-04-04/meta-data/iam/info')).toEqual({ kind: 'missing' });
  });

  it('network, placement, services and events as EC2 lays them out', () => {
    const leaf = (path: string): unknown => {
      const found = lookup(tree, path);
      return found.kind === 'leaf' ? found.value : found;
    };
    const mac = leaf('/latest/meta-data/mac') as string;
    expect(mac).toMatch(/^0e(:[0-9a-f]{2}){5}$/);
    expect(lookup(tree, '/latest/meta-data/network/interfaces/macs/')).toEqual({
      kind: 'listing',
      body: `${mac}/`,
    });
    const nic = `/latest/meta-data/network/interfaces/macs/${mac}/`;
    const listing = lookup(tree, nic);
    expect(listing.kind === 'listing' && listing.body.split('\n')).toEqual([
      'device-number',
      'interface-id',
      'local-hostname',
      'local-ipv4s',
      'mac',
      'owner-id',
      'security-group-ids',
      'security-groups',
      'subnet-id',
      'subnet-ipv4-cidr-block',
      'vpc-id',
      'vpc-ipv4-cidr-block',
      'vpc-ipv4-cidr-blocks',
    ]);
    expect(leaf(`${nic}device-number`)).toBe('0');
    expect(leaf(`${nic}mac`)).toBe(mac);
    expect(leaf(`${nic}local-ipv4s`)).toBe('10.0.0.12');
    expect(leaf(`${nic}owner-id`)).toBe('123456789012');
    expect(leaf(`${nic}interface-id`)).toMatch(/^eni-[0-9a-f]{17}$/);
    expect(leaf(`${nic}subnet-id`)).toMatch(/^subnet-[0-9a-f]{17}$/);
    expect(leaf(`${nic}vpc-id`)).toMatch(/^vpc-[0-9a-f]{17}$/);
    expect(leaf(`${nic}security-group-ids`)).toMatch(/^sg-[0-9a-f]{17}$/);
    expect(leaf('/latest/meta-data/placement/availability-zone')).toBe('us-east-1a');
    expect(leaf('/latest/meta-data/placement/availability-zone-id')).toBe('use1-az1');
    expect(leaf('/latest/meta-data/placement/region')).toBe('us-east-1');
    expect(leaf('/latest/meta-data/services/domain')).toBe('amazonaws.com');
    expect(leaf('/latest/meta-data/services/partition')).toBe('aws');
    expect(leaf('/latest/meta-data/events/maintenance/scheduled')).toBe('[]');
    expect(leaf('/latest/meta-data/events/maintenance/history')).toBe('[]');
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
