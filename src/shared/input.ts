import { BadInputError } from './errors.js';
import { parseId } from './ids.js';

/** Parses an ID argument or throws BAD_USER_INPUT naming the field. */
export function requireId(field: string, raw: string): string {
  const id = parseId(raw);
  if (!id) throw new BadInputError(field, `${field} is not a valid ID`, 'INVALID_ID');
  return id;
}
