/**
 * Why a string cannot be stored or compared faithfully, if it cannot: PostgreSQL rejects NUL in
 * text (a 500 if it reaches a query), and pg silently turns a lone UTF-16 surrogate into U+FFFD,
 * so what we would store or match is not what the client sent.
 */
export type TextProblem = 'INVALID_UNICODE' | 'NUL_CHARACTER';

export function textProblem(value: string): TextProblem | undefined {
  if (!value.isWellFormed()) return 'INVALID_UNICODE';
  if (value.includes('\u0000')) return 'NUL_CHARACTER';
  return undefined;
}

export const TEXT_PROBLEM_MESSAGES: Record<TextProblem, string> = {
  INVALID_UNICODE: 'is not well-formed Unicode (it contains a lone surrogate)',
  NUL_CHARACTER: 'must not contain the NUL character (U+0000)',
};
