/**
 * `CreateVirtualMFADevice`'s `QRCodePNG`: a QR code of the device's key URI, for an authenticator
 * app to scan. IAM's reference (`VirtualMFADevice`): "A QR code PNG image that encodes
 * `otpauth://totp/$virtualMFADeviceName@$AccountName?secret=$Base32String` where
 * `$virtualMFADeviceName` is one of the create call arguments". The image holds the seed: like
 * `Base32StringSeed` it is in that answer only, and the access log hides it
 * (`audit/redact.ts`, `qrcodepng`).
 *
 * The QR code is drawn by the `qrcode` package (MIT), not by hand.
 */
import QRCode from 'qrcode';

/**
 * The `issuer` parameter (Google Authenticator's key URI format), which apps show beside the
 * label. credplane's, not "Amazon Web Services": an entry for a credplane account should not pass
 * for a real AWS one in the same app.
 */
export const MFA_QR_ISSUER = 'credplane';

/**
 * The key URI IAM's reference gives, plus `issuer`: the label is `<device name>@<account name>`,
 * the account name being the account alias when there is one and the account ID otherwise (as
 * the console's codes show it), each part percent-encoded.
 *
 * @example
 * otpauthUri('ci', '123456789012', 'JBSWY3DP');
 * // 'otpauth://totp/ci@123456789012?secret=JBSWY3DP&issuer=credplane'
 */
export function otpauthUri(deviceName: string, accountName: string, base32Seed: string): string {
  const label = `${encodeURIComponent(deviceName)}@${encodeURIComponent(accountName)}`;
  return `otpauth://totp/${label}?secret=${base32Seed}&issuer=${encodeURIComponent(MFA_QR_ISSUER)}`;
}

/** The PNG of a QR code of `text` (error correction M, the usual quiet zone of 4 modules). */
export function qrCodePng(text: string): Promise<Buffer> {
  return QRCode.toBuffer(text, { type: 'png', errorCorrectionLevel: 'M', margin: 4, scale: 4 });
}
