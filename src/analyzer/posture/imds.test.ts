import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../store/store.js';
import { ACCT, load, memoryStore, role } from '../test-support/fixtures.js';
import { imdsFindings } from './imds.js';

let store: Store;
beforeEach(async () => {
  store = await memoryStore();
  await role(store, 'web');
});
afterEach(() => store.close());

async function instance(name: string, metadataOptions: object, tags: object[] = []): Promise<void> {
  await store.putWorkload(ACCT, {
    kind: 'ec2-instance',
    name,
    roleName: 'web',
    settings: { instanceId: `i-${name}`, metadataOptions: { ...metadataOptions }, tags: [...tags] as never },
  });
}

const codes = async (): Promise<string[]> =>
  imdsFindings(await load(store)).map((f) => `${f.code} ${f.subject.name}`);

describe('IMDSV1_ALLOWED', () => {
  it('flags an instance with HttpTokens=optional', async () => {
    await instance('a', { httpTokens: 'optional', httpPutResponseHopLimit: 1 });
    expect(await codes()).toContain('IMDSV1_ALLOWED i-a');
  });

  it('does not flag HttpTokens=required, nor an instance whose metadata endpoint is disabled', async () => {
    await instance('a', { httpTokens: 'required', httpPutResponseHopLimit: 1 });
    await instance('b', { httpTokens: 'optional', httpEndpoint: 'disabled' });
    expect((await codes()).filter((c) => c.startsWith('IMDSV1'))).toEqual([]);
  });

  it('takes an instance without its own HttpTokens from the account default', async () => {
    await instance('a', {});
    expect(await codes()).toContain('IMDSV1_ALLOWED i-a');
    await store.putAccountSetting(ACCT, 'ec2:instance-metadata-defaults', { HttpTokens: 'required' });
    const findings = imdsFindings(await load(store));
    expect(findings.map((f) => f.code)).toEqual([]);
  });
});

describe('ACCOUNT_DEFAULT_ALLOWS_IMDSV1', () => {
  it('flags an account without a default (AWS then launches with optional) and with optional', async () => {
    expect(await codes()).toEqual([`ACCOUNT_DEFAULT_ALLOWS_IMDSV1 ${ACCT}`]);
    await store.putAccountSetting(ACCT, 'ec2:instance-metadata-defaults', { HttpTokens: 'optional' });
    expect(await codes()).toEqual([`ACCOUNT_DEFAULT_ALLOWS_IMDSV1 ${ACCT}`]);
  });

  it('does not flag an account whose default is HttpTokens=required', async () => {
    await store.putAccountSetting(ACCT, 'ec2:instance-metadata-defaults', { HttpTokens: 'required' });
    expect(await codes()).toEqual([]);
  });
});

describe('HOP_LIMIT_ABOVE_ONE', () => {
  it('flags a hop limit of 2 on an instance that hosts no containers', async () => {
    await instance('a', { httpTokens: 'required', httpPutResponseHopLimit: 2 });
    const f = imdsFindings(await load(store)).find((x) => x.code === 'HOP_LIMIT_ABOVE_ONE');
    expect(f?.subject.name).toBe('i-a');
    expect(f?.details?.httpPutResponseHopLimit).toBe(2);
  });

  it('does not flag hop limit 1, nor an instance tagged as hosting containers', async () => {
    await instance('a', { httpTokens: 'required', httpPutResponseHopLimit: 1 });
    await instance('b', { httpTokens: 'required', httpPutResponseHopLimit: 2 }, [
      { key: 'credplane:hosts-containers', value: 'true' },
    ]);
    await instance('c', { httpTokens: 'required', httpPutResponseHopLimit: 2 }, [
      { key: 'eks:cluster-name', value: 'demo' },
    ]);
    expect((await codes()).filter((c) => c.startsWith('HOP'))).toEqual([]);
  });
});
