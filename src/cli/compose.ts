/**
 * `npm run compose`: writes a supergraph schema for Apollo Router from the subgraphs listed in
 * supergraph.config.json, without rover (which needs Node 22 and downloads plugins at run time).
 *
 * A dev/CI tool: @apollo/composition is Elastic-2.0 licensed and a devDependency, so this command
 * does not run in the production image (npm ci --omit=dev). Compose at build time and ship the file.
 *
 *   npm run compose -- [--config supergraph.config.json] [--output supergraph.graphql]
 *
 * `${env.IAM_SUBGRAPH_URL}` defaults to this service's address by HOST and PORT (localSubgraphUrl).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { composeServices } from '@apollo/composition';
import { GraphQLError, parse } from 'graphql';
import { z } from 'zod';
import { localOrigin } from '../shared/local-address.js';

const subgraphEntry = z.object({
  name: z.string().regex(/^[A-Za-z][\w-]*$/, 'letters, digits, _ and -, starting with a letter'),
  /** Where the router sends this subgraph's requests (and where its SDL is fetched unless `file`). */
  url: z.string().min(1),
  /** A local SDL file (relative to the config file) to use instead of fetching `_service { sdl }`. */
  file: z.string().min(1).optional(),
  /** Extra headers for the SDL fetch, e.g. router-authorization when the subgraph sets ROUTER_SECRET. */
  headers: z.record(z.string(), z.string()).optional(),
});

const composeConfig = z.object({
  output: z.string().min(1).default('supergraph.graphql'),
  subgraphs: z.array(subgraphEntry).min(1),
});

export type SubgraphEntry = z.infer<typeof subgraphEntry>;
export type ComposeConfig = z.infer<typeof composeConfig>;

export interface SubgraphSdl {
  name: string;
  url: string;
  sdl: string;
}

export type ComposeResult =
  | { ok: true; supergraphSdl: string; hints: string[] }
  | { ok: false; errors: string[] };

export class ComposeError extends Error {
  override name = 'ComposeError';
}

/** `${env.NAME}` and `${env.NAME:-default}`, the syntax router.yaml uses, so one .env serves both. */
export function expandEnv(value: string, env: NodeJS.ProcessEnv = process.env): string {
  return value.replace(/\$\{env\.([A-Za-z_]\w*)(?::-([^}]*))?\}/g, (_match, name: string, fallback: string | undefined) => {
    const given = env[name];
    if (given !== undefined && given !== '') return given;
    if (fallback !== undefined) return fallback;
    throw new ComposeError(`environment variable ${name} is not set and has no default`);
  });
}

/**
 * Where this service listens by its own settings (HOST, PORT, same defaults), as a local router
 * reaches it: a wildcard listen address becomes loopback. The default of IAM_SUBGRAPH_URL.
 */
export function localSubgraphUrl(env: NodeJS.ProcessEnv = process.env): string {
  const port = env.PORT?.trim() || '4000';
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65_535) {
    throw new ComposeError(`PORT=${port} gives no URL to route to; set IAM_SUBGRAPH_URL`);
  }
  return `${localOrigin(env.HOST ?? '', port)}/graphql`;
}

function checkUrl(name: string, url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ComposeError(`subgraph "${name}": url "${url}" is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ComposeError(`subgraph "${name}": url "${url}" is not http(s)`);
  return url;
}

export function parseComposeConfig(json: unknown, env: NodeJS.ProcessEnv = process.env): ComposeConfig {
  const parsed = composeConfig.safeParse(json);
  if (!parsed.success) {
    throw new ComposeError(`invalid config: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  const names = parsed.data.subgraphs.map((s) => s.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new ComposeError(`invalid config: subgraph name "${duplicate}" appears twice`);
  // IAM_SUBGRAPH_URL is never unset here; computed only when used, so another subgraph's config does not trip over our PORT.
  const withDefaults = (value: string): string =>
    env.IAM_SUBGRAPH_URL || !value.includes('${env.IAM_SUBGRAPH_URL') ? expandEnv(value, env) : expandEnv(value, { ...env, IAM_SUBGRAPH_URL: localSubgraphUrl(env) });
  return {
    ...parsed.data,
    subgraphs: parsed.data.subgraphs.map((s) => ({
      ...s,
      url: checkUrl(s.name, withDefaults(s.url)),
      headers: s.headers && Object.fromEntries(Object.entries(s.headers).map(([k, v]) => [k, withDefaults(v)])),
    })),
  };
}

/** The subgraph's own SDL (with its federation directives), as the router's composition needs it. */
export async function fetchSubgraphSdl(url: string, headers: Record<string, string> = {}, timeoutMs = 10_000): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query: 'query SubgraphSdl { _service { sdl } }' }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    throw new ComposeError(`cannot reach ${url} (${error instanceof Error ? error.message : String(error)}${cause})`);
  }
  const text = await response.text();
  let body: { data?: { _service?: { sdl?: unknown } } | null; errors?: { message?: string }[] };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new ComposeError(`${url} answered HTTP ${response.status} with something other than JSON: ${text.slice(0, 200)}`);
  }
  const sdl = body.data?._service?.sdl;
  if (typeof sdl !== 'string') {
    const errors = body.errors?.map((e) => e.message).join('; ') ?? 'no _service.sdl in the response';
    throw new ComposeError(`${url} answered HTTP ${response.status}: ${errors}`);
  }
  return sdl;
}

