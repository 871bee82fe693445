import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createJwtVerifier, type JwtVerifier } from '../../../src/auth/jwt-verifier.js';
import { createLogger } from '../../../src/logger.js';
import { TestOidcProvider } from '../../support/oidc-provider.js';

const logger = createLogger('silent');

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('JWT verifier', () => {
  let provider: TestOidcProvider;
  let rsKid: string;
  let esKid: string;
  let verifier: JwtVerifier;

  beforeAll(async () => {
    provider = await TestOidcProvider.start();
    rsKid = await provider.addKey('RS256');
    esKid = await provider.addKey('ES256');
    verifier = createJwtVerifier({ issuer: provider.issuer, audience: provider.audience, logger });
  });
  afterAll(async () => provider.close());
  afterEach(() => {
    vi.useRealTimers();
  });

  it('accepts RS256 and ES256 tokens, discovering and fetching the keys once', async () => {
    for (const kid of [rsKid, esKid, rsKid, esKid]) {
      const claims = await verifier.verify(await provider.sign({ sub: `user-${kid}` }, { kid }));
      expect(claims).toMatchObject({ iss: provider.issuer, sub: `user-${kid}`, aud: provider.audience });
    }
    expect(provider.fetches).toEqual({ discovery: 1, jwks: 1 });
  });

  // The cause (jose's error, logged but not shown to clients) proves each token fails the intended check.
  const rejections: [string, () => Promise<string>, string, Record<string, unknown>][] = [
    ['a wrong issuer', () => provider.sign({ sub: 'u' }, { issuer: 'http://127.0.0.1:1/realms/other' }), 'TOKEN_INVALID', { claim: 'iss' }],
    ['a wrong audience', () => provider.sign({ sub: 'u' }, { audience: 'someone-else' }), 'TOKEN_INVALID', { claim: 'aud' }],
    ['an expired token', () => provider.sign({ sub: 'u' }, { expiresIn: -120 }), 'TOKEN_EXPIRED', { code: 'ERR_JWT_EXPIRED' }],
    ['a token without exp', () => provider.sign({ sub: 'u' }, { expiresIn: null }), 'TOKEN_INVALID', { claim: 'exp', reason: 'missing' }],
    ['a token without sub', () => provider.sign({}), 'TOKEN_INVALID', { claim: 'sub', reason: 'missing' }],
    ['an empty sub', () => provider.sign({ sub: '' }), 'TOKEN_INVALID', { message: expect.stringContaining('sub') }],
    [
      'alg HS256 (keyed with the public RSA key id)',
      () =>
        new SignJWT({ sub: 'u' })
          .setProtectedHeader({ alg: 'HS256', kid: rsKid })
          .setIssuer(provider.issuer)
          .setAudience(provider.audience)
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!')),
      'TOKEN_INVALID',
      { code: 'ERR_JOSE_ALG_NOT_ALLOWED' },
    ],
    [
      'alg none',
      async () =>
        `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({
          sub: 'u',
          iss: provider.issuer,
          aud: provider.audience,
          exp: Math.floor(Date.now() / 1000) + 300,
        })}.`,
      'TOKEN_INVALID',
      { code: 'ERR_JOSE_ALG_NOT_ALLOWED' },
    ],
    ['garbage', async () => 'not.a.jwt', 'TOKEN_INVALID', { code: 'ERR_JWS_INVALID' }],
  ];

  it.each(rejections)('rejects %s', async (_label, makeToken, reason, cause) => {
    const error = await verifier.verify(await makeToken()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UNAUTHENTICATED', reason, cause });
  });

  it('rejects a token signed by a key the provider does not publish, and one whose signature was forged', async () => {
    const hidden = await provider.addKey('RS256', { published: false });
    await expect(verifier.verify(await provider.sign({ sub: 'u' }, { kid: hidden }))).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: 'TOKEN_INVALID',
      cause: { code: 'ERR_JWKS_NO_MATCHING_KEY' },
    });
    const [header, payload] = (await provider.sign({ sub: 'u' }, { kid: rsKid })).split('.');
    const forgedSignature = (await provider.sign({ sub: 'other' }, { kid: rsKid })).split('.')[2];
    await expect(verifier.verify(`${header}.${payload}.${forgedSignature}`)).rejects.toMatchObject({
      reason: 'TOKEN_INVALID',
      cause: { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' },
    });
  });

  it('refreshes the key set when a token names an unknown kid, at most once per cooldown', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const rotating = await TestOidcProvider.start();
    try {
      const oldKid = await rotating.addKey('RS256');
      const fresh = createJwtVerifier({ issuer: rotating.issuer, audience: rotating.audience, logger });
      await fresh.verify(await rotating.sign({ sub: 'u' }, { kid: oldKid }));
      expect(rotating.fetches.jwks).toBe(1);

      // Forged kids right after a fetch do not make us fetch again.
      await expect(fresh.verify(await rotating.sign({ sub: 'u' }, { kid: await rotating.addKey('RS256', { published: false }) }))).rejects.toMatchObject({
        reason: 'TOKEN_INVALID',
      });
      expect(rotating.fetches.jwks).toBe(1);

      // The provider rotates: the new key is published and signs from now on.
      const newKid = await rotating.addKey('ES256');
      vi.setSystemTime(Date.now() + 11_000);
      const claims = await fresh.verify(await rotating.sign({ sub: 'rotated' }, { kid: newKid }));
      expect(claims.sub).toBe('rotated');
      expect(rotating.fetches.jwks).toBe(2);

      // Both keys are now cached; nothing is fetched again.
      await fresh.verify(await rotating.sign({ sub: 'u' }, { kid: oldKid }));
      await fresh.verify(await rotating.sign({ sub: 'u' }, { kid: newKid }));
      expect(rotating.fetches).toEqual({ discovery: 1, jwks: 2 });
    } finally {
      await rotating.close();
    }
  });

  it('does not remember a failed discovery or key fetch: the next request tries again', async () => {
    const flaky = await TestOidcProvider.start();
    try {
      const kid = await flaky.addKey('ES256');
      const fresh = createJwtVerifier({ issuer: flaky.issuer, audience: flaky.audience, logger });
      const token = await flaky.sign({ sub: 'u' }, { kid });

      flaky.failing.discovery = 1;
      await expect(fresh.verify(token)).rejects.toMatchObject({ code: 'INTERNAL_SERVER_ERROR', reason: 'OIDC_UNAVAILABLE' });
      flaky.failing.jwks = 1;
      await expect(fresh.verify(token)).rejects.toMatchObject({ code: 'INTERNAL_SERVER_ERROR', reason: 'OIDC_UNAVAILABLE' });
      await expect(fresh.verify(token)).resolves.toMatchObject({ sub: 'u' });
      expect(flaky.fetches).toEqual({ discovery: 2, jwks: 2 });
    } finally {
      await flaky.close();
    }
  });

  it('uses a configured JWKS URL without discovery', async () => {
    const direct = await TestOidcProvider.start();
    try {
      const kid = await direct.addKey('RS256');
      const fresh = createJwtVerifier({ issuer: direct.issuer, audience: direct.audience, jwksUrl: direct.jwksUrl, logger });
      await expect(fresh.verify(await direct.sign({ sub: 'u' }, { kid }))).resolves.toMatchObject({ sub: 'u' });
      expect(direct.fetches).toEqual({ discovery: 0, jwks: 1 });
    } finally {
      await direct.close();
    }
  });
});
