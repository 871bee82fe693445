import type { IncomingHttpHeaders } from 'node:http';
import { UnauthenticatedError } from '../shared/errors.js';

/** What a request presents to prove who it is; absent fields carry nothing. */
export interface Credentials {
  /** The `Authorization` header. */
  authorization?: string | undefined;
  /** The `X-API-Key` header. */
  apiKey?: string | undefined;
}

/** A blank header carries no credential: GraphiQL sends its prefilled `"X-API-Key": ""` before one is typed. */
function present(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

export function normalizeCredentials(credentials: Credentials): Credentials {
  return { authorization: present(credentials.authorization), apiKey: present(credentials.apiKey) };
}

export function credentialsFrom(headers: IncomingHttpHeaders): Credentials {
  return normalizeCredentials({ authorization: headers.authorization, apiKey: headers['x-api-key'] as string | undefined });
}

export function hasCredentials(credentials: Credentials): boolean {
  return credentials.authorization !== undefined || credentials.apiKey !== undefined;
}

/** For a request without credentials where a caller is needed. */
export function authenticationRequired(): UnauthenticatedError {
  return new UnauthenticatedError('Authentication required: send "Authorization: Bearer <token>" or an X-API-Key header', {
    reason: 'CREDENTIALS_MISSING',
  });
}
