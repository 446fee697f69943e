import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SEVERITIES } from '../findings.js';
import { POLICY_CHECK_CODES, titleFor } from './codes.js';

const ANALYZER_DOC = fileURLToPath(new URL('../../../docs/analyzer.md', import.meta.url));

describe('policy check codes', () => {
  it('are SCREAMING_SNAKE with a severity, a title and a description', () => {
    for (const [code, entry] of POLICY_CHECK_CODES) {
      expect(code).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(SEVERITIES).toContain(entry.severity);
      expect(entry.title).not.toBe('');
      expect(entry.description).toMatch(/\.$/);
    }
  });

  it('are all listed in the docs/analyzer.md section "Policy checks"', () => {
    const text = readFileSync(ANALYZER_DOC, 'utf8');
    const start = text.indexOf('\n## Policy checks\n');
    expect(start).toBeGreaterThan(0);
    const section = text.slice(start, text.indexOf('\n## ', start + 1));
    const missing = [...POLICY_CHECK_CODES.keys()].filter((code) => !section.includes(`\`${code}\``));
    expect(missing).toEqual([]);
  });

  it('give an unknown code its name in words', () => {
    expect(titleFor('PASS_ROLE_WITH_STAR_IN_RESOURCE')).toBe('Pass role with star in resource');
    expect(titleFor('SOMETHING_NEW')).toBe('Something new');
  });
});
