import { load } from './jest-global.mjs';
export default async () => (await load('./jest-global-setup.ts'))();
