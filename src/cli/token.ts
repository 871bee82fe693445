/**
 * `npm run token -- <username> [--email …] [--name …] [--days N]`: prints a bearer token of the
 * local issuer (development only) for that person, signed with DATA_DIR's key, whether or not the
 * server runs. The token alone goes to stdout (`TOKEN=$(npm run -s token -- alice)`); how to use it
 * goes to stderr. Refuses where local sign-in is off (NODE_ENV=production, OIDC_ISSUER, …).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { signLocalToken, MAX_TOKEN_DAYS, type LocalPerson } from '../auth/local-sign-in/local-token.js';
import { localSignInState } from '../auth/local-sign-in/policy.js';
import { loadOrCreateSigningKey } from '../auth/local-sign-in/signing-key.js';
import { ConfigError, loadConfig } from '../config.js';
import { textProblem } from '../shared/text.js';

export const TOKEN_USAGE = `usage: npm run token -- <username> [--email <address>] [--name <display name>] [--days <1-${MAX_TOKEN_DAYS}>]`;
const DEFAULT_DAYS = 30;

export class TokenCommandError extends Error {
  override name = 'TokenCommandError';
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

export interface TokenRequest {
  person: LocalPerson;
  days: number;
}

function checkedText(what: string, value: string | undefined, max: number): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') throw new TokenCommandError(`${what} is empty\n${TOKEN_USAGE}`);
  const problem = textProblem(trimmed);
  // eslint-disable-next-line no-control-regex
  if (problem || /[\u0000-\u001f\u007f]/.test(trimmed)) throw new TokenCommandError(`${what} contains control characters or invalid Unicode`);
  if ([...trimmed].length > max) throw new TokenCommandError(`${what} is longer than ${max} characters`);
  return trimmed;
}

export function parseTokenArgs(argv: readonly string[]): TokenRequest {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { email: { type: 'string', short: 'e' }, name: { type: 'string', short: 'n' }, days: { type: 'string', short: 'd' } },
    });
  } catch (error) {
    throw new TokenCommandError(`${error instanceof Error ? error.message : String(error)}\n${TOKEN_USAGE}`);
  }
  const { positionals, values } = parsed;
  if (positionals.length !== 1) throw new TokenCommandError(positionals.length === 0 ? TOKEN_USAGE : `one username, not ${positionals.length}\n${TOKEN_USAGE}`);
  const username = checkedText('the username', positionals[0], 255) ?? '';
  if (/\s/.test(username)) throw new TokenCommandError('the username contains white space');
  const email = checkedText('--email', values.email, 320);
  if (email !== undefined && !/^[^@\s]+@[^@\s]+$/.test(email)) throw new TokenCommandError(`--email ${email} is not an email address`);
  const days = values.days === undefined ? DEFAULT_DAYS : Number(values.days);
  if (!Number.isInteger(days) || days < 1 || days > MAX_TOKEN_DAYS) throw new TokenCommandError(`--days must be a whole number from 1 to ${MAX_TOKEN_DAYS}`);
  return { person: { username, email, name: checkedText('--name', values.name, 255) }, days };
}

/** What the command prints: the token on stdout, the rest on stderr. */
export async function runTokenCommand(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<{ token: string; notes: string }> {
  const request = parseTokenArgs(argv);
  const config = loadConfig(env);
  const state = localSignInState(config);
  if (!state.enabled) {
    throw new TokenCommandError(`Local sign-in is off here (${state.reason}), so the server would refuse its tokens: none made.`, 1);
  }
  const key = await loadOrCreateSigningKey(config.DATA_DIR);
  const token = await signLocalToken(key, request.person, request.days);
  const expires = new Date(Date.now() + request.days * 86_400_000).toISOString().slice(0, 10);
  const who = [request.person.username, request.person.email && `<${request.person.email}>`].filter(Boolean).join(' ');
  const notes = [
    `Bearer token for ${who} (local sign-in, DATA_DIR ${path.resolve(config.DATA_DIR)}), valid until ${expires}.`,
    'In GraphiQL, Headers pane: {"Authorization": "Bearer <the token>"}; with curl: -H "Authorization: Bearer <the token>".',
  ].join('\n');
  return { token, notes };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runTokenCommand(process.argv.slice(2), process.env).then(
    ({ token, notes }) => {
      process.stdout.write(`${token}\n`);
      process.stderr.write(`${notes}\n`);
    },
    (error: unknown) => {
      if (error instanceof TokenCommandError || error instanceof ConfigError) {
        console.error(`token: ${error.message}`);
        process.exit(error instanceof TokenCommandError ? error.exitCode : 1);
      }
      console.error(error);
      process.exit(1);
    },
  );
}
