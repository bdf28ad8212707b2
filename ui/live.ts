// Live updates behind one module. Against `gitferry serve` it reads server-sent events from
// /api/v1/stream (through fetch, so the bearer token goes in a header, never in a URL); where the
// server cannot hold a stream (the API function on AWS answers 501) it polls: every listener is
// told to re-read every few seconds, and the API's ETags make an unchanged answer a 304.
import { authHeaders } from './api';

/** `app` is the app that changed; undefined means "anything may have changed" (a poll tick). */
export type LiveListener = (app: string | undefined) => void;

const listeners = new Set<LiveListener>();
export type LiveMode = 'connecting' | 'stream' | 'polling';
let mode: LiveMode = 'connecting';
let started = false;
let connectedBefore = false;
const modeListeners = new Set<(m: LiveMode) => void>();

/** How often a polling client re-reads (only while the tab is visible). */
export const pollIntervalMs = 3000;

function tell(app: string | undefined): void {
  for (const l of listeners) l(app);
}

function setMode(m: LiveMode): void {
  mode = m;
  for (const l of modeListeners) l(m);
}

function poll(): void {
  setMode('polling');
  setInterval(() => {
    if (document.visibilityState === 'visible') tell(undefined);
  }, pollIntervalMs);
}

async function stream(): Promise<void> {
  let res: Response;
  try {
    res = await fetch('/api/v1/stream', { headers: authHeaders(), credentials: 'same-origin' });
  } catch {
    setTimeout(() => void stream(), 5000);
    return;
  }
  if (res.status === 501 || res.status === 404) return poll();
  if (!res.ok || !res.body) {
    setTimeout(() => void stream(), 5000);
    return;
  }
  setMode('stream');
  // Whatever changed while disconnected: everyone re-reads once reconnected.
  if (connectedBefore) tell(undefined);
  connectedBefore = true;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: ?(.*)$/m.exec(block)?.[1];
        const data = /^data: ?(.*)$/m.exec(block)?.[1];
        if (event === 'change' && data) {
          try {
            tell((JSON.parse(data) as { app?: string }).app);
          } catch {
            tell(undefined);
          }
        }
      }
    }
  } catch {
    // the connection dropped: reconnect below
  }
  setMode('connecting');
  setTimeout(() => void stream(), 2000);
}

/** Calls `listener` on every change (or poll tick) until the returned function is called. */
export function subscribe(listener: LiveListener): () => void {
  listeners.add(listener);
  if (!started) {
    started = true;
    void stream();
  }
  return () => listeners.delete(listener);
}

export function liveMode(): LiveMode {
  return mode;
}

export function onLiveMode(l: (m: LiveMode) => void): () => void {
  modeListeners.add(l);
  return () => modeListeners.delete(l);
}
