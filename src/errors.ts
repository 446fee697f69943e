/**
 * Errors that carry an AWS error code and the HTTP status AWS answers with.
 *
 * Every library throws a subclass at the boundary where input is first checked; services turn
 * any `AwsError` into the wire shape of their protocol (Query XML, JSON, S3 XML) without guessing.
 * Messages must never contain secrets (secret keys, session tokens, key material).
 */
export type AwsErrorType = 'Sender' | 'Receiver';

export interface AwsErrorOptions {
  /** HTTP status code; 400 unless the code calls for another. */
  status?: number;
  /** Query-protocol fault type: `Sender` for client faults, `Receiver` for server faults. */
  type?: AwsErrorType;
  cause?: unknown;
}

export class AwsError extends Error {
  readonly code: string;
  readonly status: number;
  readonly type: AwsErrorType;

  constructor(code: string, message: string, options: AwsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = options.status ?? 400;
    this.type = options.type ?? (this.status >= 500 ? 'Receiver' : 'Sender');
  }
}

/** `ValidationError` (400): a request parameter breaks a documented constraint. */
export class ValidationError extends AwsError {
  constructor(message: string, options: Omit<AwsErrorOptions, 'status'> = {}) {
    super('ValidationError', message, { ...options, status: 400 });
  }
}

export function isAwsError(error: unknown): error is AwsError {
  return error instanceof AwsError;
}
