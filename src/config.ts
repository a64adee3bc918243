import { z } from 'zod';

/**
 * All configuration, read from the environment in this one place, validated and frozen.
 * Every default and unit is written where it is declared.
 */
const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  // Loopback by default: the embedded default has no auth yet. The container image sets 0.0.0.0.
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // A store operation slower than this is logged with its duration.
  SLOW_STORE_OP_MS: z.coerce.number().int().min(0).default(200), // milliseconds
  // Sized for a 100,000-tick insertTicks batch (~110 bytes a tick as JSON) with room to spare.
  BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(32 * 1024 * 1024), // 32 MiB
  MAX_TICKS_PER_INSERT: z.coerce.number().int().positive().default(100_000),
  // Demo instruments, accounts and a day of ticks on first start of an empty store.
  SEED_DEMO_DATA: z.stringbool().default(true),
});

export type Config = Readonly<{
  port: number;
  host: string;
  dataDir: string;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  slowStoreOpMs: number;
  bodyLimitBytes: number;
  maxTicksPerInsert: number;
  seedDemoData: boolean;
}>;

export class ConfigError extends Error {}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    dataDir: e.DATA_DIR,
    logLevel: e.LOG_LEVEL,
    slowStoreOpMs: e.SLOW_STORE_OP_MS,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    maxTicksPerInsert: e.MAX_TICKS_PER_INSERT,
    seedDemoData: e.SEED_DEMO_DATA,
  });
}
