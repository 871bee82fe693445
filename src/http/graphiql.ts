import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlibConstants, gzip } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { graphiqlStart, type SignInHint } from './graphiql-start.js';

type Encoding = 'br' | 'gzip' | 'identity';
const ENCODINGS: readonly Encoding[] = ['br', 'gzip', 'identity'];

// Brotli 5 squeezes the 9 MB page to about 1.9 MB in about a second, once; 11 would take half a minute.
const compressors: Record<Exclude<Encoding, 'identity'>, (body: Buffer) => Promise<Buffer>> = {
  br: (body) =>
    promisify(brotliCompress)(body, {
      params: {
        [zlibConstants.BROTLI_PARAM_QUALITY]: 5,
        [zlibConstants.BROTLI_PARAM_MODE]: zlibConstants.BROTLI_MODE_TEXT,
        [zlibConstants.BROTLI_PARAM_SIZE_HINT]: body.length,
      },
    }),
  gzip: (body) => promisify(gzip)(body, { level: 6 }),
};

type ConstraintStrategy = Parameters<FastifyInstance['addConstraintStrategy']>[0];
type RouteStore = NonNullable<ReturnType<ReturnType<ConstraintStrategy['storage']>['get']>>;

interface Representation {
  body: Buffer;
  etag: string;
}

/** A `type;q=0.5, other` header as name → quality; names lower-cased, parameters other than q dropped. */
function qualities(header: string | undefined): Map<string, number> {
  const result = new Map<string, number>();
  for (const part of (header ?? '').split(',')) {
    const [name = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (!name) continue;
    const q = params.find((p) => p.startsWith('q='));
    const value = q === undefined ? 1 : Number(q.slice(2));
    result.set(name, Number.isFinite(value) ? value : 0);
  }
  return result;
}

function mediaQuality(accepted: Map<string, number>, type: string): number {
  return accepted.get(type) ?? accepted.get(`${type.split('/')[0]}/*`) ?? accepted.get('*/*') ?? 0;
}

/**
 * A browser navigating to the endpoint: GET, no GraphQL parameters, and HTML preferred over JSON.
 * An Accept of "anything" alone (curl, fetch) ranks both equally and so still reaches Apollo.
 */
export function wantsGraphiQL(request: Pick<IncomingMessage, 'method' | 'url' | 'headers'>): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const search = new URLSearchParams((request.url ?? '').split('?')[1] ?? '');
  if (search.has('query') || search.has('extensions')) return false;
  const accepted = qualities(request.headers.accept);
  const html = mediaQuality(accepted, 'text/html');
  const json = Math.max(mediaQuality(accepted, 'application/json'), mediaQuality(accepted, 'application/graphql-response+json'));
  return html > 0 && html > json;
}

export function negotiateEncoding(header: string | undefined): Encoding {
  const accepted = qualities(header);
  // Unlisted identity stays acceptable (RFC 9110 §12.5.3) but ranks below anything listed.
  const q = (encoding: Encoding): number =>
    accepted.get(encoding) ?? (encoding === 'identity' ? (accepted.get('*') === 0 ? 0 : 0.001) : accepted.get('*') ?? 0);
  let best: Encoding = 'identity';
  let bestQ = 0;
  // Ties go to the smaller body: br, then gzip.
  for (const encoding of ENCODINGS) {
    if (q(encoding) > bestQ) [best, bestQ] = [encoding, q(encoding)];
  }
  return best;
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  // If-None-Match uses the weak comparison: W/ prefixes do not matter.
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === etag;
  });
}

/** Memoizes a promise, but forgets a rejected one so that the next call tries again. */
function memo<T>(fn: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    if (!value) {
      value = fn();
      value.catch(() => {
        value = undefined;
      });
    }
    return value;
  };
}

/**
 * Serves the offline GraphiQL page (everything inlined, no CDN) on GET `endpoint` to browsers;
 * GraphQL GETs and POSTs on the same path still reach Apollo. The 9 MB page is rendered on first
 * use (the module is not even loaded before), and each encoding is compressed once and kept.
 */
export async function registerGraphiQL(app: FastifyInstance, endpoint: string, options: { title: string; signIn: SignInHint }): Promise<void> {
  const start = graphiqlStart(options.signIn);
  const page = memo(async () => {
    const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
    const body = Buffer.from(
      renderGraphiQL({
        endpoint,
        title: options.title,
        defaultQuery: start.query,
        headers: start.headers,
        defaultHeaders: start.headers,
        // Opens the headers pane, where the API key goes.
        defaultEditorToolsVisibility: 'headers',
      }),
    );
    return { body, hash: createHash('sha256').update(body).digest('base64url').slice(0, 27) };
  });
  const encoded = (encoding: Encoding): (() => Promise<Representation>) =>
    memo(async () => {
      const { body, hash } = await page();
      if (encoding === 'identity') return { body, etag: `"${hash}"` };
      // Each encoding is its own representation, so each gets its own strong validator.
      return { body: await compressors[encoding](body), etag: `"${hash}-${encoding}"` };
    });
  const representations: Record<Encoding, () => Promise<Representation>> = {
    br: encoded('br'),
    gzip: encoded('gzip'),
    identity: encoded('identity'),
  };

  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const encoding = negotiateEncoding(request.headers['accept-encoding']);
    const { body, etag } = await representations[encoding]();
    void reply
      .header('content-type', 'text/html; charset=utf-8')
      // The same URL answers JSON to GraphQL clients, so caches must key on Accept too.
      .header('vary', 'Accept, Accept-Encoding')
      .header('cache-control', 'public, max-age=3600')
      .header('etag', etag)
      .header('x-content-type-options', 'nosniff');
    if (matchesEtag(request.headers['if-none-match'], etag)) return reply.code(304).send();
    if (encoding !== 'identity') void reply.header('content-encoding', encoding);
    return reply.send(body);
  };

  registerBrowserRoute(app, endpoint, handler);
}

const DISABLED_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>GraphiQL is disabled</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>GraphiQL is disabled on this server</h1>
<p>This endpoint serves GraphQL: send <code>POST</code> requests with <code>content-type: application/json</code>.</p>
<p>Operators can enable the in-browser IDE with <code>GRAPHIQL=true</code> (it is off when <code>NODE_ENV=production</code>).</p>
</body></html>
`;

/** When GraphiQL is off, a browser still gets a page that says so, instead of Apollo's CSRF error. */
export function registerGraphiQLDisabled(app: FastifyInstance, endpoint: string): void {
  registerBrowserRoute(app, endpoint, async (_request, reply) =>
    reply.code(404).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(DISABLED_PAGE),
  );
}

/**
 * A route constraint rather than a hook: only browser navigations take this route, everything
 * else on the path falls through to Apollo's unconstrained route.
 */
function registerBrowserRoute(app: FastifyInstance, endpoint: string, handler: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>): void {
  app.addConstraintStrategy({
    name: 'graphiql',
    storage() {
      const stores = new Map<unknown, RouteStore>();
      return { get: (value) => stores.get(value) ?? null, set: (value, store) => void stores.set(value, store) };
    },
    deriveConstraint: (request: IncomingMessage) => (wantsGraphiQL(request) ? 'page' : undefined),
    mustMatchWhenDerived: false,
  });
  app.route({ method: 'GET', url: endpoint, constraints: { graphiql: 'page' }, handler });
}
