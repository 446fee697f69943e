/**
 * `BinaryEquals`: the policy value is base64; the request value is bytes (or base64 text). Bytes
 * are compared, so two base64 spellings of the same bytes are equal.
 */
import type { ContextValue } from '../context.js';
import type { ValueMatcher } from './types.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes strict base64 (standard alphabet, padded); `null` when the text is not base64.
 *
 * @example
 * decodeBase64Value('QmluYXJ5')?.toString(); // 'Binary'
 */
export function decodeBase64Value(text: string): Buffer | null {
  return BASE64.test(text) ? Buffer.from(text, 'base64') : null;
}

/** `(context value)` → true when its bytes equal any policy value's bytes. */
export function binaryMatcher(values: readonly string[]): ValueMatcher {
  const wanted = values.map(decodeBase64Value).filter((b): b is Buffer => b !== null);
  return (v: ContextValue) => {
    const bytes = v.asBytes();
    if (bytes === null) return false;
    for (const w of wanted) if (w.length === bytes.length && w.equals(bytes)) return true;
    return false;
  };
}
