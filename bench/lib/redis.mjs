/**
 * The machine's Redis, for BullMQ. BullMQ's production guide asks for AOF persistence with an
 * fsync every second; `withRecommendedPersistence` turns that on for the duration of the
 * BullMQ runs and puts the server's own settings back afterwards (also on Ctrl-C).
 */
import { spawnSync } from 'node:child_process';
import { REDIS_URL } from './env.mjs';

const url = new URL(REDIS_URL);
function cli(...args) {
  const r = spawnSync('redis-cli', ['-h', url.hostname, '-p', url.port || '6379', ...args], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (r.error || r.status !== 0) throw new Error(`redis-cli ${args.join(' ')}: ${r.error?.message ?? r.stderr}`);
  return r.stdout.trim();
}

/** Null when Redis answers, else the reason. */
export function redisUnavailable() {
  try {
    return cli('PING') === 'PONG' ? null : 'Redis did not answer PING';
  } catch (err) {
    return `no Redis at ${REDIS_URL}: ${err.message}`;
  }
}

const getConfig = (key) => cli('CONFIG', 'GET', key).split('\n')[1];

async function aofSettled() {
  for (let i = 0; i < 600; i++) {
    const info = cli('INFO', 'persistence');
    if (/aof_rewrite_in_progress:0/.test(info) && !/aof_rewrite_scheduled:1/.test(info)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function withRecommendedPersistence(fn) {
  const before = { appendonly: getConfig('appendonly'), appendfsync: getConfig('appendfsync') };
  const restore = () => {
    cli('CONFIG', 'SET', 'appendfsync', before.appendfsync);
    cli('CONFIG', 'SET', 'appendonly', before.appendonly);
  };
  const onSignal = () => {
    restore();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  try {
    cli('CONFIG', 'SET', 'appendonly', 'yes');
    cli('CONFIG', 'SET', 'appendfsync', 'everysec');
    await aofSettled();
    return await fn({ appendonly: 'yes', appendfsync: 'everysec', serverHad: before });
  } finally {
    process.off('SIGINT', onSignal);
    restore();
  }
}
