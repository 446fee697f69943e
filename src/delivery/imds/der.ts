/**
 * The few ASN.1 DER pieces the identity certificate and PKCS#7 signatures need, written and read by
 * hand because Node can parse certificates and sign bytes but build neither structure.
 */

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/**
 * One tag-length-value element around `content`.
 *
 * @example
 * tlv(0x04, Buffer.from('hi')); // OCTET STRING 'hi'
 */
export function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

export const seq = (...content: Buffer[]): Buffer => tlv(0x30, ...content);
export const NULL = (): Buffer => Buffer.from([0x05, 0x00]);

/** `SET OF`: DER orders the elements by their encodings. */
export const setOf = (...elements: Buffer[]): Buffer => tlv(0x31, ...[...elements].sort(Buffer.compare));

/** `[n]` context-specific, constructed: EXPLICIT wrapping, or IMPLICIT over a constructed type. */
export const context = (n: number, ...content: Buffer[]): Buffer => tlv(0xa0 | n, ...content);

/**
 * @example
 * oid('1.2.840.113549.1.7.2'); // signedData
 */
export function oid(text: string): Buffer {
  const arcs = text.split('.').map(Number);
  const bytes = [40 * arcs[0]! + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const chunk = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

export function positiveInteger(bytes: Buffer): Buffer {
  return tlv(0x02, bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

export function utcTime(date: Date): Buffer {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const text = `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return tlv(0x17, Buffer.from(text, 'ascii'));
}

/** An element found in DER input: its tag, the whole encoding, and where its content lies. */
export interface DerElement {
  tag: number;
  /** Tag, length and content, as encoded. */
  raw: Buffer;
  content: Buffer;
}

/**
 * The element starting at `offset` (definite lengths only, as DER requires).
 *
 * @example
 * const cert = readElement(der, 0); // the Certificate SEQUENCE
 */
export function readElement(input: Buffer, offset: number): DerElement {
  const tag = input[offset];
  const first = input[offset + 1];
  if (tag === undefined || first === undefined) throw new Error('DER: truncated element');
  let size = first;
  let header = 2;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0 || n > 4) throw new Error('DER: unsupported length');
    size = 0;
    for (let i = 0; i < n; i++) size = size * 256 + (input[offset + 2 + i] ?? 0);
    header += n;
  }
  const end = offset + header + size;
  if (end > input.length) throw new Error('DER: element overruns its input');
  return { tag, raw: input.subarray(offset, end), content: input.subarray(offset + header, end) };
}

/** The elements directly inside a constructed element's content. */
export function children(content: Buffer): DerElement[] {
  const out: DerElement[] = [];
  for (let offset = 0; offset < content.length;) {
    const e = readElement(content, offset);
    out.push(e);
    offset += e.raw.length;
  }
  return out;
}
