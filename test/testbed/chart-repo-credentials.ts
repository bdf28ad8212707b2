/** Charts under /private/ of the test bed's chart repository need HTTP Basic auth with these. */
export const chartRepoCredentials = { username: 'testbed', password: 'testbed-charts-secret-51d0' };
