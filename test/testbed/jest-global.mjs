// Jest loads global setup/teardown outside its ESM transform, so these shims load the TypeScript
// with tsx instead (one place; the logic lives in jest-global-setup.ts / jest-global-teardown.ts).
import { tsImport } from 'tsx/esm/api';

export async function load(file) {
  return (await tsImport(file, import.meta.url)).default;
}
