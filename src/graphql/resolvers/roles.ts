/**
 * Roles are stored and used in lower case ('admin'), the GraphQL enums are upper case (ADMIN): the
 * one translation, at the resolver boundary. Uppercase/Lowercase keep each role union exact.
 */
export const toGraphQLRole = <R extends string>(role: R): Uppercase<R> => role.toUpperCase() as Uppercase<R>;
export const fromGraphQLRole = <R extends string>(role: R): Lowercase<R> => role.toLowerCase() as Lowercase<R>;

/** A mutation input with its GraphQL role translated. */
export const withRole = <I extends { role: string }>(input: I): Omit<I, 'role'> & { role: Lowercase<I['role']> } => ({ ...input, role: fromGraphQLRole(input.role) });
