/**
 * A role: its policies (inline, managed, boundary) highlighted with the validator's findings in
 * place, its trust policy, the workloads that use it, last access per service and action, and a
 * timeline of its decisions.
 */
import { Fragment } from 'preact';
import { useMemo } from 'preact/hooks';
import type { RolePage } from '../../../src/console/contract';
import { TimeChart } from '../components/chart';
import { JsonCode } from '../components/code';
import { FindingList } from '../components/severity';
import { Status } from '../components/status';
import { ago, bySeverity, time } from '../format';
import { seg } from '../api';
import { href } from '../router';
import { useApi } from '../use-api';

const KIND_TITLE = {
  inline: 'Inline policy',
  managed: 'Managed policy',
  boundary: 'Permissions boundary',
  trust: 'Trust policy',
};

export function Role({ name }: { name: string }) {
  const loaded = useApi<RolePage>(`roles/${seg(name)}`);
  const role = loaded.data;
  const series = useMemo(
    () =>
      role === undefined
        ? []
        : [
            { label: 'allow', values: role.decisions.allow, color: '#10b981' },
            { label: 'deny', values: role.decisions.deny, color: '#ef4444' },
          ],
    [role],
  );
  if (role === undefined) return <Status loaded={loaded} />;
  const permissions = role.policies.filter((p) => p.kind !== 'trust');
  const trust = role.policies.filter((p) => p.kind === 'trust');
  return (
    <section aria-labelledby="role-title">
      <header class="screen-head">
        <h1 id="role-title">
          <span class="muted">Role</span> <span class="role-name">{role.name}</span>
        </h1>
        <a class="button" href={href({ screen: 'least-privilege', name: role.name })}>
          Least privilege
        </a>
      </header>
      <dl class="facts">
        <dt>ARN</dt>
        <dd>
          <code>{role.arn}</code>
        </dd>
        {role.description !== undefined && (
          <>
            <dt>Description</dt>
            <dd>{role.description}</dd>
          </>
        )}
        <dt>Created</dt>
        <dd>{time(role.createDate)}</dd>
        <dt>Max session</dt>
        <dd>{role.maxSessionDuration / 3600} h</dd>
        {role.tags.length > 0 && (
          <>
            <dt>Tags</dt>
            <dd>
              {role.tags.map((t) => (
                <span class="tag" key={t.key}>
                  {t.key}={t.value}
                </span>
              ))}
            </dd>
          </>
        )}
      </dl>
      <div class="panel">
        <h2>
          Findings <span class="count">{role.findings.length}</span>
        </h2>
        <FindingList findings={[...role.findings].sort(bySeverity)} />
      </div>
      <div class="panel">
        <h2>Decisions (24 h)</h2>
        <TimeChart
          hours={role.decisions.hours}
          series={series}
          label={`Decisions per hour for ${role.name}`}
        />
      </div>
      <div class="panel">
        <h2>Permissions</h2>
        {permissions.length === 0 && <p class="muted">No policies.</p>}
        {permissions.map((p) => (
          <details open key={`${p.kind}:${p.name}`} class="policy" data-policy={p.name}>
            <summary>
              <span class="muted">{KIND_TITLE[p.kind]}</span> <b>{p.name}</b>
              {p.findings.length > 0 && <span class="badge warn">{p.findings.length} findings</span>}
            </summary>
            <JsonCode text={p.text} findings={p.findings} />
          </details>
        ))}
      </div>
      <div class="panel">
        <h2>Trust relationships</h2>
        {trust.map((p) => (
          <JsonCode key={p.name} text={p.text} findings={p.findings} />
        ))}
      </div>
      <div class="panel">
        <h2>Workloads</h2>
        {role.workloads.length === 0 ? (
          <p class="muted">No workload uses this role.</p>
        ) : (
          <ul class="plain">
            {role.workloads.map((w) => (
              <li key={`${w.kind}/${w.id}`}>
                <b>{w.name}</b>{' '}
                <span class="muted">
                  {w.kind} · {w.id} · last delivery {ago(w.lastDelivery)}
                </span>
              </li>
            ))}
          </ul>
        )}
        {role.workloads.length > 1 && (
          <p class="warn-text">
            Several workloads share this role: each workload should have a role of its own.
          </p>
        )}
      </div>
      <div class="panel">
        <h2>Last accessed</h2>
        {role.lastAccessed.length === 0 && <p class="muted">Nothing in the access log.</p>}
        <table class="grid">
          <tbody>
            {role.lastAccessed.map((s) => (
              <Fragment key={s.service}>
                <tr class="service-row">
                  <th colSpan={2}>{s.service}</th>
                  <th>{ago(s.lastAccessed)}</th>
                  <th>allowed</th>
                  <th>denied</th>
                </tr>
                {s.actions.map((a) => (
                  <tr key={`${s.service}/${a.action}/${a.resource}`}>
                    <td>
                      <code>{a.action}</code>
                    </td>
                    <td class="small">
                      <code>{a.resource}</code>
                    </td>
                    <td title={a.lastAccessed}>{ago(a.lastAccessed)}</td>
                    <td>{a.allowed}</td>
                    <td class={a.denied > 0 ? 'deny' : ''}>{a.denied}</td>
                  </tr>
                ))}
                {s.unusedActions !== undefined && s.unusedActions.length > 0 && (
                  <tr key={`${s.service}/unused`}>
                    <td colSpan={5} class="muted small">
                      <details class="unused">
                        <summary>Granted, never used: {s.unusedActions.length} actions</summary>
                        {s.unusedActions.join(', ')}
                      </details>
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
