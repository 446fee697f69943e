import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readDeleteObjects } from './s3-bodies.js';
import { deleteObjectsPerItem } from './s3-delete-objects.js';

const BODY = Buffer.from(
  '<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet>' +
    '<Object><Key>ok&#13;&#10;1</Key><VersionId>v1</VersionId></Object>' +
    '<Object><Key>no &amp; never</Key></Object></Delete>',
);
const plan = deleteObjectsPerItem(BODY, readDeleteObjects(BODY), [[0], [1]]);

describe('DeleteObjects per key', () => {
  it('rewrites the body with the allowed objects only, keeping Quiet and versions, with its own Content-MD5', () => {
    const { body, headers } = plan.rewrite([0]);
    expect(readDeleteObjects(body)).toEqual([{ key: 'ok\r\n1', versionId: 'v1' }]);
    expect(body.toString()).toContain('<Quiet>true</Quiet>');
    expect(body.toString()).not.toContain('never');
    expect(headers['content-md5']).toBe(createHash('md5').update(body).digest('base64'));
    expect(Object.hasOwn(headers, 'x-amz-checksum-crc32')).toBe(true);
    expect(headers['x-amz-checksum-crc32']).toBeUndefined();
  });

  it('adds an AccessDenied error per denied key to the answer, also to a quiet (empty) one', () => {
    const full = plan
      .mergeResponse(Buffer.from('<DeleteResult><Deleted><Key>a</Key></Deleted></DeleteResult>'), [1])
      .toString();
    expect(full).toBe(
      '<DeleteResult><Deleted><Key>a</Key></Deleted><Error><Key>no &amp; never</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error></DeleteResult>',
    );
    const quiet = plan.mergeResponse(Buffer.from('<?xml version="1.0"?><DeleteResult xmlns="x"/>'), [0]);
    expect(quiet.toString()).toBe(
      '<?xml version="1.0"?><DeleteResult xmlns="x"><Error><Key>ok&#13;&#10;1</Key><VersionId>v1</VersionId><Code>AccessDenied</Code><Message>Access Denied</Message></Error></DeleteResult>',
    );
    expect(plan.allDenied([0, 1])).toMatchObject({ status: 200 });
  });
});
