/**
 * The console's shell: the session (or the login form), the navigation, the theme toggle and the
 * keyboard shortcuts (`g o` overview, `g g` graph, `g a` activity, `g l` lab, `/` search).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { SessionInfo } from '../../src/console/contract';
import { ApiError, get, post, useSessionToken } from './api';
import { href, navigate, useRoute, type Route } from './router';
import { Activity } from './screens/activity';
import { LazyGraph } from './components/lazy-graph';
import { Lab } from './screens/lab';
import { LeastPrivilege } from './screens/least-privilege';
import { Login } from './screens/login';
import { Overview } from './screens/overview';
import { Role } from './screens/role';
import { currentTheme, toggleTheme } from './theme';

const NAV: { route: Route; label: string; key: string }[] = [
  { route: { screen: 'overview' }, label: 'Overview', key: 'o' },
  { route: { screen: 'graph' }, label: 'Access graph', key: 'g' },
  { route: { screen: 'activity' }, label: 'Activity', key: 'a' },
  { route: { screen: 'lab' }, label: 'SSRF lab', key: 'l' },
];

function typing(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))
  );
}

export function App() {
  const [session, setSession] = useState<SessionInfo | null>();
  const [error, setError] = useState('');
  const [query, setQuery] = useState('');
  const [theme, setTheme] = useState(currentTheme);
  const route = useRoute();
  const search = useRef<HTMLInputElement>(null);

  const signedIn = (s: SessionInfo | null): void => {
    useSessionToken(s ?? undefined);
    // Signed in: drop the sign-in page's `?login=expired`.
    if (s !== null && location.search !== '')
      history.replaceState(null, '', location.pathname + location.hash);
    setSession(s);
  };

  useEffect(() => {
    get<SessionInfo>('session').then(signedIn, (e: unknown) => {
      if (e instanceof ApiError && e.status === 401) signedIn(null);
      else setError(String(e instanceof Error ? e.message : e));
    });
  }, []);

  useEffect(() => {
    let pendingG = 0;
    const onKey = (e: KeyboardEvent): void => {
      if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      if (e.key === '/') {
        e.preventDefault();
        search.current?.focus();
        return;
      }
      if (Date.now() - pendingG < 1000) {
        pendingG = 0;
        const target = NAV.find((n) => n.key === e.key);
        if (target !== undefined) navigate(target.route);
        return;
      }
      if (e.key === 'g') pendingG = Date.now();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  if (error !== '')
    return (
      <p class="error" role="alert">
        {error}
      </p>
    );
  if (session === undefined) return <p class="muted boot">Loading…</p>;
  if (session === null) return <Login onSession={signedIn} />;

  const active = route.screen === 'role' || route.screen === 'least-privilege' ? 'overview' : route.screen;
  return (
    <div class="shell">
      <header class="top">
        <a class="logo" href="#/">
          credplane
        </a>
        <nav aria-label="Screens">
          {NAV.map((n) => (
            <a
              key={n.label}
              href={href(n.route)}
              class={n.route.screen === active ? 'active' : ''}
              aria-current={n.route.screen === active ? 'page' : undefined}
              title={`g ${n.key}`}
            >
              {n.label}
            </a>
          ))}
        </nav>
        <form
          class="search"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            if (route.screen !== 'overview' && route.screen !== 'graph') navigate({ screen: 'overview' });
          }}
        >
          <input
            ref={search}
            type="search"
            placeholder="Search  /"
            aria-label="Search workloads and roles"
            value={query}
            onInput={(e) => setQuery(e.currentTarget.value)}
          />
        </form>
        <button
          type="button"
          class="theme"
          aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
          onClick={() => setTheme(toggleTheme())}
        >
          {theme === 'dark' ? '☀' : '☾'}
        </button>
        <span class="who" title={session.principal.arn}>
          {session.principal.name}
        </span>
        <button
          type="button"
          onClick={() => {
            post('logout').then(
              () => signedIn(null),
              () => signedIn(null),
            );
          }}
        >
          Sign out
        </button>
      </header>
      <main>
        {route.screen === 'overview' && <Overview query={query} />}
        {route.screen === 'role' && <Role key={route.name} name={route.name} />}
        {route.screen === 'least-privilege' && (
          <LeastPrivilege key={route.name} name={route.name} session={session} />
        )}
        {route.screen === 'graph' && <LazyGraph query={query} />}
        {route.screen === 'activity' && <Activity />}
        {route.screen === 'lab' && <Lab session={session} />}
      </main>
    </div>
  );
}
