import type { ColumnType, Generated, Selectable } from 'kysely';

export interface UserTable {
  id: string;
  issuer: string;
  subject: string;
  username: string;
  name: string | null;
  email: string | null;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, never, Date | string>;
}
export type UserRow = Selectable<UserTable>;
// Generated is re-exported for slices that need server-side defaults.
export type { Generated };
