/**
 * Overview: every workload by channel with its role, last delivery and findings; roles used by
 * more than one workload (against the one-role-per-workload rule) stand out.
 */
import { useMemo, useState } from 'preact/hooks';
import type { Channel, Overview as OverviewData, WorkloadRow } from '../../../src/console/contract';
import { PALETTE, TimeChart } from '../components/chart';
import { FindingList, Severity } from '../components/severity';
import { Status } from '../components/status';
import { ago, bySeverity } from '../format';
import { href } from '../router';
import { useApi } from '../use-api';

const CHANNELS: { channel: Channel; title: string }[] = [
  { channel: 'instance', title: 'Instances' },
  { channel: 'task', title: 'Tasks' },
  { channel: 'function', title: 'Functions' },
  { channel: 'pod', title: 'Pods / service accounts' },
];

function matches(w: WorkloadRow, q: string): boolean {
  if (q === '') return true;
  return [w.name, w.id, w.roleName ?? '', w.kind].some((v) => v.toLowerCase().includes(q));
}

export function Overview({ query }: { query: string }) {
  const loaded = useApi<OverviewData>('overview');
  const data = loaded.data;
  const [localQuery, setLocalQuery] = useState('');
  const q = (localQuery || query).trim().toLowerCase();
  const shared = useMemo(
    () => new Set((data?.roles ?? []).filter((r) => r.workloadCount > 1).map((r) => r.name)),
    [data],
  );
  const series = useMemo(
    () =>
      Object.entries(data?.deliveries.byChannel ?? {}).map(([label, values], i) => ({
        label,
        values,
        color: PALETTE[i % PALETTE.length] as string,
      })),
    [data],
  );
  if (data === undefined) return <Status loaded={loaded} />;
  return (
    <section aria-labelledby="ov-title">
      <header class="screen-head">
        <h1 id="ov-title">Overview</h1>
        <span class="muted">account {data.account}</span>
        <input
          class="filter"
          type="search"
          placeholder="Filter workloads and roles"
          aria-label="Filter workloads and roles"
          value={localQuery}
          onInput={(e) => setLocalQuery(e.currentTarget.value)}
        />
      </header>
      <div class="stats">
        <div class="stat">
          <b>{data.workloads.length}</b> workloads
        </div>
        <div class="stat">
          <b>{data.roles.length}</b> roles
        </div>
        <div class={shared.size > 0 ? 'stat warn' : 'stat'}>
          <b>{shared.size}</b> shared roles
        </div>
        <div class="stat">
          <b>{data.findings.length}</b> findings
        </div>
      </div>
      <div class="panel">
        <h2>Credential deliveries per channel (24 h)</h2>
        <TimeChart
          hours={data.deliveries.hours}
          series={series}
          label="Credential deliveries per channel per hour"
        />
      </div>
      {CHANNELS.map(({ channel, title }) => {
        const rows = data.workloads.filter((w) => w.channel === channel && matches(w, q));
        return (
          <div class="panel" key={channel} data-channel={channel}>
            <h2>
              {title} <span class="count">{rows.length}</span>
            </h2>
            {rows.length === 0 ? (
              <p class="muted">None.</p>
            ) : (
              <table class="grid">
                <thead>
                  <tr>
                    <th>Workload</th>
                    <th>Kind</th>
                    <th>Role</th>
                    <th>Last delivery</th>
                    <th>Findings</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((w) => (
                    <tr key={`${w.kind}/${w.id}`} class="workload" data-workload={w.name}>
                      <td>
                        <b>{w.name}</b>
                        {w.id !== w.name && <div class="muted small">{w.id}</div>}
                      </td>
                      <td>{w.kind}</td>
                      <td>
                        {w.roleName === undefined ? (
                          <span class="muted">none</span>
                        ) : (
                          <>
                            <a href={href({ screen: 'role', name: w.roleName })}>{w.roleName}</a>
                            {shared.has(w.roleName) && (
                              <span class="badge warn" title="This role is used by several workloads">
                                shared
                              </span>
                            )}
                          </>
                        )}
                      </td>
                      <td title={w.lastDelivery ?? ''}>{ago(w.lastDelivery)}</td>
                      <td>
                        {w.findingCount === 0 ? (
                          <span class="muted">0</span>
                        ) : (
                          <>
                            {w.findingCount}{' '}
                            {w.worstSeverity !== undefined && <Severity severity={w.worstSeverity} />}
                          </>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
        );
      })}
      <div class="panel">
        <h2>Roles</h2>
        <table class="grid">
          <thead>
            <tr>
              <th>Role</th>
              <th>Workloads</th>
              <th>Findings</th>
              <th>Last used</th>
            </tr>
          </thead>
          <tbody>
            {data.roles
              .filter((r) => q === '' || r.name.toLowerCase().includes(q))
              .map((r) => (
                <tr key={r.arn} class={r.workloadCount > 1 ? 'shared' : ''}>
                  <td>
                    <a href={href({ screen: 'role', name: r.name })}>{r.name}</a>
                  </td>
                  <td>
                    {r.workloadCount}
                    {r.workloadCount > 1 && <span class="badge warn">shared</span>}
                  </td>
                  <td>{r.findingCount}</td>
                  <td>{ago(r.lastUsed)}</td>
                </tr>
              ))}
          </tbody>
        </table>
      </div>
      <div class="panel">
        <h2>Posture findings</h2>
        <FindingList findings={[...data.findings].sort(bySeverity)} />
      </div>
    </section>
  );
}
