import type { User } from './user.js';

/** The users columns other features select when they join users (aliased `u_*` to avoid clashes). */
export const USER_COLUMNS = ['u.id as u_id', 'u.username as u_username', 'u.name as u_name', 'u.email as u_email', 'u.created_at as u_created_at'] as const;

export interface JoinedUserRow {
  u_id: string;
  u_username: string;
  u_name: string | null;
  u_email: string | null;
  u_created_at: Date;
}

export function joinedUser(row: JoinedUserRow): User {
  return { id: row.u_id, username: row.u_username, name: row.u_name, email: row.u_email, createdAt: row.u_created_at };
}
