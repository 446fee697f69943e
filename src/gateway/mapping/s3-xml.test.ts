import { describe, expect, it } from 'vitest';
import {
  parseTaggingHeader,
  readCreateBucketConfiguration,
  readDeleteObjects,
  readTagging,
} from './s3-bodies.js';
import { parseXml } from './s3-xml.js';

const malformed = expect.objectContaining({ code: 'MalformedXML', status: 400 });

describe('parseXml', () => {
  it('reads elements, entities, numeric references and CDATA, ignoring namespaces and comments', () => {
    const root = parseXml(
      '<?xml version="1.0" encoding="UTF-8"?>\n<!-- c --><s3:Delete xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/">\n' +
        '  <Object><Key> a&#x0A;&#13;\tb&lt;&gt;&amp;&quot;&apos; </Key></Object>\n' +
        '  <Object><Key><![CDATA[x&y<z>]]></Key><!-- note --></Object>\n</s3:Delete>',
    );
    expect(root.name).toBe('Delete');
    expect(root.text).toBe('');
    expect(root.children.map((o) => o.children[0]?.text)).toEqual([' a\n\r\tb<>&"\' ', 'x&y<z>']);
  });

  it.each([
    [
      'a DOCTYPE (entity definitions)',
      '<!DOCTYPE x [<!ENTITY e "zz">]><Delete><Object><Key>&e;</Key></Object></Delete>',
    ],
    ['an unknown entity', '<Delete><Object><Key>&nbsp;</Key></Object></Delete>'],
    ['an unterminated entity', '<Delete><Object><Key>a&amp</Key></Object></Delete>'],
    ['a character outside XML', '<Delete><Object><Key>&#0;</Key></Object></Delete>'],
    ['a processing instruction inside', '<Delete><?pi x?></Delete>'],
    ['mismatched tags', '<Delete><Object></Delete></Object>'],
    ['two roots', '<Delete/><Delete/>'],
    ['an unclosed element', '<Delete><Object>'],
    ['text after the root', '<Delete/>x'],
    ['an attribute without quotes', '<Delete a=b/>'],
  ])('refuses %s', (_name, xml) => {
    expect(() => parseXml(xml)).toThrow(malformed);
  });

  it('refuses nesting beyond the documents it reads', () => {
    expect(() => parseXml(`${'<a>'.repeat(40)}${'</a>'.repeat(40)}`)).toThrow(malformed);
  });
});

describe('S3 request documents', () => {
  it('reads the DeleteObjects list with versions', () => {
    const body = Buffer.from(
      '<Delete><Quiet>true</Quiet><Object><Key>a</Key></Object><Object><Key>b</Key><VersionId>v</VersionId></Object></Delete>',
    );
    expect(readDeleteObjects(body)).toEqual([{ key: 'a' }, { key: 'b', versionId: 'v' }]);
  });

  it.each([
    ['no body', undefined],
    ['no objects', '<Delete><Quiet>true</Quiet></Delete>'],
    ['an object without a key', '<Delete><Object><VersionId>v</VersionId></Object></Delete>'],
    ['two keys in one object', '<Delete><Object><Key>a</Key><Key>b</Key></Object></Delete>'],
    ['markup inside a key', '<Delete><Object><Key>a<b/>c</Key></Object></Delete>'],
    ['1001 objects', `<Delete>${'<Object><Key>k</Key></Object>'.repeat(1001)}</Delete>`],
  ])('DeleteObjects with %s is MalformedXML', (_name, xml) => {
    expect(() => readDeleteObjects(xml === undefined ? undefined : Buffer.from(xml))).toThrow(malformed);
  });

  it('reads a tag set, keeping empty values', () => {
    const body = Buffer.from(
      '<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag><Tag><Key>e</Key><Value></Value></Tag></TagSet></Tagging>',
    );
    expect(readTagging(body)).toEqual([
      { key: 'k', value: 'v' },
      { key: 'e', value: '' },
    ]);
    expect(() => readTagging(Buffer.from('<Tagging/>'))).toThrow(malformed);
    expect(() =>
      readTagging(Buffer.from('<Tagging><TagSet><Tag><Key>k</Key></Tag></TagSet></Tagging>')),
    ).toThrow(malformed);
  });

  it('reads CreateBucketConfiguration, empty when there is no body', () => {
    expect(readCreateBucketConfiguration(undefined)).toEqual({ tags: [] });
    expect(readCreateBucketConfiguration(Buffer.alloc(0))).toEqual({ tags: [] });
    expect(
      readCreateBucketConfiguration(
        Buffer.from(
          '<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint><Tags><Tag><Key>t</Key><Value>1</Value></Tag></Tags></CreateBucketConfiguration>',
        ),
      ),
    ).toEqual({ locationConstraint: 'eu-west-1', tags: [{ key: 't', value: '1' }] });
  });

  it('decodes the x-amz-tagging header as a URL query', () => {
    expect(parseTaggingHeader('a=1&b=x%20y+z&c')).toEqual([
      { key: 'a', value: '1' },
      { key: 'b', value: 'x y z' },
      { key: 'c', value: '' },
    ]);
    expect(parseTaggingHeader('')).toEqual([]);
    expect(() => parseTaggingHeader('a=1&a=2')).toThrow(expect.objectContaining({ code: 'InvalidTag' }));
    expect(() => parseTaggingHeader('a=%ZZ')).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
  });
});

describe('one reading for every backend (found by attacker review)', () => {
  it('refuses an encoding other than UTF-8: expat would read other characters from the same bytes', () => {
    const latin1 = Buffer.concat([
      Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><Delete><Object><Key>'),
      Buffer.from([0xc3, 0xa9]),
      Buffer.from('-secret</Key></Object></Delete>'),
    ]);
    expect(() => parseXml(latin1)).toThrow(expect.objectContaining({ code: 'MalformedXML' }));
    expect(parseXml('<?xml version="1.0" encoding="utf-8"?><Delete/>').name).toBe('Delete');
    expect(parseXml("<?xml version='1.0' encoding='UTF-8'?><Delete/>").name).toBe('Delete');
  });

  it('reads CRLF and a lone CR as LF, as XML parsers do; a CR written as &#13; stays', () => {
    const root = parseXml('<Delete><Object><Key>x\r\ny\rz&#13;w</Key></Object></Delete>');
    expect(root.children[0]!.children[0]!.text).toBe('x\ny\nz\rw');
  });

  it('refuses a value with leading or trailing whitespace (some backends strip it)', () => {
    const tagging = (key: string) =>
      Buffer.from(`<Tagging><TagSet><Tag><Key>${key}</Key><Value>me</Value></Tag></TagSet></Tagging>`);
    expect(() => readTagging(tagging(' owner'))).toThrow(expect.objectContaining({ code: 'MalformedXML' }));
    expect(() => readTagging(tagging('owner\n'))).toThrow(expect.objectContaining({ code: 'MalformedXML' }));
    expect(readTagging(tagging('owner'))).toEqual([{ key: 'owner', value: 'me' }]);
  });
});
