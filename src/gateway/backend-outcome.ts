/**
 * What the client of a forwarded call received, for its access-log event: the backend's request
 * id (what CloudTrail records as `requestID`, and what the SDK reports as `$metadata.requestId`)
 * and, for an error, the backend's error code and message.
 *
 * Where services put them (the AWS SDKs' protocol parsers read the same places):
 * - request id: `x-amz-request-id` (S3), `x-amzn-RequestId` (JSON and most Query services),
 *   else `<RequestId>` in a Query/EC2 body;
 * - error code: `x-amzn-ErrorType` (JSON services, `Code:uri` or `Code`), else the body: `<Code>`
 *   in XML (S3's `<Error>`, Query's `<ErrorResponse>`), `__type` (`namespace#Code`) or `code` in JSON.
 */

export interface BackendOutcome {
  requestId?: string;
  errorCode?: string;
  errorMessage?: string;
}

function header(raw: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]!.length === name.length && raw[i]!.toLowerCase() === name) return raw[i + 1];
  }
  return undefined;
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function fromJson(body: string): { code?: string; message?: string } {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const type = parsed.__type ?? parsed.code ?? parsed.Code;
    const message = parsed.message ?? parsed.Message;
    return {
      ...(typeof type === 'string' ? { code: type.slice(type.lastIndexOf('#') + 1) } : {}),
      ...(typeof message === 'string' ? { message } : {}),
    };
  } catch {
    return {};
  }
}

/**
 * @example
 * backendOutcome(404, ['x-amz-request-id', 'TX1'], Buffer.from('<Error><Code>NoSuchKey</Code></Error>'));
 * // { requestId: 'TX1', errorCode: 'NoSuchKey' }
 */
export function backendOutcome(
  status: number,
  rawHeaders: readonly string[],
  errorBody: Buffer | undefined,
): BackendOutcome {
  const out: BackendOutcome = {};
  const body = errorBody?.toString('utf8') ?? '';
  const requestId =
    header(rawHeaders, 'x-amz-request-id') ??
    header(rawHeaders, 'x-amzn-requestid') ??
    /<RequestI[dD]>([^<]+)<\/RequestI[dD]>/.exec(body)?.[1];
  if (requestId !== undefined && requestId !== '') out.requestId = requestId;
  if (status < 300) return out;
  let code = header(rawHeaders, 'x-amzn-errortype')?.split(':', 1)[0];
  let message: string | undefined;
  const trimmed = body.trimStart();
  if (trimmed.startsWith('<')) {
    const xmlCode = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
    if (xmlCode !== undefined) code ??= unescapeXml(xmlCode);
    const xmlMessage = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
    if (xmlMessage !== undefined) message = unescapeXml(xmlMessage);
  } else if (trimmed.startsWith('{')) {
    const json = fromJson(body);
    code ??= json.code;
    message = json.message;
  }
  // A bodiless error (S3 answers HEAD with none): the status is all the client got.
  out.errorCode = code !== undefined && code !== '' ? code : `HTTP${status}`;
  if (message !== undefined && message !== '') out.errorMessage = message;
  return out;
}
