/**
 * How `credplane logs` shows access events: time specs (`15m`, `2h`, `7d`, ISO times), a
 * fixed-width table for terminals, NDJSON records, and CloudTrail log-file documents.
 */
import type { JsonValue } from '../iam/types.js';
import type { AccessEvent } from '../store/store.js';

export { parseTimeSpec } from '../time-spec.js';

type Record_ = { [key: string]: JsonValue };

function recordOf(event: AccessEvent): Record_ {
  const record = event.record;
  return record !== null && typeof record === 'object' && !Array.isArray(record) ? record : {};
}

/** The caller shown in the table: the role, else the user or service, else the principal's ARN. */
function who(event: AccessEvent): string {
  if (event.roleName !== undefined) return event.roleName;
  const identity = recordOf(event).userIdentity as Record_ | undefined;
  const name = identity?.userName ?? identity?.invokedBy ?? event.principalArn;
  return typeof name === 'string' ? name : '-';
}

/** The first resource the event names: the record's `resources`, else the first check's. */
function what(event: AccessEvent): string {
  const record = recordOf(event);
  const resources = record.resources;
  if (Array.isArray(resources) && resources.length > 0) {
    const arn = (resources[0] as Record_).ARN;
    if (typeof arn === 'string') return resources.length > 1 ? `${arn} (+${resources.length - 1})` : arn;
  }
  const checks = (record.credplane as Record_ | undefined)?.checks;
  if (Array.isArray(checks) && checks.length > 0) {
    const resource = (checks[0] as Record_).resource;
    if (typeof resource === 'string') return resource;
  }
  return '-';
}

const COLUMNS = [
  { title: 'TIME', width: 22 },
  { title: 'ROLE', width: 24 },
  { title: 'EVENT', width: 36 },
  { title: 'DECISION', width: 10 },
  { title: 'ERROR', width: 24 },
  { title: 'RESOURCE', width: 0 },
] as const;

function row(cells: readonly string[]): string {
  return cells
    .map((cell, i) => {
      const width = COLUMNS[i]!.width;
      if (width === 0) return cell;
      const fitted = cell.length > width - 1 ? `${cell.slice(0, width - 2)}…` : cell;
      return fitted.padEnd(width);
    })
    .join('')
    .trimEnd();
}

/**
 * The table's header line.
 *
 * @example
 * process.stdout.write(tableHeader() + '\n');
 */
export function tableHeader(): string {
  return row(COLUMNS.map((c) => c.title));
}

/**
 * One table line: time, role, `service:EventName`, decision, error code, resource.
 *
 * @example
 * for (const e of events) process.stdout.write(tableRow(e) + '\n');
 */
export function tableRow(event: AccessEvent): string {
  const service = event.eventSource.replace(/\.amazonaws\.com$/, '');
  return row([
    event.eventTime.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    who(event),
    `${service}:${event.eventName}`,
    event.decision,
    event.errorCode ?? '',
    what(event),
  ]);
}

/**
 * One NDJSON line: the event's CloudTrail record (with credplane's member).
 *
 * @example
 * process.stdout.write(jsonLine(event) + '\n');
 */
export function jsonLine(event: AccessEvent): string {
  return JSON.stringify(event.record);
}

/**
 * A CloudTrail log file's document, `{"Records":[...]}`, for these events.
 *
 * @example
 * fs.writeFileSync('trail.json', cloudTrailDocument(events));
 */
export function cloudTrailDocument(events: readonly AccessEvent[]): string {
  return JSON.stringify({ Records: events.map((e) => e.record) });
}
