import { describe, expect, it } from 'vitest';
import { errorPage } from '../server.js';
import { formatLabReport, redact } from './report.js';
import { startControlPlane } from '../../../server/start.js';
import { runSsrfLab } from './ssrf.js';
import { startVulnerableApp } from './vulnerable-app.js';

describe('credplane lab ssrf', () => {
  it('runs scenarios 1-5 as described, skips 6 when asked, and shortens every secret', async () => {
    const report = await runSsrfLab({ startPlane: startControlPlane, netns: false });
    expect(report.scenarios.map((s) => [s.id, s.behaved, s.skipped])).toEqual([
      [1, true, undefined],
      [2, true, undefined],
      [3, true, undefined],
      [4, true, undefined],
      [5, true, undefined],
      [6, false, 'disabled (--no-netns)'],
    ]);
    expect(report.ok).toBe(true);
    for (const step of report.scenarios.flatMap((x) => x.steps)) {
      expect(Object.keys(step).sort()).toEqual(['received', 'sent', 'status']);
    }
    expect(JSON.stringify(report)).not.toMatch(/SecretAccessKey\\" : \\"[A-Za-z0-9+/]{7}/);
    const text = formatLabReport(report);
    expect(text).toContain('Scenario 2: HttpTokens=required: the same attack gets 401  [as described]');
    expect(text).toContain('Every scenario behaved as described.');
    const secrets = [...text.matchAll(/"(?:SecretAccessKey|Token)" : "([^"]*)"/g)].map((m) => m[1]);
    expect(secrets.length).toBeGreaterThanOrEqual(4);
    for (const value of secrets) expect(value).toMatch(/^[^"]{0,6}…\(redacted\)$/);
  }, 30_000);

  it('redacts credential documents and IMDS tokens', () => {
    const doc =
      '{ "SecretAccessKey" : "abcdefghijklmnopqrstuvwxyz", "Token" : "ZZZZZZZZZZZZZZZZ", "AccessKeyId" : "ASIA" }';
    expect(redact(doc)).toBe(
      '{ "SecretAccessKey" : "abcdef…(redacted)", "Token" : "ZZZZZZ…(redacted)", "AccessKeyId" : "ASIA" }',
    );
    expect(redact(errorPage(401))).toBe('401 - Unauthorized (error page)');
    expect(redact('v1.1795952991809.hWJOmp8P1T-JmKL1.boTY3jXQ2iMD2Rj6ET48uku8fB6')).toBe(
      'v1.179595299…(token)',
    );
  });

  it('the vulnerable app only ever fetches loopback', async () => {
    const app = await startVulnerableApp();
    try {
      for (const url of [
        'http://169.254.169.254/latest/meta-data/',
        'http://example.com/',
        'file:///etc/passwd',
      ]) {
        const res = await fetch(`${app.url}fetch?url=${encodeURIComponent(url)}`);
        expect(res.status).toBe(403);
      }
    } finally {
      await app.close();
    }
  });
});
