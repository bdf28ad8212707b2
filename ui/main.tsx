// The web UI's entry: who is signed in, then the page for the URL.
import './styles.css';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, credentials, getJson } from './api';
import { Layout } from './components/layout';
import { About } from './pages/about';
import { AppDetail } from './pages/app-detail';
import { AppsList } from './pages/apps-list';
import { Clusters } from './pages/clusters';
import { Projects } from './pages/projects';
import { SignIn } from './pages/sign-in';
import { Link, navigate, useLocation } from './router';

type Session =
  { state: 'checking' } | { state: 'signed-out'; problem?: string } | { state: 'in'; user: string };

async function whoAmI(): Promise<Session> {
  try {
    const me = await fetch('/auth/me', {
      headers: credentials.token() ? { authorization: `Bearer ${credentials.token()}` } : {},
    });
    if (me.ok) return { state: 'in', user: ((await me.json()) as { subject: string }).subject };
    // No sign-in configured (/auth is absent): any API answer says whether the credential works.
    await getJson('/version');
    return { state: 'in', user: credentials.token() ? 'API token' : 'signed in' };
  } catch (e) {
    if (e instanceof ApiError && e.status === 401)
      return {
        state: 'signed-out',
        problem: credentials.token() ? 'That token was not accepted.' : undefined,
      };
    return { state: 'signed-out', problem: (e as Error).message };
  }
}

function Page(props: { path: string; user: string; onSignOut: () => void }) {
  const { path } = props;
  const app = /^\/applications\/([^/]+)/.exec(path);
  const frame = { path, user: props.user, onSignOut: props.onSignOut };
  if (app) {
    const name = decodeURIComponent(app[1]!);
    return (
      <Layout
        {...frame}
        title={
          <>
            <Link href="/applications" class="crumb">
              Applications
            </Link>{' '}
            <span aria-hidden="true">/</span> {name}
          </>
        }
      >
        <AppDetail name={name} />
      </Layout>
    );
  }
  if (path.startsWith('/clusters'))
    return (
      <Layout {...frame} title="Clusters">
        <Clusters />
      </Layout>
    );
  if (path.startsWith('/projects'))
    return (
      <Layout {...frame} title="Projects">
        <Projects />
      </Layout>
    );
  if (path.startsWith('/about'))
    return (
      <Layout {...frame} title="About">
        <About user={props.user} />
      </Layout>
    );
  return (
    <Layout {...frame} title="Applications">
      <AppsList />
    </Layout>
  );
}

function Root() {
  const { path } = useLocation();
  const [session, setSession] = useState<Session>({ state: 'checking' });
  const check = () => void whoAmI().then(setSession);
  useEffect(check, []);
  useEffect(() => {
    if (path === '/') navigate('/applications', true);
  }, [path]);
  if (session.state === 'checking') return <p class="muted boot">Loading…</p>;
  if (session.state === 'signed-out') return <SignIn problem={session.problem} onSignedIn={check} />;
  const signOut = () => {
    credentials.clear();
    void fetch('/auth/logout', { method: 'POST' }).finally(() => setSession({ state: 'signed-out' }));
  };
  return <Page path={path} user={session.user} onSignOut={signOut} />;
}

render(<Root />, document.getElementById('root')!);
