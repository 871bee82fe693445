import type { Principal } from '../auth/principal.js';
import type { RequestAuthz } from './request-authz.js';

/** The caller as services see it: who they are and how to ask SpiceDB about them. */
export interface Actor {
  principal: Principal;
  authz: RequestAuthz;
}
