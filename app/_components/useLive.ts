'use client';
// Follows live.onChange and refreshes the queries that changed, at most a few times per second.
import { useRef } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useTRPC } from './trpc';

export function useLive(runIds: number[] | null, onEvent?: () => void): void {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const flush = () => {
    timer.current = null;
    void qc.invalidateQueries({ queryKey: trpc.metrics.pathKey() });
    void qc.invalidateQueries({ queryKey: trpc.runs.pathKey() });
    void qc.invalidateQueries({ queryKey: trpc.gpu.pathKey() });
    void qc.invalidateQueries({ queryKey: trpc.logs.pathKey() });
    void qc.invalidateQueries({ queryKey: trpc.ingest.pathKey() });
    onEvent?.();
  };
  useSubscription(
    trpc.live.onChange.subscriptionOptions(runIds ? { runIds } : {}, {
      onData: () => {
        if (!timer.current) timer.current = setTimeout(flush, 250);
      },
    }),
  );
}
