const WILDCARD_HOSTS: Readonly<Record<string, string>> = { '0.0.0.0': '127.0.0.1', '::': '::1', '[::]': '::1' };

/**
 * The origin at which a process on this machine reaches a server listening on `host`:`port`. A
 * wildcard listen address (the image's 0.0.0.0) becomes loopback; IPv6 literals get brackets.
 */
export function localOrigin(host: string, port: number | string): string {
  const given = host.trim() || '127.0.0.1';
  const reachable = WILDCARD_HOSTS[given] ?? given;
  return `http://${reachable.includes(':') && !reachable.startsWith('[') ? `[${reachable}]` : reachable}:${port}`;
}
