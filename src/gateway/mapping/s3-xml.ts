/**
 * A strict reader for the small XML request bodies the S3 mapping reads (`DeleteObjects`,
 * `Put{Bucket,Object}Tagging`, `CreateBucket`).
 *
 * Hand-written rather than a generic XML library on purpose: the gateway authorizes the keys and
 * tags it reads here, and the backend then acts on its own reading of the same bytes. Any
 * construct where two parsers could disagree (DOCTYPE and custom entities, processing
 * instructions inside the document, mixed content in a value, unknown entities) is refused as
 * `MalformedXML` instead of being interpreted. The five XML entities and numeric character
 * references (which the SDKs emit for `\n` and `\r` in keys) are decoded; CDATA sections and
 * comments are accepted as XML defines them.
 */
import { AwsError } from '../../errors.js';

/** One element: its local name (namespace prefix dropped), child elements and direct text. */
export interface XmlElement {
  name: string;
  children: XmlElement[];
  /** The concatenated character data directly inside the element (entities decoded). */
  text: string;
}

const MAX_DEPTH = 16;
const NAME_RE = /[A-Za-z_][\w.:-]*/y;

/** `MalformedXML` (400), S3's answer to a body that is not the XML its operation expects. */
export function malformedXml(): AwsError {
  return new AwsError(
    'MalformedXML',
    'The XML you provided was not well-formed or did not validate against our published schema',
    { status: 400 },
  );
}

/**
 * Parses a whole document and returns its root element.
 *
 * @example
 * parseXml('<Delete><Object><Key>a&amp;b</Key></Object></Delete>').children[0]?.children[0]?.text; // 'a&b'
 */
