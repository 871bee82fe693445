import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export type SigningAlg = 'RS256' | 'ES256';

interface SigningKey {
  kid: string;
  alg: SigningAlg;
  privateKey: CryptoKey;
  jwk: JWK;
  published: boolean;
}

export interface SignOptions {
  kid?: string;
  /** Seconds from now; null leaves `exp` out. Default 300. */
  expiresIn?: number | null;
  issuer?: string;
  audience?: string;
}

/**
 * A minimal OpenID provider on a real local port: the discovery document, a JWKS of the published keys,
 * and token signing. It counts what it serves so tests can assert when the verifier fetches.
 */
export class TestOidcProvider {
  readonly audience = 'iam-subgraph-test';
  readonly fetches = { discovery: 0, jwks: 0 };
  /** How many of the next requests to each path fail with HTTP 503. */
  readonly failing = { discovery: 0, jwks: 0 };
  private readonly keys = new Map<string, SigningKey>();
  private nextKid = 1;

  private constructor(
    private readonly server: Server,
    readonly issuer: string,
  ) {}

  static async start(): Promise<TestOidcProvider> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const provider = new TestOidcProvider(server, `http://127.0.0.1:${port}/realms/test`);
    server.on('request', (req, res) => provider.respond(req.url ?? '', res));
    return provider;
  }

  get jwksUrl(): string {
    return `${this.issuer}/protocol/openid-connect/certs`;
  }

  /** Creates a key pair; published keys appear in the JWKS. Returns its kid. */
  async addKey(alg: SigningAlg, options: { published?: boolean } = {}): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const kid = `key-${this.nextKid++}`;
    const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
    this.keys.set(kid, { kid, alg, privateKey, jwk, published: options.published ?? true });
    return kid;
  }

  publish(kid: string): void {
    const key = this.keys.get(kid);
    if (!key) throw new Error(`no key ${kid}`);
    key.published = true;
  }

  async sign(claims: JWTPayload, options: SignOptions = {}): Promise<string> {
    const key = options.kid ? this.keys.get(options.kid) : [...this.keys.values()][0];
    if (!key) throw new Error('no signing key');
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .setIssuer(options.issuer ?? this.issuer)
      .setAudience(options.audience ?? this.audience)
      .setIssuedAt();
    const expiresIn = options.expiresIn === undefined ? 300 : options.expiresIn;
    if (expiresIn !== null) jwt.setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn);
    return jwt.sign(key.privateKey);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private respond(url: string, res: ServerResponse): void {
    const path = new URL(url, this.issuer).pathname;
    const route = path.endsWith('/.well-known/openid-configuration') ? 'discovery' : path === new URL(this.jwksUrl).pathname ? 'jwks' : null;
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    this.fetches[route] += 1;
    if (this.failing[route] > 0) {
      this.failing[route] -= 1;
      res.writeHead(503).end();
      return;
    }
    const body =
      route === 'discovery'
        ? { issuer: this.issuer, jwks_uri: this.jwksUrl, id_token_signing_alg_values_supported: ['RS256', 'ES256'] }
        : { keys: [...this.keys.values()].filter((k) => k.published).map((k) => k.jwk) };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }
}
