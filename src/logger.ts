/**
 * The logger Baton writes through. Core code never calls `console.*`: pass your own logger
 * (pino, winston… match this shape) or use the default console logger, whose level comes from
 * BATON_LOG_LEVEL (debug, info, warn, error, silent; default info).
 */
export interface Logger {
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

export function consoleLogger(level: LogLevel = envLevel()): Logger {
  const min = LEVELS[level];
  const write = (lvl: Exclude<LogLevel, 'silent'>) => (message: string, meta?: Record<string, unknown>) => {
    if (LEVELS[lvl] < min) return;
    const line = `[baton] ${lvl.padEnd(5)} ${message}${meta === undefined ? '' : ` ${JSON.stringify(meta)}`}`;
    (lvl === 'error' || lvl === 'warn' ? console.error : console.log)(line);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function envLevel(): LogLevel {
  const v = process.env.BATON_LOG_LEVEL;
  return v !== undefined && v in LEVELS ? (v as LogLevel) : 'info';
}
