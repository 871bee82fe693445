import type { GraphQLFormattedError } from 'graphql';
import { classifyError } from './error-mapping.js';

// A validation error quotes the client's text (a 500 KB field name, say); the client needs no more than this.
const MAX_MESSAGE_LENGTH = 500;
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

function bound(message: string): string {
  return message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH)}… (truncated)` : message;
}

/**
 * What a client may see of an error (classifyError decides), bounded in size. Without suggestions
 * (production), "Did you mean …?" hints go too: they would spell out the schema to anyone.
 */
export function createFormatError(options: { suggestions: boolean }): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  return (formatted, error) => {
    const verdict = classifyError(error);
    const message = options.suggestions ? verdict.message : verdict.message.replace(SUGGESTION, '');
    const { http: _http, stacktrace: _stacktrace, ...extensions } = verdict.extensions;
    return {
      message: bound(message),
      ...(formatted.locations && !verdict.unexpected ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { ...extensions, code: verdict.code },
    };
  };
}
