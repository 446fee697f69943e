/**
 * The access-log events of the control plane's Query APIs, end to end through the real handler:
 * `responseElements`, `errorCode` and `errorMessage` as the response carried them, for an STS
 * AssumeRole, an IAM CreateRole (with tags and a nested trust policy) and a denied IAM call.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccessEventInput } from '../store/store.js';
import { HIDDEN } from './redact.js';
import {
  ACCOUNT,
  createTestPlane,
  credentialsOf,
  type TestPlane,
  xmlValue,
} from '../server/test-support/plane.js';

let plane: TestPlane;
let events: AccessEventInput[];

beforeEach(async () => {
  events = [];
  plane = await createTestPlane({
    accessLog: {
      commit: (event) => {
        events.push(event);
        return Promise.resolve(true);
      },
    },
  });
});

/** The stored record (CloudTrail's shape, secrets redacted). */
function recordOf(event: AccessEventInput): Record<string, unknown> {
  return event.record as Record<string, unknown>;
}

afterEach(async () => {
  await plane.close();
});

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
  ],
});

async function createRole(name: string): Promise<string> {
  const res = await plane.call('iam', plane.admin, {
    Action: 'CreateRole',
    Version: '2010-05-08',
    RoleName: name,
    Path: '/apps/',
    Description: 'a <web> & "app" role',
    AssumeRolePolicyDocument: TRUST,
    'Tags.member.1.Key': 'team',
    'Tags.member.1.Value': 'payments',
    'Tags.member.2.Key': 'empty',
    'Tags.member.2.Value': '',
  });
  expect(res.status).toBe(200);
  return xmlValue(res.text, 'Arn')!;
}

describe('Query API access-log events', () => {
  it('IAM CreateRole: the created role as responseElements', async () => {
    const arn = await createRole('web');
    const role = await plane.store.getRole(ACCOUNT, 'web');
    const event = recordOf(events.at(-1)!);
    expect(event.eventName).toBe('CreateRole');
    expect(event.errorCode).toBeUndefined();
    expect(event.errorMessage).toBeUndefined();
    expect(event.responseElements).toEqual({
      role: {
        path: '/apps/',
        roleName: 'web',
        roleId: role.roleId,
        arn,
        createDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        assumeRolePolicyDocument: encodeURIComponent(TRUST),
        description: 'a <web> & "app" role',
        maxSessionDuration: '3600',
        // An element with no members renders as `<RoleLastUsed></RoleLastUsed>`: recorded as ''.
        roleLastUsed: '',
        tags: [
          { key: 'team', value: 'payments' },
          { key: 'empty', value: '' },
        ],
      },
    });
  });

  it('STS AssumeRole: the issued credentials and assumed-role user as responseElements', async () => {
    const arn = await createRole('deployer');
    const role = await plane.store.getRole(ACCOUNT, 'deployer');
    const res = await plane.call('sts', plane.admin, {
      Action: 'AssumeRole',
      Version: '2011-06-15',
      RoleArn: arn,
      RoleSessionName: 'ship-it',
      DurationSeconds: '900',
    });
    expect(res.status).toBe(200);
    const creds = credentialsOf(res.text);
    const event = recordOf(events.at(-1)!);
    expect(event.eventName).toBe('AssumeRole');
    expect(event.errorCode).toBeUndefined();
    expect(event.responseElements).toEqual({
      credentials: {
        accessKeyId: creds.accessKeyId,
        secretAccessKey: expect.any(String),
        sessionToken: expect.any(String),
        expiration: xmlValue(res.text, 'Expiration'),
      },
      assumedRoleUser: {
        assumedRoleId: `${role.roleId}:ship-it`,
        arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ship-it`,
      },
    });
    // Secrets never reach the log.
    const elements = JSON.stringify(event.responseElements);
    expect(elements).not.toContain(creds.secretAccessKey);
    expect(elements).not.toContain(creds.sessionToken!);
  });

  it('a denied IAM call: the error code and message, no responseElements', async () => {
    await createRole('locked');
    const assumed = await plane.call('sts', plane.admin, {
      Action: 'AssumeRole',
      Version: '2011-06-15',
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/apps/locked`,
      RoleSessionName: 'nobody',
    });
    const creds = credentialsOf(assumed.text);
    const res = await plane.call('iam', creds, {
      Action: 'DeleteRole',
      Version: '2010-05-08',
      RoleName: 'locked',
    });
    expect(res.status).toBe(403);
    const event = recordOf(events.at(-1)!);
    expect(event.eventName).toBe('DeleteRole');
    expect(events.at(-1)!.decision).toBe('deny');
    expect(event.errorCode).toBe('AccessDenied');
    expect(event.errorMessage).toBe(xmlValue(res.text, 'Message'));
    expect(event.errorMessage).toMatch(
      /^User: arn:aws:sts::\d+:assumed-role\/locked\/nobody is not authorized to perform: iam:DeleteRole on resource: role locked because no identity-based policy allows the iam:DeleteRole action Encoded authorization failure message: /,
    );
    expect(event.responseElements).toBeNull();
  });

  it("a failed IAM call: the error document's code and message", async () => {
    const res = await plane.call('iam', plane.admin, {
      Action: 'DeleteRole',
      Version: '2010-05-08',
      RoleName: 'no-such-role',
    });
    expect(res.status).toBe(404);
    const event = recordOf(events.at(-1)!);
    expect(event.errorCode).toBe('NoSuchEntity');
    expect(event.errorMessage).toBe(xmlValue(res.text, 'Message'));
    expect(events.at(-1)!.decision).toBe('allow');
  });

  it('IAM CreateVirtualMFADevice: the device, its seed and QR code hidden; resync codes hidden', async () => {
    const res = await plane.call('iam', plane.admin, {
      Action: 'CreateVirtualMFADevice',
      Version: '2010-05-08',
      VirtualMFADeviceName: 'logged',
    });
    expect(res.status, res.text).toBe(200);
    const seedB64 = xmlValue(res.text, 'Base32StringSeed')!;
    const pngB64 = xmlValue(res.text, 'QRCodePNG')!;
    expect(Buffer.from(pngB64, 'base64').subarray(1, 4).toString('ascii')).toBe('PNG');
    const seedText = Buffer.from(seedB64, 'base64').toString('ascii');
    const event = recordOf(events.at(-1)!);
    expect(event.eventName).toBe('CreateVirtualMFADevice');
    const device = (event.responseElements as Record<string, Record<string, unknown>>).virtualMFADevice!;
    expect(device.serialNumber).toBe(`arn:aws:iam::${ACCOUNT}:mfa/logged`);
    const hidden = Object.entries(device)
      .filter(([, v]) => v === HIDDEN)
      .map(([k]) => k.toLowerCase());
    expect(hidden.sort()).toEqual(['base32stringseed', 'qrcodepng']);
    // Nowhere in the event, in any form: the seed, its blob, the image or a piece of it.
    const logged = JSON.stringify(events.at(-1));
    for (const secret of [seedText, seedB64, pngB64, pngB64.slice(200, 240)]) {
      expect(logged).not.toContain(secret);
    }

    await plane.call('iam', plane.admin, {
      Action: 'ResyncMFADevice',
      Version: '2010-05-08',
      UserName: 'admin',
      SerialNumber: `arn:aws:iam::${ACCOUNT}:mfa/logged`,
      AuthenticationCode1: '135791',
      AuthenticationCode2: '246802',
    });
    const resync = JSON.stringify(events.at(-1));
    expect(resync).toContain('ResyncMFADevice');
    expect(resync).not.toContain('135791');
    expect(resync).not.toContain('246802');
  });
});
