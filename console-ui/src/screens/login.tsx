/**
 * Sign in with an IAM user's access key (`POST api/login`). The URL that `credplane up` prints
 * signs in by itself: the server spends its token and redirects here with the cookie set.
 */
import { useState } from 'preact/hooks';
import type { LoginRequest, SessionInfo } from '../../../src/console/contract';
import { ApiError, post } from '../api';

export function Login({ onSession }: { onSession: (s: SessionInfo) => void }) {
  const [accessKeyId, setKey] = useState('');
  const [secretAccessKey, setSecret] = useState('');
  const [sessionToken, setToken] = useState('');
  // A spent, expired or unknown login token comes back as ?login=expired (docs/console.md).
  const [error, setError] = useState(() =>
    new URLSearchParams(location.search).get('login') === 'expired'
      ? 'That login link was already used or has expired: run credplane up again for a new one, or sign in with an access key.'
      : '',
  );
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const body: LoginRequest = {
        accessKeyId,
        secretAccessKey,
        ...(sessionToken === '' ? {} : { sessionToken }),
      };
      onSession(await post<SessionInfo>('login', body));
    } catch (err) {
      setError(err instanceof ApiError ? `${err.code}: ${err.message}` : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <form class="card" onSubmit={(e) => void submit(e)} aria-labelledby="login-title">
        <h1 id="login-title">
          <span class="logo">credplane</span> console
        </h1>
        <p class="muted">
          Open the console URL that <code>credplane up</code> printed, or sign in with an IAM user's access
          key.
        </p>
        <label>
          Access key ID
          <input
            name="accessKeyId"
            autoComplete="username"
            required
            value={accessKeyId}
            onInput={(e) => setKey(e.currentTarget.value)}
            autoFocus
          />
        </label>
        <label>
          Secret access key
          <input
            name="secretAccessKey"
            type="password"
            autoComplete="current-password"
            required
            value={secretAccessKey}
            onInput={(e) => setSecret(e.currentTarget.value)}
          />
        </label>
        <label>
          Session token <span class="muted">(temporary credentials only)</span>
          <input
            name="sessionToken"
            type="password"
            autoComplete="off"
            value={sessionToken}
            onInput={(e) => setToken(e.currentTarget.value)}
          />
        </label>
        {error !== '' && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
