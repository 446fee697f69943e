/**
 * The graph screen loads on first use: Cytoscape and ELK are most of the console's code, and the
 * first screen should not wait for them.
 */
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';

type GraphScreen = ComponentType<{ query: string }>;
let loaded: GraphScreen | undefined;

export function LazyGraph({ query }: { query: string }) {
  const [Screen, setScreen] = useState<{ c?: GraphScreen }>({ c: loaded });
  const [error, setError] = useState('');
  useEffect(() => {
    if (Screen.c !== undefined) return;
    import('../screens/graph').then(
      (m) => {
        loaded = m.Graph;
        setScreen({ c: m.Graph });
      },
      (e: unknown) => setError(String(e)),
    );
  }, [Screen]);
  if (error !== '') return <p class="error">{error}</p>;
  if (Screen.c === undefined) return <p class="muted">Loading the graph…</p>;
  const C = Screen.c;
  return <C query={query} />;
}
