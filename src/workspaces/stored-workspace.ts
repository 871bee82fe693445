import { parseTimestamptz } from '../infra/db/timestamp-parser.js';
import type { Workspace } from './workspace.js';

/** A timestamp as PostgreSQL printed it (PREPARED_RAW_TIMESTAMPS), or a Date where a pool parsed it already. */
export type RawTimestamp = string | Date;

/**
 * A workspace from a listing or a tree, whose timestamps are parsed when first read. Lists are mostly
 * asked for names and ids: parsing two timestamps into Dates per row was ~1 ms of CPU for the 1,111
 * nodes of three `children` levels, and the largest single cost of a page of 50.
 */
export class StoredWorkspace implements Workspace {
  readonly isRoot: boolean;
  #createdAt: RawTimestamp;
  #updatedAt: RawTimestamp;

  constructor(
    readonly id: string,
    readonly tenantId: string,
    readonly parentId: string | null,
    readonly name: string,
    readonly depth: number,
    createdAt: RawTimestamp,
    updatedAt: RawTimestamp,
  ) {
    this.isRoot = parentId === null;
    this.#createdAt = createdAt;
    this.#updatedAt = updatedAt;
  }

  get createdAt(): Date {
    if (typeof this.#createdAt === 'string') this.#createdAt = toDate(this.#createdAt);
    return this.#createdAt;
  }

  get updatedAt(): Date {
    if (typeof this.#updatedAt === 'string') this.#updatedAt = toDate(this.#updatedAt);
    return this.#updatedAt;
  }
}

function toDate(text: string): Date {
  const parsed = parseTimestamptz(text);
  return parsed instanceof Date ? parsed : new Date(Number.NaN);
}
