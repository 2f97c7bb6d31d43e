'use client';
// A chart's place on the page: a box of the chart's own height that mounts the chart the first time it
// comes near the viewport (IntersectionObserver, one for the whole page), and tells it whether it is on
// screen now, so off-screen charts neither draw at load nor redraw on a control change. The placeholder
// has the same height as the chart, so nothing moves when the chart arrives.
import { useEffect, useRef, useState, type ReactNode } from 'react';

/** Charts this far below / above the viewport are built already, so scrolling finds them drawn. */
const MARGIN = '300px 0px';

const callbacks = new Map<Element, (visible: boolean) => void>();
let observer: IntersectionObserver | null = null;

function observe(el: Element, cb: (visible: boolean) => void): () => void {
  observer ??= new IntersectionObserver(
    (entries) => {
      for (const e of entries) callbacks.get(e.target)?.(e.isIntersecting);
    },
    { rootMargin: MARGIN },
  );
  callbacks.set(el, cb);
  observer.observe(el);
  return () => {
    callbacks.delete(el);
    observer?.unobserve(el);
  };
}

/** Total height of a chart box whose plot area is `body` px (border, padding and the 22 px head: globals.css .chart). */
export function slotHeight(body: number): number {
  return body + 36;
}

export function LazySlot({ title, height, children }: { title: string; height: number; children: (visible: boolean) => ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const [state, setState] = useState({ seen: false, visible: false });
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    return observe(el, (visible) => setState((s) => (s.visible === visible && (s.seen || !visible) ? s : { seen: s.seen || visible, visible })));
  }, []);
  return (
    <div ref={ref} className="slot" style={{ height: slotHeight(height) }}>
      {state.seen ? (
        children(state.visible)
      ) : (
        <div className="chart placeholder" data-title={title} aria-busy="true">
          <div className="chart-head"><span className="chart-title">{title}</span></div>
        </div>
      )}
    </div>
  );
}
