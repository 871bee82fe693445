import { ulid } from 'ulid';

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export function newId(): string {
  return ulid();
}

/** ULIDs are case-insensitive by spec; we store them upper-case. Returns null when malformed. */
export function parseId(raw: string): string | null {
  const upper = raw.trim().toUpperCase();
  return ULID.test(upper) ? upper : null;
}
