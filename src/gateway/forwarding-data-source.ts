import type { IncomingHttpHeaders } from 'node:http';
import { RemoteGraphQLDataSource } from '@apollo/gateway';

export interface GatewayContext {
  headers: IncomingHttpHeaders;
}

/** What router.yaml propagates to every subgraph: the caller's credentials and the request id. */
export const FORWARDED_HEADERS = ['authorization', 'x-api-key', 'x-request-id'] as const;

type SendRequest = Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['willSendRequest']>>[0];

/**
 * A subgraph fetch as router.yaml makes it: the client's credentials forwarded (blank ones are not
 * credentials and stay behind), then `router-authorization` inserted from ROUTER_SECRET, never
 * taken from the client.
 */
export class ForwardingDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    url: string,
    private readonly routerSecret: string | undefined,
  ) {
    super({ url });
  }

  override willSendRequest({ request, context }: SendRequest): void {
    const headers = request.http?.headers;
    if (!headers) return;
    // Query planning (the gateway's own requests) runs without a client context.
    const incoming = (context as Partial<GatewayContext>).headers ?? {};
    for (const name of FORWARDED_HEADERS) {
      const value = incoming[name];
      if (typeof value === 'string' && value.trim() !== '') headers.set(name, value);
    }
    headers.delete('router-authorization');
    if (this.routerSecret) headers.set('router-authorization', this.routerSecret);
  }
}
