import type { Config } from '../../config.js';

/**
 * The local issuer's identity. Not a URL with our port in it: a token is for a DATA_DIR (whose key
 * signs it), whatever port the server listens on, and users are keyed by (issuer, subject), so a
 * port change must not turn "alice" into a second user.
 */
export const LOCAL_ISSUER = 'urn:iam-subgraph:local-sign-in';
export const LOCAL_AUDIENCE = 'iam-subgraph';
/** Where the service publishes the issuer's discovery document and key set, under its own origin. */
export const LOCAL_ISSUER_PATH = '/local-sign-in';
export const LOCAL_DISCOVERY_PATH = `${LOCAL_ISSUER_PATH}/.well-known/openid-configuration`;
export const LOCAL_JWKS_PATH = `${LOCAL_ISSUER_PATH}/jwks.json`;

export type LocalSignInState = { enabled: true } | { enabled: false; reason: string };

/**
 * Local sign-in is for a developer's machine: never with NODE_ENV=production or an identity
 * provider (loadConfig refuses LOCAL_SIGN_IN=on with either). `auto` also wants the embedded
 * defaults, so a deployment pointed at real servers does not get it by forgetting NODE_ENV.
 */
export function localSignInState(config: Config): LocalSignInState {
  if (config.isProduction) return { enabled: false, reason: 'NODE_ENV=production' };
  if (config.OIDC_ISSUER) return { enabled: false, reason: `OIDC_ISSUER is set (${config.OIDC_ISSUER}): tokens come from that identity provider` };
  if (config.LOCAL_SIGN_IN === 'off') return { enabled: false, reason: 'LOCAL_SIGN_IN=off' };
  if (config.LOCAL_SIGN_IN === 'auto' && !(config.embeddedPostgres && config.embeddedSpiceDb)) {
    const set = config.embeddedPostgres ? 'SPICEDB_ENDPOINT' : 'DATABASE_URL';
    return { enabled: false, reason: `${set} is set (not the embedded defaults); LOCAL_SIGN_IN=on turns it on for development` };
  }
  return { enabled: true };
}
