// Data a page shows, read again whenever the live feed says it may have changed.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { subscribe } from './live';

export interface LiveData<T> {
  data?: T;
  error?: Error;
  loading: boolean;
  reload(): void;
}

/**
 * Loads with `load` now and again after each live change `concerns` accepts (all by default),
 * coalescing bursts into one read per `settleMs`.
 */
export function useLiveData<T>(
  load: () => Promise<T>,
  key: string,
  concerns: (app: string | undefined) => boolean = () => true,
  settleMs = 250,
): LiveData<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const loadRef = useRef(load);
  loadRef.current = load;
  const concernsRef = useRef(concerns);
  concernsRef.current = concerns;
  const generation = useRef(0);

  const reload = useCallback(() => {
    const mine = ++generation.current;
    loadRef.current().then(
      (data) => mine === generation.current && setState({ data, loading: false }),
      (error: Error) => mine === generation.current && setState((s) => ({ ...s, error, loading: false })),
    );
  }, []);

  useEffect(() => {
    setState({ loading: true });
    reload();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = subscribe((app) => {
      if (!concernsRef.current(app) || timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        reload();
      }, settleMs);
    });
    return () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
      generation.current++;
    };
  }, [key]);

  return { ...state, reload };
}
