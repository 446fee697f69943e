/**
 * Property: paging through ListAccessKeys (`MaxItems` 1, as `aws iam list-access-keys
 * --page-size 1` does) shows every key of the user, so an audit that pages cannot miss one. The
 * store lists keys by creation time to the millisecond, then id; the marker must follow that
 * order, not the second-rounded date the answer shows (two keys made in one second would then
 * sort by id, and the second page would skip a key whose id sorts first).
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestPlane, type TestPlane, xmlValue } from '../../src/server/test-support/plane.js';

const IAM = { Version: '2010-05-08' };

let plane: TestPlane;

beforeEach(async () => {
  plane = await createTestPlane();
});
afterEach(async () => {
  await plane.close();
});

async function admin(params: Record<string, string>): Promise<string> {
  const res = await plane.call('iam', plane.admin, { ...IAM, ...params });
  expect(res.status, res.text).toBe(200);
  return res.text;
}

async function pagedIds(userName: string): Promise<string[]> {
  const ids: string[] = [];
  let marker: string | undefined;
  for (let page = 0; page < 5; page++) {
    const text = await admin({
      Action: 'ListAccessKeys',
      UserName: userName,
      MaxItems: '1',
      ...(marker === undefined ? {} : { Marker: marker }),
    });
    ids.push(...[...text.matchAll(/<AccessKeyId>([^<]+)<\/AccessKeyId>/g)].map((m) => m[1]!));
    if (xmlValue(text, 'IsTruncated') !== 'true') return ids;
    marker = xmlValue(text, 'Marker');
  }
  return ids;
}

it('lists both keys of a user one page at a time, whatever their ids', async () => {
  await admin({ Action: 'CreateUser', UserName: 'auditee' });
  // Two keys made in the same second, the later one with the smaller id (random ids: retry).
  for (let attempt = 0; attempt < 40; attempt++) {
    const first = xmlValue(await admin({ Action: 'CreateAccessKey', UserName: 'auditee' }), 'AccessKeyId')!;
    const second = xmlValue(await admin({ Action: 'CreateAccessKey', UserName: 'auditee' }), 'AccessKeyId')!;
    const keys = await plane.store.listAccessKeys('123456789012', 'auditee');
    const sameSecond =
      Math.floor(keys[0]!.createDate.getTime() / 1000) === Math.floor(keys[1]!.createDate.getTime() / 1000);
    if (sameSecond && second < first) {
      expect((await pagedIds('auditee')).sort()).toEqual([first, second].sort());
      return;
    }
    for (const id of [first, second]) {
      await admin({ Action: 'DeleteAccessKey', UserName: 'auditee', AccessKeyId: id });
    }
  }
  throw new Error('no two keys made in one second with ids in reverse order');
});
