import { BadInputError } from './errors.js';

export const MAX_NAME_LENGTH = 255;
// C0 and C1 control characters, plus line and paragraph separators.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;

/** Trims and validates a display name; throws BAD_USER_INPUT naming `field`. */
export function validateName(field: string, raw: string): string {
  const name = raw.trim();
  if (name.length === 0) throw new BadInputError(field, `${field} must not be empty`, 'NAME_EMPTY');
  if ([...name].length > MAX_NAME_LENGTH) {
    throw new BadInputError(field, `${field} must be at most ${MAX_NAME_LENGTH} characters`, 'NAME_TOO_LONG');
  }
  if (CONTROL.test(name)) {
    throw new BadInputError(field, `${field} must not contain control characters`, 'NAME_CONTROL_CHARACTERS');
  }
  return name;
}
