/**
 * A JSON document with syntax highlighting and findings marked at their lines. Every token is a
 * text node inside a span: the document's strings (hostile names included) are never parsed as
 * markup.
 */
import type { Finding } from '../../../src/analyzer/findings';
import { tokenize } from '../json-tokens';
import { severityClass } from '../format';

export function JsonCode({ text, findings = [] }: { text: string; findings?: Finding[] }) {
  const lines = tokenize(text);
  const atLine = new Map<number, Finding[]>();
  for (const f of findings) {
    const line = f.location?.line;
    if (line === undefined || f.location?.file !== undefined) continue;
    atLine.set(line, [...(atLine.get(line) ?? []), f]);
  }
  return (
    <pre class="code" tabIndex={0}>
      {lines.map((tokens, i) => {
        const marks = atLine.get(i + 1);
        return (
          <div key={i} class={marks === undefined ? 'line' : 'line marked'} data-line={i + 1}>
            <span class="ln" aria-hidden="true">
              {i + 1}
            </span>
            <span class="src">
              {tokens.map((t, j) => (
                <span key={j} class={`tok-${t.kind}`}>
                  {t.text}
                </span>
              ))}
            </span>
            {marks?.map((f, k) => (
              <span key={`m${k}`} class={`mark ${severityClass(f.severity)}`} title={f.message}>
                {f.code}: {f.message}
              </span>
            ))}
          </div>
        );
      })}
    </pre>
  );
}
