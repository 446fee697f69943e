import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { otpauthUri, qrCodePng } from './mfa-qr.js';
import { scanQrPng } from './test-support/qr.js';

describe('the QR code of a virtual MFA device', () => {
  it('labels the key URI as IAM documents it, with the parts percent-encoded', () => {
    expect(otpauthUri('ci', '123456789012', 'JBSWY3DPEHPK3PXP')).toBe(
      'otpauth://totp/ci@123456789012?secret=JBSWY3DPEHPK3PXP&issuer=credplane',
    );
    expect(otpauthUri('a+b=c,d.e@f-g', 'my-alias', 'AB')).toBe(
      'otpauth://totp/a%2Bb%3Dc%2Cd.e%40f-g@my-alias?secret=AB&issuer=credplane',
    );
  });

  it('is a PNG that a QR decoder reads back as the URI', async () => {
    const uri = otpauthUri('phone', '123456789012', 'A'.repeat(64));
    const png = await qrCodePng(uri);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const { width, height } = PNG.sync.read(png);
    expect(width).toBe(height);
    expect(width).toBeGreaterThanOrEqual(100);
    expect(scanQrPng(png)).toBe(uri);
  });
});
