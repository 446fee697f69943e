/** The SSRF lab: run its scenarios and see, per scenario, what an attacker got. */
import { useState } from 'preact/hooks';
import type { LabRun, SessionInfo } from '../../../src/console/contract';
import { ApiError, post } from '../api';
import { JsonCode } from '../components/code';

export function Lab({ session }: { session: SessionInfo }) {
  const [run, setRun] = useState<LabRun>();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const start = async (): Promise<void> => {
    setBusy(true);
    setError('');
    try {
      setRun(await post<LabRun>('lab/ssrf'));
    } catch (e) {
      setError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="lab-title">
      <header class="screen-head">
        <h1 id="lab-title">SSRF lab</h1>
        {session.can.runLab ? (
          <button type="button" class="primary" disabled={busy} onClick={() => void start()}>
            {busy ? 'Running…' : 'Run the lab'}
          </button>
        ) : (
          <span class="muted">Your principal may not run the lab.</span>
        )}
      </header>
      <p class="muted">
        Each scenario plays a server-side request forgery against a workload's metadata endpoint and reports
        what the attacker walked away with; some show what a weak configuration gives away, others the defence
        that stops it.
      </p>
      {error !== '' && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {run !== undefined && (
        <>
          <p class={run.ok ? 'ok-text' : 'warn-text'}>
            {run.ok
              ? 'Every scenario behaved as the lab expects.'
              : 'Some scenarios did not behave as the lab expects.'}
          </p>
          <table class="grid lab">
            <thead>
              <tr>
                <th>Scenario</th>
                <th>What the attacker got</th>
                <th>Result</th>
              </tr>
            </thead>
            <tbody>
              {run.scenarios.map((s) => (
                <tr key={s.name} class={s.passed ? 'passed' : 'failed'}>
                  <td>{s.name}</td>
                  <td>
                    {s.attackerGot}
                    {s.details !== undefined && (
                      <details>
                        <summary>details</summary>
                        <JsonCode text={JSON.stringify(s.details, null, 2)} />
                      </details>
                    )}
                  </td>
                  <td>
                    {s.passed ? (
                      <span class="badge ok">as expected</span>
                    ) : (
                      <span class="badge danger">unexpected</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
