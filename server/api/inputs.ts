// The zod atoms every router validates with, so each kind of input has one bound: a bad value is a
// 400 BAD_REQUEST before any work, never a 500. (z.number() already refuses NaN and ±Infinity, and
// .int() anything beyond 2^53.)
import { z } from 'zod';

/** A run id (0 is allowed and matches nothing: the comparison page asks for [0] when it has no runs). */
export const runId = z.number().int().min(0);

/** A tag name (TensorBoard tags are short; 500 characters is far beyond any real one). */
export const tag = z.string().max(500);

/** Points per series a chart may ask for. */
export const maxPoints = z.number().int().min(10).max(20_000);

/** An x range (finite numbers, min ≤ max). */
export const range = z.object({ min: z.number(), max: z.number() }).refine((r) => r.max >= r.min, 'range.max < range.min');

/** Free text typed into a filter. */
export const searchText = z.string().max(200);
