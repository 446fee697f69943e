/**
 * Virtual MFA devices through `@aws-sdk/client-iam` and the `aws` CLI against the production
 * handler: the seed a client receives generates, by RFC 6238, the codes IAM then accepts.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CreateVirtualMFADeviceCommand,
  DeactivateMFADeviceCommand,
  DeleteConflictException,
  DeleteUserCommand,
  DeleteVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  EntityAlreadyExistsException,
  InvalidAuthenticationCodeException,
  ListMFADevicesCommand,
  ListVirtualMFADevicesCommand,
  NoSuchEntityException,
  ResyncMFADeviceCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MFA_FAILURES_BEFORE_LOCK, MFA_LOCK_MS, MfaAttempts } from '../control/mfa-attempts.js';
import { verifyMfaCode } from '../control/mfa-code.js';
import { openSecret, sealSecret } from '../crypto/index.js';
import { generateMasterKey } from '../crypto/master-key.js';
import { totpCode, totpStep } from '../crypto/totp.js';
import { startIamSdkServer, type IamSdkServer } from './test-support/sdk-server.js';
import { ACCOUNT } from './test-support/context.js';
import { scanQrPng } from './test-support/qr.js';
import { base32Decode } from '../server/test-support/mfa.js';

const run = promisify(execFile);
const masterKey = generateMasterKey();
let h: IamSdkServer;
let clock = Date.UTC(2026, 0, 1, 12, 0, 0);

async function newDevice(name: string): Promise<{ serial: string; seed: Buffer }> {
  const out = await h.client.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: name }));
  const seedText = Buffer.from(out.VirtualMFADevice!.Base32StringSeed!).toString('ascii');
  expect(seedText).toMatch(/^[A-Z2-7]{64}$/);
  return { serial: out.VirtualMFADevice!.SerialNumber!, seed: base32Decode(seedText) };
}

const codeAt = (seed: Buffer, offset = 0) => totpCode(seed, totpStep(clock) + offset);

beforeAll(async () => {
  h = await startIamSdkServer('credplane-iam-mfa-');
  h.ctx.accessKeys = {
    seal: (secret, id) => sealSecret(secret, id, masterKey),
    open: (sealed, id) => openSecret(sealed, id, masterKey),
  };
  h.ctx.now = () => clock;
  await h.ctx.store.createUser(ACCOUNT, { userName: 'admin' });
  await h.ctx.store.createUser(ACCOUNT, { userName: 'alice' });
});

afterAll(async () => {
  await h?.close();
});

describe('virtual MFA devices', () => {
  it('creates a device whose seed yields the codes EnableMFADevice accepts (two consecutive)', async () => {
    const { serial, seed } = await newDevice('alice-phone');
    expect(serial).toBe(`arn:aws:iam::${ACCOUNT}:mfa/alice-phone`);
    expect(h.ctx.calls.at(-1)).toMatchObject({ action: 'iam:CreateVirtualMFADevice', resource: serial });
    await expect(
      h.client.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'alice-phone' })),
    ).rejects.toBeInstanceOf(EntityAlreadyExistsException);

    // Not consecutive, or swapped, or from another seed: refused with IAM's 403.
    for (const [c1, c2] of [
      [codeAt(seed, -1), codeAt(seed, 1)],
      [codeAt(seed, 0), codeAt(seed, -1)],
      [codeAt(seed, -5), codeAt(seed, -4)],
      ['000000', '000000'],
    ]) {
      const error = await h.client
        .send(
          new EnableMFADeviceCommand({
            UserName: 'alice',
            SerialNumber: serial,
            AuthenticationCode1: c1,
            AuthenticationCode2: c2,
          }),
        )
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidAuthenticationCodeException);
      expect((error as Error).message).toBe('Authentication code for device is not valid.');
    }
    await h.client.send(
      new EnableMFADeviceCommand({
        UserName: 'alice',
        SerialNumber: serial,
        AuthenticationCode1: codeAt(seed, -1),
        AuthenticationCode2: codeAt(seed),
      }),
    );
    expect(h.ctx.calls.at(-1)).toMatchObject({
      action: 'iam:EnableMFADevice',
      resource: `arn:aws:iam::${ACCOUNT}:user/alice`,
    });
    const listed = await h.client.send(new ListMFADevicesCommand({ UserName: 'alice' }));
    expect(listed.MFADevices).toEqual([
      { UserName: 'alice', SerialNumber: serial, EnableDate: expect.any(Date) },
    ]);
    // Enabled once only.
    await expect(
      h.client.send(
        new EnableMFADeviceCommand({
          UserName: 'admin',
          SerialNumber: serial,
          AuthenticationCode1: codeAt(seed),
          AuthenticationCode2: codeAt(seed, 1),
        }),
      ),
    ).rejects.toBeInstanceOf(EntityAlreadyExistsException);
    await expect(h.client.send(new DeleteUserCommand({ UserName: 'alice' }))).rejects.toBeInstanceOf(
      DeleteConflictException,
    );
    await expect(
      h.client.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial })),
    ).rejects.toBeInstanceOf(DeleteConflictException);
  });

  it('accepts a code once (the enabling codes are spent; a later code once, not twice)', async () => {
    const { serial, seed } = await newDevice('once');
    await h.client.send(
      new EnableMFADeviceCommand({
        UserName: 'admin',
        SerialNumber: serial,
        AuthenticationCode1: codeAt(seed, -1),
        AuthenticationCode2: codeAt(seed),
      }),
    );
    const check = async (code: string, user = 'admin') =>
      (await verifyMfaCode(h.ctx.store, h.ctx.accessKeys!.open!, {
        accountId: ACCOUNT,
        userName: user,
        serialNumber: serial,
        code,
        now: clock,
      })) === 'accepted';
    expect(await check(codeAt(seed))).toBe(false);
    expect(await check(codeAt(seed, -1))).toBe(false);
    expect(await check(codeAt(seed, 1), 'alice')).toBe(false);
    expect(await check(codeAt(seed, 1))).toBe(true);
    expect(await check(codeAt(seed, 1))).toBe(false);
    clock += 60_000;
    expect(await check(codeAt(seed))).toBe(true);
    // Resync records its step too.
    clock += 60_000;
    await h.client.send(
      new ResyncMFADeviceCommand({
        UserName: 'admin',
        SerialNumber: serial,
        AuthenticationCode1: codeAt(seed, -1),
        AuthenticationCode2: codeAt(seed),
      }),
    );
    expect(await check(codeAt(seed))).toBe(false);
    await h.client.send(new DeactivateMFADeviceCommand({ UserName: 'admin', SerialNumber: serial }));
    expect(await check(codeAt(seed, 1))).toBe(false);
    await h.client.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial }));
    await expect(
      h.client.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial })),
    ).rejects.toBeInstanceOf(NoSuchEntityException);
  });

  it('lists virtual devices by assignment with the user, through the aws CLI', async () => {
    const free = await newDevice('free');
    const all = await h.client.send(new ListVirtualMFADevicesCommand({}));
    expect(all.VirtualMFADevices!.map((d) => d.SerialNumber)).toContain(free.serial);
    expect(all.VirtualMFADevices!.every((d) => d.Base32StringSeed === undefined)).toBe(true);
    const { stdout } = await run(
      'aws',
      [
        'iam',
        'list-virtual-mfa-devices',
        '--assignment-status',
        'Assigned',
        '--endpoint-url',
        h.server.url,
        '--output',
        'json',
      ],
      { env: h.cliEnv },
    );
    const assigned = (
      JSON.parse(stdout) as {
        VirtualMFADevices: { SerialNumber: string; User?: { UserName: string }; EnableDate?: string }[];
      }
    ).VirtualMFADevices;
    expect(assigned).toEqual([
      expect.objectContaining({
        SerialNumber: `arn:aws:iam::${ACCOUNT}:mfa/alice-phone`,
        User: expect.objectContaining({ UserName: 'alice' }),
        EnableDate: expect.any(String),
      }),
    ]);
    const unassigned = await h.client.send(
      new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Unassigned', MaxItems: 1 }),
    );
    expect(unassigned.VirtualMFADevices).toHaveLength(1);
    expect(unassigned.VirtualMFADevices![0]!.User).toBeUndefined();
  }, 30_000);

  it('writes the seed to --outfile with the aws CLI’s Base32StringSeed bootstrap method', async () => {
    const outfile = join(h.cliEnv.HOME!, 'seed.txt');
    const { stdout } = await run(
      'aws',
      [
        'iam',
        'create-virtual-mfa-device',
        '--virtual-mfa-device-name',
        'cli-device',
        '--outfile',
        outfile,
        '--bootstrap-method',
        'Base32StringSeed',
        '--endpoint-url',
        h.server.url,
        '--output',
        'json',
      ],
      { env: h.cliEnv },
    );
    expect(JSON.parse(stdout)).toEqual({
      VirtualMFADevice: { SerialNumber: `arn:aws:iam::${ACCOUNT}:mfa/cli-device` },
    });
    expect(readFileSync(outfile, 'ascii')).toMatch(/^[A-Z2-7]{64}$/);
  }, 30_000);

  it('returns QRCodePNG, a QR code of the key URI IAM documents, holding the same seed', async () => {
    const out = await h.client.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'qr-phone' }));
    const seedText = Buffer.from(out.VirtualMFADevice!.Base32StringSeed!).toString('ascii');
    const png = out.VirtualMFADevice!.QRCodePNG!;
    expect(Buffer.from(png.subarray(0, 8))).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );
    expect(scanQrPng(png)).toBe(`otpauth://totp/qr-phone@${ACCOUNT}?secret=${seedText}&issuer=credplane`);
    // Like the seed, the image is in CreateVirtualMFADevice's answer only.
    const listed = await h.client.send(new ListVirtualMFADevicesCommand({}));
    expect(listed.VirtualMFADevices!.every((d) => d.QRCodePNG === undefined)).toBe(true);
  });

  it('writes a PNG an authenticator can scan to --outfile with --bootstrap-method QRCodePNG', async () => {
    const outfile = join(h.cliEnv.HOME!, 'qr.png');
    await run(
      'aws',
      [
        'iam',
        'create-virtual-mfa-device',
        '--virtual-mfa-device-name',
        'cli-qr',
        '--outfile',
        outfile,
        '--bootstrap-method',
        'QRCodePNG',
        '--endpoint-url',
        h.server.url,
        '--output',
        'json',
      ],
      { env: h.cliEnv },
    );
    const uri = scanQrPng(readFileSync(outfile));
    const match = /^otpauth:\/\/totp\/cli-qr@(\d{12})\?secret=([A-Z2-7]{64})&issuer=credplane$/.exec(
      uri ?? '',
    );
    expect(match?.[1], uri).toBe(ACCOUNT);
    // The scanned secret is the device's: its codes enable it.
    const seed = base32Decode(match![2]!);
    await h.client.send(
      new EnableMFADeviceCommand({
        UserName: 'admin',
        SerialNumber: `arn:aws:iam::${ACCOUNT}:mfa/cli-qr`,
        AuthenticationCode1: codeAt(seed, -1),
        AuthenticationCode2: codeAt(seed),
      }),
    );
    await h.client.send(
      new DeactivateMFADeviceCommand({
        UserName: 'admin',
        SerialNumber: `arn:aws:iam::${ACCOUNT}:mfa/cli-qr`,
      }),
    );
  }, 30_000);

  it('refuses malformed codes and serial numbers as IAM validates them', async () => {
    const error = await h.client
      .send(
        new EnableMFADeviceCommand({
          UserName: 'alice',
          SerialNumber: 'short',
          AuthenticationCode1: '12345',
          AuthenticationCode2: 'abcdef',
        }),
      )
      .catch((e: unknown) => e as Error);
    expect((error as Error).name).toBe('ValidationError');
    expect((error as Error).message).toContain('Member must have length greater than or equal to 9');
  });
});

describe('ResyncMFADevice learns the device’s clock drift', () => {
  let attempts: MfaAttempts;
  beforeAll(async () => {
    await h.ctx.store.createUser(ACCOUNT, { userName: 'drifter' });
    await h.ctx.store.createUser(ACCOUNT, { userName: 'mallory' });
  });

  /** A device enabled for `user` (one step ago); the clock then moves a step on. */
  async function enabled(name: string, user: string) {
    attempts = new MfaAttempts();
    h.ctx.mfaAttempts = attempts;
    const device = await newDevice(name);
    await h.client.send(
      new EnableMFADeviceCommand({
        UserName: user,
        SerialNumber: device.serial,
        AuthenticationCode1: codeAt(device.seed, -1),
        AuthenticationCode2: codeAt(device.seed),
      }),
    );
    clock += 30_000;
    return device;
  }
  const resync = (user: string, serial: string, code1: string, code2: string) =>
    h.client.send(
      new ResyncMFADeviceCommand({
        UserName: user,
        SerialNumber: serial,
        AuthenticationCode1: code1,
        AuthenticationCode2: code2,
      }),
    );
  const check = async (serial: string, code: string, user = 'drifter') =>
    (await verifyMfaCode(
      h.ctx.store,
      h.ctx.accessKeys!.open!,
      { accountId: ACCOUNT, userName: user, serialNumber: serial, code, now: clock },
      attempts,
    )) === 'accepted';
  const drift = async (serial: string) => (await h.ctx.store.findMfaDevice(serial))!.driftSteps;

  it('refuses codes that are not two consecutive ones within ten steps, and the drift stays', async () => {
    const { serial, seed } = await enabled('drift-guess', 'drifter');
    for (const [c1, c2] of [
      [codeAt(seed, 3), codeAt(seed, 5)], // both valid, not consecutive
      [codeAt(seed, 5), codeAt(seed, 4)], // swapped
      ['000000', codeAt(seed, 5)], // one wrong
      [codeAt(seed, 10), codeAt(seed, 11)], // beyond the limit
    ]) {
      await expect(resync('drifter', serial, c1!, c2!)).rejects.toBeInstanceOf(
        InvalidAuthenticationCodeException,
      );
      expect(await drift(serial)).toBe(0);
    }
    expect(await check(serial, codeAt(seed, 5))).toBe(false);
    // Four wrong so far (with that check's): one more locks the device, resync included.
    await expect(resync('drifter', serial, '111111', '222222')).rejects.toBeInstanceOf(
      InvalidAuthenticationCodeException,
    );
    await expect(resync('drifter', serial, codeAt(seed, 4), codeAt(seed, 5))).rejects.toBeInstanceOf(
      InvalidAuthenticationCodeException,
    );
    expect(await check(serial, codeAt(seed))).toBe(false);
    expect(await drift(serial)).toBe(0);
    clock += MFA_LOCK_MS;
    await resync('drifter', serial, codeAt(seed, 4), codeAt(seed, 5));
    expect(await drift(serial)).toBe(5);
  });

  it('moves the one-step window to the device’s clock without widening it; codes stay single-use', async () => {
    const { serial, seed } = await enabled('drift-ahead', 'drifter');
    // The device runs 4 steps (2 minutes) ahead: its codes are refused until a resync.
    expect(await check(serial, codeAt(seed, 4))).toBe(false);
    await resync('drifter', serial, codeAt(seed, 3), codeAt(seed, 4));
    expect(await drift(serial)).toBe(4);
    // The resync's codes are spent, in the device's steps.
    expect(await check(serial, codeAt(seed, 4))).toBe(false);
    expect(await check(serial, codeAt(seed, 3))).toBe(false);
    clock += 30_000;
    // Within one step of the device's clock only: not the server's, not two steps off.
    for (const offset of [0, 1, 2, 6, 7]) expect(await check(serial, codeAt(seed, offset))).toBe(false);
    attempts.succeeded(serial);
    expect(await check(serial, codeAt(seed, 4))).toBe(true);
    expect(await check(serial, codeAt(seed, 4))).toBe(false);
    expect(await check(serial, codeAt(seed, 5))).toBe(true);
    // The resync's codes cannot resync again either.
    await expect(resync('drifter', serial, codeAt(seed, 2), codeAt(seed, 3))).rejects.toBeInstanceOf(
      InvalidAuthenticationCodeException,
    );
    // Resyncing again measures from the server's clock: no walking past the limit step by step.
    clock += 30_000;
    await expect(resync('drifter', serial, codeAt(seed, 10), codeAt(seed, 11))).rejects.toBeInstanceOf(
      InvalidAuthenticationCodeException,
    );
    await resync('drifter', serial, codeAt(seed, 9), codeAt(seed, 10));
    expect(await drift(serial)).toBe(10);
    // A device running behind, once resynced, is checked behind; the step just used (the resync's
    // second code) is not accepted again although it is inside the moved window.
    clock += 20 * 30_000;
    await resync('drifter', serial, codeAt(seed, -3), codeAt(seed, -2));
    expect(await drift(serial)).toBe(-2);
    clock += 30_000;
    expect(await check(serial, codeAt(seed, -3))).toBe(false);
    expect(await check(serial, codeAt(seed, 0))).toBe(false);
    attempts.succeeded(serial);
    expect(await check(serial, codeAt(seed, -2))).toBe(true);
  });

  it('refuses to resync another user’s device, without counting toward its lockout', async () => {
    const { serial, seed } = await enabled('drift-victim', 'drifter');
    for (let i = 0; i < MFA_FAILURES_BEFORE_LOCK + 1; i++) {
      const error = await resync('mallory', serial, codeAt(seed, 2), codeAt(seed, 3)).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(NoSuchEntityException);
      expect((error as Error).message).toBe(
        `MFA Device with serial number ${serial} does not exist for user mallory.`,
      );
    }
    expect(await drift(serial)).toBe(0);
    await resync('drifter', serial, codeAt(seed, 2), codeAt(seed, 3));
    expect(await drift(serial)).toBe(3);
    // An unassigned device has no one to resync it.
    const free = await newDevice('drift-free');
    await expect(
      resync('drifter', free.serial, codeAt(free.seed, -1), codeAt(free.seed)),
    ).rejects.toBeInstanceOf(NoSuchEntityException);
  });
});
