/** What every command shares: the store option, --json, and one way to open a Client. */
import { Client } from '../cluster/client.js';
import { defaultStoreUrl } from '../store/open-store.js';

export interface GlobalOptions {
  store?: string;
  json?: boolean;
}

export function storeUrl(o: GlobalOptions): string {
  return o.store ?? defaultStoreUrl();
}

/** Opens a Client and surfaces an unreachable store as the command's error, then closes it. */
export async function withClient<T>(o: GlobalOptions, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ store: storeUrl(o) });
  try {
    await client.store();
    return await fn(client);
  } finally {
    await client.close().catch(() => undefined);
  }
}

export function print(text: string): void {
  process.stdout.write(`${text}\n`);
}
