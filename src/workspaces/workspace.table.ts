import type { ColumnType, Selectable } from 'kysely';

export interface WorkspaceTable {
  id: string;
  tenant_id: string;
  parent_id: string | null;
  name: string;
  /** nameKey(name): what sibling uniqueness, nameContains and list order compare. */
  name_key: string;
  depth: number;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, never, Date | string>;
}
export type WorkspaceRow = Selectable<WorkspaceTable>;
