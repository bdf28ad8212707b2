/** Repos on the test bed's git server whose name starts with `private-` need HTTP Basic auth with these. */
export const privateRepoCredentials = { username: 'testbed', password: 'testbed-secret-token-3f9a' };
