import { BadInputError } from './errors.js';
import { requireText } from './input.js';
import { nameKey } from './name-key.js';

export { nameKey } from './name-key.js';

/** In code points, so that "😀" counts as one character, as a person would count it. */
export const MAX_NAME_LENGTH = 255;
// C0 and C1 control characters (NUL included), plus line and paragraph separators.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;
// Embeddings, overrides and isolates reorder the text that follows them, so a name could display as
// something else ("invoice\u202egpj.exe" shows as "invoiceexe.jpg"). The implicit marks (LRM, RLM,
// ALM) reorder nothing and stay allowed: right-to-left names need them around digits and punctuation.
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/u;
// What renders as nothing: white space, default-ignorable code points (zero-width space and joiners,
// soft hyphen, Hangul fillers, variation selectors) and the blank Braille pattern.
const INVISIBLE = /[\s\p{Default_Ignorable_Code_Point}\u2800]/gu;

/**
 * Validates a display name (tenants, workspaces, groups, API keys) and returns it as stored:
 * NFC-normalised and trimmed. Throws BAD_USER_INPUT naming `field`, with a stable reason.
 * Whether two names are the same is decided by their key (name-key.ts), not here.
 */
export function validateName(field: string, raw: string): string {
  if (!raw.isWellFormed()) throw new BadInputError(field, `${field} is not well-formed Unicode (it contains a lone surrogate)`, 'INVALID_UNICODE');
  const name = raw.normalize('NFC').trim();
  if (name.replace(INVISIBLE, '') === '') {
    throw new BadInputError(field, `${field} must contain at least one visible character`, 'NAME_EMPTY');
  }
  if (codePoints(name) > MAX_NAME_LENGTH) {
    throw new BadInputError(field, `${field} must be at most ${MAX_NAME_LENGTH} characters`, 'NAME_TOO_LONG');
  }
  if (CONTROL.test(name)) {
    throw new BadInputError(field, `${field} must not contain control characters`, 'NAME_CONTROL_CHARACTERS');
  }
  if (BIDI_CONTROL.test(name)) {
    throw new BadInputError(field, `${field} must not contain bidirectional embedding, override or isolate characters`, 'NAME_BIDI_CONTROL');
  }
  return name;
}

/**
 * The key a `nameContains` filter matches inside stored name keys, so it is as case- and
 * normalisation-insensitive as uniqueness. Undefined means no filter (absent, blank or invisible).
 */
export function nameFilterKey(field: string, raw: string | null | undefined): string | undefined {
  if (raw === null || raw === undefined) return undefined;
  const value = requireText(field, raw).trim();
  if (codePoints(value) > MAX_NAME_LENGTH) {
    throw new BadInputError(field, `${field} must be at most ${MAX_NAME_LENGTH} characters`, 'NAME_FILTER_TOO_LONG');
  }
  const key = nameKey(value);
  return key === '' ? undefined : key;
}

function codePoints(text: string): number {
  return [...text].length;
}
