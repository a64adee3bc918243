import { startApp } from './app.js';
import type { Config } from './config.js';
import { createLogger } from './logger.js';

/**
 * Runs the gateway until SIGTERM or SIGINT: the first drains and stops it (exit 0), a second
 * exits at once (exit 1).
 */
export async function serve(config: Config, options: { migrate?: boolean } = {}): Promise<void> {
  const logger = createLogger(config.logLevel, { traceIds: Boolean(config.tracing) });
  const app = await startApp({ config, logger, ...options });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