export async function loadSubgraphSdl(entry: SubgraphEntry, baseDir: string): Promise<SubgraphSdl> {
  try {
    const sdl = entry.file ? await readFile(path.resolve(baseDir, entry.file), 'utf8') : await fetchSubgraphSdl(entry.url, entry.headers);
    return { name: entry.name, url: entry.url, sdl };
  } catch (error) {
    throw new ComposeError(`subgraph "${entry.name}": ${error instanceof Error ? error.message : String(error)}`);
  }
}

function describe(error: GraphQLError, subgraph?: string): string {
  const code = typeof error.extensions.code === 'string' ? `[${error.extensions.code}] ` : '';
  // Composition errors name their subgraphs in the message; a bare line number would be ambiguous.
  const where = subgraph && error.locations?.[0] ? ` (line ${error.locations[0].line}, column ${error.locations[0].column})` : '';
  return `${subgraph ? `subgraph "${subgraph}": ` : ''}${code}${error.message}${where}`;
}

/** Composes with the same library (and satisfiability check) as Apollo's own tooling. */
export function composeSupergraph(subgraphs: readonly SubgraphSdl[]): ComposeResult {
  const services: Parameters<typeof composeServices>[0] = [];
  const parseErrors: string[] = [];
  for (const s of subgraphs) {
    try {
      services.push({ name: s.name, url: s.url, typeDefs: parse(s.sdl) });
    } catch (error) {
      parseErrors.push(error instanceof GraphQLError ? describe(error, s.name) : `subgraph "${s.name}": ${String(error)}`);
    }
  }
  if (parseErrors.length > 0) return { ok: false, errors: parseErrors };
  const result = composeServices(services);
  if (result.errors) return { ok: false, errors: result.errors.map((e) => describe(e)) };
  return { ok: true, supergraphSdl: result.supergraphSdl, hints: result.hints.map((h) => `[${h.definition.code}] ${h.message}`) };
}

export interface ComposedFromFile {
  config: ComposeConfig;
  baseDir: string;
  subgraphs: SubgraphSdl[];
  result: ComposeResult;
}

/** Reads a supergraph.config.json, loads every subgraph's SDL (file or `_service`) and composes them. */
export async function composeFromConfigFile(configPath: string, env: NodeJS.ProcessEnv = process.env): Promise<ComposedFromFile> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(configPath, 'utf8'));
  } catch (error) {
    throw new ComposeError(`cannot read ${configPath}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const config = parseComposeConfig(raw, env);
  const baseDir = path.dirname(configPath);
  const subgraphs = await Promise.all(config.subgraphs.map((entry) => loadSubgraphSdl(entry, baseDir)));
  return { config, baseDir, subgraphs, result: composeSupergraph(subgraphs) };
}

/** Composition errors and hints, as lines for stderr. */
export function describeComposition(result: ComposeResult): string[] {
  if (!result.ok) return [`Composition failed with ${result.errors.length} error(s):`, ...result.errors.map((e) => `  - ${e}`)];
  return result.hints.map((hint) => `hint: ${hint}`);
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string', default: 'supergraph.config.json' }, output: { type: 'string' } },
  });
  const { config, baseDir, subgraphs, result } = await composeFromConfigFile(path.resolve(values.config ?? 'supergraph.config.json'));
  for (const line of describeComposition(result)) console.error(line);
  if (!result.ok) return 1;
  const output = path.resolve(values.output ?? path.resolve(baseDir, config.output));
  await writeFile(output, result.supergraphSdl.endsWith('\n') ? result.supergraphSdl : `${result.supergraphSdl}\n`);
  const shown = path.relative(process.cwd(), output);
  console.log(`Wrote ${shown.startsWith('..') ? output : shown} from ${subgraphs.length} subgraph(s): ${subgraphs.map((s) => `${s.name} (${s.url})`).join(', ')}`);
  return 0;
}

// Imported by tests for its functions; run as a command only when it is the entry point.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof ComposeError ? `compose: ${error.message}` : error);
      process.exit(1);
    },
  );
}
