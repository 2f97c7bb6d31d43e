'use client';
// Page state lives in the URL so a view can be shared and reloaded.
//
// Updates go through the native history.replaceState, which Next.js (≥ 14.1) syncs into
// useSearchParams: no server round trip per toggle (the pages are dynamic, so router.replace would
// fetch a new RSC payload for every slider step), and each update starts from the URL as it is now,
// so two changes in quick succession (select an axis, then move the slider) both stick — with
// router.replace the second one was built from the not-yet-updated params and dropped the first.
import { useCallback } from 'react';
import { usePathname, useSearchParams } from 'next/navigation';

export function useUrlState() {
  const params = useSearchParams();
  const pathname = usePathname();
  const get = useCallback((k: string, fallback = ''): string => params.get(k) ?? fallback, [params]);
  const set = useCallback(
    (patch: Record<string, string | number | boolean | null | undefined>) => {
      const next = new URLSearchParams(window.location.search);
      for (const [k, v] of Object.entries(patch)) {
        if (v === null || v === undefined || v === '') next.delete(k);
        else next.set(k, String(v));
      }
      const qs = next.toString();
      window.history.replaceState(null, '', qs ? `${pathname}?${qs}` : pathname);
    },
    [pathname],
  );
  return { get, set, params };
}
