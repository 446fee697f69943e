import type { Loaded } from '../use-api';

/** The loading/error placeholder of a screen; renders nothing once the data is there. */
export function Status<T>({ loaded }: { loaded: Loaded<T> }) {
  if (loaded.error !== undefined)
    return (
      <p class="error" role="alert">
        {loaded.error.message}
      </p>
    );
  if (loaded.data === undefined) return <p class="muted">Loading…</p>;
  return null;
}
