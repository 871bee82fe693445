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
}
