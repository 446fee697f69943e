/** Reading a QR code PNG back as a scanner would: `pngjs` and `jsqr`, not the encoder. */
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';

// jsqr is CommonJS with an ES-module-style `default`: under NodeNext, TypeScript types the default
// import as the whole module, while Node and Vitest hand over the function itself.
const jsQR = jsQRModule as unknown as typeof jsQRModule.default;

/** The text of the QR code in `png`, or `undefined` when none is found. */
export function scanQrPng(png: Uint8Array): string | undefined {
  const image = PNG.sync.read(Buffer.from(png));
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data;
}
