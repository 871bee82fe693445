import { BadInputError } from './errors.js';
import { parseId } from './ids.js';
import { TEXT_PROBLEM_MESSAGES, textProblem } from './text.js';

/** Parses an ID argument or throws BAD_USER_INPUT naming the field. */
export function requireId(field: string, raw: string): string {
  const id = parseId(raw);
  if (!id) throw new BadInputError(field, `${field} is not a valid ID`, 'INVALID_ID');
  return id;
}

/** Any string we store or compare: well-formed Unicode without NUL, else BAD_USER_INPUT naming the field. */
export function requireText(field: string, raw: string): string {
  const problem = textProblem(raw);
  if (problem) throw new BadInputError(field, `${field} ${TEXT_PROBLEM_MESSAGES[problem]}`, problem);
  return raw;
}

/**
 * Two alternative arguments of which exactly one must be given (userId or email, userId or groupId);
 * says which. BAD_USER_INPUT naming the first otherwise.
 */
export function requireOneOf(first: [field: string, value: unknown], second: [field: string, value: unknown]): 'first' | 'second' {
  const hasFirst = first[1] !== null && first[1] !== undefined;
  const hasSecond = second[1] !== null && second[1] !== undefined;
  if (hasFirst === hasSecond) throw new BadInputError(first[0], `Give exactly one of ${first[0]} and ${second[0]}`, 'EXACTLY_ONE_OF');
  return hasFirst ? 'first' : 'second';
}
