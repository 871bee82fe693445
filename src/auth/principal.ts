/**
 * Who is calling. Users authenticate with an OIDC bearer token; API keys act as their owner,
 * confined to the key's tenant (`tenantScope`): anything outside it is treated as not found
 * (src/authz/permission-door.ts applies it).
 */
export interface Principal {
  userId: string;
  username: string;
  via: 'oidc' | 'api_key' | 'bootstrap';
  apiKeyId?: string;
  tenantScope?: string;
  /**
   * The email of the request's own token (OIDC only: an API key carries none), and whether the
   * identity provider vouched for it (`email_verified: true`). Accepting an invitation needs both:
   * the stored user's email is whatever the last token said, verified or not.
   */
  tokenEmail?: { address: string; verified: boolean };
}
