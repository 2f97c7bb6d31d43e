'use client';
// /runs/<id> for an id that is not a number or names no run: what is wrong, and the way back.
import { usePathname } from 'next/navigation';
import { NoRun } from './NoRun';

export default function RunNotFound() {
  const path = usePathname() ?? '';
  const raw = path.split('/').filter(Boolean)[1] ?? '';
  let id = raw;
  try {
    id = decodeURIComponent(raw);
  } catch {
    // keep it as it came
  }
  return <NoRun id={id} />;
}
