// The frame of every page: a navigation rail on the left (as in Argo CD), a header with the
// page's title and actions, and the content.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { liveMode, onLiveMode, type LiveMode } from '../live';
import { Link } from '../router';

const sections = [
  { href: '/applications', label: 'Applications', icon: '▦' },
  { href: '/clusters', label: 'Clusters', icon: '⬡' },
  { href: '/projects', label: 'Projects', icon: '▤' },
  { href: '/about', label: 'About', icon: 'i' },
];

function LiveIndicator() {
  const [mode, setMode] = useState<LiveMode>(liveMode());
  useEffect(() => onLiveMode(setMode), []);
  const text = { stream: 'Live', polling: 'Polling', connecting: 'Connecting…' }[mode];
  return (
    <span class={`live live-${mode}`} title="How this page hears about changes" data-testid="live-mode">
      <span class="live-dot" aria-hidden="true" />
      {text}
    </span>
  );
}

export function Layout(props: {
  path: string;
  title: ComponentChildren;
  actions?: ComponentChildren;
  user?: string;
  onSignOut?: () => void;
  children: ComponentChildren;
}) {
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <nav class="rail" aria-label="Sections">
        <Link href="/applications" class="brand">
          <span class="brand-mark" aria-hidden="true">
            G
          </span>
          <span class="brand-name">Gitferry</span>
        </Link>
        <ul>
          {sections.map((s) => (
            <li key={s.href}>
              <Link
                href={s.href}
                class="rail-link"
                aria-current={props.path.startsWith(s.href) ? 'page' : undefined}
              >
                <span class="rail-icon" aria-hidden="true">
                  {s.icon}
                </span>
                {s.label}
              </Link>
            </li>
          ))}
        </ul>
        <div class="rail-foot">
          {props.user && <span class="user">{props.user}</span>}
          {props.onSignOut && (
            <button class="link-button" type="button" onClick={props.onSignOut}>
              Sign out
            </button>
          )}
        </div>
      </nav>
      <div class="page">
        <header class="topbar">
          <h1>{props.title}</h1>
          <div class="topbar-actions">
            {props.actions}
            <LiveIndicator />
          </div>
        </header>
        <main id="main" tabIndex={-1}>
          {props.children}
        </main>
      </div>
    </div>
  );
}

export function Notice(props: { kind: 'error' | 'info'; children: ComponentChildren }) {
  return (
    <div class={`notice notice-${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      {props.children}
    </div>
  );
}
