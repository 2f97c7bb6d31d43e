'use client';
// Windowing for a long table that scrolls with the page: which rows of a fixed row height are in the
// viewport (plus `overscan` above and below). The table renders only those, between two spacer rows
// that keep its full height, so 1,000 runs cost what 40 do. Recomputed on scroll and resize (once per
// animation frame) and whenever the caller's `deps` change (new data, another filter).
import { useCallback, useEffect, useState, type RefObject } from 'react';

export interface RowWindow {
  /** first row to render */
  first: number;
  /** one past the last row to render (not clamped to the row count: the caller does that) */
  last: number;
}

export function useWindowRows(body: RefObject<HTMLElement | null>, rowHeight: number, overscan: number, deps: unknown[] = []): RowWindow {
  const [w, setW] = useState<RowWindow>({ first: 0, last: 40 });
  const measure = useCallback(() => {
    const el = body.current;
    if (!el) return;
    // the body's top edge is row 0's (the top spacer is inside it)
    const top = el.getBoundingClientRect().top;
    const first = Math.max(0, Math.floor(-top / rowHeight) - overscan);
    const last = Math.max(first + 1, Math.ceil((window.innerHeight - top) / rowHeight) + overscan);
    setW((o) => (o.first === first && o.last === last ? o : { first, last }));
  }, [body, rowHeight, overscan]);

  useEffect(() => {
    let raf = 0;
    const onChange = () => {
      if (!raf) {
        raf = requestAnimationFrame(() => {
          raf = 0;
          measure();
        });
      }
    };
    window.addEventListener('scroll', onChange, { passive: true });
    window.addEventListener('resize', onChange);
    measure();
    return () => {
      window.removeEventListener('scroll', onChange);
      window.removeEventListener('resize', onChange);
      cancelAnimationFrame(raf);
    };
  }, [measure, ...deps]);
  return w;
}
