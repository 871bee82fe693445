/** A person known to the service, identified by their identity provider's issuer and subject. */
export interface User {
  id: string;
  /** From `preferred_username` (or `sub`); not unique: two issuers may both have an "alice". */
  username: string;
  name: string | null;
  email: string | null;
  createdAt: Date;
}

/** Who a user is at their identity provider, as read from a validated token. */
export interface Identity {
  issuer: string;
  subject: string;
  username: string;
  name: string | null;
  email: string | null;
}
