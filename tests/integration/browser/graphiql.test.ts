import { existsSync } from 'node:fs';
import { get, type IncomingHttpHeaders } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../support/server.js';

const BROWSER_HTML_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(executablePath);
// .ci/run installs Debian's chromium and sets REQUIRE_CHROMIUM=1, so CI fails rather than skips.
const requireChromium = process.env.REQUIRE_CHROMIUM === '1';
if (!haveChromium && !requireChromium) {
  console.warn(`GraphiQL browser test skipped: no Chromium at ${executablePath} (apt-get install chromium, or set CHROMIUM_PATH). .ci/run installs it.`);
}

describe('offline GraphiQL', () => {
  let server: TestServer;
  let browser: Browser | undefined;

  beforeAll(async () => {
    server = await startTestServer();
    if (haveChromium) {
      browser = await chromium.launch({
        executablePath,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
        // Second line of defence behind page.route: anything it cannot see (a worker's fetch) dies at a dead proxy.
        proxy: { server: 'http://127.0.0.1:9', bypass: '127.0.0.1' },
      });
    }
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const page = (headers: Record<string, string>, path = '/graphql'): Promise<RawResponse> =>
    rawGet(new URL(path, server.url), { accept: BROWSER_HTML_ACCEPT, ...headers });

  it('serves the inlined page to browsers, precompressed, with a strong ETag', async () => {
    const identity = await page({ 'accept-encoding': 'identity' });
    expect(identity.status).toBe(200);
    expect(identity.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(identity.headers.vary).toBe('Accept, Accept-Encoding');
    expect(identity.headers['cache-control']).toBe('public, max-age=3600');
    const html = identity.body;
    expect(html.length).toBeGreaterThan(1_000_000);
    expect(html.toString()).toContain('<title>iam-subgraph</title>');
    // Nothing is loaded from elsewhere: no external script or stylesheet.
    expect(html.toString()).not.toMatch(/<(script|link)[^>]+(src|href)="https?:/);

    const etags = new Set([identity.headers.etag]);
    for (const [encoding, decode] of [['br', brotliDecompressSync], ['gzip', gunzipSync]] as const) {
      const response = await page({ 'accept-encoding': encoding });
      expect(response.headers['content-encoding']).toBe(encoding);
      expect(response.body.length).toBeLessThan(html.length / 3);
      expect(decode(response.body).equals(html)).toBe(true);
      etags.add(response.headers.etag);
    }
    // One strong validator per representation.
    expect(etags.size).toBe(3);
    expect((await page({ 'accept-encoding': 'gzip, deflate, br, zstd' })).headers['content-encoding']).toBe('br');
    expect((await page({ 'accept-encoding': 'br;q=0.5, gzip' })).headers['content-encoding']).toBe('gzip');
    expect((await page({})).headers['content-encoding']).toBeUndefined();

    const etag = identity.headers.etag ?? '';
    expect(etag).toMatch(/^"[\w-]+"$/);
    const revalidated = await page({ 'accept-encoding': 'identity', 'if-none-match': etag });
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers.etag).toBe(etag);
    expect(revalidated.body.length).toBe(0);
    expect((await page({ 'accept-encoding': 'identity', 'if-none-match': '"something-else"' })).status).toBe(200);
  });

  it('leaves GraphQL GETs and non-browser clients to Apollo', async () => {
    const preflight = { 'apollo-require-preflight': 'true' };
    const withQuery = await fetch(`${server.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { accept: BROWSER_HTML_ACCEPT, ...preflight } });
    expect(withQuery.headers.get('content-type')).toMatch(/json/);
    expect(await withQuery.json()).toEqual({ data: { __typename: 'Query' } });

    const curlLike = await fetch(server.url, { headers: { accept: '*/*', ...preflight } });
    expect(curlLike.headers.get('content-type')).toMatch(/json/);
    expect(curlLike.status).toBe(400);

    const post = await server.gql('{ __typename }');
    expect(post.data).toEqual({ __typename: 'Query' });
  });

  // Skipped only on a developer machine without Chromium (see the warning above).
  it.skipIf(!haveChromium && !requireChromium)('runs a query in headless Chromium with no internet access', async () => {
    if (!browser) throw new Error(`no browser: Chromium not found at ${executablePath}`);
    const origin = new URL(server.url).origin;
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const attempted: string[] = [];
    const local = (url: string): boolean => url.startsWith(`${origin}/`) || url.startsWith(`blob:${origin}/`) || url.startsWith('data:');
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (local(url)) return route.continue();
      attempted.push(url);
      return route.abort('internetdisconnected');
    });
    context.on('request', (request) => {
      if (!local(request.url())) attempted.push(request.url());
    });
    const tab = await context.newPage();
    const pageErrors: string[] = [];
    tab.on('pageerror', (error) => pageErrors.push(error.message));

    await tab.goto(server.url);
    await tab.locator('.graphiql-query-editor .monaco-editor').waitFor();
    await replaceEditorText(tab, '.graphiql-editor-tool .monaco-editor[data-uri$="headers.json"]', `{"X-API-Key": "${server.adminKey}"}`);
    await replaceEditorText(tab, '.graphiql-query-editor .monaco-editor', 'query Me { viewer { user { username } } }');
    // GraphiQL picks up the operation name after a debounce; the tab title shows when it has.
    await expect.poll(() => tab.locator('.graphiql-tab-active').innerText()).toBe('Me');
    await tab.locator('.graphiql-execute-button').click();

    const result = tab.locator('.graphiql-response .monaco-editor .view-lines');
    await expect.poll(() => editorText(result), { timeout: 15_000 }).toContain('"username": "bootstrap-admin"');
    await tab.screenshot({ path: '/tmp/iam-subgraph-graphiql.png' });
    expect(attempted).toEqual([]);
    expect(pageErrors).toEqual([]);
    await context.close();
  }, 60_000);
});

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A GET that leaves the body as sent: fetch() would undo the Content-Encoding under test. */
function rawGet(url: URL, headers: Record<string, string>): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    }).on('error', reject);
  });
}

/** Monaco renders spaces as no-break spaces. */
async function editorText(lines: ReturnType<Page['locator']>): Promise<string> {
  return (await lines.innerText()).replace(/\u00a0/g, ' ');
}

/** Replaces a Monaco editor's content the way a user would: click, select all, type. */
async function replaceEditorText(page: Page, editor: string, text: string): Promise<void> {
  const lines = page.locator(`${editor} .view-lines`);
  await lines.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  // insertText bypasses Monaco's auto-closing of brackets and quotes, which typing key by key would trigger.
  await page.keyboard.insertText(text);
  await expect.poll(() => editorText(lines).then((t) => t.replace(/\s+/g, ''))).toBe(text.replace(/\s+/g, ''));
}
