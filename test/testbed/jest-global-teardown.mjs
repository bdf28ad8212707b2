import { load } from './jest-global.mjs';
export default async () => (await load('./jest-global-teardown.ts'))();
