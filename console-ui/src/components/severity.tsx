import type { Finding } from '../../../src/analyzer/findings';
import { severityClass } from '../format';

export function Severity({ severity }: { severity: Finding['severity'] }) {
  return <span class={severityClass(severity)}>{severity.replace('_', ' ').toLowerCase()}</span>;
}

export function FindingList({ findings, empty }: { findings: Finding[]; empty?: string }) {
  if (findings.length === 0) return <p class="muted">{empty ?? 'No findings.'}</p>;
  return (
    <ul class="findings">
      {findings.map((f, i) => (
        <li key={`${f.code}-${i}`} class="finding" data-code={f.code}>
          <Severity severity={f.severity} /> <code>{f.code}</code> <span>{f.message}</span>
          {f.location?.policy !== undefined && (
            <span class="muted">
              {' '}
              in {f.location.policy}
              {f.location.line !== undefined ? `, line ${f.location.line}` : ''}
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}
