import { describe, expect, it } from 'vitest';
import { globCovers, resourcePatternCovers } from './covers.js';

describe('resourcePatternCovers', () => {
  it('shows containment of narrower patterns', () => {
    expect(resourcePatternCovers('*', 'arn:aws:s3:::b/*')).toBe(true);
    expect(resourcePatternCovers('arn:aws:s3:::b/*', 'arn:aws:s3:::b/in/*')).toBe(true);
    expect(resourcePatternCovers('arn:aws:s3:::*/in/*', 'arn:aws:s3:::b/in/x/*')).toBe(true);
    expect(resourcePatternCovers('arn:aws:iam::*:role/*', 'arn:aws:iam::123456789012:role/*')).toBe(true);
    expect(resourcePatternCovers('ARN:AWS:S3:::b/*', 'arn:aws:s3:::b/x*')).toBe(true);
  });
  it('never claims containment it cannot show', () => {
    expect(resourcePatternCovers('arn:aws:s3:::b/in/a*', 'arn:aws:s3:::b/in/*')).toBe(false);
    expect(resourcePatternCovers('arn:aws:s3:::b/in/?', 'arn:aws:s3:::b/in/*')).toBe(false);
    expect(resourcePatternCovers('arn:aws:s3:::b/*', '*')).toBe(false);
    expect(resourcePatternCovers('arn:aws:s3:::b/IN/*', 'arn:aws:s3:::b/in/*')).toBe(false);
    expect(resourcePatternCovers('arn:aws:s3:::b/${aws:userid}/*', 'arn:aws:s3:::b/x/*')).toBe(false);
    expect(resourcePatternCovers('arn:aws:iam::111111111111:role/*', 'arn:aws:iam::*:role/*')).toBe(false);
  });
});

describe('globCovers', () => {
  it('lets * absorb wildcards, ? only one non-* character, literals only literals', () => {
    expect(globCovers('a*', 'a?b*')).toBe(true);
    expect(globCovers('a?', 'a?')).toBe(true);
    expect(globCovers('a?', 'a*')).toBe(false);
    expect(globCovers('ab', 'a?')).toBe(false);
    expect(globCovers('*x', '*x')).toBe(true);
    expect(globCovers('*x', 'x*')).toBe(false);
  });
});
