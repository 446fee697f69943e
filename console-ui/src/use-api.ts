/** Load one API resource for a screen, with loading and error states. */
import { useEffect, useState } from 'preact/hooks';
import { get } from './api';

export interface Loaded<T> {
  data?: T;
  error?: Error;
  reload: () => void;
}

export function useApi<T>(path: string): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error }>({});
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    get<T>(path).then(
      (data) => live && setState({ data }),
      (error: unknown) =>
        live && setState({ error: error instanceof Error ? error : new Error(String(error)) }),
    );
    return () => {
      live = false;
    };
  }, [path, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}
