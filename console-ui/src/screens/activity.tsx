/**
 * Activity: the access log, newest first, with filters, and live through server-sent events. A
 * denied event expands into its explanation (the deciding statements, as DecodeAuthorizationMessage
 * gives them).
 */
import { useEffect, useState } from 'preact/hooks';
import type { ActivityDetail, ActivityEvent, ActivityPage } from '../../../src/console/contract';
import { get, seg, streamUrl } from '../api';
import { JsonCode } from '../components/code';
import { time } from '../format';

interface Filters {
  principal: string;
  service: string;
  action: string;
  decision: string;
}

const EMPTY: Filters = { principal: '', service: '', action: '', decision: '' };

function query(filters: Filters, before?: string): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v !== '') params.set(k, v);
  params.set('limit', '100');
  if (before !== undefined) params.set('before', before);
  return params.toString();
}

/** The same filtering the server applies, for events that arrive on the stream. */
function keep(e: ActivityEvent, f: Filters): boolean {
  const service = e.eventSource.replace(/\.amazonaws\.com$/, '');
  if (f.principal !== '' && !`${e.principalArn ?? ''} ${e.roleName ?? ''}`.includes(f.principal))
    return false;
  if (f.service !== '' && service !== f.service && e.eventSource !== f.service) return false;
  if (f.action !== '' && e.eventName !== f.action && `${service}:${e.eventName}` !== f.action) return false;
  if (f.decision !== '' && e.decision !== f.decision) return false;
  return true;
}

export function Activity() {
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [events, setEvents] = useState<ActivityEvent[]>([]);
  const [next, setNext] = useState<string>();
  const [error, setError] = useState('');
  const [live, setLive] = useState<'connecting' | 'live' | 'off'>('connecting');
  const [open, setOpen] = useState<string>();

  useEffect(() => {
    let alive = true;
    setError('');
    get<ActivityPage>(`events?${query(filters)}`).then(
      (page) => {
        if (!alive) return;
        setEvents(page.events);
        setNext(page.next);
      },
      (e: unknown) => alive && setError(String(e instanceof Error ? e.message : e)),
    );
    const source = new EventSource(streamUrl('events/stream'));
    source.onopen = () => setLive('live');
    source.onerror = () => setLive(source.readyState === EventSource.CLOSED ? 'off' : 'connecting');
    source.addEventListener('access', (message: MessageEvent<string>) => {
      let event: ActivityEvent;
      try {
        event = JSON.parse(message.data) as ActivityEvent;
      } catch {
        return;
      }
      if (!keep(event, filters)) return;
      setEvents((list) =>
        list.some((e) => e.eventId === event.eventId) ? list : [event, ...list].slice(0, 1000),
      );
    });
    return () => {
      alive = false;
      source.close();
    };
  }, [filters]);

  const more = (): void => {
    if (next === undefined) return;
    get<ActivityPage>(`events?${query(filters, next)}`).then(
      (page) => {
        setEvents((list) => [...list, ...page.events]);
        setNext(page.next);
      },
      (e: unknown) => setError(String(e instanceof Error ? e.message : e)),
    );
  };

  const field = (name: keyof Filters, label: string, placeholder: string) => (
    <label>
      {label}
      <input
        name={name}
        placeholder={placeholder}
        value={draft[name]}
        onInput={(e) => setDraft({ ...draft, [name]: e.currentTarget.value })}
      />
    </label>
  );

  return (
    <section aria-labelledby="act-title">
      <header class="screen-head">
        <h1 id="act-title">Activity</h1>
        <span class={`live live-${live}`} aria-live="polite">
          {live === 'live' ? '● live' : live === 'connecting' ? '○ connecting' : '○ offline'}
        </span>
      </header>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters(draft);
        }}
      >
        {field('principal', 'Principal', 'ARN or role name')}
        {field('service', 'Service', 's3')}
        {field('action', 'Action', 'GetObject')}
        <label>
          Decision
          <select
            name="decision"
            value={draft.decision}
            onChange={(e) => setDraft({ ...draft, decision: e.currentTarget.value })}
          >
            <option value="">any</option>
            <option value="allow">allow</option>
            <option value="deny">deny</option>
            <option value="audit-deny">audit-deny</option>
          </select>
        </label>
        <button type="submit">Apply filters</button>
      </form>
      {error !== '' && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <table class="grid events">
        <thead>
          <tr>
            <th>Time</th>
            <th>Decision</th>
            <th>Action</th>
            <th>Principal</th>
            <th>Channel</th>
            <th>Source</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <EventRow
              key={e.eventId}
              event={e}
              open={open === e.eventId}
              toggle={() => setOpen(open === e.eventId ? undefined : e.eventId)}
            />
          ))}
        </tbody>
      </table>
      {events.length === 0 && <p class="muted">No events yet.</p>}
      {next !== undefined && (
        <button type="button" onClick={more}>
          Older events
        </button>
      )}
    </section>
  );
}

function EventRow({ event: e, open, toggle }: { event: ActivityEvent; open: boolean; toggle: () => void }) {
  const denied = e.decision !== 'allow';
  return (
    <>
      <tr class={`event ${e.decision}`} data-event-id={e.eventId}>
        <td title={e.eventTime}>{time(e.eventTime)}</td>
        <td>
          {denied ? (
            <button type="button" class={`decision ${e.decision}`} aria-expanded={open} onClick={toggle}>
              {e.decision} {open ? '▾' : '▸'}
            </button>
          ) : (
            <span class="decision allow">allow</span>
          )}
        </td>
        <td>
          <code>
            {e.eventSource.replace(/\.amazonaws\.com$/, '')}:{e.eventName}
          </code>
          {e.errorCode !== undefined && <div class="small deny">{e.errorCode}</div>}
        </td>
        <td class="small">{e.roleName ?? e.principalArn ?? '—'}</td>
        <td>{e.channel}</td>
        <td class="small">{e.sourceIPAddress ?? ''}</td>
      </tr>
      {open && (
        <tr class="explanation-row">
          <td colSpan={6}>
            <Explanation eventId={e.eventId} />
          </td>
        </tr>
      )}
    </>
  );
}

function Explanation({ eventId }: { eventId: string }) {
  const [detail, setDetail] = useState<ActivityDetail>();
  const [error, setError] = useState('');
  useEffect(() => {
    get<ActivityDetail>(`events/${seg(eventId)}`).then(setDetail, (e: unknown) =>
      setError(String(e instanceof Error ? e.message : e)),
    );
  }, [eventId]);
  if (error !== '') return <p class="error">{error}</p>;
  if (detail === undefined) return <p class="muted">Loading…</p>;
  return (
    <div class="explanation">
      <h3>Why</h3>
      {detail.explanation === undefined ? (
        <p class="muted">No explanation recorded.</p>
      ) : (
        <JsonCode text={JSON.stringify(detail.explanation, null, 2)} />
      )}
      <details>
        <summary>Record</summary>
        <JsonCode text={JSON.stringify(detail.record, null, 2)} />
      </details>
    </div>
  );
}
