import { startApp } from './app.js';
import type { Config } from './config.js';
import { createLogger } from './logger.js';

/**
 * A second signal within this long of the first is the same request delivered twice, not a
 * user insisting: Ctrl-C sends SIGINT to the terminal's whole process group, and `npm start`
 * forwards its own copy to the gateway when the script shell execs it (bash as `sh`: macOS,
 * Fedora; or npm's script-shell=bash). Pressing Ctrl-C twice takes longer.
 */
const REPEAT_WINDOW_MS = 1_000; // milliseconds

/**
 * Runs the gateway until SIGTERM or SIGINT: the first drains and stops it (exit 0), a second
 * one at least REPEAT_WINDOW_MS later exits at once (exit 1). The process's only signal
 * handlers are these (Apollo's are off: see startApp).
 */
export async function serve(config: Config, options: { migrate?: boolean } = {}): Promise<void> {
  const logger = createLogger(config.logLevel, { traceIds: Boolean(config.tracing) });
  const app = await startApp({ config, logger, ...options });

  let firstAt: number | undefined;
  const stop = (signal: NodeJS.Signals) => {
    if (firstAt !== undefined) {
      if (Date.now() - firstAt < REPEAT_WINDOW_MS) {
        logger.info({ signal }, 'signal repeated: still draining');
        return;
      }
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    firstAt = Date.now();
    logger.info({ signal }, 'shutting down');
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
