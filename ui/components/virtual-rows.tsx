// A list that renders only the rows in view (plus a margin): thousands of apps cost the DOM a few
// dozen rows. Rows have one fixed height; the list scrolls inside its own box.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

export function VirtualRows<T>(props: {
  items: T[];
  rowHeight: number;
  label: string;
  header: ComponentChildren;
  row: (item: T, index: number) => ComponentChildren;
  overscan?: number;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 800 });
  useEffect(() => {
    const el = box.current!;
    const update = () => setView({ top: el.scrollTop, height: el.clientHeight });
    update();
    el.addEventListener('scroll', update, { passive: true });
    window.addEventListener('resize', update);
    return () => {
      el.removeEventListener('scroll', update);
      window.removeEventListener('resize', update);
    };
  }, []);
  const overscan = props.overscan ?? 8;
  const first = Math.max(0, Math.floor(view.top / props.rowHeight) - overscan);
  const last = Math.min(props.items.length, Math.ceil((view.top + view.height) / props.rowHeight) + overscan);
  return (
    <div class="vrows" ref={box} role="table" aria-label={props.label} aria-rowcount={props.items.length + 1}>
      {props.header}
      <div role="rowgroup" class="vrows-body" style={{ height: `${props.items.length * props.rowHeight}px` }}>
        {props.items.slice(first, last).map((item, i) => (
          <div
            key={first + i}
            class="vrow"
            role="row"
            aria-rowindex={first + i + 2}
            style={{
              transform: `translateY(${(first + i) * props.rowHeight}px)`,
              height: `${props.rowHeight}px`,
            }}
          >
            {props.row(item, first + i)}
          </div>
        ))}
      </div>
    </div>
  );
}
