/**
 * Hash routing (`#/roles/<name>`): the server serves one index.html under /credplane/console/ and
 * never sees the route, so a reload or a bookmark works without server-side routes.
 */
import { useEffect, useState } from 'preact/hooks';
import { CONSOLE_PREFIX } from '../../src/console/contract';

/**
 * A path below the console's root (`/credplane/console/roles/web`, as the API's `href`s are, or a
 * pasted link) becomes the same route in the hash; the server answers index.html for such paths.
 */
export function adoptPath(): void {
  if (!location.pathname.startsWith(CONSOLE_PREFIX)) return;
  const rest = location.pathname.slice(CONSOLE_PREFIX.length);
  if (rest === '' || rest === 'index.html') return;
  history.replaceState(null, '', `${CONSOLE_PREFIX}#/${rest}`);
}

export type Route =
  | { screen: 'overview' }
  | { screen: 'role'; name: string }
  | { screen: 'least-privilege'; name: string }
  | { screen: 'graph' }
  | { screen: 'activity' }
  | { screen: 'lab' };

export function parseRoute(hash: string): Route {
  const parts = hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter((p) => p !== '')
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  const [head, name, tail] = parts;
  if (head === 'roles' && name !== undefined) {
    return tail === 'least-privilege' ? { screen: 'least-privilege', name } : { screen: 'role', name };
  }
  if (head === 'graph') return { screen: 'graph' };
  if (head === 'activity') return { screen: 'activity' };
  if (head === 'lab') return { screen: 'lab' };
  return { screen: 'overview' };
}

export function href(route: Route): string {
  switch (route.screen) {
    case 'role':
      return `#/roles/${encodeURIComponent(route.name)}`;
    case 'least-privilege':
      return `#/roles/${encodeURIComponent(route.name)}/least-privilege`;
    case 'overview':
      return '#/';
    default:
      return `#/${route.screen}`;
  }
}

export function navigate(route: Route): void {
  location.hash = href(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = (): void => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
