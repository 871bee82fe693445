import type { ColumnType, Selectable } from 'kysely';

export interface TenantTable {
  id: string;
  name: string;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, never, Date | string>;
}
export type TenantRow = Selectable<TenantTable>;
