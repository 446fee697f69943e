/**
 * `DeleteObjects` decided key by key, as S3 does: "The response includes a `<Deleted>` element for
 * each key deleted and an `<Error>` element for each key it could not delete", with status 200
 * either way ("DeleteObjects", Amazon S3 API Reference). The gateway forwards a body that names
 * only the allowed keys and adds S3's `AccessDenied` error for each denied one to the backend's
 * answer; in quiet mode S3 lists only errors, which the denied keys are.
 */
import { createHash } from 'node:crypto';
import { escapeXml } from '../../protocol/xml.js';
import type { PerItemRequest } from '../types.js';
import type { DeleteObjectEntry } from './s3-bodies.js';
import { childrenNamed, parseXml, type XmlElement } from './s3-xml.js';

const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';
const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** Character data for S3: XML's escapes, and control characters (`\r`, `\n` in keys) as references. */
function text(value: string): string {
  // eslint-disable-next-line no-control-regex
  return escapeXml(value).replace(/[\u0000-\u001f]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function serialize(element: XmlElement): string {
  const inner = element.children.length > 0 ? element.children.map(serialize).join('') : text(element.text);
  return `<${element.name}>${inner}</${element.name}>`;
}

function accessDenied(entry: DeleteObjectEntry): string {
  const version = entry.versionId === undefined ? '' : `<VersionId>${text(entry.versionId)}</VersionId>`;
  return `<Error><Key>${text(entry.key)}</Key>${version}<Code>AccessDenied</Code><Message>Access Denied</Message></Error>`;
}

/**
 * @param body the request's `<Delete>` document, already read by `readDeleteObjects` into `entries`
 * @param checks for each entry, the indexes of its checks
 */
export function deleteObjectsPerItem(
  body: Buffer,
  entries: readonly DeleteObjectEntry[],
  checks: readonly (readonly number[])[],
): PerItemRequest {
  const root = parseXml(body);
  const objects = childrenNamed(root, 'Object');
  const errors = (denied: readonly number[]): string => denied.map((i) => accessDenied(entries[i]!)).join('');
  return {
    items: checks,
    rewrite(allowed) {
      const keep = new Set(allowed.map((i) => objects[i]));
      // Everything but the denied objects, in order (`Quiet` included).
      const children = root.children.filter((c) => c.name !== 'Object' || keep.has(c));
      const rewritten = Buffer.from(
        `${XML_DECLARATION}<Delete xmlns="${S3_NAMESPACE}">${children.map(serialize).join('')}</Delete>`,
      );
      const headers: Record<string, string | undefined> = {
        // S3 requires Content-MD5 or a checksum on DeleteObjects; the client's described the
        // original body, so the rewritten one gets an MD5 of its own and the checksums go.
        'content-md5': createHash('md5').update(rewritten).digest('base64'),
        'x-amz-sdk-checksum-algorithm': undefined,
      };
      for (const algorithm of ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256']) {
        headers[`x-amz-checksum-${algorithm}`] = undefined;
      }
      return { body: rewritten, headers };
    },
    mergeResponse(backendBody, denied) {
      const xml = backendBody.toString('utf8');
      const close = xml.lastIndexOf('</DeleteResult>');
      if (close !== -1) return Buffer.from(`${xml.slice(0, close)}${errors(denied)}${xml.slice(close)}`);
      // An empty result may be written self-closed.
      const empty = /<DeleteResult(\s[^>]*)?\/>/.exec(xml);
      if (empty !== null) {
        return Buffer.from(
          `${xml.slice(0, empty.index)}<DeleteResult${empty[1] ?? ''}>${errors(denied)}</DeleteResult>${xml.slice(empty.index + empty[0].length)}`,
        );
      }
      return Buffer.from(
        `${XML_DECLARATION}<DeleteResult xmlns="${S3_NAMESPACE}">${errors(denied)}</DeleteResult>`,
      );
    },
    allDenied(denied) {
      return {
        status: 200,
        headers: { 'content-type': 'application/xml' },
        body: `${XML_DECLARATION}<DeleteResult xmlns="${S3_NAMESPACE}">${errors(denied)}</DeleteResult>`,
      };
    },
  };
}
