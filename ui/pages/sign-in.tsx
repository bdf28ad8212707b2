// Signing in: with the OpenID provider when the server has one (/auth/login), or with an API token
// (the one `gitferry serve` prints, or a project role's), kept for this browser tab only.
import { useEffect, useState } from 'preact/hooks';
import { credentials } from '../api';

export function SignIn(props: { problem?: string; onSignedIn: () => void }) {
  const [token, setToken] = useState('');
  const [sso, setSso] = useState(false);
  useEffect(() => {
    void fetch('/auth/config').then(
      (r) => setSso(r.ok),
      () => setSso(false),
    );
  }, []);
  return (
    <main class="sign-in" id="main">
      <div class="sign-in-card">
        <div class="brand big">
          <span class="brand-mark" aria-hidden="true">
            G
          </span>
          <h1 class="brand-name">Gitferry</h1>
        </div>
        <p class="muted">GitOps for your clusters, with nothing running inside them.</p>
        {props.problem && (
          <p class="notice notice-error" role="alert">
            {props.problem}
          </p>
        )}
        {sso && (
          <a class="button primary block" href="/auth/login">
            Log in via SSO
          </a>
        )}
        <form
          onSubmit={(e) => {
            e.preventDefault();
            credentials.setToken(token);
            props.onSignedIn();
          }}
        >
          <label class="field">
            <span>API token</span>
            <input
              type="password"
              name="token"
              autoComplete="off"
              value={token}
              onInput={(e) => setToken((e.target as HTMLInputElement).value)}
            />
            <small>The token gitferry serve wrote to its data dir, or a project role's token.</small>
          </label>
          <button type="submit" class={`button block ${sso ? '' : 'primary'}`} disabled={!token.trim()}>
            Sign in
          </button>
        </form>
      </div>
    </main>
  );
}
