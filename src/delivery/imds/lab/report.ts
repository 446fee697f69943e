/** The SSRF lab's report: what was sent, what came back, and whether each scenario behaved. */

export interface LabStep {
  /** What the attacker (or the lab) sent, in one line. */
  sent: string;
  /** HTTP status that came back (the metadata service's, as relayed by the vulnerable app). */
  status: number;
  /** What came back, with secrets shortened. */
  received: string;
}

export interface LabScenario {
  id: number;
  title: string;
  expected: string;
  observed: string;
  behaved: boolean;
  /** Why the scenario did not run; a skipped scenario does not fail the lab. */
  skipped?: string;
  steps: LabStep[];
  lesson: string;
}

export interface LabReport {
  ok: boolean;
  scenarios: LabScenario[];
}

/** Shorten secret values (`SecretAccessKey`, `Token`, IMDS tokens) to a recognisable prefix. */
export function redact(text: string): string {
  // EC2's error pages are XHTML documents; the report shows their title (`401 - Unauthorized`).
  const page = /^<\?xml[\s\S]*<title>([^<]*)<\/title>/.exec(text);
  if (page !== null) return `${page[1]} (error page)`;
  return text
    .replace(/("(?:SecretAccessKey|Token)"\s*:\s*")([^"]{0,6})[^"]*"/g, '$1$2…(redacted)"')
    .replace(/\bv1\.\d+\.[\w-]+\.[\w-]+/g, (t) => `${t.slice(0, 12)}…(token)`);
}

/**
 * @example
 * process.stdout.write(formatLabReport(await runSsrfLab({ startPlane: startControlPlane })));
 */
export function formatLabReport(report: LabReport): string {
  const lines: string[] = ['credplane lab ssrf — why IMDSv2 stops SSRF credential theft', ''];
  for (const s of report.scenarios) {
    const mark = s.skipped !== undefined ? 'SKIPPED' : s.behaved ? 'as described' : 'MISBEHAVED';
    lines.push(`Scenario ${s.id}: ${s.title}  [${mark}]`);
    if (s.skipped !== undefined) lines.push(`  skipped: ${s.skipped}`);
    for (const step of s.steps) {
      lines.push(`  > ${step.sent}`);
      const received = step.received.length > 400 ? `${step.received.slice(0, 400)}…` : step.received;
      lines.push(`  < ${step.status} ${received.replaceAll('\n', '\n    ')}`);
    }
    lines.push(`  expected: ${s.expected}`, `  observed: ${s.observed}`, `  lesson:   ${s.lesson}`, '');
  }
  lines.push(
    report.ok ? 'Every scenario behaved as described.' : 'Some scenario did NOT behave as described.',
  );
  return `${lines.join('\n')}\n`;
}
