/**
 * Least privilege for a role: the generated policy beside the current ones as a diff, the actions
 * it would remove, and Apply / Roll back (through the IAM API, a snapshot kept) for principals
 * allowed to change role policies.
 */
import { useState } from 'preact/hooks';
import type { ChangeResult, LeastPrivilegeView, SessionInfo } from '../../../src/console/contract';
import { ApiError, post, seg } from '../api';
import { JsonCode } from '../components/code';
import { Status } from '../components/status';
import { time } from '../format';
import { href } from '../router';
import { useApi } from '../use-api';

function DiffView({ diff }: { diff: string }) {
  return (
    <pre class="code diff" tabIndex={0}>
      {diff.split('\n').map((line, i) => {
        const kind =
          line.startsWith('+++') || line.startsWith('---')
            ? 'head'
            : line.startsWith('@@')
              ? 'hunk'
              : line[0] === '+'
                ? 'add'
                : line[0] === '-'
                  ? 'del'
                  : 'ctx';
        return (
          <div key={i} class={`line diff-${kind}`}>
            {line}
          </div>
        );
      })}
    </pre>
  );
}

/** Actions grouped by service prefix (`s3:GetObject` → `s3`), services in order. */
function byService(actions: string[]): [string, string[]][] {
  const groups = new Map<string, string[]>();
  for (const a of actions) {
    const service = a.includes(':') ? a.slice(0, a.indexOf(':')) : a;
    groups.set(service, [...(groups.get(service) ?? []), a]);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
}

export function LeastPrivilege({ name, session }: { name: string; session: SessionInfo }) {
  const path = `roles/${seg(name)}/least-privilege`;
  const loaded = useApi<LeastPrivilegeView>(path);
  const [result, setResult] = useState<ChangeResult>();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const view = loaded.data;
  const can = session.can.changeRolePolicies;

  const run = async (what: 'apply' | 'rollback', body: unknown): Promise<void> => {
    setBusy(true);
    setError('');
    try {
      setResult(await post<ChangeResult>(`${path}/${what}`, body));
      loaded.reload();
    } catch (e) {
      setError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e));
    } finally {
      setBusy(false);
    }
  };

  if (view === undefined) return <Status loaded={loaded} />;
  return (
    <section aria-labelledby="lp-title">
      <header class="screen-head">
        <h1 id="lp-title">
          <span class="muted">Least privilege for</span>{' '}
          <a href={href({ screen: 'role', name: view.roleName })}>{view.roleName}</a>
        </h1>
        {can ? (
          confirming ? (
            <span class="confirm">
              Replace the role's policies?{' '}
              <button
                type="button"
                class="primary"
                disabled={busy}
                onClick={() => {
                  setConfirming(false);
                  void run('apply', {});
                }}
              >
                Confirm apply
              </button>{' '}
              <button type="button" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </span>
          ) : (
            <button
              type="button"
              class="primary"
              disabled={busy || view.generated === undefined || view.removed.length === 0}
              onClick={() => setConfirming(true)}
            >
              Apply generated policy
            </button>
          )
        ) : (
          <span class="muted" title="Your principal may not change role policies">
            read-only
          </span>
        )}
      </header>
      {error !== '' && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {result !== undefined && (
        <div class="notice" role="status">
          <b>Done.</b> {result.snapshotId !== undefined && <>Snapshot {result.snapshotId}. </>}
          <ul>
            {result.changes.map((c, i) => (
              <li key={i}>{c}</li>
            ))}
          </ul>
        </div>
      )}
      {view.generated === undefined ? (
        <p class="muted">The access log has nothing to generate a policy from yet.</p>
      ) : (
        <>
          <div class="panel">
            <h2>
              Would be removed <span class="count">{view.removed.length}</span>
            </h2>
            {view.removed.length === 0 ? (
              <p class="muted">Nothing: the role already grants only what it uses.</p>
            ) : (
              <div class="removed">
                {byService(view.removed).map(([service, actions]) => (
                  <details key={service} open={view.removed.length <= 40}>
                    <summary>
                      <b>{service}</b> <span class="count">{actions.length}</span>
                    </summary>
                    <ul class="removed">
                      {actions.map((a) => (
                        <li key={a}>
                          <code>{a}</code>
                        </li>
                      ))}
                    </ul>
                  </details>
                ))}
              </div>
            )}
          </div>
          <div class="panel">
            <h2>Diff</h2>
            <DiffView diff={view.diff} />
          </div>
          <div class="two">
            <div class="panel">
              <h2>Current</h2>
              {view.current.map((p) => (
                <div key={p.name}>
                  <h3>{p.name}</h3>
                  <JsonCode text={p.text} />
                </div>
              ))}
            </div>
            <div class="panel">
              <h2>Generated</h2>
              <h3>{view.generated.name}</h3>
              <JsonCode text={view.generated.text} />
            </div>
          </div>
        </>
      )}
      <div class="panel">
        <h2>Snapshots</h2>
        {view.snapshots.length === 0 ? (
          <p class="muted">No earlier apply to roll back.</p>
        ) : (
          <table class="grid">
            <tbody>
              {view.snapshots.map((s) => (
                <tr key={s.snapshotId} class="snapshot">
                  <td>
                    <code>{s.snapshotId}</code>
                  </td>
                  <td>{time(s.createdAt)}</td>
                  <td>{s.reason}</td>
                  <td>
                    {can && (
                      <button
                        type="button"
                        disabled={busy}
                        onClick={() => void run('rollback', { snapshotId: s.snapshotId })}
                      >
                        Roll back
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}
