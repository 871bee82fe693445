import { tupleKey, type TupleUpdate } from '../infra/spicedb/relationships.js';

/**
 * What a parked event may still do when re-appended at the tail: only updates to relationships no
 * later event touches. A later event — applied, pending or parked itself — decides the final state
 * of every relationship it touches; replaying an older update over it would reorder history (a
 * member removed later would come back).
 */
export function unsupersededUpdates(
  parked: readonly TupleUpdate[],
  touchedLater: ReadonlySet<string>,
): { kept: TupleUpdate[]; dropped: TupleUpdate[] } {
  const kept: TupleUpdate[] = [];
  const dropped: TupleUpdate[] = [];
  for (const update of parked) (touchedLater.has(tupleKey(update.tuple)) ? dropped : kept).push(update);
  return { kept, dropped };
}
