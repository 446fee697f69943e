/**
 * The EC2 protocol's response side. It differs from IAM/STS Query: results sit directly in
 * `<ActionResponse>` beside a lower-case `<requestId>`, lists are `<item>` elements, and errors are
 * `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`.
 */
import type { AwsError } from '../errors.js';
import { escapeXml, type QueryOutcome } from '../protocol/xml.js';

export const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';
export const EC2_VERSION = '2016-11-15';

export type Ec2Value = string | number | boolean | undefined | Ec2Node | Ec2Value[];
export interface Ec2Node {
  readonly [name: string]: Ec2Value;
}

/** Serialize `{ name: value }`; arrays become `<item>` children, `undefined` is omitted. */
export function ec2Xml(node: Ec2Node): string {
  let out = '';
  for (const [name, value] of Object.entries(node)) {
    if (value === undefined) continue;
    out += `<${name}>${valueXml(value)}</${name}>`;
  }
  return out;
}

function valueXml(value: Ec2Value): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => `<item>${valueXml(v)}</item>`).join('');
  if (typeof value === 'object') return ec2Xml(value);
  return escapeXml(String(value));
}

export interface Ec2Response {
  status: number;
  headers: Record<string, string>;
  body: string;
  /**
   * The error's code and message, for the access log. EC2's documents have no `<OpResult>`
   * element, so a success carries no result (the log records no EC2 response elements).
   */
  outcome: Pick<QueryOutcome, 'error'>;
}

/**
 * @example
 * ec2Result('TerminateInstances', { instancesSet: [...] }, requestId);
 */
export function ec2Result(action: string, result: Ec2Node, requestId: string): Ec2Response {
  return {
    status: 200,
    headers: { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId },
    body:
      `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_NAMESPACE}">` +
      `<requestId>${requestId}</requestId>${ec2Xml(result)}</${action}Response>`,
    outcome: {},
  };
}

/** EC2's error document; access denials use EC2's own code, `UnauthorizedOperation`. */
export function ec2Error(error: AwsError, requestId: string): Ec2Response {
  const code = error.code === 'AccessDenied' ? 'UnauthorizedOperation' : error.code;
  return {
    status: error.status,
    headers: { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId },
    body:
      `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(code)}</Code>` +
      `<Message>${escapeXml(error.message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
    outcome: { error: { code, message: error.message } },
  };
}
