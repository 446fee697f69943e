/**
 * Virtual MFA devices: CreateVirtualMFADevice, EnableMFADevice, ResyncMFADevice,
 * DeactivateMFADevice, DeleteVirtualMFADevice, ListMFADevices, ListVirtualMFADevices.
 *
 * The seed is in CreateVirtualMFADevice's answer only, twice: `Base32StringSeed` (the base32
 * text as a blob) and `QRCodePNG` (a QR code of its key URI, `mfa-qr.ts`); the store keeps it
 * sealed under the master key, bound to the serial number. The API always returns both; the AWS
 * CLI's `--bootstrap-method` only chooses which one it writes to `--outfile`.
 */
import { type SeedOpener } from '../control/mfa-code.js';
import type { OperationContext } from '../control/operation.js';
import { encodeBase32 } from '../crypto/encoding.js';
import {
  generateTotpSeed,
  matchConsecutiveTotpSteps,
  matchTotpStep,
  totpCode,
  totpStep,
} from '../crypto/totp.js';
import { constantTimeEqual } from '../crypto/constant-time.js';
import { AwsError } from '../errors.js';
import { NoSuchEntityError } from '../iam/errors.js';
import type { VirtualMfaDevice } from '../iam/types.js';
import type { XmlNode } from '../protocol/xml.js';
import type { IamOperation } from './operation.js';
import { pageOf } from './paging.js';
import { checkText } from './params.js';
import { PrincipalParams, authorizeOnUser, targetUser } from './principals.js';
import { userXml } from './principal-xml.js';
import { isoDate, pageXml, tagsXml } from './serialize.js';
import { seedOf } from '../control/mfa-code.js';
import { otpauthUri, qrCodePng } from './mfa-qr.js';

/** botocore `virtualMFADeviceName` (IAM's reference gives 226 as its maximum length). */
const DEVICE_NAME = { min: 1, max: 226, re: /^[\w+=,.@-]+$/, pattern: '[\\w+=,.@-]+' };
/** botocore `serialNumberType`. */
const SERIAL_NUMBER = { min: 9, max: 256, re: /^[\w+=/:,.@-]+$/, pattern: '[\\w+=/:,.@-]+' };
/** botocore `authenticationCodeType`. */
const AUTHENTICATION_CODE = { min: 6, max: 6, re: /^\d+$/, pattern: '[\\d]+' };

class MfaParams extends PrincipalParams {
  serialNumber(): string {
    return this.text('SerialNumber', 'serialNumber', SERIAL_NUMBER);
  }

  /**
   * An MFA code, never echoed: a malformed one (`123 456` as an authenticator shows it, a code with
   * a digit too many) may still hold the device's current code, and the error message is returned
   * and kept in the access log, whose parameter redaction does not reach it.
   */
  code(n: 1 | 2): string {
    return this.required(`AuthenticationCode${n}`, `authenticationCode${n}`, (value, field) =>
      checkText(value, field, AUTHENTICATION_CODE).map((v) => ({ ...v, secret: true })),
    );
  }
}

/** IAM's `InvalidAuthenticationCode` (403). */
export class InvalidAuthenticationCodeError extends AwsError {
  constructor() {
    super('InvalidAuthenticationCode', 'Authentication code for device is not valid.', { status: 403 });
  }
}

function noSuchDevice(serialNumber: string): NoSuchEntityError {
  return new NoSuchEntityError(`VirtualMFADevice with serial number ${serialNumber} doesn't exist.`);
}

function sealing(ctx: OperationContext): { seal: (s: string, id: string) => Uint8Array; open: SeedOpener } {
  const seal = ctx.accessKeys?.seal;
  const open = ctx.accessKeys?.open;
  if (seal === undefined || open === undefined) {
    throw new AwsError('ServiceFailure', 'This server cannot keep MFA seeds (no master key).', {
      status: 500,
    });
  }
  return { seal, open };
}

const now = (ctx: OperationContext): number => (ctx.now ?? Date.now)();

async function deviceXml(ctx: OperationContext, device: VirtualMfaDevice): Promise<XmlNode> {
  const node: Record<string, XmlNode[keyof XmlNode]> = { SerialNumber: device.serialNumber };
  if (device.userName !== undefined) {
    const user = await ctx.store.findUser(ctx.accountId, device.userName);
    if (user !== undefined) node.User = userXml(user, 'list');
  }
  if (device.enableDate !== undefined) node.EnableDate = isoDate(device.enableDate);
  if (device.tags.length > 0) node.Tags = tagsXml(device.tags);
  return node;
}

