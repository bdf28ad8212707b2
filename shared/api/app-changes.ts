// What changed, for live views: the local runtime announces an app's name whenever its status,
// operation or spec is written (shared/runtime/app-change-feed.ts); GET /api/v1/stream passes the
// names on as server-sent events. The API function on AWS has no feed (a Lambda cannot hold a
// stream): the web UI polls there, with ETags.
export interface AppChanges {
  /** Calls `listener` with an app's name after each change; answers the unsubscribe. */
  subscribe(listener: (app: string) => void): () => void;
}
