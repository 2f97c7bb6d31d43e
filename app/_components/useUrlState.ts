'use client';
// Page state lives in the URL so a view can be shared and reloaded.
//
// Updates go through the native history.replaceState, which Next.js (≥ 14.1) syncs into
// useSearchParams: no server round trip per toggle (the pages are dynamic, so router.replace fetched a
// new RSC payload for every keystroke and slider step), and each update starts from the URL as it is
// now, so two changes in quick succession (select an axis, then move the slider) both stick — with
// router.replace the second one was built from the not-yet-updated params and dropped the first.
//
// Next applies the new URL to useSearchParams in a transition, so for a moment the params still hold
// the old value; a controlled input bound to them is reset by React to that old value after its
// event, and typed characters were lost ("alice" arrived as "e0"). Until the params catch up, reads
// return what set() wrote.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { usePathname, useSearchParams } from 'next/navigation';

type Patch = Record<string, string | number | boolean | null | undefined>;

export function useUrlState() {
  const params = useSearchParams();
  const pathname = usePathname();
  // what set() wrote last, and the query strings the params may still pass through on their way to it
  const [mine, setMine] = useState<{ qs: string; passing: string[] } | null>(null);
  const actual = params.toString();
  const catchingUp = mine !== null && actual !== mine.qs && mine.passing.includes(actual);
  const current = useMemo(() => (catchingUp && mine ? new URLSearchParams(mine.qs) : params), [catchingUp, mine, params]);
  // caught up, or the URL moved on by other means (back/forward, a link): the params win
  useEffect(() => {
    // only the state this render saw: a set() that came in since (the next keystroke) stays
    if (mine && !catchingUp) setMine((m) => (m === mine ? null : m));
  }, [mine, catchingUp]);

  const get = useCallback((k: string, fallback = ''): string => current.get(k) ?? fallback, [current]);
  const set = useCallback(
    (patch: Patch) => {
      const before = new URLSearchParams(window.location.search);
      const next = new URLSearchParams(before);
      for (const [k, v] of Object.entries(patch)) {
        if (v === null || v === undefined || v === '') next.delete(k);
        else next.set(k, String(v));
      }
      const qs = next.toString();
      window.history.replaceState(null, '', qs ? `${pathname}?${qs}` : pathname);
      setMine((m) => ({ qs, passing: [...(m ? m.passing : []), before.toString(), ...(m ? [m.qs] : [])] }));
    },
    [pathname],
  );
  return { get, set, params: current };
}
