import type { ColumnType, Selectable } from 'kysely';

export interface UserTable {
  id: string;
  issuer: string;
  subject: string;
  username: string;
  name: string | null;
  email: string | null;
  /** userKeys(): what search, email lookup and list order compare (see user-keys.ts). */
  username_key: string;
  name_key: string | null;
  email_key: string | null;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, never, Date | string>;
}
export type UserRow = Selectable<UserTable>;
