import { describe, expect, it } from 'vitest';
import { AwsError } from '../errors.js';
import { parseQuery, readQueryParameters, type QueryReadOptions, type RepeatedNames } from './query.js';

describe('parseQuery (AWS Query protocol requests, AWS STS API Reference, Making Query requests)', () => {
  it('reads Action, Version and percent-encoded values', () => {
    const p = parseQuery(
      'Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fdeployer&RoleSessionName=ci+run',
    );
    expect(p.action).toBe('AssumeRole');
    expect(p.get('Version')).toBe('2011-06-15');
    expect(p.get('RoleArn')).toBe('arn:aws:iam::111122223333:role/deployer');
    expect(p.get('RoleSessionName')).toBe('ci run');
  });

  it('reads Name.member.N lists in index order, not arrival order', () => {
    const p = parseQuery(
      'TransitiveTagKeys.member.2=b&TransitiveTagKeys.member.1=a&TransitiveTagKeys.member.10=c',
    );
    expect(p.list('TransitiveTagKeys')).toEqual(['a', 'b', 'c']);
  });

  it('reads structure lists (Tags.member.N.Key/Value, PolicyArns.member.N.arn)', () => {
    const p = parseQuery(
      'Tags.member.1.Key=team&Tags.member.1.Value=pay&Tags.member.2.Key=env&Tags.member.2.Value=&PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FReadOnlyAccess',
    );
    expect(p.structList('Tags', ['Key', 'Value'])).toEqual([
      { Key: 'team', Value: 'pay' },
      { Key: 'env', Value: '' },
    ]);
    expect(p.structList('PolicyArns', ['arn'])).toEqual([{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }]);
  });

  it('treats an empty list serialized as `Name=` as an empty list (JS v3 and botocore do this)', () => {
    const p = parseQuery('Action=AssumeRole&PolicyArns=&Tags=');
    expect(p.structList('PolicyArns', ['arn'])).toEqual([]);
    expect(p.structList('Tags', ['Key', 'Value'])).toEqual([]);
    expect(p.list('TransitiveTagKeys')).toEqual([]);
  });

  it('ignores member indexes that are not positive integers', () => {
    const p = parseQuery('L.member.0=x&L.member.01=y&L.member.a=z&L.member.1=ok');
    expect(p.list('L')).toEqual(['ok']);
  });

  it('parses integers and booleans strictly', () => {
    const p = parseQuery('DurationSeconds=3600&Bad=12x&Flag=true&NotFlag=yes');
    expect(p.integer('DurationSeconds')).toBe(3600);
    expect(p.integer('Missing')).toBeUndefined();
    expect(() => p.integer('Bad')).toThrow(AwsError);
    expect(p.boolean('Flag')).toBe(true);
    expect(() => p.boolean('NotFlag')).toThrow(/not a valid boolean/);
  });

  it('answers a missing required parameter with a ValidationError naming it', () => {
    const p = parseQuery('Action=AssumeRole');
    try {
      p.require('RoleArn');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AwsError);
      expect((error as AwsError).code).toBe('ValidationError');
      expect((error as AwsError).message).toContain("'roleArn'");
    }
  });

  it('rejects bad percent-encoding with a typed error', () => {
    expect(() => parseQuery('Action=%E0%A4%A')).toThrow(AwsError);
  });

  it('bounds the number of parameters', () => {
    const body = Array.from({ length: 1001 }, (_, i) => `p${i}=v`).join('&');
    expect(() => parseQuery(body)).toThrow(/more than 1000/);
  });

  it('keeps the first of repeated names', () => {
    expect(parseQuery('A=1&A=2').get('A')).toBe('1');
  });
});

describe('readQueryParameters (the one reader of the Query wire form)', () => {
  const options = (repeated: RepeatedNames, maxParameters = 10): QueryReadOptions => ({
    repeated,
    maxParameters,
    tooMany: () => new AwsError('MalformedQueryString', 'too many', { status: 400 }),
  });

  it('decodes as a form body does: percent-escapes as UTF-8, `+` as a space, a bare name as empty', () => {
    const { values, pairs } = readQueryParameters('a=x+y%2B%C3%A9&&b&=v', options('first'));
    expect(pairs).toEqual([
      ['a', 'x y+é'],
      ['b', ''],
      ['', 'v'],
    ]);
    expect(values.get('a')).toBe('x y+é');
  });

  it('matches URLSearchParams on well-formed text', () => {
    const text =
      'Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fr&Tags.member.1.Key=a+b&x=%F0%9F%98%80&x=2';
    expect(readQueryParameters(text, options('first')).pairs).toEqual([...new URLSearchParams(text)]);
  });

  it("keeps the first value of a repeated name under 'first', and every pair in `pairs`", () => {
    const { values, pairs } = readQueryParameters('A=1&A=2', options('first'));
    expect(values.get('A')).toBe('1');
    expect(pairs).toEqual([
      ['A', '1'],
      ['A', '2'],
    ]);
  });

  it("refuses a name given again with a different value under 'refuse', across URL query and body", () => {
    expect(readQueryParameters('A=1&A=1', options('refuse')).values.get('A')).toBe('1');
    expect(() => readQueryParameters('A=1&A=2', options('refuse'))).toThrow(/A is given more than once/);
    expect(() => readQueryParameters('A=2', options('refuse'), [['A', '1']])).toThrow(/given more than once/);
  });

  it("bounds only the pairs of the text, with the caller's error", () => {
    const decoded: [string, string][] = Array.from({ length: 5 }, (_, i) => [`q${i}`, 'v']);
    expect(readQueryParameters('a=1&b=2', options('first', 2), decoded).values.size).toBe(7);
    expect(() => readQueryParameters('a=1&b=2&c=3', options('first', 2))).toThrow('too many');
  });
});
