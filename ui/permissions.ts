// Which buttons to show: asked of the server (GET /api/v1/account/can-i/…), which answers by the
// same RBAC rules it enforces on the request itself. Answers are kept for the page's life.
import { useEffect, useState } from 'preact/hooks';
import { enc, getJson } from './api';

const answers = new Map<string, Promise<boolean>>();

export function canI(resource: string, action: string, object: string): Promise<boolean> {
  const key = `${resource}/${action}/${enc(object)}`;
  let answer = answers.get(key);
  if (!answer) {
    answer = getJson<{ value: string }>(`/account/can-i/${key}`).then(
      (r) => r.value === 'yes',
      () => false,
    );
    answers.set(key, answer);
  }
  return answer;
}

/** undefined until the server answered (buttons stay hidden meanwhile). */
export function useCan(resource: string, action: string, object: string): boolean | undefined {
  const [can, setCan] = useState<boolean | undefined>(undefined);
  useEffect(() => {
    let live = true;
    void canI(resource, action, object).then((v) => live && setCan(v));
    return () => {
      live = false;
    };
  }, [resource, action, object]);
  return can;
}
