/**
 * The corpus's events as text: `JSON.stringify` of each built event with its random event id
 * replaced by a fixed one (in the event and in its CloudTrail record), `null` when the call is not
 * logged. Shared by the golden test and by `golden-generate.ts`, which writes the fixture.
 */
import { logQueryApiCall } from '../query-api-record.js';
import type { AccessEventInput } from '../../store/store.js';
import { corpus } from './query-api-corpus.js';

export const FIXED_EVENT_ID = '00000000-0000-4000-8000-000000000000';

export async function goldenEvents(): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const { name, call } of corpus()) {
    let event: AccessEventInput | undefined;
    await logQueryApiCall(
      {
        commit: (e) => {
          event = e;
          return Promise.resolve(true);
        },
      },
      call,
    );
    if (event === undefined) {
      out[name] = null;
      continue;
    }
    event.eventId = FIXED_EVENT_ID;
    (event.record as { eventID: string }).eventID = FIXED_EVENT_ID;
    out[name] = JSON.stringify(event);
  }
  return out;
}
