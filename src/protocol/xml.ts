/**
 * The AWS Query protocol's response side: `<OpResponse><OpResult>...</OpResult><ResponseMetadata>`
 * for success and `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>` for errors.
 *
 * Hand-written rather than built with a generic XML library: these bodies are on the request path
 * (GetCallerIdentity, AssumeRole) and have a fixed, tiny shape.
 */
import type { AwsError } from '../errors.js';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/**
 * A Query-protocol map (non-flattened): `<entry><key>k</key><value>v</value></entry>` per pair, as
 * botocore's query parser reads a `map` shape.
 */
export class XmlMap {
  constructor(readonly entries: readonly (readonly [string, XmlValue])[]) {}
}

/** An XML fragment: either already-serialized markup or a value to be escaped. */
export type XmlValue = string | number | boolean | undefined | null | XmlNode | XmlMap | XmlValue[];
export interface XmlNode {
  readonly [name: string]: XmlValue;
}

/**
 * Serialize `{ Name: value }` trees. Arrays become repeated `<member>` children, which is how every
 * Query-protocol list (non-flattened) is written. `undefined`/`null` members are omitted.
 */
export function toXml(node: XmlNode): string {
  let out = '';
  for (const [name, value] of Object.entries(node)) {
    if (value === undefined || value === null) continue;
    out += `<${name}>${valueXml(value)}</${name}>`;
  }
  return out;
}

function valueXml(value: XmlValue): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((v) => `<member>${valueXml(v)}</member>`).join('');
  if (value instanceof XmlMap) {
    return value.entries
      .map(([k, v]) => `<entry><key>${escapeXml(k)}</key><value>${valueXml(v)}</value></entry>`)
      .join('');
  }
  if (typeof value === 'object') return toXml(value);
  return escapeXml(String(value));
}

/**
 * What a response says, kept beside its rendered body so that the access log records it without
 * reading the XML back.
 */
export interface QueryOutcome {
  /** The members of the `<OpResult>` element; absent when the document has none. */
  result?: XmlNode;
  /** The error document's code and message, as sent. */
  error?: { code: string; message: string };
}

export interface QueryResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  outcome: QueryOutcome;
}

/** A success document for `action` in the service's XML namespace. */
export function queryResult(
  action: string,
  namespace: string,
  result: XmlNode | undefined,
  requestId: string,
): QueryResponse {
  const resultXml = result === undefined ? '' : `<${action}Result>${toXml(result)}</${action}Result>`;
  return {
    status: 200,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body:
      `<${action}Response xmlns="${namespace}">${resultXml}` +
      `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
    outcome: result === undefined ? {} : { result },
  };
}

/** The Query-protocol error document; `RequestId` is a direct child of `ErrorResponse`. */
export function queryError(error: AwsError, namespace: string, requestId: string): QueryResponse {
  return {
    status: error.status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body:
      `<ErrorResponse xmlns="${namespace}"><Error><Type>${error.type}</Type>` +
      `<Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error>` +
      `<RequestId>${requestId}</RequestId></ErrorResponse>`,
    outcome: { error: { code: error.code, message: error.message } },
  };
}