/** The device, when it is one of this account's. */
async function accountDevice(
  ctx: OperationContext,
  serialNumber: string,
): Promise<VirtualMfaDevice | undefined> {
  const device = await ctx.store.findMfaDevice(serialNumber);
  return device !== undefined && device.accountId === ctx.accountId ? device : undefined;
}

const createVirtualMfaDevice: IamOperation = async (ctx, params) => {
  const input = new MfaParams(params);
  const path = input.path() ?? '/';
  const deviceName = input.text('VirtualMFADeviceName', 'virtualMFADeviceName', DEVICE_NAME);
  const tags = input.tags();
  input.done();
  const serialNumber = `arn:${ctx.partition}:iam::${ctx.accountId}:mfa${path}${deviceName}`;
  ctx.authorize('iam:CreateVirtualMFADevice', serialNumber, {
    ...(tags.length === 0 ? {} : { 'aws:TagKeys': tags.map((t) => t.key) }),
  });
  const { seal } = sealing(ctx);
  const seed = generateTotpSeed();
  const device = await ctx.store.createVirtualMfaDevice(ctx.accountId, {
    deviceName,
    path,
    sealedSeed: seal(seed.toString('base64'), serialNumber),
    tags,
  });
  const base32 = encodeBase32(seed);
  const account = await ctx.store.getAccount(ctx.accountId);
  const png = await qrCodePng(otpauthUri(deviceName, account.alias ?? ctx.accountId, base32));
  return {
    VirtualMFADevice: {
      SerialNumber: device.serialNumber,
      // Blob members: the base32 text and the PNG, base64-encoded on the wire as every blob is.
      Base32StringSeed: Buffer.from(base32, 'ascii').toString('base64'),
      QRCodePNG: png.toString('base64'),
      ...(tags.length === 0 ? {} : { Tags: tagsXml(tags) }),
    },
  };
};

/**
 * Two consecutive codes: the second that of the previous, current or next step, the first that
 * of the step before it (IAM: "two consecutive authentication codes"). Both compared in constant
 * time; the step of the second is recorded as used.
 */
function consecutiveStep(seed: Buffer, code1: string, code2: string, at: number): number | undefined {
  const second = matchTotpStep(seed, code2, at);
  if (second === undefined) return undefined;
  return constantTimeEqual(totpCode(seed, second - 1), code1) ? second : undefined;
}

const enableMfaDevice: IamOperation = async (ctx, params) => {
  const input = new MfaParams(params);
  const userName = input.userName();
  const serialNumber = input.serialNumber();
  const code1 = input.code(1);
  const code2 = input.code(2);
  input.done();
  const user = await authorizeOnUser(ctx, 'iam:EnableMFADevice', userName);
  const { open } = sealing(ctx);
  const device = await accountDevice(ctx, serialNumber);
  if (device === undefined) throw noSuchDevice(serialNumber);
  if (device.userName !== undefined) {
    throw new AwsError('EntityAlreadyExists', 'MFA device is already in use.', { status: 409 });
  }
  const step = consecutiveStep(seedOf(device, open), code1, code2, now(ctx));
  if (step === undefined) throw new InvalidAuthenticationCodeError();
  // The seed checked: a device swapped in under the serial number since is not enabled.
  await ctx.store.enableMfaDevice(ctx.accountId, serialNumber, user.userName, step, device.sealedSeed);
  return undefined;
};

/**
 * How far either way of the server's clock `ResyncMFADevice` looks for the device's two
 * consecutive codes, in 30-second steps: 10, five minutes. RFC 6238 section 6 recommends a limit
 * on how far a prover may drift before it is refused, and a resynchronization that authenticates
 * the prover more strongly than one code; RFC 4226 section 7.4 does it with consecutive values
 * over a "look-ahead window" kept small. Two 6-digit codes in a row match by chance with
 * probability 21 / 10^12 per call here, and wrong calls count toward the device's lockout.
 */
export const MFA_RESYNC_WINDOW_STEPS = 10;

/**
 * Learns the device's clock drift (RFC 6238 section 6, "Resynchronization"): two consecutive
 * codes are looked for within `MFA_RESYNC_WINDOW_STEPS` of the server's step, and the step of the
 * second, less the server's, is recorded as the drift, with the step as used, in one update. Later
 * codes are then checked within one step of the device's clock (`control/mfa-code.ts`): the window
 * moves, it does not widen, and it can be no further than the limit from the server's clock
 * however often it is moved. Wrong codes change nothing and count toward the device's lockout
 * (`control/mfa-attempts.ts`), which refuses resyncs too while it lasts; a device not enabled for
 * the named user is `NoSuchEntity` before any code is looked at, and counts for nothing.
 */
