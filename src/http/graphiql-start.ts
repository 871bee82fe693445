/** How callers sign in where the page is served; decides what the start page tells them. */
export type SignInHint = 'local' | 'oidc' | 'api-key' | 'gateway';

const QUERY = `query Hierarchy {
  viewer {
    user { username }
    tenants {
      nodes {
        id
        name
        rootWorkspace {
          id
          name
          children { nodes { id name } }
        }
      }
    }
  }
}
`;

const BOOTSTRAP_KEY = `# The bootstrap admin's API key works too: {"X-API-Key": "karto_…"}
# (printed at the first start; kept in $DATA_DIR/bootstrap-admin-api-key).`;

const LOCAL_TOKEN = `# Sign in (local sign-in, development only): in a terminal, in the checkout, run
#   npm run -s token -- alice --email alice@example.com
# and paste what it prints into the Headers pane below:
#   {"Authorization": "Bearer eyJ…"}
# Her first request creates her user; an admin can then add her to a tenant.`;

const COMMENTS: Record<SignInHint, string> = {
  local: `${LOCAL_TOKEN}\n${BOOTSTRAP_KEY}`,
  oidc: `# Sign in: put a token from your identity provider in the Headers pane below:
#   {"Authorization": "Bearer eyJ…"}
# or an API key: {"X-API-Key": "karto_…"}`,
  'api-key': `# Set X-API-Key in the Headers pane below, then run.
# Bootstrap admin key: $DATA_DIR/bootstrap-admin-api-key
# (bearer tokens are off here: no OIDC_ISSUER, and local sign-in is off)`,
  gateway: `# The gateway forwards Authorization and X-API-Key to every subgraph.
# With the iam subgraph's local sign-in (development), in its checkout run
#   npm run -s token -- alice --email alice@example.com
# and put {"Authorization": "Bearer eyJ…"} in the Headers pane below,
# or an API key: {"X-API-Key": "karto_…"}.`,
};

/** The query and headers GraphiQL opens with. Blank headers count as absent, so the request runs anonymously until one is filled in. */
export function graphiqlStart(hint: SignInHint): { query: string; headers: string } {
  const headers = hint === 'api-key' ? { 'X-API-Key': '' } : { Authorization: '', 'X-API-Key': '' };
  return { query: `${COMMENTS[hint]}\n${QUERY}`, headers: JSON.stringify(headers, null, 2) };
}