export function parseXml(body: Buffer | string): XmlElement {
  let text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // Read as UTF-8 only: a parser that follows an `encoding` declaration (expat, under moto's
  // xmltodict) would read other characters from the same bytes than the ones authorized.
  const declared = /^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([^"']*)["']/.exec(text)?.[1];
  if (declared !== undefined && !/^utf-?8$/i.test(declared)) throw malformedXml();
  // XML 1.0 §2.11 end-of-line handling, as every conforming parser applies it: CRLF and a lone CR
  // are read as LF (a key written `&#13;` keeps its CR, as the SDKs write it).
  text = text.replace(/\r\n?/g, '\n');
  const reader = new Reader(text);
  reader.skipProlog();
  const root = reader.element(0);
  reader.skipMisc();
  if (!reader.atEnd()) throw malformedXml();
  return root;
}

/** The children of `parent` named `name`. */
export function childrenNamed(parent: XmlElement, name: string): XmlElement[] {
  return parent.children.filter((c) => c.name === name);
}

/** The one child named `name`, `undefined` when absent; two of them are malformed. */
export function optionalChild(parent: XmlElement, name: string): XmlElement | undefined {
  const found = childrenNamed(parent, name);
  if (found.length > 1) throw malformedXml();
  return found[0];
}

/**
 * The text of a value element, which must not contain elements, nor begin or end with whitespace:
 * some backends strip it (moto's xmltodict does) and others keep it, so a tag key ` owner` could
 * be authorized as one key and stored as another.
 */
export function leafText(element: XmlElement): string {
  if (element.children.length > 0) throw malformedXml();
  if (/^\s|\s$/.test(element.text)) throw malformedXml();
  return element.text;
}

/** The text of the one child `name`, `undefined` when absent. */
export function optionalLeaf(parent: XmlElement, name: string): string | undefined {
  const child = optionalChild(parent, name);
  return child === undefined ? undefined : leafText(child);
}

class Reader {
  private pos = 0;

  constructor(private readonly src: string) {}

  atEnd(): boolean {
    return this.pos >= this.src.length;
  }

  /** `<?xml ...?>`, whitespace and comments before the root; a DOCTYPE is refused. */
  skipProlog(): void {
    this.skipWhitespace();
    if (this.src.startsWith('<?xml', this.pos)) {
      const end = this.src.indexOf('?>', this.pos);
      if (end < 0) throw malformedXml();
      this.pos = end + 2;
    }
    this.skipMisc();
  }

  /** Whitespace and comments (between or after elements). */
  skipMisc(): void {
    for (;;) {
      this.skipWhitespace();
      if (!this.src.startsWith('<!--', this.pos)) return;
      this.skipComment();
    }
  }

  element(depth: number): XmlElement {
    if (depth > MAX_DEPTH || this.src[this.pos] !== '<') throw malformedXml();
    this.pos++;
    const qualified = this.name();
    const name = qualified.slice(qualified.indexOf(':') + 1);
    this.attributes();
    const element: XmlElement = { name, children: [], text: '' };
    if (this.src.startsWith('/>', this.pos)) {
      this.pos += 2;
      return element;
    }
    if (this.src[this.pos] !== '>') throw malformedXml();
    this.pos++;
    for (;;) {
      const lt = this.src.indexOf('<', this.pos);
      if (lt < 0) throw malformedXml();
      element.text += decodeText(this.src.slice(this.pos, lt));
      this.pos = lt;
      if (this.src.startsWith('</', this.pos)) {
        this.pos += 2;
        if (this.name() !== qualified) throw malformedXml();
        this.skipWhitespace();
        if (this.src[this.pos] !== '>') throw malformedXml();
        this.pos++;
        // Whitespace between child elements is layout, not a value.
        if (element.children.length > 0 && element.text.trim() === '') element.text = '';
        return element;
      }
      if (this.src.startsWith('<![CDATA[', this.pos)) {
        const end = this.src.indexOf(']]>', this.pos);
        if (end < 0) throw malformedXml();
        element.text += this.src.slice(this.pos + 9, end);
        this.pos = end + 3;
      } else if (this.src.startsWith('<!--', this.pos)) {
        this.skipComment();
      } else if (this.src.startsWith('<!', this.pos) || this.src.startsWith('<?', this.pos)) {
        throw malformedXml();
      } else {
        element.children.push(this.element(depth + 1));
      }
    }
  }

  private name(): string {
    NAME_RE.lastIndex = this.pos;
    const match = NAME_RE.exec(this.src);
    if (match === null) throw malformedXml();
    this.pos += match[0].length;
    return match[0];
  }

  /** Attributes are checked for syntax and ignored (only `xmlns` appears in S3 bodies). */
  private attributes(): void {
    for (;;) {
      const before = this.pos;
      this.skipWhitespace();
      const c = this.src[this.pos];
      if (c === '>' || c === '/') return;
      if (this.pos === before) throw malformedXml();
      this.name();
      this.skipWhitespace();
      if (this.src[this.pos] !== '=') throw malformedXml();
      this.pos++;
      this.skipWhitespace();
      const quote = this.src[this.pos];
      if (quote !== '"' && quote !== "'") throw malformedXml();
      const end = this.src.indexOf(quote, this.pos + 1);
      if (end < 0) throw malformedXml();
      const value = this.src.slice(this.pos + 1, end);
      if (value.includes('<')) throw malformedXml();
      decodeText(value);
      this.pos = end + 1;
    }
  }

  private skipComment(): void {
    const end = this.src.indexOf('-->', this.pos + 4);
    if (end < 0) throw malformedXml();
    this.pos = end + 3;
  }

  private skipWhitespace(): void {
    while (this.pos < this.src.length && ' \t\r\n'.includes(this.src[this.pos] as string)) this.pos++;
  }
}

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeText(raw: string): string {
  if (raw.includes('>') && raw.includes(']]>')) throw malformedXml();
  if (!raw.includes('&')) return raw;
  return raw.replace(/&([^;&]*);?/g, (whole, body: string) => {
    if (!whole.endsWith(';')) throw malformedXml();
    const named = NAMED_ENTITIES[body];
    if (named !== undefined) return named;
    const numeric = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/.exec(body);
    if (numeric === null) throw malformedXml();
    const code = numeric[1] !== undefined ? parseInt(numeric[1], 16) : parseInt(numeric[2] as string, 10);
    if (!isXmlChar(code)) throw malformedXml();
    return String.fromCodePoint(code);
  });
}

/** XML 1.0's `Char` production. */
function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}