const resyncMfaDevice: IamOperation = async (ctx, params) => {
  const input = new MfaParams(params);
  const userName = input.userName();
  const serialNumber = input.serialNumber();
  const code1 = input.code(1);
  const code2 = input.code(2);
  input.done();
  const user = await authorizeOnUser(ctx, 'iam:ResyncMFADevice', userName);
  const { open } = sealing(ctx);
  const device = await accountDevice(ctx, serialNumber);
  if (device === undefined || device.userName?.toLowerCase() !== user.userName.toLowerCase()) {
    throw new NoSuchEntityError(
      `MFA Device with serial number ${serialNumber} does not exist for user ${user.userName}.`,
    );
  }
  const at = now(ctx);
  const attempts = ctx.mfaAttempts;
  if (attempts?.locked(serialNumber, at) === true) throw new InvalidAuthenticationCodeError();
  const step = matchConsecutiveTotpSteps(seedOf(device, open), code1, code2, at, {
    window: MFA_RESYNC_WINDOW_STEPS,
    ...(device.lastUsedStep === undefined ? {} : { usedStep: device.lastUsedStep }),
  });
  const recorded =
    step !== undefined &&
    (await ctx.store.resyncMfaDevice(serialNumber, {
      step,
      driftSteps: step - totpStep(at),
      sealedSeed: device.sealedSeed,
    }));
  if (!recorded) {
    attempts?.failed(serialNumber, at);
    throw new InvalidAuthenticationCodeError();
  }
  attempts?.succeeded(serialNumber);
  return undefined;
};

const deactivateMfaDevice: IamOperation = async (ctx, params) => {
  const input = new MfaParams(params);
  const named = input.optionalUserName();
  const serialNumber = input.serialNumber();
  input.done();
  const user = await authorizeOnUser(ctx, 'iam:DeactivateMFADevice', targetUser(ctx, named));
  await ctx.store.deactivateMfaDevice(ctx.accountId, serialNumber, user.userName);
  return undefined;
};

const deleteVirtualMfaDevice: IamOperation = async (ctx, params) => {
  const input = new MfaParams(params);
  const serialNumber = input.serialNumber();
  input.done();
  ctx.authorize('iam:DeleteVirtualMFADevice', serialNumber);
  if ((await accountDevice(ctx, serialNumber)) === undefined) throw noSuchDevice(serialNumber);
  await ctx.store.deleteVirtualMfaDevice(ctx.accountId, serialNumber);
  return undefined;
};

const listMfaDevices: IamOperation = async (ctx, params) => {
  const input = new MfaParams(params);
  const named = input.optionalUserName();
  const paging = input.paging();
  input.done();
  const user = await authorizeOnUser(ctx, 'iam:ListMFADevices', targetUser(ctx, named));
  const devices = await ctx.store.listVirtualMfaDevices(ctx.accountId, user.userName);
  const page = pageOf(devices, paging, (d) => d.serialNumber);
  return pageXml('MFADevices', page, (d) => ({
    UserName: user.userName,
    SerialNumber: d.serialNumber,
    EnableDate: isoDate(d.enableDate ?? d.createDate),
  }));
};

const listVirtualMfaDevices: IamOperation = async (ctx, params) => {
  const input = new MfaParams(params);
  const status = input.enumeration('AssignmentStatus', 'assignmentStatus', ['Assigned', 'Unassigned', 'Any']);
  const paging = input.paging();
  input.done();
  // The service authorization reference lists no resource type for this action.
  ctx.authorize('iam:ListVirtualMFADevices', '*');
  const all = await ctx.store.listVirtualMfaDevices(ctx.accountId);
  const wanted = all.filter((d) =>
    status === 'Assigned'
      ? d.userName !== undefined
      : status === 'Unassigned'
        ? d.userName === undefined
        : true,
  );
  const page = pageOf(wanted, paging, (d) => d.serialNumber);
  const members = await Promise.all(page.items.map((d) => deviceXml(ctx, d)));
  return pageXml('VirtualMFADevices', { ...page, items: members }, (x) => x);
};

export const mfaDeviceOperations: Record<string, IamOperation> = {
  CreateVirtualMFADevice: createVirtualMfaDevice,
  EnableMFADevice: enableMfaDevice,
  ResyncMFADevice: resyncMfaDevice,
  DeactivateMFADevice: deactivateMfaDevice,
  DeleteVirtualMFADevice: deleteVirtualMfaDevice,
  ListMFADevices: listMfaDevices,
  ListVirtualMFADevices: listVirtualMfaDevices,
};
