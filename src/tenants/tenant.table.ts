import type { ColumnType, Selectable } from 'kysely';

export interface TenantTable {
  id: string;
  name: string;
  /** nameKey(name): what uniqueness and list order compare (see src/shared/name-key.ts). */
  name_key: string;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, never, Date | string>;
}
export type TenantRow = Selectable<TenantTable>;
