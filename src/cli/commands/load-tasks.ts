/**
 * Loads a task module for `baton worker`: every exported task definition (named exports, or
 * a default export that is a task, an array of tasks or an object of tasks). `.ts` modules
 * load through tsx when it is installed.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isTaskDefinition, type AnyTask } from '../../cluster/define-task.js';

export async function loadTasks(modulePath: string): Promise<AnyTask[]> {
  const file = resolve(modulePath);
  if (!existsSync(file)) throw new Error(`task module ${modulePath} does not exist`);
  const url = pathToFileURL(file).href;
  const mod = (/\.(c|m)?ts$/.test(file) ? await importTypeScript(url, modulePath) : await import(url)) as Record<string, unknown>;
  const found = new Map<string, AnyTask>();
  const collect = (value: unknown) => {
    if (isTaskDefinition(value)) found.set(value.name, value);
    else if (Array.isArray(value)) value.forEach(collect);
    else if (value !== null && typeof value === 'object' && !isTaskDefinition(value)) Object.values(value).forEach((v) => isTaskDefinition(v) && found.set(v.name, v));
  };
  for (const value of Object.values(mod)) collect(value);
  if (found.size === 0) throw new Error(`task module ${modulePath} exports no task: export the result of defineTask({ name, run })`);
  return [...found.values()];
}

async function importTypeScript(url: string, modulePath: string): Promise<unknown> {
  let api: { tsImport: (specifier: string, parent: string) => Promise<unknown> };
  try {
    api = (await import('tsx/esm/api' as string)) as typeof api;
  } catch {
    throw new Error(`${modulePath} is TypeScript: install tsx (npm i -D tsx) to load it, or compile it to .js`);
  }
  return api.tsImport(url, import.meta.url);
}
